"""Values going into and coming out of the store."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from learnflow_agents.contracts import (
    AgentReply,
    RoutingDecision,
    StruggleAlert,
    StudentContext,
    StudentQuery,
    VariableSummary,
)

QueryStatus = Literal["pending", "routed", "answered", "failed"]
# What readers see: a pending or routed query the sweeper has re-driven is "retrying".
ShownStatus = Literal["pending", "routed", "retrying", "answered", "failed"]


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A record to publish once the transaction that wrote it commits."""

    topic: str
    key: str | None
    value: bytes


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A stored outbox record; `id` is what mark_sent / release_outbox take."""

    id: int
    topic: str
    key: str | None
    value: bytes


@dataclass(frozen=True, slots=True)
class Redrive:
    """A query the sweeper re-sent (or gave up on): what the student is told about it."""

    query_id: UUID
    student_id: str
    trace_id: str
    redrives: int
    agent: str | None = None  # the agent it was routed to, if known
    gave_up: bool = False


@dataclass(slots=True)
class Submission:
    """One query to store with its outbox events (an item of `submit_queries`)."""

    student_id: str
    trace_id: str
    query: StudentQuery
    # None keeps the stored context; a new student starts from `query.context`.
    context: StudentContext | None = None
    events: Sequence[OutboxEvent] = field(default_factory=list)


@dataclass(slots=True)
class Effects:
    """Everything one handled message changes, applied at most once per (group, message).

    `query_status` defaults to "routed" when there is a routing decision, else leaves the
    status alone; statuses never move backwards (see store.effects.STATUS_FROM).
    """

    consumer_group: str
    message_id: str
    student_id: str
    query_id: UUID | None
    reply: AgentReply | None = None
    routing: RoutingDecision | None = None
    query_status: QueryStatus | None = None
    struggle: StruggleAlert | None = None
    # Alerts are unique per key; the default allows one per student, topic, level and day.
    struggle_key: str | None = None
    mastery: dict[str, float] | None = None
    events: list[OutboxEvent] = field(default_factory=list)
    # Written only if `struggle` is stored (not a repeat of an alert under the same key).
    struggle_events: list[OutboxEvent] = field(default_factory=list)
    # An exercise attempt to record (its `id` is ignored); one per `source_id`, the check reply.
    attempt: "AttemptRecord | None" = None


class QueryRecord(BaseModel):
    """A stored query with its status and routing decision."""

    model_config = ConfigDict(frozen=True)

    query_id: UUID
    student_id: str
    trace_id: str
    text: str
    code: str | None
    traceback: str | None
    variables: list[VariableSummary]
    target_agent: str | None
    course_id: str | None
    source: str
    status: ShownStatus
    routing: RoutingDecision | None
    created_at: datetime
    answered_at: datetime | None
    # Times the sweeper re-sent the query because no reply came (see runtime/sweeper.py).
    redrives: int = 0

    def to_query(self, context: StudentContext | None = None) -> StudentQuery:
        return StudentQuery(
            query_id=self.query_id,
            text=self.text,
            code=self.code,
            traceback=self.traceback,
            variables=self.variables,
            target_agent=self.target_agent,
            context=context or StudentContext(),
            course_id=self.course_id,
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class StruggleRecord:
    id: int
    student_id: str
    topic: str
    level: str
    score: float
    evidence: list[str]
    recommendation: str
    dedupe_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: int
    student_id: str
    exercise_id: str
    topic: str
    passed: bool
    hints_used: int
    details: dict[str, Any]
    created_at: datetime
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    agent: str
    instance: str
    stats: dict[str, Any]
    seen_at: datetime
