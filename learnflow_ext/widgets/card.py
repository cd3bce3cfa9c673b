"""The feedback card shown under a cell: it is the listener of one query.

It appears at once in the "working" state, follows routing and streamed text while the
agent works, and becomes the answer (or an error) when the reply arrives. Its display
carries the text renderer's markdown/HTML/plain fallbacks under the same display id,
refreshed on every change of state, so exports and widget-less frontends stay readable.

Streamed text costs the kernel little: it goes to a widget of its own (an update carries
no header, buttons or display fallbacks), at most STREAM_UPDATES_PER_SECOND times a second,
and with the LearnFlow labextension only the new text goes, over the `learnflow.commands`
comm, which the frontend appends. The display fallbacks are not resent while streaming:
widget-less frontends see the answer when it is done. `stream_mode = "whole-card"` brings
back the old behaviour (every delta redraws and redisplays the whole card), for
benchmarks/llm_chain.py to measure against.
"""

import threading
import time
import uuid
from typing import Any

import ipywidgets as widgets
from IPython.display import display, update_display
from learnflow_agents.contracts import AgentLog, AgentReply, LogStatus, RoutingDecision

from learnflow_ext.widgets.document import STATE_COLOURS, CardState, ReplyView, agent_title, plain
from learnflow_ext.widgets.highlight import escape
from learnflow_ext.widgets.panels import CardActions, HintsBox, panel_for

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Output metadata that marks a LearnFlow card: the labextension's "Explain this error" finds
# the kernel's answer by it and shows that card instead of asking a second time.
CARD_METADATA = {"learnflow": {"card": True}}
STREAM_UPDATES_PER_SECOND = 10


def js_length(text: str) -> int:
    """`text.length` in the browser (UTF-16 code units): the offsets the labextension checks
    its appended text against. Counted in code points, one emoji or 𝑥 in a reply would
    desync them and freeze the card's text for the rest of the answer."""
    return len(text.encode("utf-16-le")) // 2


def as_parsed_text(text: str) -> str:
    """`text` escaped so the browser's HTML parser shows exactly its characters: CR (which
    the parser turns into LF) and NUL (which it drops) are character references, so the
    text shown is as long as the offsets say."""
    return escape(text).replace("\r", "&#13;").replace("\x00", "&#0;")


