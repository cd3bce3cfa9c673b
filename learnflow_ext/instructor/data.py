"""What the dashboard shows, and the one interface its data sources implement.

The records are the store's analytics dataclasses, so the local store and the gateway
(which serves them as JSON) feed the dashboard the same values.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from learnflow_agents.store.analytics import (
    ErrorCount,
    ExercisePassRate,
    MasteryMatrix,
    QueryWithReplies,
    StrugglingStudent,
    TopicSummary,
)

__all__ = [
    "AgentStatus",
    "ClassView",
    "DataSource",
    "ErrorCount",
    "ExercisePassRate",
    "Filters",
    "MasteryMatrix",
    "QueryWithReplies",
    "Snapshot",
    "StrugglingStudent",
    "TopicSummary",
    "UsageToday",
    "agent_statuses",
    "take_snapshot",
]


@dataclass(frozen=True)
class Filters:
    course: str | None = None
    group: str | None = None
    # "This week" for errors and exercises; struggles use the alert topic's 24 h.
    errors_since_days: float = 7.0
    struggles_since_hours: float = 24.0


@dataclass(frozen=True)
class ClassView:
    matrix: MasteryMatrix
    summary: list[TopicSummary]
    courses: list[str] = field(default_factory=list)
    # Group name -> student ids (JupyterHub groups on a hub; none locally).
    groups: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Spend:
    """LLM usage today (UTC): calls, input + output tokens, cost."""

    requests: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class StudentSpend:
    student_id: str
    course_id: str | None
    # What counts against the student's own budget, and everything (routing included).
    asked: Spend
    total: Spend


@dataclass(frozen=True)
class CourseSpend:
    course_id: str | None
    used: Spend
    # Why the course's students are answered offline now, or None.
    over_budget: str | None


@dataclass(frozen=True)
class UsageToday:
    """The store's LLM usage today against the daily budgets (None: no limit)."""

    day: str
    student_tokens: int | None
    student_usd: float | None
    course_tokens: int | None
    course_usd: float | None
    courses: list[CourseSpend] = field(default_factory=list)
    students: list[StudentSpend] = field(default_factory=list)


@dataclass(frozen=True)
class AgentStatus:
    """One agent across its instances, from their heartbeats."""

    agent: str
    instances: int
    fresh: int
    handled: int
    lag: int
    dead_lettered: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    provider: str

    @property
    def healthy(self) -> bool:
        return self.fresh > 0

    @property
    def stale(self) -> int:
        """Instances whose last heartbeat is too old (restarted pods, old runs): not counted."""
        return self.instances - self.fresh


class DataSource(Protocol):
    """Where the dashboard reads from: the local store or the hub's gateway."""

    name: str

    def class_view(self, course: str | None) -> ClassView: ...

    def struggles(self, since: datetime, course: str | None) -> list[StrugglingStudent]: ...

    def errors(self, since: datetime, course: str | None) -> list[ErrorCount]: ...

    def pass_rates(self, since: datetime | None, course: str | None) -> list[ExercisePassRate]: ...

    def agents(self) -> list[AgentStatus]: ...

    def student_queries(self, student_id: str, limit: int = 20) -> list[QueryWithReplies]: ...

    def usage(self, course: str | None) -> UsageToday | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Snapshot:
    view: ClassView
    struggles: list[StrugglingStudent]
    errors: list[ErrorCount]
    pass_rates: list[ExercisePassRate]
    agents: list[AgentStatus]
    taken_at: datetime
    usage: UsageToday | None = None


def _in_group(view: ClassView, group: str | None) -> set[str] | None:
    if not group:
        return None
    return set(view.groups.get(group, []))


def take_snapshot(source: DataSource, filters: Filters) -> Snapshot:
    """Everything the dashboard draws, read once (blocking: call it off the kernel loop)."""
    now = datetime.now(UTC)
    view = source.class_view(filters.course)
    members = _in_group(view, filters.group)
    struggles = source.struggles(now - timedelta(hours=filters.struggles_since_hours), filters.course)
    if members is not None:
        # Group filtering is client-side: groups are a hub notion the store does not know.
        matrix = view.matrix
        kept = [s for s in matrix.students if s in members]
        view = ClassView(
            MasteryMatrix(kept, matrix.topics, {s: matrix.cells.get(s, {}) for s in kept}),
            view.summary,
            view.courses,
            view.groups,
        )
        struggles = [s for s in struggles if s.student_id in members]
    usage = source.usage(filters.course)
    if usage is not None and members is not None:
        usage = replace(usage, students=[s for s in usage.students if s.student_id in members])
    week = now - timedelta(days=filters.errors_since_days)
    return Snapshot(
        view=view,
        struggles=struggles,
        errors=source.errors(week, filters.course),
        pass_rates=source.pass_rates(week, filters.course),
        agents=source.agents(),
        taken_at=now,
        usage=usage,
    )


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def agent_statuses(beats: Iterable[Mapping[str, Any]]) -> list[AgentStatus]:
    """Aggregate heartbeat entries (the `agents` of `learnflow-agents health`) per agent.

    LLM usage sits under stats["llm"] (LLMStats.snapshot) when an agent reports it.
    """
    acc: dict[str, dict[str, Any]] = {}
    for beat in beats:
        stats = beat.get("stats") or {}
        llm = stats.get("llm") or {}
        tokens = llm.get("tokens") or {}
        row = acc.setdefault(
            str(beat.get("agent")),
            {
                "instances": 0,
                "fresh": 0,
                "handled": 0,
                "lag": 0,
                "dead": 0,
                "in": 0,
                "out": 0,
                "cost": 0.0,
                "provider": "offline",
            },
        )
        row["instances"] += 1
        row["fresh"] += 1 if beat.get("fresh") else 0
        row["handled"] += _int(stats.get("handled"))
        row["lag"] += _int(stats.get("lag"))
        row["dead"] += _int(stats.get("dead_lettered"))
        row["in"] += _int(tokens.get("in"))
        row["out"] += _int(tokens.get("out"))
        row["cost"] += float(llm.get("cost_usd") or 0.0)
        if llm.get("provider") and llm["provider"] != "none":
            row["provider"] = str(llm["provider"])
    return [
        AgentStatus(
            name,
            r["instances"],
            r["fresh"],
            r["handled"],
            r["lag"],
            r["dead"],
            r["in"],
            r["out"],
            round(r["cost"], 6),
            r["provider"],
        )
        for name, r in sorted(acc.items())
    ]
