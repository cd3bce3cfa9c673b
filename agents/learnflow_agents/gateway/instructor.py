"""Instructor endpoints: the class, struggles, errors, one student's queries, agents' health.

Every handler sets `instructor_only`, so ApiHandler.prepare re-verifies the token and the
instructor role with the hub on each call.
"""

import asyncio
from datetime import UTC, datetime

from learnflow_agents.gateway.base import ApiError, ApiHandler
from learnflow_agents.gateway.encoding import plain
from learnflow_agents.runtime.health import store_health
from learnflow_agents.store import analytics


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
        return self.get_query_argument("course", None) or None

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
        matrix = await asyncio.to_thread(
            analytics.class_mastery_matrix,
            store,
            course,
            limit=self.int_arg("limit", 200),
            after=self.get_query_argument("after", None),
        )
        summary = await asyncio.to_thread(analytics.topic_summary, store, course)
        self.reply({"course": course, "matrix": matrix, "topics": summary})


class StrugglesHandler(InstructorHandler):
    async def get(self) -> None:
        students = await asyncio.to_thread(
            analytics.struggling_now,
            self.ctx.store,
            since=self.since(),
            course_id=self.course(),
            limit=self.int_arg("limit", 50),
        )
        self.reply({"struggling": students})


class ErrorsHandler(InstructorHandler):
    async def get(self) -> None:
        errors = await asyncio.to_thread(
            analytics.frequent_errors,
            self.ctx.store,
            since=self.since(),
            course_id=self.course(),
            limit=self.int_arg("limit", 10),
        )
        self.reply({"errors": errors})


class ExercisesHandler(InstructorHandler):
    async def get(self) -> None:
        rates = await asyncio.to_thread(
            analytics.exercise_pass_rates,
            self.ctx.store,
            since=self.since(),
            course_id=self.course(),
            limit=self.int_arg("limit", 100),
        )
        # pass_rate is a property, so the dataclass encoder would leave it out.
        self.reply({"exercises": [{**plain(rate), "pass_rate": rate.pass_rate} for rate in rates]})


class StudentQueriesHandler(InstructorHandler):
    async def get(self, student_id: str) -> None:
        items = await asyncio.to_thread(
            analytics.student_recent_queries, self.ctx.store, student_id, limit=self.int_arg("limit", 20)
        )
        self.reply({"student_id": student_id, "queries": items})


class HealthHandler(InstructorHandler):
    async def get(self) -> None:
        self.reply(await asyncio.to_thread(store_health, self.ctx.store))