class FeedbackCard(widgets.VBox):
    # Without a kernel frontend (terminal IPython) an update would print the card again:
    # there the card prints once more, when finished, instead.
    live = True
    # "deltas" (throttled, new text only) or "whole-card" (the old way, for benchmarks).
    stream_mode = "deltas"
    # When the last streamed update went out (a test gives its own clock).
    clock = staticmethod(time.monotonic)

    def __init__(
        self, agent: str, actions: CardActions, *, heading: str = "", parent: "FeedbackCard | None" = None
    ):
        self.view = ReplyView(agent=agent, heading=heading)
        self.actions = actions
        self.parent_card = parent
        # The notebook cell this card is under: where "Insert as new cell" puts the code.
        self.cell_id: str | None = parent.cell_id if parent is not None else None
        self.display_id = f"learnflow-{uuid.uuid4().hex}"
        self.shown = False
        self._printed_final = False
        self.panel: widgets.VBox | None = None
        self._lock = threading.RLock()
        self._header = widgets.HTML()
        self._status = widgets.HTML()
        # The streamed text alone, so its updates carry nothing else.
        self._stream = widgets.HTML()
        self._stream_shown = 0
        self._stream_at: float | None = None
        self._stream_timer: threading.Timer | None = None
        self.stream_updates = 0
        self.created_at = self.clock()
        self.first_delta_at: float | None = None
        self._content = widgets.VBox()
        self._rating = widgets.HBox()
        self._followups = widgets.VBox()
        self.followup_cards: list[FeedbackCard] = []
        # Repeat notices showing this card elsewhere; their fallbacks follow this one's.
        self.mirrors: list[RepeatNotice] = []
        super().__init__(
            [self._header, self._status, self._stream, self._content, self._rating, self._followups],
            layout=widgets.Layout(
                border_left=f"4px solid {STATE_COLOURS[CardState.WORKING]}",
                padding="2px 10px",
                margin="4px 0",
            ),
        )
        self._draw_header()

    # -- showing --------------------------------------------------------------------

    def show(self) -> None:
        """Display under the current cell's output, with text fallbacks beside the widget."""
        self.shown = True
        display(self.bundle(), raw=True, display_id=self.display_id, metadata=CARD_METADATA)

    def bundle(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        }
        data.update(self.fallback())
        return data

    def fallback(self) -> dict[str, str]:
        bundle = self.view.mimebundle()
        for card in self.followup_cards:
            extra = card.fallback()
            bundle["text/plain"] += "\n\n" + extra["text/plain"]
            bundle["text/markdown"] += "\n---\n\n" + extra["text/markdown"]
            bundle["text/html"] += extra["text/html"]
        return bundle

    def refresh(self) -> None:
        """Re-send the fallbacks; frontends replace every output with this display id."""
        if self.parent_card is not None:
            self.parent_card.refresh()
        elif not self.shown:
            return
        elif self.live:
            update_display(self.bundle(), raw=True, display_id=self.display_id, metadata=CARD_METADATA)
            for mirror in self.mirrors:
                mirror.refresh()
        elif self.finished and not self._printed_final:
            self._printed_final = True
            display(self.fallback(), raw=True)

    def publish_state(self) -> None:
        """Send every model's full state from the current cell.

        Headless runners (nbclient, nbconvert --execute) record widget state only from
        messages of the cell they are running; models created or changed on the engine
        thread are otherwise missing from the saved notebook's widget state.
        """
        for widget in _models(self):
            widget.send_state()

    @property
    def finished(self) -> bool:
        return self.view.state in (CardState.DONE, CardState.ERROR)

    # -- QueryListener ----------------------------------------------------------------

    def on_routing(self, decision: RoutingDecision) -> None:
        with self._lock:
            if self.finished:
                return
            self.view.agent = decision.target_agent
            self.view.note = (
                f"Routed to the {agent_title(decision.target_agent)} "
                f"({decision.confidence:.0%} sure): {decision.reasoning}"
            )
            self._draw_header()
        self.refresh()

    def on_log(self, log: AgentLog) -> None:
        with self._lock:
            if self.finished:
                return  # a late log line must not turn a finished card back to "working"
            if log.delta:
                self.view.state = CardState.STREAMING
                self.view.agent = log.agent
                self.view.streamed += log.delta
                if self.stream_mode == "deltas":
                    self._stream_soon()
                    return
                self.first_delta_at = self.first_delta_at or self.clock()
                self.stream_updates += 1
            elif log.status is not LogStatus.ERROR and log.message:
                self.view.note = log.message
            self._draw_header()
        self.refresh()

    # -- streamed text ----------------------------------------------------------------

    def _stream_soon(self) -> None:
        """Show the new text now, or with the next update when one went out too recently."""
        now = self.clock()
        interval = 1 / STREAM_UPDATES_PER_SECOND
        if self._stream_at is None or now - self._stream_at >= interval:
            self._show_stream(now)
        elif self._stream_timer is None:
            self._stream_timer = threading.Timer(interval - (now - self._stream_at), self._show_stream_later)
            self._stream_timer.daemon = True
            self._stream_timer.start()

    def _show_stream_later(self) -> None:
        with self._lock:
            self._stream_timer = None
            if not self.finished:
                self._show_stream(self.clock())

    def _show_stream(self, now: float) -> None:
        text = self.view.streamed
        new = text[self._stream_shown :]
        if not new:
            return
        first = self._stream_at is None
        offset, self._stream_shown, self._stream_at = self._stream_shown, len(text), now
        self.stream_updates += 1
        if first:
            self.first_delta_at = now
            # The header turns to "streaming" once; the text area is drawn with what came.
            self._draw_header()
            self._stream.value = self._stream_html(text)
            self.refresh()
            return
        if self.actions.stream_text(self.display_id, new, js_length(text[:offset])):
            return  # the labextension appends it
        self._stream.value = self._stream_html(text)

    def _stream_html(self, text: str) -> str:
        # The labextension finds the card's text by this attribute to append to it.
        return (
            f'<pre data-learnflow-stream="{self.display_id}" '
            f'style="white-space:pre-wrap;margin:0">{as_parsed_text(text)}</pre>'
        )

    def _end_stream(self) -> None:
        if self._stream_timer is not None:
            self._stream_timer.cancel()
            self._stream_timer = None
        if self._stream_at is not None:
            self.actions.stream_text(
                self.display_id, "", js_length(self.view.streamed[: self._stream_shown]), end=True
            )
        if self._stream.value:
            self._stream.value = ""

    def on_reply(self, reply: AgentReply) -> None:
        with self._lock:
            self._end_stream()
            self.view.reply = reply
            self.view.agent = reply.agent
            self.view.state = CardState.ERROR if reply.status.value == "error" else CardState.DONE
            self.view.streamed = ""
            self.view.note = ""
            self.panel = panel_for(self.view, self.actions, self, self.refresh)
            self._content.children = [self.panel, *(_related_widget(r) for r in self.view.related)]
            self._rating.children = self._rating_buttons(reply)
            self._draw_header()
        self.refresh()

    def on_failure(self, message: str) -> None:
        with self._lock:
            self._end_stream()
            self.view.state = CardState.ERROR
            self.view.note = message
            self._draw_header()
        self.refresh()

    def on_related_reply(self, reply: AgentReply) -> None:
        """A helper's answer to the same query (`reply.helps`), e.g. the concept behind a bug."""
        with self._lock:
            self.view.related.append(reply)
            self._content.children = [*self._content.children, _related_widget(reply)]
        self.refresh()

    # -- interactions -----------------------------------------------------------------

    def reveal_hint(self) -> str | None:
        hints = getattr(self.panel, "hints", None)
        return hints.reveal() if isinstance(hints, HintsBox) else None

    def add_followup(self, card: widgets.Widget) -> None:
        if isinstance(card, FeedbackCard):
            self.followup_cards.append(card)
        self._followups.children = [*self._followups.children, card]
        self.refresh()

    def _rating_buttons(self, reply: AgentReply) -> list[widgets.Widget]:
        up = widgets.Button(description="👍", tooltip="This helped", layout=widgets.Layout(width="48px"))
        down = widgets.Button(
            description="👎", tooltip="This did not help", layout=widgets.Layout(width="48px")
        )
        thanks = widgets.Label()

        def rate(helpful: bool) -> None:
            up.disabled = down.disabled = True
            thanks.value = "Saving…"

            def done(error: str | None) -> None:
                thanks.value = f"Not saved: {error}" if error else "Thanks, noted."
                if error:
                    up.disabled = down.disabled = False

            self.actions.rate(reply, helpful, done)

        up.on_click(lambda _b: rate(True))
        down.on_click(lambda _b: rate(False))
        return [widgets.Label("Was this helpful?"), up, down, thanks]

    # -- drawing ----------------------------------------------------------------------

    def _draw_header(self) -> None:
        colour = STATE_COLOURS[self.view.state]
        self.layout.border_left = f"4px solid {colour}"
        self._header.value = f'<div style="font-weight:600;color:{colour}">{escape(self.view.header())}</div>'
        lines = []
        if self.view.heading:
            lines.append(f"<em>{escape(self.view.heading)}</em>")
        if self.view.status_line():
            lines.append(f"<em>{escape(self.view.status_line())}</em>")
        if self.stream_mode == "whole-card" and self.view.state is CardState.STREAMING:
            lines.append(f'<pre style="white-space:pre-wrap;margin:0">{escape(self.view.streamed)}</pre>')
        self._status.value = "<br>".join(lines)


