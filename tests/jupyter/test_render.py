"""The text renderer of the reply model: markdown, HTML and plain-text fallbacks."""

from uuid import uuid4

from IPython.core.formatters import format_display_data
from learnflow_agents.contracts import (
    Achievement,
    Action,
    ActionKind,
    AgentReply,
    CheckResult,
    CodeBlock,
    CodeRole,
    HelperRelation,
    ProgressFacts,
    Provenance,
    Recommendation,
    ReplyStatus,
    TestOutcome,
    TestStatus,
)

from learnflow_ext.widgets.document import CardState, ReplyView


def sample_reply(**overrides: object) -> AgentReply:
    fields: dict[str, object] = {
        "query_id": uuid4(),
        "agent": "debug",
        "summary": "`total` is a string, so `+ 1` fails",
        "explanation": "### Why it happened\n\nYou read `total` with `input()`. <script>alert('x')</script>",
        "code_blocks": [CodeBlock(role=CodeRole.FIX, code="total = int(input())\nprint(total + 1)")],
        "hints": ["What type does input() return?", "Convert before adding."],
        "actions": [
            Action(kind=ActionKind.EXPLAIN_CONCEPT, label="Explain types", args={"concept": "types"})
        ],
        "concepts": ["type-conversion"],
        "provenance": Provenance(agent="debug", provider="offline", latency_ms=42.4),
    }
    fields.update(overrides)
    return AgentReply(**fields)  # type: ignore[arg-type]


def test_markdown_has_every_part_of_the_reply() -> None:
    markdown = ReplyView.of(sample_reply()).markdown()
    assert "**🩺 Debug agent · done · offline · 42 ms**" in markdown
    assert "**`total` is a string, so `+ 1` fails**" in markdown
    assert "### Why it happened" in markdown
    assert "**Fix**\n\n```python\ntotal = int(input())\nprint(total + 1)\n```" in markdown
    assert "**Related concepts:** `type-conversion`" in markdown


def test_hints_stay_hidden_until_revealed() -> None:
    hidden = ReplyView.of(sample_reply())
    assert "What type does input() return?" not in hidden.markdown()
    assert "2 more hints" in hidden.markdown()
    one = ReplyView.of(sample_reply(), hints_shown=1)
    assert "1. What type does input() return?" in one.markdown()
    assert "Convert before adding." not in one.markdown()
    assert "Hint 1: What type does input() return?" in one.text()


def test_html_highlights_code_and_escapes_raw_html() -> None:
    html = ReplyView.of(sample_reply()).html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<span style="color: #008000">int</span>' in html  # pygments, inline colours
    assert "<h3>Why it happened</h3>" in html
    assert "border-left:4px solid #16a34a" in html  # the "done" colour


def test_plain_text_reads_without_markup() -> None:
    text = ReplyView.of(sample_reply()).text()
    assert text.startswith("🩺 Debug agent · done · offline · 42 ms")
    assert "Fix:\n    total = int(input())\n    print(total + 1)" in text
    assert "**" not in text


def test_waiting_states_say_who_is_working() -> None:
    assert "_Debug agent is looking…_" in ReplyView(agent="debug").markdown()
    assert "Finding the right tutor…" in ReplyView(agent="triage").text()
    assert "Concepts agent is working…" in ReplyView(agent="concepts").html()
    streaming = ReplyView(agent="debug", state=CardState.STREAMING, streamed="The list has three")
    assert "debug agent · streaming".lower() in streaming.markdown().lower()
    assert "The list has three" in streaming.markdown()
    failed = ReplyView(agent="debug", state=CardState.ERROR, note="no answer within 120s")
    assert "Could not get an answer: no answer within 120s" in failed.text()


def test_an_error_reply_is_shown_as_an_error() -> None:
    view = ReplyView.of(sample_reply(status=ReplyStatus.ERROR, summary="The debug agent could not answer"))
    assert view.state is CardState.ERROR
    assert "Debug agent · error" in view.text()


def test_exercise_check_results_list_each_test() -> None:
    reply = sample_reply(
        agent="exercise",
        check=CheckResult(
            exercise_id="add",
            passed=False,
            score=0.5,
            points=1,
            max_points=2,
            summary="1 of 2 tests did not pass yet.",
            tests=[
                TestOutcome(
                    name="adds small numbers", passed=True, status=TestStatus.PASSED, message="✅ Passed."
                ),
                TestOutcome(
                    name="adds negatives",
                    passed=False,
                    status=TestStatus.FAILED,
                    message="Not quite.",
                    expected="-3",
                    actual="3",
                ),
            ],
        ),
    )
    view = ReplyView.of(reply)
    assert "**Tests: 1/2 passed**" in view.markdown()
    assert "- ❌ adds negatives: Not quite. (expected `-3`, got `3`)" in view.markdown()
    assert "<td>✅</td><td><strong>adds small numbers</strong></td>" in view.html()


def test_progress_shows_mastery_bars_recommendations_and_achievements() -> None:
    reply = sample_reply(
        agent="progress",
        code_blocks=[],
        progress=ProgressFacts(
            mastery={"loops": 0.8, "recursion": 0.25},
            recommendations=[Recommendation(topic="functions", reason="loops are mastered")],
            achievements=[Achievement(id="first-exercise-passed", title="First exercise passed")],
        ),
    )
    view = ReplyView.of(reply)
    html = view.html()
    assert "width:80%;background:#16a34a" in html
    assert "width:25%;background:#dc2626" in html
    assert "<strong>functions</strong>: loops are mastered" in html
    assert "🏆 First exercise passed" in html
    assert "loops              ████████░░ 80%" in view.markdown()


def test_ipython_display_protocol_gives_markdown_html_and_text() -> None:
    data, _ = format_display_data(ReplyView.of(sample_reply()))
    assert "`total` is a string" in data["text/markdown"]
    assert "<strong><code>total</code> is a string" in data["text/html"]
    assert data["text/plain"].startswith("🩺 Debug agent · done")


def test_related_saga_replies_are_rendered_beneath() -> None:
    concept = sample_reply(
        agent="concepts",
        summary="Types decide what + means",
        explanation="Strings join.",
        code_blocks=[],
        helps=HelperRelation(agent="debug"),
    )
    view = ReplyView.of(sample_reply(), related=[concept])
    assert "**📘 Concepts agent: Types decide what + means**" in view.markdown()
    assert "Strings join." in view.html()
