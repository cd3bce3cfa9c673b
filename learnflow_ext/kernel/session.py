"""One student's LearnFlow inside one kernel: capture, asking, cards and their buttons."""

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from learnflow_agents.api.errors import validation_message
from learnflow_agents.contracts import Action, AgentReply, CodeRole, StudentQuery, check_query
from learnflow_agents.privacy import scrub_text
from pydantic import ValidationError

from learnflow_ext.client import LearnFlowClient
from learnflow_ext.config import LearnFlow
from learnflow_ext.kernel.capture import LEARNFLOW_PREFIXES, CapturedError, CaptureHook, capture_error
from learnflow_ext.kernel.frontend import INSERT, REPLACE, FrontendBridge, current_cell_id
from learnflow_ext.kernel.questions import keep_question_marks
from learnflow_ext.widgets import reply_data
from learnflow_ext.widgets.card import FeedbackCard, RepeatNotice
from learnflow_ext.widgets.document import agent_title, plain
from learnflow_ext.widgets.panels import CheckListener, Done, Followups

log = logging.getLogger("learnflow.kernel")

KEPT_CARDS = 64
KEPT_ERRORS = 64
# How long the first failing cell waits for the saved preferences (is auto-capture on?).
PREFERENCES_WAIT = 10.0
# Cells that are about LearnFlow rather than the student's own work.
NOT_STUDENT_CODE = (*LEARNFLOW_PREFIXES, "%load_ext", "%reload_ext", "%unload_ext")