def _models(root: widgets.Widget) -> list[widgets.Widget]:
    found: list[widgets.Widget] = []
    pending = [root]
    while pending:
        widget = pending.pop()
        found.append(widget)
        for name in ("layout", "style"):
            part = getattr(widget, name, None)
            if isinstance(part, widgets.Widget):
                found.append(part)
        pending.extend(getattr(widget, "children", ()))
    return found


def _related_widget(reply: AgentReply) -> widgets.Widget:
    view = ReplyView.of(reply)
    body = widgets.HTML(view.html())
    box = widgets.Accordion([body], selected_index=None)
    box.set_title(0, plain(f"{agent_title(reply.agent)}: {reply.summary}")[:120])
    return box


class RepeatNotice(widgets.VBox):
    """A repeated identical error: point at the earlier answer instead of asking again."""

    def __init__(self, original: FeedbackCard, where: str) -> None:
        self.original = original
        self.message = f"Same error as {where}: not sent again. The earlier answer:"
        self.display_id = f"learnflow-{uuid.uuid4().hex}"
        earlier = widgets.Accordion([original], selected_index=None)
        summary = original.view.reply.summary if original.view.reply else "Earlier answer"
        earlier.set_title(0, plain(summary)[:120])
        super().__init__([widgets.HTML(f"<em>{escape(self.message)}</em>"), earlier])

    def show(self) -> None:
        self.original.mirrors.append(self)
        display(self.bundle(), raw=True, display_id=self.display_id, metadata=CARD_METADATA)

    def refresh(self) -> None:
        update_display(self.bundle(), raw=True, display_id=self.display_id, metadata=CARD_METADATA)

    def publish_state(self) -> None:
        for widget in _models(self):
            widget.send_state()

    def bundle(self) -> dict[str, Any]:
        fallback = self.original.fallback()
        return {
            WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": self.model_id},
            "text/plain": f"{self.message}\n\n{fallback['text/plain']}",
            "text/markdown": f"_{self.message}_\n\n{fallback['text/markdown']}",
            "text/html": f"<div><em>{escape(self.message)}</em></div>{fallback['text/html']}",
        }
