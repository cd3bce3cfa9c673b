"""The cards as widgets, driven in-process: a real IPython shell with the extension loaded
and its real embedded engine (echo agent), buttons clicked through ipywidgets."""

import time
from collections.abc import Callable, Iterator
from uuid import uuid4

import ipywidgets as widgets
import pytest
import sqlalchemy as sa
from IPython.core.interactiveshell import InteractiveShell
from learnflow_agents.contracts import (
    AgentLog,
    AgentReply,
    CheckResult,
    CodeBlock,
    CodeRole,
    HelperRelation,
    LogStatus,
    ProgressFacts,
    Provenance,
    RoutingDecision,
    StudentContext,
    StudentQuery,
    TestOutcome,
    TestStatus,
)
from learnflow_agents.store.schema import feedback

from learnflow_ext.kernel.extension import load, unload
from learnflow_ext.kernel.session import KernelSession
from learnflow_ext.widgets.card import FeedbackCard, RepeatNotice
from learnflow_ext.widgets.code_view import CodeView
from learnflow_ext.widgets.document import CardState
from learnflow_ext.widgets.panels import AnswerPanel, ExercisePanel, HintsBox, ProgressPanel

STUDENT = "widget-student"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelSession]:
    root = tmp_path_factory.mktemp("in-process")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_DATA_DIR", str(root / "data"))
        env.setenv("IPYTHONDIR", str(root / "ipython"))
        env.setenv("LEARNFLOW_DB_URL", f"sqlite:///{root / 'widgets.sqlite3'}")
        env.setenv("LEARNFLOW_STUDENT_ID", STUDENT)
        shell = InteractiveShell.instance()
        shell.config.LearnFlow.agents = []
        shell.config.LearnFlow.extra_agents = [
            "tests.fixtures.echo_agent:EchoAgent",
            *(
                f"tests.jupyter.echo_agents:{name}"
                for name in ("concepts", "exercise", "code_review", "progress")
            ),
        ]
        loaded = load(shell)
        assert loaded.client.status(timeout=60).connected  # the engine is up (and its schema migrated)
        try:
            yield loaded
        finally:
            unload(shell)


