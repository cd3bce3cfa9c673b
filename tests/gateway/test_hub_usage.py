"""A student's LLM usage through the gateway behind a real JupyterHub: each student reads
only their own, whatever a request claims."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from learnflow_agents.store import Store, UsageCall

from tests.gateway.hub import Hub
from tests.gateway.test_cluster_server import start_student_server
from tests.gateway.test_hub_gateway import call
from tests.gateway.test_hub_preferences import FORGED

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_a_student_reads_only_their_own_usage(hub: Hub, classroom_db: str) -> None:
    today = datetime.now(UTC).date()
    with Store(classroom_db) as store:
        # Alice asked the model three times today (written as the agents' tutor does).
        store.record_llm_usage(
            UsageCall(
                today,
                None,
                "alice",
                "debug",
                "anthropic",
                "claude-sonnet-5-5",
                True,
                3_000,
                600,
                0.018,
                requests=3,
            )
        )

    mine = call(hub, "alice", "GET", "api/usage")
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["student_id"], body["day"]) == ("alice", today.isoformat())
    assert (body["used"]["requests"], body["used"]["tokens"]) == (3, 3_600)
    assert body["used"]["cost_usd"] == pytest.approx(0.018)

    # Bob sees his own (nothing), however he claims to be Alice.
    for kw in ({}, {"params": {"student_id": "alice"}}, {"headers": dict(FORGED)}):
        seen = call(hub, "bob", "GET", "api/usage", **kw)
        assert seen.status_code == 200, (kw, seen.text)
        assert (seen.json()["student_id"], seen.json()["used"]["requests"]) == ("bob", 0), kw

    assert call(hub, None, "GET", "api/usage").status_code == 401


def test_an_instructor_sees_usage_of_their_own_courses_only(hub: Hub, classroom_db: str) -> None:
    today = datetime.now(UTC).date()
    with Store(classroom_db) as store:
        for course, student, agent, asked in (
            ("py101", "erin", "debug", True),
            ("py101", "erin", "triage", False),
            ("py102", "carol", "concepts", True),
        ):
            store.record_llm_usage(
                UsageCall(
                    today, course, student, agent, "anthropic", "claude-sonnet-5-5", asked, 1_000, 100, 0.0045
                )
            )

    seen = call(hub, "teacher", "GET", "api/instructor/usage")
    assert seen.status_code == 200, seen.text
    view = seen.json()
    assert view["day"] == today.isoformat()
    # The defaults: 200 000 tokens a student, no course budget.
    assert view["budget"] == {
        "student": {"tokens": 200_000, "usd": None},
        "course": {"tokens": None, "usd": None},
    }
    students = {(s["course_id"], s["student_id"]): s for s in view["students"]}
    assert ("py101", "erin") in students and ("py102", "carol") not in students
    erin = students["py101", "erin"]
    assert (erin["asked"]["requests"], erin["routing"]["requests"], erin["total"]["tokens"]) == (1, 1, 2_200)
    py101 = {c["course_id"]: c for c in view["courses"]}["py101"]
    assert py101["used"]["tokens"] >= 2_200 and py101["over_budget"] is None

    assert call(hub, "teacher", "GET", "api/instructor/usage", params={"course": "py102"}).status_code == 403
    # A student is no instructor.
    assert call(hub, "bob", "GET", "api/instructor/usage").status_code == 403


def test_a_students_server_in_cluster_mode_passes_usage_through(
    hub: Hub, classroom_db: str, tmp_path: Path
) -> None:
    """GET /learnflow/api/usage on alice's own Jupyter server (cluster mode) is the gateway's
    answer for her, checked against the shipped OpenAPI document."""
    today = datetime.now(UTC).date()
    with Store(classroom_db) as store:
        store.record_llm_usage(
            UsageCall(today, None, "alice", "concepts", "anthropic", "m", True, 500, 50, 0.002)
        )
        expected = store.llm_usage_by_student(today, student_id="alice")
    server = start_student_server(tmp_path / "alice", hub.gateway, hub.tokens["alice"])
    try:
        r = server.call("GET", "usage", student_id="bob")
    finally:
        server.process.stop()
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["student_id"] == "alice"
    assert body["used"]["requests"] == sum(u.asked.requests for u in expected)