class KernelSession:
    def __init__(self, shell: InteractiveShell, config: LearnFlow, client: LearnFlowClient) -> None:
        self.shell = shell
        self.config = config
        self.client = client
        self.hook = CaptureHook(self._on_failed_cell)
        self.last_error: CapturedError | None = None
        self.cards: OrderedDict[str, FeedbackCard] = OrderedDict()
        self._answered_errors: OrderedDict[str, tuple[FeedbackCard, str]] = OrderedDict()
        # Per exercise: hints already reported with a check (see _new_hints).
        self.hints_reported: dict[str, int] = {}
        self.sent = 0
        self.collapsed = 0
        self.frontend = FrontendBridge()
        # The saved preferences (the API's record) reach this kernel when the client has read
        # them at start, when the frontend pushes a change, and at every `%learnflow config`.
        self._preferences_known = threading.Event()
        client.legacy_preferences = config
        client.on_preferences = self._preferences_read
        self.frontend.on_preferences = self._preferences_pushed

    # -- lifecycle --------------------------------------------------------------------

    def install(self) -> None:
        self.shell.events.register("post_run_cell", self.hook)
        self.shell.input_transformers_cleanup.append(keep_question_marks)
        self.frontend.open()

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):  # already gone
            self.shell.events.unregister("post_run_cell", self.hook)
        with contextlib.suppress(ValueError):
            self.shell.input_transformers_cleanup.remove(keep_question_marks)
        self.frontend.close()
        self.client.close()

    # -- preferences --------------------------------------------------------------------

    def _preferences_read(self, values: dict[str, Any] | None) -> None:
        if values is not None and values.get("saved"):
            self.config.apply_preferences(values)
        self._preferences_known.set()

    def _preferences_pushed(self, values: dict[str, Any]) -> None:
        self.config.apply_preferences(values)
        self._preferences_known.set()

    def refresh_preferences(self, timeout: float = 30.0) -> str | None:
        """Read the saved preferences now (blocking); the problem when they could not be read."""
        # After the client's first read, which may import an older version's file first.
        self._preferences_known.wait(PREFERENCES_WAIT)
        try:
            values = self.client.preferences(timeout)
        except Exception as err:
            return str(err) or type(err).__name__
        self._preferences_read(values)
        return None

    # -- automatic capture ------------------------------------------------------------

    def _on_failed_cell(self, result: ExecutionResult, error: BaseException) -> None:
        try:
            captured = capture_error(
                self.shell,
                result,
                error,
                max_variables=self.config.max_variables,
                max_repr=self.config.max_repr,
            )
        except Exception:
            log.exception("LearnFlow could not capture the error")  # never add a second traceback
            return
        self.last_error = captured
        if not self._preferences_known.is_set():
            # The first error of a fresh kernel: auto-capture may be off in the saved preferences.
            self._preferences_known.wait(PREFERENCES_WAIT)
            self._preferences_known.set()
        if not self.config.auto_capture:
            return
        earlier = self._answered_errors.get(captured.key)
        if earlier is not None and earlier[0].view.state.value != "error":
            self.collapsed += 1
            RepeatNotice(earlier[0], earlier[1]).show()
            return
        card = self.send_error(captured)
        if card is not None:
            self._answered_errors[captured.key] = (card, captured.where)
            while len(self._answered_errors) > KEPT_ERRORS:
                self._answered_errors.popitem(last=False)

    def send_error(self, captured: CapturedError, heading: str = "") -> FeedbackCard | None:
        where = f"{captured.error_type} in {captured.where}"
        return self.ask(lambda context: captured.to_query(context), agent="debug", heading=heading or where)

    # -- asking -----------------------------------------------------------------------

    def ask(
        self,
        build: Callable[[Any], StudentQuery],
        *,
        agent: str = "triage",
        heading: str = "",
        skill_level: str | None = None,
    ) -> FeedbackCard | None:
        """Show a card at once and send the query; the card fills in when the reply arrives."""
        try:
            query = build(self.config.student_context(skill_level))
        except ValidationError as err:
            print(f"LearnFlow cannot send this: {validation_message(err)}")
            return None
        card = FeedbackCard(agent, self, heading=heading)
        card.cell_id = current_cell_id(self.shell)
        card.show()
        self._keep(card)
        self.sent += 1
        self.client.submit(query, card)
        return card

    def _keep(self, card: FeedbackCard) -> None:
        self.cards[card.display_id] = card
        while len(self.cards) > KEPT_CARDS:
            self.cards.popitem(last=False)

    def wait(self, timeout: float) -> bool:
        """Block until every answer is in, then re-send the cards' displays from this cell,
        so headless runs (nbclient, nbconvert --execute) record the answers too."""
        done = self.client.wait_idle(timeout)
        for card in list(self.cards.values()):
            card.refresh()
            card.publish_state()
            for mirror in card.mirrors:
                mirror.publish_state()
        return done

    # -- what the student has written -------------------------------------------------

    def previous_code(self, skip_current: bool = True) -> str | None:
        """The most recent cell of the student's own code (not a LearnFlow or extension magic)."""
        history = list(self.shell.history_manager.input_hist_raw) if self.shell.history_manager else []
        if skip_current and history:
            history = history[:-1]
        for source in reversed(history):
            stripped = source.strip()
            if stripped and not stripped.startswith(NOT_STUDENT_CODE):
                return source
        return None

    def current_exercise(self) -> FeedbackCard | None:
        for card in reversed(self.cards.values()):
            reply = card.view.reply
            if reply is not None and reply.agent == "exercise" and _has_starter(reply):
                return card
        return None

    def card_with_hints(self) -> FeedbackCard | None:
        exercise = self.current_exercise()
        if exercise is not None and exercise.view.hidden_hint_count():
            return exercise
        for card in reversed(self.cards.values()):
            if card.view.hidden_hint_count():
                return card
        return None

    def check_query(self, code: str, exercise: AgentReply | None) -> Callable[[Any], StudentQuery]:
        """The exercise agent's check of the student's code against the exercise on screen
        (`StudentQuery.exercise_id`), with the hints revealed since the previous check of it.
        With no exercise on screen the agent is asked for one."""
        exercise_id = reply_data.exercise_id(exercise) if exercise else None
        hints_used = self._new_hints(exercise_id) if exercise_id else 0

        def build(context: Any) -> StudentQuery:
            fields: dict[str, Any] = {"context": context, "source": "kernel-magic", "hints_used": hints_used}
            if exercise_id is None:
                return StudentQuery(text="check", code=scrub_text(code), target_agent="exercise", **fields)
            return check_query(exercise_id, scrub_text(code), **fields)

        return build

    def _new_hints(self, exercise_id: str) -> int:
        # The exercise card and its check replies carry the same ordered hints, so the hints
        # seen are the most revealed on any of them; each is reported with one check only.
        seen = max(
            (
                card.view.hints_shown
                for card in self.cards.values()
                if card.view.reply is not None and reply_data.exercise_id(card.view.reply) == exercise_id
            ),
            default=0,
        )
        reported = self.hints_reported.get(exercise_id, 0)
        self.hints_reported[exercise_id] = max(seen, reported)
        return max(0, seen - reported)

    # -- CardActions: what the cards' buttons do --------------------------------------

    def frontend_ready(self) -> bool:
        """True when the notebook frontend has the LearnFlow extension (it answered the comm)."""
        return self.frontend.available

    def stream_text(self, card_id: str, text: str, offset: int, *, end: bool = False) -> bool:
        return self.frontend.stream(card_id, text, offset, end=end)

    def insert_code(
        self,
        code: str,
        *,
        cell_id: str | None = None,
        replace: bool = False,
        done: Callable[[str], None] | None = None,
    ) -> str:
        """Put code in the notebook: at once through the labextension, else queued.

        With the extension the frontend inserts a new cell below the card's cell (or replaces
        that cell's code) and `done` hears how it went. Without it a widget can only queue the
        cell with `set_next_input`, which the frontend applies with the reply to the next
        execution: the returned text says exactly that.
        """
        command = REPLACE if replace else INSERT
        args: dict[str, Any] = {"code": code, **({"cell_id": cell_id} if cell_id else {})}

        def answered(data: dict[str, Any]) -> None:
            if done is None:
                return
            if data.get("ok"):
                done("Replaced the cell's code." if replace else "Inserted as a new cell below this cell.")
            else:
                done(f"Not inserted: {data.get('error') or 'the notebook refused'}. Copy the code instead.")

        if self.frontend.send(command, args, answered):
            return "Replacing the cell's code…" if replace else "Inserting a new cell below this cell…"
        if replace:
            return "Replacing needs the LearnFlow JupyterLab extension: copy the code instead."
        self.shell.set_next_input(code, replace=False)
        return (
            "Queued: this notebook has no LearnFlow extension to insert it now, so the code will "
            "appear in a new cell below the next cell you run."
        )

    def explain(self, concept: str, parent: Followups) -> None:
        try:
            query = StudentQuery(
                text=f"Explain {concept}",
                target_agent="concepts",
                context=self.config.student_context(),
                source="kernel-widget",
            )
        except ValidationError as err:
            log.warning("cannot ask about %r: %s", concept, err)
            return
        card = FeedbackCard("concepts", self, parent=parent if isinstance(parent, FeedbackCard) else None)
        parent.add_followup(card)
        self.sent += 1
        self.client.submit(query, card)

    def ask_agent(self, action: Action, reply: AgentReply, parent: Followups) -> None:
        """Re-ask with the tutor an ASK_AGENT action names, with its text, code and traceback."""
        query = ask_agent_query(action, reply, self.config.student_context())
        if query is None:
            return
        agent = str(action.args["agent"])
        card = FeedbackCard(agent, self, parent=parent if isinstance(parent, FeedbackCard) else None)
        card.view.heading = f"Asked the {agent_title(agent)}: {plain(action.label)}"
        parent.add_followup(card)
        self.sent += 1
        self.client.submit(query, card)

    def rate(self, reply: AgentReply, helpful: bool, done: Done) -> None:
        self.client.record_feedback(reply.reply_id, helpful, done=done)

    def check_exercise(self, exercise: AgentReply, listener: CheckListener) -> None:
        code = self.previous_code(skip_current=False)
        if code is None:
            listener.on_failure("run your solution in a cell first, then press Check")
            return
        query = self.check_query(code, exercise)(self.config.student_context())
        self.sent += 1
        self.client.submit(query, listener)


