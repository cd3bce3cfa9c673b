"""The one interface the kernel side talks to, whatever hosts the engine.

Kernel-only mode implements it with the engine running in the kernel
(`EmbeddedClient`); the server-extension mode implements it over the Jupyter
server's REST/WebSocket API. Capture, magics and widgets only ever see this.

Every method is called from the kernel's main thread and must return at once, except
the few documented as blocking (`wait_idle`, `status`, `close`, `preferences`,
`save_preferences`): a student's cell never waits for an agent.
"""

import asyncio
import logging
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from learnflow_agents.contracts import AgentLog, AgentReply, RoutingDecision, StudentQuery

log = logging.getLogger("learnflow.kernel.client")

# Listeners kept for events that arrive late (routing, logs); the oldest are dropped first.
KEPT_LISTENERS = 256
# How long a reply that announced a helper's answer (`follow_up`: debug asking concepts)
# waits for it.
RELATED_TIMEOUT = 15.0


class QueryListener(Protocol):
    """Receives one query's live events. Called from the client's own thread.

    A listener may also define `on_related_reply(reply)`: a helper agent's answer to the
    same query (the concepts agent explaining the idea behind a bug; `reply.helps` is set),
    delivered after `on_reply` when that reply announced it (`reply.follow_up`). A listener
    without it hears only the answer.
    """

    def on_routing(self, decision: RoutingDecision) -> None: ...

    def on_log(self, log: AgentLog) -> None: ...

    def on_reply(self, reply: AgentReply) -> None: ...

    def on_failure(self, message: str) -> None: ...


@dataclass
class ClientStatus:
    mode: str
    student_id: str
    connected: bool
    provider: str
    agents: list[str] = field(default_factory=list)
    db_path: str | None = None
    pending: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


FeedbackDone = Callable[[str | None], None]
# Hears the student's saved preferences (the API's `Preferences`; None when they could not
# be read), from the client's thread.
PreferencesListener = Callable[[dict[str, Any] | None], None]


class LegacyPreferences(Protocol):
    """Where an older version kept the preferences (the kernel's LearnFlow config)."""

    def preferences_path(self) -> Any: ...

    def legacy_preferences(self) -> dict[str, Any] | None: ...

    def retire_legacy_preferences(self) -> None: ...


class LearnFlowClient(ABC):
    """Submit queries, get their events back, store feedback."""

    mode: str = "abstract"

    def __init__(self) -> None:
        # Both clients track queries alike: unanswered ids in `_pending`, guarded by the
        # `_idle` condition (notified whenever one is answered, its announced helper reply
        # delivered, or it fails), and a listener per query for its live events.
        self._listeners: OrderedDict[UUID, QueryListener] = OrderedDict()
        self._pending: set[UUID] = set()
        self._idle = threading.Condition()
        self.submitted = 0
        # Told the saved preferences once the client can read them (see `_announce_preferences`).
        self.on_preferences: PreferencesListener | None = None
        self.legacy_preferences: LegacyPreferences | None = None
        self._loop: Any = None

    @property
    @abstractmethod
    def student_id(self) -> str: ...

    @abstractmethod
    def start(self) -> None:
        """Begin connecting (or starting the engine) in the background."""

    @abstractmethod
    def submit(self, query: StudentQuery, listener: QueryListener) -> UUID:
        """Send the query without waiting; the listener hears routing, logs and the reply."""

    @abstractmethod
    def record_feedback(
        self,
        reply_id: UUID,
        helpful: bool | None,
        rating: int | None = None,
        comment: str | None = None,
        done: FeedbackDone | None = None,
    ) -> None:
        """Store a rating of a reply without waiting; `done(error_or_None)` reports the result."""

    def pending(self) -> int:
        """Queries submitted and not answered (or failed) yet."""
        with self._idle:
            return len(self._pending)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no query is pending; False when `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    @abstractmethod
    def status(self, timeout: float = 5.0) -> ClientStatus:
        """Blocking: mode, provider, agents, storage, for `%learnflow status`."""

    @abstractmethod
    def close(self, timeout: float = 10.0) -> None:
        """Stop background work; pending queries stay stored and may be answered later."""

    # -- the student's preferences: one record, behind the API (GET/PUT preferences) ------

    @abstractmethod
    async def _read_preferences(self) -> dict[str, Any]: ...

    @abstractmethod
    async def _write_preferences(self, changes: dict[str, Any]) -> dict[str, Any]: ...

    # The first read may start a kernel-only engine (migrations, six agents): on a loaded
    # machine that took over 10 s, and the student was shown the defaults as theirs.
    def preferences(self, timeout: float = 30.0) -> dict[str, Any]:
        """Blocking: the student's preferences as the API answers them (`saved` false: defaults)."""
        self.start()
        return asyncio.run_coroutine_threadsafe(self._read_preferences(), self._loop).result(timeout)

    def save_preferences(self, changes: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
        """Blocking: change the preferences given; every preference as saved. A value the API
        refuses raises `PreferencesError` with its message."""
        self.start()
        return asyncio.run_coroutine_threadsafe(self._write_preferences(changes), self._loop).result(timeout)

    async def _announce_preferences(self) -> None:
        """Once started: the saved preferences to `on_preferences` (None when they could not
        be read). Preferences an older version left in preferences.json (`legacy_preferences`)
        are saved first when the student has none yet, then that file is retired."""
        values: dict[str, Any] | None = None
        try:
            values = await self._read_preferences()
            legacy = self.legacy_preferences
            older = legacy.legacy_preferences() if legacy is not None else None
            if older is not None and legacy is not None:
                if not values.get("saved"):
                    values = await self._write_preferences(older)
                    log.info("imported the preferences of %s", legacy.preferences_path())
                legacy.retire_legacy_preferences()
        except Exception:
            log.warning("could not read the student's preferences", exc_info=True)
        if self.on_preferences is not None:
            safely(self.on_preferences, values)

    # -- shared by the clients' delivery --------------------------------------------------

    def _track(self, query_id: UUID, listener: QueryListener) -> None:
        """A submitted query: pending until `_settle`, its live events to `listener`."""
        with self._idle:
            self._pending.add(query_id)
            self.submitted += 1
        self._listeners[query_id] = listener
        while len(self._listeners) > KEPT_LISTENERS:
            self._listeners.popitem(last=False)

    def _settle(self, query_id: UUID) -> None:
        """The query was answered or failed: no longer pending."""
        with self._idle:
            self._pending.discard(query_id)
            self._idle.notify_all()

    async def _deliver_replies(
        self,
        listener: QueryListener,
        answer: Awaitable[AgentReply],
        helper: Callable[[], Awaitable[AgentReply | None]],
    ) -> None:
        """The one way replies reach a listener: the answer to `on_reply`, then, when it
        announces a helper (`follow_up`), that helper's reply to `on_related_reply`.
        `answer` raises the client's own errors; `helper()` returns None when no helper
        answered within RELATED_TIMEOUT, which leaves the answer on its own."""
        reply = await answer
        safely(listener.on_reply, reply)
        on_related = getattr(listener, "on_related_reply", None)
        if reply.follow_up is None or on_related is None:
            return
        related = await helper()
        if related is not None:
            safely(on_related, related)


class PreferencesError(ValueError):
    """The API refused a preference (its message says which and why)."""


def safely(callback: Callable[..., None], *args: Any) -> None:
    # A broken widget must not take the client's thread down with it.
    try:
        callback(*args)
    except Exception:
        log.exception("LearnFlow listener %r failed", callback)
