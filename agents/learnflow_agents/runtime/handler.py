"""What an agent is: a handler from one request to an outcome.

The runner owns everything else (decoding, storing, publishing, committing), so an
agent module is only its `handle`.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from learnflow_agents.contracts import AgentReply, LogStatus, RoutingDecision, StruggleAlert, Topic

if TYPE_CHECKING:
    from learnflow_agents.runtime.history import StudentHistory
    from learnflow_agents.store import AttemptRecord, Store


@dataclass
class HandlerContext:
    student_id: str
    trace_id: str
    message_id: str
    # The runner's store: reads only (the exercise tutor's generated exercises, the LLM
    # cache); history goes through `history`, writes through the Outcome. None in unit tests.
    store: "Store | None" = None
    # Emits an `agent-logs` event for the live activity feed (best effort).
    log: Callable[..., Awaitable[None]] | None = None

    @property
    def history(self) -> "StudentHistory | None":
        """This student's history, read-only (None without a store)."""
        if self.store is None:
            return None
        from learnflow_agents.runtime.history import StudentHistory

        return StudentHistory(self.store, self.student_id)

    async def note(self, message: str) -> None:
        if self.log is not None:
            await self.log(message)

    async def stream(self, delta: str) -> None:
        """Partial text from a streaming provider, for widgets to fill in as it arrives."""
        if self.log is not None:
            await self.log("streaming", LogStatus.STREAMING, delta)


@dataclass
class Outcome:
    """Everything a handler wants done; the runner stores it atomically, then publishes."""

    reply: AgentReply | None = None
    routing: RoutingDecision | None = None
    # Further messages for other topics: triage's forwarded request, debug's saga ask.
    forward: list[tuple[Topic, BaseModel]] = field(default_factory=list)
    struggle: StruggleAlert | None = None
    # The alert's de-duplication key (see Effects.struggle_key); None keeps the store's default.
    struggle_key: str | None = None
    mastery: dict[str, float] | None = None
    query_status: str | None = None
    # An exercise attempt to record (progress, from a check reply); unique per its source_id.
    attempt: "AttemptRecord | None" = None


class Agent(Protocol):
    name: str
    topics: tuple[Topic, ...]

    async def handle(self, request: Any, ctx: HandlerContext) -> Outcome: ...
