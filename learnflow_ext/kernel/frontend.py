"""Ask the notebook frontend to insert or replace a cell at once, over a comm.

A widget callback cannot put a cell in the notebook: `set_next_input` only rides on the
reply to the *next* execution. The LearnFlow labextension registers the comm target
`learnflow.commands` on every notebook kernel (docs/labextension.md). When this kernel
loads LearnFlow it opens that comm with a `hello`; a frontend with the extension answers,
and from then on "Insert as new cell" / "Replace cell" are sent to it and act at once on
the cell that shows the card. Without an answer (Notebook without the extension, VS Code,
nbclient) nothing is sent and the caller falls back to `set_next_input`, saying so.

A card's streamed text travels over it too when the frontend says it appends (`streams`):
`stream` messages carry only the new text and its offset, so a long answer costs its own
length once rather than once per update (learnflow_ext/widgets/card.py).

The student's preferences travel over the same comm: the frontend sends `preferences`
(the record it just saved through the API) to every kernel, and a kernel whose
`%learnflow config` saved a change sends `preferences-changed`, so the frontend re-reads
the API and tells the other kernels. Neither carries code: nothing is executed.
"""

import logging
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("learnflow.kernel")

TARGET = "learnflow.commands"
INSERT = "learnflow:insert-fix-below"
REPLACE = "learnflow:replace-cell-with-fix"
PREFERENCES_CHANGED = "preferences-changed"
STREAM = "stream"
Answer = Callable[[dict[str, Any]], None]


def current_cell_id(shell: Any) -> str | None:
    """The frontend's id of the cell being run (JupyterLab and Notebook 7 send `cellId`)."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent("shell")
    except Exception:  # an old ipykernel, or no request being handled
        parent = getattr(kernel, "_parent", None) or {}
    metadata = (parent or {}).get("metadata") or {}
    cell_id = metadata.get("cellId")
    return str(cell_id) if cell_id else None


class FrontendBridge:
    """The comm to the labextension; `available` once the frontend answered the hello."""

    def __init__(self) -> None:
        self.available = False
        # The frontend appends streamed text sent as `stream` messages.
        self.streams = False
        self.comm: Any = None
        self._waiting: dict[str, Answer] = {}
        # Hears the preferences the frontend saved (the API's `Preferences`).
        self.on_preferences: Callable[[dict[str, Any]], None] | None = None

    def open(self) -> None:
        """Say hello to a frontend already there, and listen for one that comes later.

        A frontend with the extension that connects after this (the LearnFlow kernel loads
        it at start-up, before any frontend) opens the comm itself (`frontend-hello`).
        """
        try:
            from comm import create_comm, get_comm_manager

            get_comm_manager().register_target(TARGET, self._on_frontend_open)
            self._use(create_comm(target_name=TARGET, data={"command": "hello"}))
        except Exception:  # no kernel (terminal IPython), or no comm support
            log.debug("no frontend comm", exc_info=True)
            self.comm = None

    def _use(self, comm: Any) -> None:
        self.comm = comm
        comm.on_msg(self._on_msg)
        comm.on_close(self._on_close)

    def _on_frontend_open(self, comm: Any, msg: dict[str, Any]) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        self._use(comm)
        # Only the labextension opens this target, and it says which commands it runs.
        self.available = set(data.get("commands") or ()) >= {INSERT, REPLACE}
        self.streams = self.available and bool(data.get("streams"))

    def close(self) -> None:
        if self.comm is not None:
            try:
                self.comm.close()
            except Exception:
                log.debug("closing the frontend comm failed", exc_info=True)
        self.comm = None
        self.available = self.streams = False

    def _on_close(self, msg: Any) -> None:
        closed = (msg.get("content") or {}).get("comm_id") if isinstance(msg, dict) else None
        if self.comm is not None and closed not in (None, getattr(self.comm, "comm_id", None)):
            return  # an older comm closed; the one in use is still open
        self.available = self.streams = False
        self.comm = None

    def _on_msg(self, msg: dict[str, Any]) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        if data.get("command") == "hello":
            self.available = bool(data.get("ok"))
            self.streams = self.available and bool(data.get("streams"))
            return
        if data.get("command") == "preferences":
            values = data.get("preferences")
            if isinstance(values, dict) and self.on_preferences is not None:
                self.on_preferences(values)
            return
        answer = self._waiting.pop(str(data.get("request_id")), None)
        if answer is not None:
            answer(data)

    def send(self, command: str, args: dict[str, Any], answer: Answer) -> bool:
        """Ask the frontend to run `command`; False (nothing sent) when it has no extension."""
        if not self.available or self.comm is None:
            return False
        request_id = uuid.uuid4().hex
        self._waiting[request_id] = answer
        try:
            self.comm.send({"command": command, "args": args, "request_id": request_id})
        except Exception:
            self._waiting.pop(request_id, None)
            log.warning("could not reach the frontend", exc_info=True)
            return False
        return True

    def stream(self, card_id: str, text: str, offset: int, *, end: bool = False) -> bool:
        """Send a card's new streamed text (no answer expected); False when the frontend
        cannot append it and the card must redraw its text itself."""
        if not self.streams or self.comm is None:
            return False
        message: dict[str, Any] = {"command": STREAM, "card": card_id, "offset": offset, "text": text}
        if end:
            message["end"] = True
        try:
            self.comm.send(message)
        except Exception:
            log.debug("could not stream to the frontend", exc_info=True)
            return False
        return True

    def preferences_changed(self) -> None:
        """Tell the frontend this kernel saved preferences (it re-reads them from the API)."""
        if self.comm is None:
            return
        try:
            self.comm.send({"command": PREFERENCES_CHANGED})
        except Exception:
            log.debug("could not tell the frontend about the preferences", exc_info=True)
