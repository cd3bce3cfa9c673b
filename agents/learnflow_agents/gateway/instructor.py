"""Instructor endpoints: the class, struggles, errors, one student's queries, agents' health.

Every handler sets `instructor_only`, so ApiHandler.prepare re-verifies the token and the
instructor role with the hub on each call, and works out the instructor's courses
(gateway/courses.py): every answer is limited to those courses' students.
"""

import asyncio
import logging
from datetime import UTC, datetime

from learnflow_agents.gateway.auth import HubLookupError
from learnflow_agents.gateway.base import ApiError, ApiHandler
from learnflow_agents.gateway.encoding import plain
from learnflow_agents.runtime.health import store_health
from learnflow_agents.store import analytics

log = logging.getLogger("learnflow.gateway")


class InstructorHandler(ApiHandler):
    instructor_only = True

    def since(self) -> datetime | None:
        raw = self.get_query_argument("since", None)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ApiError(400, "since: not an ISO 8601 time", "since") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def course(self) -> str | None:
        """`?course=`, which must be one of the instructor's courses (else 403)."""
        course = self.get_query_argument("course", None) or None
        if course is not None and not self.access.allows(course):
            log.info("course refused", extra={"user": self.caller.name, "course": course})
            raise ApiError(403, f"course {course!r} is not one of your courses", "course")
        return course

    async def visible(self, course: str | None) -> analytics.Visible | None:
        """Whom this call may show: students filed under the course(s), and the members of
        their hub groups (a student in two courses is filed under one of them)."""
        if course is not None:
            return analytics.Visible([course], await self.course_members([course]))
        within = self.access.within()
        if within is None:
            return None
        return analytics.Visible(within, await self.course_members(sorted(self.access.courses)))

    async def course_members(self, courses: list[str]) -> frozenset[str]:
        prefix = self.ctx.config.course_group_prefix
        members: set[str] = set()
        for course in courses if prefix else ():
            try:
                members.update(await self.ctx.identity.group_members(f"{prefix}{course}"))
            except HubLookupError as err:
                # The course's students filed under it are still shown; only the extra
                # members (enrolled in several courses) are missing until the hub answers.
                log.warning("members of course %r unknown: %s", course, err)
        return frozenset(members)

    def int_arg(self, name: str, default: int, top: int = analytics.MAX_PAGE) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            raise ApiError(400, f"{name}: an integer 1..{top}", name)
        return int(raw)


class ClassHandler(InstructorHandler):
    async def get(self) -> None:
        course, store = self.course(), self.ctx.store
        visible = await self.visible(course)
        matrix = await asyncio.to_thread(
            analytics.class_mastery_matrix,
            store,
            limit=self.int_arg("limit", 200),
            after=self.get_query_argument("after", None),
            within=visible,
        )
        summary = await asyncio.to_thread(analytics.topic_summary, store, within=visible)
        if self.access.every:
            courses = await asyncio.to_thread(analytics.course_ids, store)
        else:
            courses = sorted(self.access.courses)
        self.reply(
            {
                "course": course,
                "courses": courses,
                "groups": await self.groups(),
                "matrix": matrix,
                "topics": summary,
            }
        )

    async def groups(self) -> dict[str, list[str]]:
        """The instructor's own hub groups (courses, sections) with their members, for the
        dashboard's group filter; a group the gateway may not read is left out."""
        out: dict[str, list[str]] = {}
        for group in sorted(set(self.caller_groups) - {self.ctx.config.instructor_group}):
            try:
                out[group] = await self.ctx.identity.group_members(group)
            except HubLookupError as err:
                log.info("group %r left out of the class view: %s", group, err)
        return out


class StrugglesHandler(InstructorHandler):
    async def get(self) -> None:
        students = await asyncio.to_thread(
            analytics.struggling_now,
            self.ctx.store,
            since=self.since(),
            limit=self.int_arg("limit", 50),
            within=await self.visible(self.course()),
        )
        self.reply({"struggling": students})


class ErrorsHandler(InstructorHandler):
    async def get(self) -> None:
        errors = await asyncio.to_thread(
            analytics.frequent_errors,
            self.ctx.store,
            since=self.since(),
            limit=self.int_arg("limit", 10),
            within=await self.visible(self.course()),
        )
        self.reply({"errors": errors})


class ExercisesHandler(InstructorHandler):
    async def get(self) -> None:
        rates = await asyncio.to_thread(
            analytics.exercise_pass_rates,
            self.ctx.store,
            since=self.since(),
            limit=self.int_arg("limit", 100),
            within=await self.visible(self.course()),
        )
        # pass_rate is a property, so the dataclass encoder would leave it out.
        self.reply({"exercises": [{**plain(rate), "pass_rate": rate.pass_rate} for rate in rates]})


class StudentQueriesHandler(InstructorHandler):
    async def get(self, student_id: str) -> None:
        enrolment = await asyncio.to_thread(analytics.student_enrolment, self.ctx.store, student_id)
        # A student of another course and an unknown one look the same: names are not probed.
        if enrolment is None or not (
            self.access.allows(enrolment.course_id)
            or student_id in await self.course_members(sorted(self.access.courses))
        ):
            raise ApiError(404, "no such student in your courses")
        items = await asyncio.to_thread(
            analytics.student_recent_queries, self.ctx.store, student_id, limit=self.int_arg("limit", 20)
        )
        self.reply({"student_id": student_id, "queries": items})


class HealthHandler(InstructorHandler):
    async def get(self) -> None:
        self.reply(await asyncio.to_thread(store_health, self.ctx.store))