def eventually(condition: Callable[[], bool], within: float = 30.0) -> bool:
    """Wait for something another thread does; the caller asserts on the result."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def reply(**overrides: object) -> AgentReply:
    fields: dict[str, object] = {
        "query_id": uuid4(),
        "agent": "debug",
        "summary": "Index 3 is past the end",
        "explanation": "The list has 3 items: indexes 0, 1 and 2.",
        "code_blocks": [CodeBlock(role=CodeRole.FIX, code="numbers[2]")],
        "hints": ["Count from zero.", "len(numbers) - 1 is the last index."],
        "concepts": ["indexing"],
        "provenance": Provenance(agent="debug"),
    }
    fields.update(overrides)
    return AgentReply(**fields)  # type: ignore[arg-type]


def result(exercise_id: str, *tests: TestOutcome) -> CheckResult:
    passed = all(t.passed for t in tests) if tests else False
    return CheckResult(
        exercise_id=exercise_id,
        passed=passed,
        score=float(passed),
        points=sum(t.passed for t in tests),
        max_points=len(tests),
        summary="checked",
        tests=list(tests),
    )


def find(widget: widgets.Widget, kind: type) -> list:
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()):
        found.extend(find(child, kind))
    return found


def test_card_goes_from_working_through_streaming_to_done(session: KernelSession) -> None:
    card = FeedbackCard("triage", session)
    assert card.view.state is CardState.WORKING
    assert "Finding the right tutor" in card._status.value
    query_id = uuid4()
    card.on_routing(
        RoutingDecision(query_id=query_id, target_agent="debug", confidence=0.9, reasoning="traceback")
    )
    assert "Debug agent" in card._header.value
    card.on_log(
        AgentLog(agent="debug", query_id=query_id, status=LogStatus.STREAMING, message="", delta="Index 3 ")
    )
    card.on_log(
        AgentLog(agent="debug", query_id=query_id, status=LogStatus.STREAMING, message="", delta="is past")
    )
    assert card.view.state is CardState.STREAMING
    # Streamed text has a widget of its own, updated at most 10 times a second.
    assert eventually(lambda: "Index 3 is past" in card._stream.value)
    card.on_reply(reply(query_id=query_id))
    assert card.view.state is CardState.DONE
    assert "done" in card._header.value
    assert isinstance(card.panel, AnswerPanel)
    # A log line arriving after the reply must not turn the card back.
    card.on_log(AgentLog(agent="debug", query_id=query_id, status=LogStatus.PROCESSING, message="late"))
    assert card.view.state is CardState.DONE
    [fix] = find(card, CodeView)
    assert fix.code == "numbers[2]"
    assert "<span" in fix.html


def test_failure_shows_an_error_state(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    card.on_failure("no answer within 120s")
    assert card.view.state is CardState.ERROR
    assert "Could not get an answer: no answer within 120s" in card._status.value
    assert "Could not get an answer" in card.fallback()["text/markdown"]


def test_show_next_hint_reveals_one_at_a_time(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    card.on_reply(reply())
    [hints] = find(card, HintsBox)
    assert "Count from zero." not in hints._text.value
    hints._button.click()
    assert "Count from zero." in hints._text.value
    assert "len(numbers) - 1" not in hints._text.value
    assert "1. Count from zero." in card.fallback()["text/markdown"]
    hints._button.click()
    assert hints._button.disabled
    assert card.reveal_hint() is None


def test_insert_as_new_cell_queues_the_code_with_set_next_input(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    card.on_reply(reply())
    [fix] = find(card, CodeView)
    fix.insert()
    assert session.shell.rl_next_input == "numbers[2]"
    assert fix.status.startswith("Queued")


class FakeComm:
    """The labextension's end of `learnflow.commands`: records what the kernel sends."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, data: dict) -> None:
        self.sent.append(data)


def test_with_the_labextension_insert_and_replace_act_on_the_cards_cell(session: KernelSession) -> None:
    bridge = session.frontend
    comm, saved = FakeComm(), (bridge.comm, bridge.available)
    bridge._on_msg({"content": {"data": {"command": "hello", "ok": True}}})
    bridge.comm = comm
    try:
        assert session.frontend_ready()
        card = FeedbackCard("debug", session)
        card.cell_id = "cell-7"
        card.on_reply(reply())
        [fix] = find(card, CodeView)
        assert fix.replace_label == "Replace cell"
        session.shell.rl_next_input = None
        fix.insert()
        [sent] = comm.sent
        assert sent["command"] == "learnflow:insert-fix-below"
        assert sent["args"] == {"code": "numbers[2]", "cell_id": "cell-7"}
        assert fix.status == "Inserting a new cell below this cell…"
        assert session.shell.rl_next_input is None  # nothing queued for the next run
        bridge._on_msg({"content": {"data": {"ok": True, "request_id": sent["request_id"]}}})
        assert fix.status == "Inserted as a new cell below this cell."
        fix.replace()
        assert comm.sent[1]["command"] == "learnflow:replace-cell-with-fix"
        refused = {"ok": False, "error": "no cell", "request_id": comm.sent[1]["request_id"]}
        bridge._on_msg({"content": {"data": refused}})
        assert fix.status.startswith("Not inserted: no cell.")
    finally:
        bridge.comm, bridge.available = saved


def test_a_frontend_that_opens_the_comm_itself_is_used() -> None:
    from learnflow_ext.kernel.frontend import FrontendBridge

    class OpenedByFrontend(FakeComm):
        comm_id = "c1"

        def on_msg(self, callback: object) -> None: ...

        def on_close(self, callback: object) -> None: ...

    bridge = FrontendBridge()
    commands = ["learnflow:insert-fix-below", "learnflow:replace-cell-with-fix"]
    bridge._on_frontend_open(OpenedByFrontend(), {"content": {"data": {"commands": commands}}})
    assert bridge.available
    answers: list[dict] = []
    assert bridge.send("learnflow:insert-fix-below", {"code": "x = 1"}, answers.append)
    request = bridge.comm.sent[0]["request_id"]
    bridge._on_msg({"content": {"data": {"ok": True, "request_id": request}}})
    assert answers == [{"ok": True, "request_id": request}]
    bridge._on_close({"content": {"comm_id": "c1"}})
    assert not bridge.available and not bridge.send("learnflow:insert-fix-below", {}, answers.append)


