"""What a card shows once its reply is in: an answer, an exercise, or a progress report.

Each panel is plain ipywidgets composition built from the same pieces as the text
renderer (`ReplyView`), so the widget and its fallback never say different things.
"""

from collections.abc import Callable
from typing import Protocol

import ipywidgets as widgets
from learnflow_agents.contracts import Action, ActionKind, AgentLog, AgentReply, CodeRole, RoutingDecision

from learnflow_ext.widgets import reply_data
from learnflow_ext.widgets.code_view import CodeView
from learnflow_ext.widgets.document import (
    ReplyView,
    code_title,
    hints_html,
    mastery_bars_html,
    plain,
    progress_html,
    results_html,
)
from learnflow_ext.widgets.highlight import escape, markdown_html

Done = Callable[[str | None], None]


class CheckListener(Protocol):
    def on_routing(self, decision: RoutingDecision) -> None: ...
    def on_log(self, log: AgentLog) -> None: ...
    def on_reply(self, reply: AgentReply) -> None: ...
    def on_failure(self, message: str) -> None: ...


class CardActions(Protocol):
    """What buttons ask of the kernel session; each returns at once."""

    def insert_code(
        self,
        code: str,
        *,
        cell_id: str | None = None,
        replace: bool = False,
        done: Callable[[str], None] | None = None,
    ) -> str: ...

    def frontend_ready(self) -> bool: ...

    def stream_text(self, card_id: str, text: str, offset: int, *, end: bool = False) -> bool:
        """Send streamed text for the frontend to append; False when it cannot (nothing sent)."""
        ...

    def explain(self, concept: str, parent: "Followups") -> None: ...

    def rate(self, reply: AgentReply, helpful: bool, done: Done) -> None: ...

    def check_exercise(self, exercise: AgentReply, listener: CheckListener) -> None: ...

    def ask_agent(self, action: Action, reply: AgentReply, parent: "Followups") -> None: ...


class Followups(Protocol):
    def add_followup(self, card: widgets.Widget) -> None: ...


def concept_names(reply: AgentReply) -> list[str]:
    names = list(reply.concepts)
    names.extend(
        str(action.args["concept"])
        for action in reply.actions
        if action.kind is ActionKind.EXPLAIN_CONCEPT and action.args.get("concept")
    )
    return list(dict.fromkeys(names))[:4]


def button(description: str, icon: str = "", **extra: object) -> widgets.Button:
    """A button as wide as its label: the default fixed width cuts long labels off."""
    return widgets.Button(
        description=description, icon=icon, tooltip=description, layout=widgets.Layout(width="auto"), **extra
    )


def ask_agent_actions(reply: AgentReply) -> list[Action]:
    """The reply's "ask this tutor" choices (triage's low-confidence choice, "Next exercise")."""
    return [a for a in reply.actions if a.kind is ActionKind.ASK_AGENT and a.args.get("agent")]


def action_buttons(
    reply: AgentReply, actions: CardActions, card: Followups, concepts: list[str]
) -> widgets.Widget | None:
    """One row: the tutors to ask instead (with the same question, code and traceback), then concepts."""
    buttons = []
    for action in ask_agent_actions(reply):
        ask = button(plain(action.label), "share")
        ask.add_class("learnflow-ask-agent")
        ask.on_click(lambda _b, a=action: actions.ask_agent(a, reply, card))
        buttons.append(ask)
    for concept in concepts:
        explain = button(f"Explain {concept.replace('-', ' ')}", "book")
        explain.on_click(lambda _b, c=concept: actions.explain(c, card))
        buttons.append(explain)
    return widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap")) if buttons else None


class HintsBox(widgets.VBox):
    """Hints one at a time: a student who wants to work it out alone sees none."""

    def __init__(self, view: ReplyView, on_change: Callable[[], None]) -> None:
        self._view = view
        self._on_change = on_change
        self._text = widgets.HTML()
        self._button = button("Show next hint", "lightbulb-o")
        self._button.on_click(lambda _button: self.reveal())
        super().__init__([self._text, self._button])
        self._draw()

    def reveal(self) -> str | None:
        """Show one more hint; returns it, or None when all are shown."""
        if not self._view.hidden_hint_count():
            return None
        self._view.hints_shown += 1
        self._draw()
        self._on_change()
        return self._view.visible_hints()[-1]

    def _draw(self) -> None:
        self._text.value = hints_html(self._view.visible_hints(), 0)
        left = self._view.hidden_hint_count()
        self._button.disabled = left == 0
        self._button.description = f"Show next hint ({left} left)" if left else "No more hints"


class AnswerPanel(widgets.VBox):
    """Diagnosis, explanation, review: prose, code with Copy/Insert, hints, concepts."""

    def __init__(self, view: ReplyView, actions: CardActions, card: Followups, on_change: Callable[[], None]):
        reply = view.reply
        assert reply is not None
        self.hints: HintsBox | None = None
        children: list[widgets.Widget] = [widgets.HTML(markdown_html(view.body_markdown()))]
        children.extend(_code_views(reply, actions, card))
        extra = results_html(reply) + progress_html(reply)
        if extra:
            children.append(widgets.HTML(extra))
        if reply.hints:
            self.hints = HintsBox(view, on_change)
            children.append(self.hints)
        row = action_buttons(reply, actions, card, concept_names(reply))
        if row is not None:
            children.append(row)
        super().__init__(children)


