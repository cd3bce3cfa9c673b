"""ClassDashboard on the local store of a class the real agents answered."""

import asyncio
import csv
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ipywidgets.embed import dependency_state
from learnflow_agents.contracts import StruggleAlert, StruggleLevel
from learnflow_agents.store import UsageCall
from learnflow_agents.store.schema import agent_heartbeats

from learnflow_ext.instructor import ClassDashboard, LocalStoreSource, charts
from learnflow_ext.instructor.dashboard import STUDENT_TAB
from tests.instructor.stack import STRUGGLER


def test_the_dashboard_draws_the_class(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, live=False)
    heat = dash.heatmap
    assert list(heat.students) == ["alice", "bob", "carol", "dave"]
    assert list(heat.topics) == ["boolean-logic", "dicts", "indexing"]
    carol = list(heat.z[2])
    assert carol[0] is not None and carol[0] < 0.2 and carol[1] is None  # no evidence is blank, not 0
    assert STRUGGLER in dash.alerts.value and "Recommendation:" in dash.alerts.value
    assert "3 failed attempts on exercise can-ride" in dash.alerts.value
    assert "NEW" not in dash.alerts.value  # what was there when it opened is not news
    assert dash.errors.labels == ["IndexError", "KeyError"]
    assert dash.errors.values == [2, 1]
    assert "IndexError" in dash.errors.value and "2 students" in dash.errors.value
    assert dash.pass_rates.labels == ["can-ride"]
    assert dash.pass_rates.values == [pytest.approx(1 / 5)]
    assert "solved by 1/2 students" in dash.pass_rates.texts[0] and "20%" in dash.pass_rates.value
    for agent in ("triage", "debug", "exercise", "progress"):
        assert f">{agent}<" in dash.agents.value
    assert list(dash.course.options) == ["(all)", "py101", "py202"]
    assert list(dash.student.options) == ["alice", "bob", "carol", "dave"]
    assert "4 students" in dash.status.value and "1 struggling" in dash.status.value
    dash.close()


def test_filtering_by_course(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, live=False)
    dash.course.value = "py202"  # observing the dropdown refreshes
    assert dash.heatmap.students == ["dave"]
    assert dash.errors.labels == [] and dash.pass_rates.labels == []
    assert "No struggle alerts" in dash.alerts.value
    dash.course.value = "(all)"
    assert len(dash.heatmap.students) == 4
    dash.close()


def test_drilling_into_a_student_shows_their_queries_and_replies(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, live=False)
    dash.student.value = "bob"
    html = dash.conversation.value
    assert "Recent queries from bob" in html
    assert html.count('class="lf-query"') == 2
    assert "KeyError" in html and "IndexError" in html
    assert "<b>debug</b>" in html and "<b>concepts</b>" in html
    assert "alice" not in html
    dash.show_student("nobody")
    assert "No queries from nobody" in dash.conversation.value
    dash.close()


def test_llm_usage_comes_from_the_heartbeats(local_source: LocalStoreSource) -> None:
    # The engine's own debug heartbeat counts what it handled before it stopped (timing-dependent).
    (engine,) = [a for a in local_source.agents() if a.agent == "debug"]
    local_source.store.heartbeat(
        "debug",
        "pod-2",
        {
            "handled": 7,
            "lag": 3,
            "llm": {"provider": "claude", "tokens": {"in": 1200, "out": 300}, "cost_usd": 0.02},
        },
    )
    dash = ClassDashboard(local_source, live=False)
    debug = next(a for a in dash.snapshot.agents if a.agent == "debug")  # type: ignore[union-attr]
    assert (debug.instances, debug.provider) == (2, "claude")
    assert (debug.handled, debug.lag) == (engine.handled + 7, engine.lag + 3)
    names = dash.usage.labels
    assert dash.usage.series["tokens in"][names.index("debug")] == 1200
    assert dash.usage.series["tokens out"][names.index("debug")] == 300
    assert "$0.0200" in dash.agents.value
    dash.close()


