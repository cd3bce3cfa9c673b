"""The one interface the kernel side talks to, whatever hosts the engine.

Kernel-only mode implements it with the engine running in the kernel
(`EmbeddedClient`); the server-extension mode will implement it over the Jupyter
server's REST/WebSocket API. Capture, magics and widgets only ever see this.

Every method is called from the kernel's main thread and must return at once, except
the few documented as blocking (`wait_idle`, `status`, `close`): a student's cell never
waits for an agent.
"""

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from learnflow_agents.contracts import AgentLog, AgentReply, RoutingDecision, StudentQuery


class QueryListener(Protocol):
    """Receives one query's live events. Called from the client's own thread.

    A listener may also define `on_related_reply(reply)`: a helper agent's answer to the
    same query (the concepts agent explaining the idea behind a bug), delivered after
    `on_reply` when the reply announces one (`data["concept_requested"]`).
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


class LearnFlowClient(ABC):
    """Submit queries, get their events back, store feedback."""

    mode: str = "abstract"

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

    # Both clients track unanswered queries the same way: ids in `_pending`, guarded by the
    # `_idle` condition, which they notify whenever a query is answered or fails.
    _pending: set[UUID]
    _idle: threading.Condition

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
