"""The instructor API: the class, struggles, errors, exercises, one student's queries and
the agents' health, as plain async functions over `(store, instructor)`.

What an instructor may see is decided by the wrapper: the gateway works it out from the
hub (scopes, course groups) on every call; a single-user dashboard sees its own store
whole (`Instructor.everything()`). Every answer is limited to `Instructor.access`.
"""

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from learnflow_agents.api.errors import ApiError, int_param
from learnflow_agents.llm.budgets import DailyBudgets, Spent, enforced, limit
from learnflow_agents.runtime.health import store_health
from learnflow_agents.store import Store, analytics
from learnflow_agents.store.usage import UsageTotals, add_totals

MAX_PAGE = analytics.MAX_PAGE


@dataclass(frozen=True)
class CourseAccess:
    """Which students' data an instructor may read."""

    every: bool
    courses: frozenset[str]

    @property
    def unassigned(self) -> bool:
        """Whether students enrolled in no course are visible."""
        return self.every or not self.courses

    def allows(self, course_id: str | None) -> bool:
        if self.every:
            return True
        return course_id in self.courses if course_id is not None else self.unassigned

    def within(self) -> list[str | None] | None:
        """The analytics filter: None for every course, else the visible courses (None = no course)."""
        if self.every:
            return None
        return [*sorted(self.courses), *([None] if self.unassigned else [])]


async def _no_members(courses: list[str]) -> frozenset[str]:
    return frozenset()


async def _no_groups() -> dict[str, list[str]]:
    return {}


@dataclass(frozen=True)
class Instructor:
    """An instructor as the wrapper authorised them.

    `members(courses)`: the students of those courses' groups (a student in two courses is
    filed under one but belongs to both); `groups()`: the instructor's own groups with
    their members, for the dashboard's group filter."""

    name: str
    access: CourseAccess
    members: Callable[[list[str]], Awaitable[frozenset[str]]] = _no_members
    groups: Callable[[], Awaitable[dict[str, list[str]]]] = _no_groups

    @classmethod
    def everything(cls, name: str = "instructor") -> "Instructor":
        """Whoever reads a single-user store: every student in it."""
        return cls(name, CourseAccess(every=True, courses=frozenset()))


def plain(value: Any) -> Any:
    """The analytics records (dataclasses, pydantic models) as JSON-ready builtins."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


# -- parameters ---------------------------------------------------------------------------


def since_param(raw: str | None) -> datetime | None:
    """An RFC 3339 time (or ISO 8601 without a zone, meaning UTC); else a 400 naming `since`
    (an empty one too: it is no time, and leaving it out means no limit)."""
    if raw is None:
        return None
    # RFC 3339 allows a lower-case t and z, and a leap second (read as the second before it).
    text = re.sub(r"(T\d\d:\d\d:)60", r"\g<1>59", raw.strip().upper())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "since: not an ISO 8601 time", "since") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # Within a day of the calendar's ends: before everything, or after it.
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else datetime.max.replace(tzinfo=UTC)


def limit_param(raw: str | None, default: int, top: int = MAX_PAGE) -> int:
    return int_param(raw, "limit", default, 1, top)


def _course(who: Instructor, course: str | None) -> str | None:
    """`course` must be one of the instructor's courses (else 403)."""
    course = course or None
    if course is not None and not who.access.allows(course):
        raise ApiError(403, f"course {course!r} is not one of your courses", "course")
    return course


async def _visible(who: Instructor, course: str | None) -> analytics.Visible | None:
    """Whom this call may show: students filed under the course(s), and the members of
    their hub groups."""
    if course is not None:
        return analytics.Visible([course], await who.members([course]))
    within = who.access.within()
    if within is None:
        return None
    return analytics.Visible(within, await who.members(sorted(who.access.courses)))


# -- the operations -------------------------------------------------------------------------


async def class_view(
    store: Store, who: Instructor, course: str | None = None, limit: int = 200, after: str | None = None
) -> dict[str, Any]:
    """{"course", "courses", "groups", "matrix": MasteryMatrix, "topics": [TopicSummary]}."""
    course = _course(who, course)
    visible = await _visible(who, course)
    matrix = await asyncio.to_thread(
        analytics.class_mastery_matrix, store, limit=limit, after=after, within=visible
    )
    summary = await asyncio.to_thread(analytics.topic_summary, store, within=visible)
    if who.access.every:
        courses = await asyncio.to_thread(analytics.course_ids, store)
    else:
        courses = sorted(who.access.courses)
    return plain(
        {
            "course": course,
            "courses": courses,
            "groups": await who.groups(),
            "matrix": matrix,
            "topics": summary,
        }
    )


