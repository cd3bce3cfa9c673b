"""LLM usage per UTC day: what the daily budgets are checked against, and what instructors
and students see (table `llm_usage`, migration 0006).

Each provider call adds itself with one upsert whose counters are incremented by the
database (`x = x + excluded.x`), so concurrent writers in any number of processes never
lose a call. A course's usage is every call made for its queries, routing included; a
student's own usage is only what they asked for (`asked`).
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from learnflow_agents.store.base import StoreBase, utc_now
from learnflow_agents.store.rows import check_row
from learnflow_agents.store.schema import llm_usage

COUNTERS = (
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "cost_usd",
)
# A query filed under no course is counted under this course id (a key column is never NULL).
NO_COURSE = ""


def course_key(course_id: str | None) -> str:
    return course_id or NO_COURSE


@dataclass(frozen=True, slots=True)
class UsageCall:
    """One provider call's usage, as recorded."""

    day: date
    course_id: str | None
    student_id: str
    agent: str
    provider: str
    model: str
    asked: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 1


@dataclass(frozen=True, slots=True)
class UsageTotals:
    requests: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        """What token budgets count: input (cached or not) plus output."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class StudentUsage:
    """One student's usage under one course on one day (routing included, as `routing_*`)."""

    student_id: str
    course_id: str | None
    asked: UsageTotals
    routing: UsageTotals = field(default_factory=UsageTotals)

    @property
    def total(self) -> UsageTotals:
        return add_totals(self.asked, self.routing)


def add_totals(a: UsageTotals, b: UsageTotals) -> UsageTotals:
    return UsageTotals(**{name: getattr(a, name) + getattr(b, name) for name in COUNTERS})


def _totals(row: sa.Row[tuple[int, int, int, int, int, float]] | None) -> UsageTotals:
    if row is None:
        return UsageTotals()
    requests, tokens_in, cache_read, cache_write, tokens_out, cost = row
    return UsageTotals(
        requests=int(requests or 0),
        input_tokens=int(tokens_in or 0),
        cache_read_tokens=int(cache_read or 0),
        cache_write_tokens=int(cache_write or 0),
        output_tokens=int(tokens_out or 0),
        cost_usd=round(float(cost or 0.0), 6),
    )


def _sums() -> list[sa.ColumnElement[int | float]]:
    return [sa.func.coalesce(sa.func.sum(llm_usage.c[name]), 0) for name in COUNTERS]


class UsageMixin(StoreBase):
    def record_llm_usage(self, call: UsageCall) -> None:
        """Add one call to its day's row (created on first use)."""
        row = {
            "day": call.day,
            "course_id": course_key(call.course_id),
            "student_id": call.student_id,
            "agent": call.agent,
            "provider": call.provider,
            "model": call.model,
            "asked": call.asked,
            "requests": call.requests,
            "input_tokens": max(call.input_tokens, 0),
            "cache_read_tokens": max(call.cache_read_tokens, 0),
            "cache_write_tokens": max(call.cache_write_tokens, 0),
            "output_tokens": max(call.output_tokens, 0),
            "cost_usd": max(call.cost_usd, 0.0),
            "updated_at": utc_now(),
        }
        check_row(llm_usage, row)
        stmt = self._insert(llm_usage)
        keys = [llm_usage.c[k] for k in ("day", "course_id", "student_id", "agent", "provider", "model")]
        increments = {name: llm_usage.c[name] + stmt.excluded[name] for name in COUNTERS}
        with self._write() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=keys, set_={**increments, "updated_at": stmt.excluded.updated_at}
                ),
                row,
            )

    def llm_usage_for_budget(
        self, day: date, student_id: str, course_id: str | None
    ) -> tuple[UsageTotals, UsageTotals]:
        """(what the student asked for that day, the course's whole usage that day): what
        the two daily budgets are checked against, read in one transaction."""
        mine = sa.select(*_sums()).where(
            llm_usage.c.day == day, llm_usage.c.student_id == student_id, llm_usage.c.asked.is_(True)
        )
        course = sa.select(*_sums()).where(
            llm_usage.c.day == day, llm_usage.c.course_id == course_key(course_id)
        )
        with self._read() as conn:
            return _totals(conn.execute(mine).one()), _totals(conn.execute(course).one())

    def llm_usage_by_student(
        self, day: date, courses: Collection[str | None] | None = None, student_id: str | None = None
    ) -> list[StudentUsage]:
        """Each student's usage that day under each course, ordered by course then student;
        `courses` (None: every course; a None in it: no course) and `student_id` filter."""
        stmt = sa.select(llm_usage.c.course_id, llm_usage.c.student_id, llm_usage.c.asked, *_sums()).where(
            llm_usage.c.day == day
        )
        if courses is not None:
            stmt = stmt.where(llm_usage.c.course_id.in_(sorted({course_key(c) for c in courses})))
        if student_id is not None:
            stmt = stmt.where(llm_usage.c.student_id == student_id)
        stmt = stmt.group_by(llm_usage.c.course_id, llm_usage.c.student_id, llm_usage.c.asked)
        found: dict[tuple[str, str], dict[bool, UsageTotals]] = {}
        with self._read() as conn:
            for course, student, asked, *sums in conn.execute(stmt):
                found.setdefault((course, student), {})[bool(asked)] = _totals(tuple(sums))  # type: ignore[arg-type]
        return [
            StudentUsage(
                student_id=student,
                course_id=course or None,
                asked=parts.get(True, UsageTotals()),
                routing=parts.get(False, UsageTotals()),
            )
            for (course, student), parts in sorted(found.items())
        ]