def test_model_usage_today_per_course_and_student_against_the_budgets(
    local_source: LocalStoreSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNFLOW_LLM_COURSE_DAILY_TOKENS", "2000")
    today = datetime.now(UTC).date()
    for student, agent, asked in (
        ("alice", "debug", True),
        ("alice", "triage", False),
        ("bob", "concepts", True),
    ):
        call = UsageCall(
            today, "py101", student, agent, "anthropic", "claude-sonnet-5-5", asked, 1_000, 100, 0.0045
        )
        local_source.store.record_llm_usage(call)
    dash = ClassDashboard(local_source, live=False)
    usage = dash.snapshot.usage  # type: ignore[union-attr]
    assert usage is not None and usage.course_tokens == 2_000 and usage.student_tokens == 200_000
    alice = next(s for s in usage.students if s.student_id == "alice")
    assert (alice.asked.tokens, alice.total.tokens, alice.total.requests) == (1_100, 2_200, 2)
    (py101,) = usage.courses
    assert py101.used.tokens == 3_300
    assert (
        py101.over_budget == "your course's daily budget of 2,000 tokens is used up (3,300 tokens used today)"
    )
    html = dash.spend.value
    assert "per course: 2,000 tokens" in html and "3,300 tokens" in html and "2,000 tokens is used up" in html
    assert html.count("<tr>") == 3  # the header, alice and bob
    dash.close()


def test_csv_export(local_source: LocalStoreSource, tmp_path: Path) -> None:
    dash = ClassDashboard(local_source, live=False, export_dir=tmp_path / "out")
    paths = dash.export()
    assert [p.name for p in paths] == [
        "mastery.csv",
        "struggles.csv",
        "errors.csv",
        "exercises.csv",
        "agents.csv",
    ]

    def rows(name: str) -> list[list[str]]:
        with (tmp_path / "out" / name).open(newline="") as f:
            return list(csv.reader(f))

    mastery = rows("mastery.csv")
    assert mastery[0] == ["student", "boolean-logic", "dicts", "indexing"]
    assert [r[0] for r in mastery[1:]] == ["alice", "bob", "carol", "dave"]
    carol = mastery[3]
    assert float(carol[1]) < 0.2 and carol[2] == "" and carol[3] == ""
    struggles = rows("struggles.csv")
    assert len(struggles) == 2 and struggles[1][0] == STRUGGLER and struggles[1][4] == "boolean-logic"
    assert "3 failed attempts on exercise can-ride" in struggles[1][7]
    assert rows("errors.csv")[1:] == [["IndexError", "2", "2"], ["KeyError", "1", "1"]]
    assert rows("exercises.csv")[1:] == [["can-ride", "boolean-logic", "5", "1", "0.2000", "2", "1"]]
    assert {r[0] for r in rows("agents.csv")[1:]} >= {"triage", "debug", "exercise", "progress"}
    assert "mastery.csv" in dash.export_result.value
    dash.close()


@pytest.mark.asyncio
async def test_live_dashboard_shows_a_new_alert_as_it_arrives(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, interval=0.1)
    assert dash.live.value and dash._task is not None
    assert "NEW" not in dash.alerts.value
    alert = StruggleAlert(
        topic="dicts",
        struggle_level=StruggleLevel.HIGH,
        score=0.9,
        evidence=["asked about KeyError four times"],
        recommendation="walk bob through dict.get",
    )
    await asyncio.to_thread(local_source.store.record_struggle, "bob", alert)
    deadline = asyncio.get_running_loop().time() + 30
    while "walk bob through dict.get" not in dash.alerts.value:
        assert asyncio.get_running_loop().time() < deadline, "the poll never drew the new alert"
        await asyncio.sleep(0.05)
    # bob is high-level: first, and flagged as new; carol's old alert is not.
    assert dash.alerts.value.index("bob") < dash.alerts.value.index(STRUGGLER)
    assert dash.alerts.value.count("NEW") == 1 and "1 new" in dash.status.value
    dash.live.value = False
    assert dash._task is None
    dash.close()


def test_without_an_event_loop_live_stays_off(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source)  # a plain script: nothing to poll on
    assert dash.live.value is False and dash._task is None
    assert dash.snapshot is not None
    dash.close()


def test_clicking_the_heatmap_shows_the_student(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, live=False)
    assert dash.tabs.selected_index != STUDENT_TAB
    dash.heatmap.selected = "bob"  # what the browser syncs back when a cell or a name is clicked
    assert dash.tabs.selected_index == STUDENT_TAB and dash.student.value == "bob"
    assert "Recent queries from bob" in dash.conversation.value
    dash.student.value = "alice"  # and the other way round: the heatmap marks who is shown
    assert dash.heatmap.selected == "alice"
    dash.close()


def test_the_agents_table_counts_live_instances_only(local_source: LocalStoreSource) -> None:
    for old in range(12):
        local_source.store.heartbeat("debug", f"old-pod-{old}", {"handled": 1})
    with local_source.store._engine.begin() as conn:
        conn.execute(
            sa.update(agent_heartbeats)
            .where(agent_heartbeats.c.instance.like("old-pod-%"))
            .values(seen_at=datetime.now(UTC) - timedelta(days=2))
        )
    dash = ClassDashboard(local_source, live=False)
    debug = next(a for a in dash.snapshot.agents if a.agent == "debug")  # type: ignore[union-attr]
    assert (debug.fresh, debug.stale) == (debug.instances - 12, 12)
    row = dash.agents.value.split(">debug<", 1)[1].split("</tr>", 1)[0]
    assert f">{debug.fresh} <span" in row and "(12 stale)" in row
    assert f"{debug.fresh}/{debug.instances}" not in dash.agents.value
    dash.close()


def test_the_dashboard_is_light_to_open(local_source: LocalStoreSource) -> None:
    """What a browser receives on open: the widget state (plotly put ~5 MB of JS in each chart)."""
    dash = ClassDashboard(local_source, live=False)
    state = json.dumps(dependency_state(dash, drop_defaults=True))
    assert len(state) < 100_000, len(state)
    assert "plotly" not in state.lower()
    dash.close()


def test_the_heatmap_module_draws_and_reports_clicks(tmp_path: Path) -> None:
    """The heatmap's ES module in Node against a minimal DOM: what it draws, what a click syncs."""
    module = tmp_path / "heatmap.mjs"
    module.write_text(charts.MasteryHeatmap._esm.default_value, encoding="utf-8")
    harness = Path(__file__).with_name("heatmap_harness.mjs")
    done = subprocess.run(["node", str(harness), str(module)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["before"]["headers"] == ["", "dicts", "lists", "alice", "bob"]
    assert result["before"]["titles"] == [
        "alice · dicts: 0.10",
        "alice · lists: no evidence",
        "bob · dicts: 0.90",
        "bob · lists: 0.50",
    ]
    assert result["before"]["colours"][1] == "transparent"  # no evidence is blank, not red
    assert "overflow:auto" in result["before"]["scroll"] and "max-width:100%" in result["before"]["scroll"]
    assert result["afterCell"] == {"selected": "bob", "saved": ["bob"]}
    assert result["afterName"] == {"selected": "alice", "saved": ["bob", "alice"]}


def test_a_click_loads_the_student_once_and_shows_why_it_failed(local_source: LocalStoreSource) -> None:
    dash = ClassDashboard(local_source, live=False)
    calls: list[str] = []
    real = local_source.student_queries

    def counting(student_id: str, limit: int = 20):  # type: ignore[no-untyped-def]
        calls.append(student_id)
        return real(student_id, limit)

    local_source.student_queries = counting  # type: ignore[method-assign]
    dash.heatmap.selected = "bob"
    assert calls == ["bob"]  # the dropdown and the heatmap echo the choice; it is loaded once

    def broken(student_id: str, limit: int = 20):  # type: ignore[no-untyped-def]
        raise RuntimeError("<gateway down>")

    local_source.student_queries = broken  # type: ignore[method-assign]
    dash.tabs.selected_index = 0
    dash.heatmap.selected = "alice"
    assert dash.tabs.selected_index == STUDENT_TAB  # shown even when loading fails, with the reason
    assert "Could not load alice: RuntimeError: &lt;gateway down&gt;" in dash.conversation.value
    dash.close()


def test_a_count_of_one_is_singular() -> None:
    """ "1 students" and "1/1 attempts" read wrong to an instructor: the charts say "1 student"."""
    from learnflow_agents.store.analytics import ErrorCount, ExercisePassRate

    from learnflow_ext.instructor import charts

    rates = charts.BarChart("pass rates", ["#000"], ("pass rate",), percent=True)
    charts.update_pass_rates(rates, [ExercisePassRate("ex-1", "loops", 1, 1, 1, 1)])
    assert rates.texts == ["1/1 attempt · solved by 1/1 student"]
    errors = charts.BarChart("errors", ["#000"], ("occurrences",))
    charts.update_errors(errors, [ErrorCount("NameError", 3, 1)])
    assert errors.texts == ["1 student"]