class ExercisePanel(widgets.VBox):
    """Statement, Insert starter, visible tests, progressive hints, Check with a result per test."""

    def __init__(self, view: ReplyView, actions: CardActions, card: Followups, on_change: Callable[[], None]):
        reply = view.reply
        assert reply is not None
        self._exercise = reply
        self._actions = actions
        children: list[widgets.Widget] = [widgets.HTML(markdown_html(view.body_markdown()))]
        for block in reply.code_blocks:
            if block.role is CodeRole.STARTER:
                children.append(
                    _code_view(block.code, block.language, code_title(block), actions, card, "Insert starter")
                )
            elif block.role is CodeRole.TESTS:
                tests = widgets.Accordion(
                    [CodeView(block.code, language=block.language)], selected_index=None
                )
                tests.set_title(0, code_title(block))
                children.append(tests)
            else:
                children.append(_code_view(block.code, block.language, code_title(block), actions, card))
        self.hints = HintsBox(view, on_change) if reply.hints else None
        if self.hints is not None:
            children.append(self.hints)
        self.check_button = button("Check my code", "check", button_style="primary")
        self.check_button.on_click(lambda _b: self.check())
        note = widgets.HTML(
            "<em>Checks the last cell you ran; or run <code>%%learnflow check</code> "
            "at the top of your solution cell.</em>"
        )
        self.results = widgets.HTML()
        children.extend([widgets.HBox([self.check_button, note]), self.results])
        super().__init__(children)

    def check(self) -> None:
        self.check_button.disabled = True
        self.results.value = "<em>Exercise agent is running the tests…</em>"
        self._actions.check_exercise(self._exercise, self)

    # A check's events land here (CheckListener).
    def on_routing(self, decision: RoutingDecision) -> None:
        pass

    def on_log(self, log: AgentLog) -> None:
        if not log.delta and log.message:
            self.results.value = f"<em>{escape(log.message)}</em>"

    def on_reply(self, reply: AgentReply) -> None:
        table = results_html(reply)
        self.results.value = (
            f"<div><strong>{escape(reply.summary)}</strong></div>{table}"
            f"{markdown_html(reply.explanation) if not table else ''}"
        )
        self.check_button.disabled = False

    def on_failure(self, message: str) -> None:
        self.results.value = f"<span style='color:#dc2626'>Check failed: {escape(message)}</span>"
        self.check_button.disabled = False


class ProgressPanel(widgets.VBox):
    """Mastery per topic as bars, then recommendations and achievements."""

    def __init__(self, view: ReplyView, actions: CardActions, card: Followups, on_change: Callable[[], None]):
        reply = view.reply
        assert reply is not None
        chart = mastery_bars_html(reply_data.mastery(reply))
        rest = progress_html(reply).removeprefix(chart)
        children: list[widgets.Widget] = [widgets.HTML(markdown_html(view.body_markdown()))]
        if chart:
            children.append(widgets.HTML(chart))
        if rest:
            children.append(widgets.HTML(rest))
        children.extend(_code_views(reply, actions, card))
        row = action_buttons(reply, actions, card, [])
        if row is not None:
            children.append(row)
        super().__init__(children)


PANELS = {"exercise": ExercisePanel, "progress": ProgressPanel}


def panel_for(
    view: ReplyView, actions: CardActions, card: Followups, on_change: Callable[[], None]
) -> widgets.VBox:
    reply = view.reply
    assert reply is not None
    kind = PANELS.get(reply.agent, AnswerPanel)
    if kind is ExercisePanel and not any(b.role is CodeRole.STARTER for b in reply.code_blocks):
        kind = AnswerPanel  # a check result or a question about exercises, not a new exercise
    return kind(view, actions, card, on_change)


def _code_views(reply: AgentReply, actions: CardActions, card: Followups) -> list[CodeView]:
    return [
        _code_view(b.code, b.language, code_title(b), actions, card, replace=b.role in REPLACEABLE)
        for b in reply.code_blocks
    ]


REPLACEABLE = (CodeRole.FIX, CodeRole.REFACTOR)


def _code_view(
    code: str,
    language: str,
    title: str,
    actions: CardActions,
    card: Followups,
    insert_label: str = "Insert as new cell",
    *,
    replace: bool = False,
) -> CodeView:
    """A code block whose Insert (and, with the labextension, Replace) acts on the card's cell."""
    view = CodeView(code, language=language, title=title, insert_label=insert_label, inserter=lambda _c: "")
    cell_id = getattr(card, "cell_id", None)
    view.set_inserter(lambda c: actions.insert_code(c, cell_id=cell_id, done=view.report))
    ready = getattr(actions, "frontend_ready", None)
    if replace and callable(ready) and ready():
        view.set_replacer(lambda c: actions.insert_code(c, cell_id=cell_id, replace=True, done=view.report))
    return view