def test_without_the_labextension_insert_says_exactly_what_will_happen(session: KernelSession) -> None:
    assert not session.frontend_ready()  # nbclient-like: nobody answered the hello
    card = FeedbackCard("debug", session)
    card.on_reply(reply())
    [fix] = find(card, CodeView)
    assert fix.replace_label == ""  # replacing needs the extension
    fix.insert()
    assert "no LearnFlow extension" in fix.status and "below the next cell you run" in fix.status


def test_rating_is_stored_as_feedback(session: KernelSession) -> None:
    card = session.ask(lambda context: StudentQuery(text="rate me", context=context))
    assert card is not None
    assert session.client.wait_idle(60)
    assert card.view.state is CardState.DONE
    assert card.view.reply is not None and card.view.reply.summary == "em etar"
    label, up, _down, thanks = card._rating.children
    assert label.value == "Was this helpful?"
    up.click()
    assert eventually(lambda: thanks.value != "Saving…")
    assert thanks.value == "Thanks, noted."
    engine = sa.create_engine(session.config.resolved_db_url())
    with engine.connect() as conn:
        rows = conn.execute(sa.select(feedback.c.reply_id, feedback.c.student_id, feedback.c.helpful)).all()
    engine.dispose()
    assert [(r.reply_id, r.student_id, r.helpful) for r in rows] == [
        (card.view.reply.reply_id, STUDENT, True)
    ]


