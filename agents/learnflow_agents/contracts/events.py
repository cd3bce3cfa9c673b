"""Payloads of the routing, request, log, struggle and dead-letter topics."""

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from learnflow_agents.contracts.base import Contract
from learnflow_agents.contracts.query import StudentQuery


class RoutingDecision(Contract):
    """Payload of `triage-routing`."""

    query_id: UUID
    target_agent: str
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    reasoning: Annotated[str, StringConstraints(max_length=1_000)]
    secondary_agent: str | None = None
    router: str = "offline"


class AgentRequest(Contract):
    """Payload of every `<agent>-requests` topic: the query plus how it got there."""

    query: StudentQuery
    routing: RoutingDecision | None = None
    # Saga step: set when one agent asks another (debug asking concepts for a link).
    requested_by: str | None = None
    # 1.1: the reply of `requested_by`'s that this request helps (the helper reply names it).
    for_reply: UUID | None = None
    concept: Annotated[str, StringConstraints(max_length=128)] | None = None


class LogStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    STREAMING = "streaming"
    DONE = "done"
    ERROR = "error"


class AgentLog(Contract):
    """Payload of `agent-logs`: the live activity feed."""

    agent: str
    query_id: UUID | None = None
    status: LogStatus
    message: Annotated[str, StringConstraints(max_length=2_000)]
    # Partial text while a provider streams, so a widget can fill in as it arrives.
    delta: str | None = None


class StruggleLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class StruggleAlert(Contract):
    """Payload of `student-struggle`."""

    topic: str
    struggle_level: StruggleLevel
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    evidence: list[str] = Field(default_factory=list)
    recommendation: str


class DeadLetter(Contract):
    """Payload of the dead-letter topic: what could not be handled, and why."""

    original_topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    consumer_group: str
    error: Annotated[str, StringConstraints(max_length=4_000)]
    # The raw message, decoded as UTF-8 with replacement so binary junk is still visible.
    raw: Annotated[str, StringConstraints(max_length=200_000)]
    attempts: int = 1
