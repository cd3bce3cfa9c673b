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
    from learnflow_agents.store import Store


@dataclass
class HandlerContext:
    student_id: str
    trace_id: str
    message_id: str
    # Read access for agents that need history (progress, exercise); None in pure unit tests.
    store: "Store | None" = None
    # Emits an `agent-logs` event for the live activity feed (best effort).
    log: Callable[..., Awaitable[None]] | None = None

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


class Agent(Protocol):
    name: str
    topics: tuple[Topic, ...]

    async def handle(self, request: Any, ctx: HandlerContext) -> Outcome: ...
