"""Instructor endpoints, as learnflow_agents.api.instructor serves them.

Every handler sets `instructor_only`, so ApiHandler.prepare re-verifies the token and the
instructor role with the hub on each call, and works out the instructor's courses
(gateway/courses.py): every answer is limited to those courses' students.
"""

import logging

from learnflow_agents.api import instructor as api
from learnflow_agents.gateway.auth import HubLookupError
from learnflow_agents.gateway.base import ApiHandler
from learnflow_agents.llm.budgets import DailyBudgets

log = logging.getLogger("learnflow.gateway")


class InstructorHandler(ApiHandler):
    instructor_only = True

    def instructor(self) -> api.Instructor:
        return api.Instructor(self.caller.name, self.access, self.course_members, self.groups)

    def arg(self, name: str) -> str | None:
        return self.get_query_argument(name, None)

    def limit(self, default: int) -> int:
        return api.limit_param(self.arg("limit"), default)

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


class ClassHandler(InstructorHandler):
    async def get(self) -> None:
        self.reply(
            await api.class_view(
                self.ctx.store, self.instructor(), self.arg("course"), self.limit(200), self.arg("after")
            )
        )


class StrugglesHandler(InstructorHandler):
    async def get(self) -> None:
        since = api.since_param(self.arg("since"))
        self.reply(
            await api.struggles(self.ctx.store, self.instructor(), since, self.limit(50), self.arg("course"))
        )


class ErrorsHandler(InstructorHandler):
    async def get(self) -> None:
        since = api.since_param(self.arg("since"))
        self.reply(
            await api.errors(self.ctx.store, self.instructor(), since, self.limit(10), self.arg("course"))
        )


class ExercisesHandler(InstructorHandler):
    async def get(self) -> None:
        since = api.since_param(self.arg("since"))
        self.reply(
            await api.exercises(self.ctx.store, self.instructor(), since, self.limit(100), self.arg("course"))
        )


class StudentQueriesHandler(InstructorHandler):
    async def get(self, student_id: str) -> None:
        self.reply(await api.student_queries(self.ctx.store, self.instructor(), student_id, self.limit(20)))


class UsageHandler(InstructorHandler):
    async def get(self) -> None:
        budgets = DailyBudgets.of(self.ctx.engine.settings.llm)
        self.reply(await api.usage(self.ctx.store, self.instructor(), budgets, self.arg("course")))


class HealthHandler(InstructorHandler):
    async def get(self) -> None:
        self.reply(await api.health(self.ctx.store))