def ask_agent_query(action: Action, reply: AgentReply, context: Any) -> StudentQuery | None:
    """The query an ASK_AGENT action stands for: its text, code and traceback, to the agent it names.

    Triage's low-confidence choice carries the student's own question (`text`, `code`,
    `traceback`); "Next exercise" and "Practise <topic>" carry a `topic` instead.
    """
    args = action.args
    agent = str(args.get("agent") or "")
    text = str(args.get("text") or "").strip()
    topic = str(args.get("topic") or "").strip()
    if not text and topic:
        text = f"Give me an exercise on {topic}" if agent == "exercise" else f"Explain {topic}"
    code = args.get("code") if isinstance(args.get("code"), str) else None
    traceback = args.get("traceback") if isinstance(args.get("traceback"), str) else None
    if not text and not code and not traceback:
        text = plain(action.label or reply.summary)
    try:
        return StudentQuery(
            text=scrub_text(text),
            code=scrub_text(code) if code else None,
            traceback=scrub_text(traceback) if traceback else None,
            target_agent=agent or None,
            context=context,
            source="kernel-widget",
        )
    except ValidationError as err:
        log.warning("cannot re-ask %r: %s", agent, err)
        return None


def _has_starter(reply: AgentReply) -> bool:
    return any(block.role is CodeRole.STARTER for block in reply.code_blocks)