def test_explain_concept_asks_the_concepts_agent_beneath_the_card(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    card.on_reply(reply())
    buttons = [b for b in find(card, widgets.Button) if b.description.startswith("Explain")]
    assert [b.description for b in buttons] == ["Explain indexing"]
    before = session.sent
    buttons[0].click()
    assert session.sent == before + 1
    [followup] = card.followup_cards
    assert followup.view.agent == "concepts"
    assert followup in card._followups.children
    assert eventually(lambda: followup.finished)
    assert "Concepts agent · done" in card.fallback()["text/plain"]
    assert "gnixedni nialpxE" in card.fallback()["text/markdown"]  # the echo's answer, under the card


def test_ask_agent_actions_are_buttons_that_re_ask_with_the_code_and_traceback(
    session: KernelSession,
) -> None:
    from learnflow_agents.contracts import Action, ActionKind

    choice = Action(
        kind=ActionKind.ASK_AGENT,
        label="Review my code",
        args={
            "agent": "code-review",
            "text": "is this ok",
            "code": "def f(x):\n    y = x",
            "traceback": "NameError: name 'z' is not defined",
            "choice": "low-confidence routing",
        },
    )
    card = FeedbackCard("concepts", session)
    card.on_reply(reply(agent="concepts", actions=[choice], concepts=[]))
    buttons = [b for b in find(card, widgets.Button) if "learnflow-ask-agent" in b._dom_classes]
    assert [b.description for b in buttons] == ["Review my code"]
    assert buttons[0].layout.width == "auto"  # long labels are not cut off
    sent: list[StudentQuery] = []
    submit = session.client.submit
    session.client.submit = lambda query, listener: sent.append(query) or uuid4()  # type: ignore[method-assign]
    try:
        buttons[0].click()
    finally:
        session.client.submit = submit  # type: ignore[method-assign]
    [query] = sent
    assert (query.target_agent, query.text) == ("code-review", "is this ok")
    assert query.code == "def f(x):\n    y = x"
    assert query.traceback == "NameError: name 'z' is not defined"
    [followup] = card.followup_cards
    assert followup.view.agent == "code-review" and "Review my code" in followup.view.heading


def test_next_exercise_re_asks_the_exercise_agent_for_the_topic() -> None:
    from learnflow_agents.contracts import Action, ActionKind

    from learnflow_ext.kernel.session import ask_agent_query

    action = Action(
        kind=ActionKind.ASK_AGENT,
        label="Next exercise",
        args={"agent": "exercise", "topic": "variables", "exclude": ["swap-two-values"]},
    )
    query = ask_agent_query(action, reply(agent="exercise"), StudentContext())
    assert query is not None
    assert (query.target_agent, query.code) == ("exercise", None)
    assert query.text == "Give me an exercise on variables"


def test_exercise_panel_inserts_the_starter_and_checks_the_last_cell(session: KernelSession) -> None:
    card = FeedbackCard("exercise", session)
    exercise = reply(
        agent="exercise",
        summary="Sum the evens",
        explanation="Write `sum_evens(numbers)`.",
        code_blocks=[
            CodeBlock(role=CodeRole.STARTER, code="def sum_evens(numbers):\n    ..."),
            CodeBlock(role=CodeRole.TESTS, code="assert sum_evens([1, 2, 4]) == 6"),
        ],
        data={"exercise_id": "sum-evens"},
        provenance=Provenance(agent="exercise"),
    )
    card.on_reply(exercise)
    assert isinstance(card.panel, ExercisePanel)
    starter = next(v for v in find(card, CodeView) if v.insert_label == "Insert starter")
    starter.insert()
    assert session.shell.rl_next_input == "def sum_evens(numbers):\n    ..."
    session.shell.run_cell(
        "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)", store_history=True
    )
    card.panel.check_button.click()
    assert eventually(lambda: any(q.text.startswith("check sum-evens") for q in _queries(session)))
    [check] = [q for q in _queries(session) if q.text.startswith("check sum-evens")]
    assert check.target_agent == "exercise"
    assert check.code == "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)"
    assert eventually(lambda: "check sum-evens"[::-1] in card.panel.results.value)  # the echo answer
    # A real check's answer fills in a result per test.
    card.panel.on_reply(
        reply(
            agent="exercise",
            summary="1 of 2 tests pass",
            check=result(
                "sum-evens",
                TestOutcome(name="evens", passed=True, status=TestStatus.PASSED),
                TestOutcome(
                    name="empty list", passed=False, status=TestStatus.FAILED, expected="0", actual="None"
                ),
            ),
        )
    )
    assert "<td>✅</td><td><strong>evens</strong></td>" in card.panel.results.value
    assert "expected <code>0</code>, got <code>None</code>" in card.panel.results.value
    assert not card.panel.check_button.disabled


def test_hint_magic_reveals_the_current_exercises_next_hint(session: KernelSession, capsys) -> None:
    card = FeedbackCard("exercise", session)
    card.on_reply(
        reply(
            agent="exercise",
            code_blocks=[CodeBlock(role=CodeRole.STARTER, code="pass")],
            hints=["Use the % operator."],
            provenance=Provenance(agent="exercise"),
        )
    )
    session._keep(card)
    session.shell.run_cell("%learnflow hint")
    assert "Hint 1: Use the % operator." in capsys.readouterr().out
    session.shell.run_cell("%learnflow hint")
    assert card.view.hints_shown == 1


def test_progress_panel_charts_mastery(session: KernelSession) -> None:
    card = FeedbackCard("progress", session)
    card.on_reply(
        reply(
            agent="progress",
            code_blocks=[],
            progress=ProgressFacts(mastery={"loops": 0.9}),
            provenance=Provenance(agent="progress"),
        )
    )
    assert isinstance(card.panel, ProgressPanel)
    charts = [w.value for w in find(card, widgets.HTML) if "learnflow-mastery" in w.value]
    assert len(charts) == 1 and "width:90%" in charts[0]


def test_saga_reply_is_added_beneath_the_answer(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    answer = reply()
    card.on_reply(answer)
    helper = reply(
        agent="concepts",
        summary="Indexes start at 0",
        helps=HelperRelation(agent="debug", reply_id=answer.reply_id),
    )
    card.on_related_reply(helper)
    assert sum(isinstance(child, widgets.Accordion) for child in card._content.children) == 1
    assert "Concepts agent: Indexes start at 0" in card.fallback()["text/markdown"]
    # Redrawing the answer keeps the helper's reply beneath it.
    card.on_reply(answer)
    assert sum(isinstance(child, widgets.Accordion) for child in card._content.children) == 1


def test_repeat_notice_follows_the_original_card(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    notice = RepeatNotice(card, "In[7]")
    assert "Debug agent is looking" in notice.bundle()["text/plain"]
    card.on_reply(reply())
    assert "Same error as In[7]: not sent again" in notice.bundle()["text/markdown"]
    assert "Index 3 is past the end" in notice.bundle()["text/markdown"]


def _queries(session: KernelSession) -> list:
    from learnflow_agents.store import Store

    store = Store.open(session.config.resolved_db_url(), upgrade=False)
    try:
        return store.recent_queries(STUDENT, limit=100)
    finally:
        store.close()


def test_bundle_carries_the_widget_and_its_fallbacks(session: KernelSession) -> None:
    card = FeedbackCard("debug", session)
    bundle = card.bundle()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == card.model_id
    assert {"text/plain", "text/markdown", "text/html"} <= set(bundle)


def test_terminal_ipython_prints_the_card_as_text_once(session: KernelSession, capsys) -> None:
    # No kernel frontend here: the card is printed when shown and once more when answered.
    session.shell.run_cell("missing_in_terminal + 1", store_history=True)
    session.shell.run_cell("%learnflow wait 60")
    out = capsys.readouterr().out
    assert "🩺 Debug agent · working" in out
    assert "Debug agent is looking…" in out
    answer = "NameError: name 'missing_in_terminal' is not defined"[::-1]
    assert out.count(answer) == 1
    assert "LearnFlow: all answers are in." in out


def test_a_check_reports_the_hints_revealed_since_the_previous_check(session: KernelSession) -> None:
    card = FeedbackCard("exercise", session)
    card.on_reply(
        reply(
            agent="exercise",
            code_blocks=[CodeBlock(role=CodeRole.STARTER, code="pass")],
            hints=["Use %.", "Start from 0.", "Add only evens."],
            data={"exercise_id": "hinted-evens"},
            provenance=Provenance(agent="exercise"),
        )
    )
    session._keep(card)
    first = session.check_query("x = 1", card.view.reply)(StudentContext())
    assert (first.exercise_id, first.target_agent, first.hints_used) == ("hinted-evens", "exercise", 0)
    card.reveal_hint()
    card.reveal_hint()
    assert session.check_query("x = 1", card.view.reply)(StudentContext()).hints_used == 2
    # Reported once: the next check without a new hint says none.
    assert session.check_query("x = 1", card.view.reply)(StudentContext()).hints_used == 0
    # A failed check's card carries the same hints: revealing the third there counts once.
    check_card = FeedbackCard("exercise", session)
    check_card.on_reply(
        reply(
            agent="exercise",
            hints=["Use %.", "Start from 0.", "Add only evens."],
            check=result("hinted-evens"),
            provenance=Provenance(agent="exercise"),
        )
    )
    session._keep(check_card)
    for _ in range(3):
        check_card.reveal_hint()
    assert session.check_query("x = 1", card.view.reply)(StudentContext()).hints_used == 1


def test_known_topics_are_normalised_and_sent_as_covered() -> None:
    from traitlets import TraitError

    from learnflow_ext.config import LearnFlow

    config = LearnFlow()
    config.known_topics = ["list", "Functions", "lists"]
    assert config.known_topics == ["lists", "functions"]
    assert config.student_context().topics_covered == ["lists", "functions"]
    with pytest.raises(TraitError, match="not curriculum topics: astrology"):
        config.known_topics = ["lists", "astrology"]
    assert config.known_topics == ["lists", "functions"]
