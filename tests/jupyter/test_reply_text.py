"""Every reply kind, rendered every way a student sees it, read for the defects a person notices.

Real replies from the real offline tutors (tests/jupyter/reply_kinds.py): debug, concepts, code
review, an exercise offered, checked (passed and failed) and refused, a progress report, and
triage's low-confidence choice. Each is rendered as markdown, as the HTML fallback, and as the
ipywidgets card (its HTML pieces, button labels, titles); the sidebar renders the same replies
in labextension/tests/card.test.ts. A repeated paragraph, a tag shown as text, raw markdown,
a doubled ✅, "1 minutes", "for, for, while" or a test listed twice fails.
"""

import json

import ipywidgets as widgets
import pytest
from learnflow_agents.contracts import ActionKind, AgentReply

from learnflow_ext.widgets.card import FeedbackCard
from learnflow_ext.widgets.document import ReplyView
from tests.jupyter.reply_kinds import (
    FIXTURE,
    defects,
    html_defects,
    markdown_paragraphs,
    real_replies,
    repeated_tests,
)

REPLIES = real_replies()
KINDS = sorted(REPLIES)


class NoActions:
    """The card's buttons are not clicked here."""

    def insert_code(self, code: str, **where: object) -> str:
        return ""

    def frontend_ready(self) -> bool:
        return True  # draw "Replace cell" too

    def explain(self, concept: str, parent: object) -> None: ...

    def rate(self, reply: AgentReply, helpful: bool, done: object) -> None: ...

    def check_exercise(self, exercise: AgentReply, listener: object) -> None: ...

    def ask_agent(self, action: object, reply: AgentReply, parent: object) -> None: ...


def widget_parts(root: widgets.Widget) -> tuple[list[str], list[str]]:
    """The card's HTML pieces and its plain-text labels (buttons, accordion titles)."""
    html: list[str] = []
    labels: list[str] = []
    pending = [root]
    while pending:
        widget = pending.pop()
        if isinstance(widget, widgets.HTML):
            html.append(widget.value)
        if isinstance(widget, widgets.Button):
            labels.append(widget.description)
        if isinstance(widget, widgets.Accordion):
            labels.extend(t for t in widget.titles if t)
        if hasattr(widget, "insert_label"):  # CodeView
            labels.extend([widget.title, widget.insert_label])
        pending.extend(getattr(widget, "children", ()))
    return html, labels


def test_every_kind_is_a_real_reply_of_its_tutor() -> None:
    agents = {kind: reply.agent for kind, reply in REPLIES.items()}
    assert agents["debug"] == "debug" and agents["concepts"] == "concepts"
    assert agents["code-review"] == "code-review" and agents["progress"] == "progress"
    assert {agents[k] for k in KINDS if k.startswith("exercise")} == {"exercise"}
    assert REPLIES["exercise-passed"].check is not None and REPLIES["exercise-passed"].check.passed
    assert REPLIES["exercise-failed"].check is not None and not REPLIES["exercise-failed"].check.passed
    assert REPLIES["exercise-refusal"].status.value == "partial"
    assert REPLIES["progress"].progress is not None
    choices = [
        a for a in REPLIES["triage-choice"].actions if a.kind is ActionKind.ASK_AGENT and a.args.get("choice")
    ]
    assert choices and all(a.args.get("code") for a in choices)


@pytest.mark.parametrize("kind", KINDS)
def test_markdown_reads_cleanly(kind: str) -> None:
    reply = REPLIES[kind]
    markdown = ReplyView.of(reply).markdown()
    paragraphs, tags = markdown_paragraphs(markdown)
    assert tags + defects(paragraphs, what="markdown") == []
    assert repeated_tests(markdown, reply) == []


@pytest.mark.parametrize("kind", KINDS)
def test_html_fallback_reads_cleanly(kind: str) -> None:
    reply = REPLIES[kind]
    html = ReplyView.of(reply).html()
    assert html_defects(html, what="html") == []
    assert repeated_tests(html, reply) == []


@pytest.mark.parametrize("kind", KINDS)
def test_plain_text_reads_cleanly(kind: str) -> None:
    text = ReplyView.of(REPLIES[kind]).text()
    paragraphs, _tags = markdown_paragraphs(text)  # fenced code is left out, as in markdown
    assert defects([p for p in paragraphs if not p.startswith("    ")], what="text") == []
    assert "**" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_the_widget_card_reads_cleanly(kind: str) -> None:
    reply = REPLIES[kind]
    card = FeedbackCard(reply.agent, NoActions())  # type: ignore[arg-type]
    card.on_reply(reply)
    html, labels = widget_parts(card)
    whole = "\n".join(html)
    assert html_defects(whole, what="widget") == []
    assert repeated_tests(whole, reply) == []
    for label in labels:
        assert "`" not in label and "**" not in label and "<" not in label, label
    assert len(labels) == len(set(labels)) or kind == "exercise-offer", labels


def test_the_triage_choice_is_drawn_as_buttons() -> None:
    reply = REPLIES["triage-choice"]
    card = FeedbackCard(reply.agent, NoActions())  # type: ignore[arg-type]
    card.on_reply(reply)
    _html, labels = widget_parts(card)
    for action in reply.actions:
        if action.kind is ActionKind.ASK_AGENT:
            assert action.label in labels


def test_the_detectors_catch_each_defect() -> None:
    # The checks above are only worth something if they can fail.
    twice = "All 3 tests passed, well done.\n\nAll 3 tests passed, well done."
    assert defects(twice.split("\n\n"), what="t")
    lead = ["**A list holds items in order.**", "**In one sentence:** A list holds items in order."]
    assert defects(lead, what="t")
    assert defects(["✅ right now holds Grace: ✅ Passed."], what="t")
    assert defects(["asked 3 times in 1 minutes"], what="t")
    assert defects(["seen by 1 students"], what="t")
    assert defects(["you passed 1 exercise(s)"], what="t")
    assert defects(["Learn for, for, while first"], what="t")
    assert markdown_paragraphs("text <sub>small</sub>")[1]
    assert not markdown_paragraphs("`<sub>` in code is fine")[1]
    assert html_defects("<p>&lt;sub&gt;Checked&lt;/sub&gt;</p>", what="t")
    assert html_defects("<li>Use `numbers[2]` here</li>", what="t")
    assert not html_defects("<li>Use <code>`numbers[2]`</code> here</li>", what="t")
    check = REPLIES["exercise-failed"]
    name = check.check.tests[0].name  # type: ignore[union-attr]
    assert repeated_tests(f"{name}\n{name}", check)


def test_the_sidebar_fixture_holds_the_same_kinds() -> None:
    # labextension/tests/card.test.ts renders these; refresh with `python -m tests.jupyter.reply_kinds`.
    stored = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert sorted(stored) == KINDS
    for kind, data in stored.items():
        fixture = AgentReply.model_validate(data)
        assert fixture.agent == REPLIES[kind].agent
        assert fixture.summary == REPLIES[kind].summary, f"{kind}: stale fixture"