async def struggles(
    store: Store, who: Instructor, since: datetime | None = None, limit: int = 50, course: str | None = None
) -> dict[str, Any]:
    """{"struggling": [StrugglingStudent]}."""
    visible = await _visible(who, _course(who, course))
    found = await asyncio.to_thread(analytics.struggling_now, store, since=since, limit=limit, within=visible)
    return {"struggling": plain(found)}


async def errors(
    store: Store, who: Instructor, since: datetime | None = None, limit: int = 10, course: str | None = None
) -> dict[str, Any]:
    """{"errors": [ErrorCount]}."""
    visible = await _visible(who, _course(who, course))
    found = await asyncio.to_thread(
        analytics.frequent_errors, store, since=since, limit=limit, within=visible
    )
    return {"errors": plain(found)}


async def exercises(
    store: Store, who: Instructor, since: datetime | None = None, limit: int = 100, course: str | None = None
) -> dict[str, Any]:
    """{"exercises": [ExercisePassRate with pass_rate]}."""
    visible = await _visible(who, _course(who, course))
    rates = await asyncio.to_thread(
        analytics.exercise_pass_rates, store, since=since, limit=limit, within=visible
    )
    # pass_rate is a property, so the dataclass encoder would leave it out.
    return {"exercises": [{**plain(rate), "pass_rate": rate.pass_rate} for rate in rates]}


async def student_queries(store: Store, who: Instructor, student_id: str, limit: int = 20) -> dict[str, Any]:
    """{"student_id", "queries": [{"query": QueryRecord, "replies": [AgentReply]}]}."""
    enrolment = await asyncio.to_thread(analytics.student_enrolment, store, student_id)
    # A student of another course and an unknown one look the same: names are not probed.
    if enrolment is None or not (
        who.access.allows(enrolment.course_id) or student_id in await who.members(sorted(who.access.courses))
    ):
        raise ApiError(404, "no such student in your courses")
    items = await asyncio.to_thread(analytics.student_recent_queries, store, student_id, limit=limit)
    return {"student_id": student_id, "queries": plain(items)}


async def usage(
    store: Store, who: Instructor, budgets: DailyBudgets, course: str | None = None
) -> dict[str, Any]:
    """{"day", "course", "budget": {"student", "course"}, "courses": [{course_id, used,
    over_budget}], "students": [{student_id, course_id, asked, routing, total}]}: LLM tokens
    and cost today (UTC) per student and per course, for the courses the instructor may see.
    `asked` counts against the student's budget; `routing` (triage) for the course only.
    Students are listed under the course their queries were filed under. The budgets are
    those the agents report enforcing (heartbeats), else `budgets` (the caller's settings)."""
    course = _course(who, course)
    budgets = await asyncio.to_thread(enforced, store, budgets)
    within = [course] if course is not None else who.access.within()
    day = datetime.now(UTC).date()
    found = await asyncio.to_thread(store.llm_usage_by_student, day, within)
    per_course: dict[str | None, UsageTotals] = {}
    for row in found:
        per_course[row.course_id] = add_totals(per_course.get(row.course_id, UsageTotals()), row.total)
    nothing = UsageTotals()
    return plain(
        {
            "day": day,
            "course": course,
            "budget": {
                "student": limit(budgets.student_tokens, budgets.student_usd),
                "course": limit(budgets.course_tokens, budgets.course_usd),
            },
            "courses": [
                {
                    "course_id": course_id,
                    "used": Spent.of(totals),
                    # Only the course's own budgets: a student's is theirs, listed per student.
                    "over_budget": DailyBudgets(
                        course_tokens=budgets.course_tokens, course_usd=budgets.course_usd
                    ).refusal(nothing, totals),
                }
                for course_id, totals in sorted(per_course.items(), key=lambda item: item[0] or "")
            ],
            "students": [
                {
                    "student_id": row.student_id,
                    "course_id": row.course_id,
                    "asked": Spent.of(row.asked),
                    "routing": Spent.of(row.routing),
                    "total": Spent.of(row.total),
                }
                for row in found
            ],
        }
    )


async def health(store: Store) -> dict[str, Any]:
    """Each agent instance's last heartbeat, whether every agent is fresh, the outbox backlog."""
    return plain(await asyncio.to_thread(store_health, store))
