"""A FAKE LearnFlow gateway: a tornado app serving the instructor API's functions
(learnflow_agents.api.instructor) over a real store, with the gateway's token and role
checks reduced to two fixed tokens and the hub's groups to one fixed group."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import tornado.web
from learnflow_agents.api import instructor as api
from learnflow_agents.llm.budgets import DailyBudgets
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.store import Store

INSTRUCTOR_TOKEN = "fake-instructor-token"
STUDENT_TOKEN = "fake-student-token"
GROUPS = {"tuesday-lab": ["alice", "carol"]}


async def _groups() -> dict[str, list[str]]:
    return GROUPS


# The class as a hub instructor who may see every course sees it, with one hub group.
WHO = api.Instructor("teacher", api.CourseAccess(every=True, courses=frozenset()), groups=_groups)


class Base(tornado.web.RequestHandler):
    store: Store
    seen: list[str]

    def initialize(self, store: Store, seen: list[str], exercises: bool) -> None:
        self.store, self.seen, self.exercises = store, seen, exercises

    def prepare(self) -> None:
        self.seen.append(self.request.uri or "")
        token = self.request.headers.get("Authorization", "")
        if token not in (f"token {INSTRUCTOR_TOKEN}", f"token {STUDENT_TOKEN}"):
            raise tornado.web.HTTPError(401)
        if token != f"token {INSTRUCTOR_TOKEN}":
            self.set_status(403)
            self.finish({"message": "instructor role required", "reason": "Forbidden", "field": None})

    def arg(self, name: str) -> str | None:
        return self.get_query_argument(name, None)

    def since(self) -> datetime | None:
        return api.since_param(self.arg("since"))


class ClassHandler(Base):
    async def get(self) -> None:
        self.finish(await api.class_view(self.store, WHO, self.arg("course")))


class StrugglesHandler(Base):
    async def get(self) -> None:
        self.finish(await api.struggles(self.store, WHO, self.since(), course=self.arg("course")))


class ErrorsHandler(Base):
    async def get(self) -> None:
        self.finish(await api.errors(self.store, WHO, self.since(), course=self.arg("course")))


class ExercisesHandler(Base):
    async def get(self) -> None:
        if not self.exercises:
            raise tornado.web.HTTPError(404)
        self.finish(await api.exercises(self.store, WHO, self.since(), course=self.arg("course")))


class QueriesHandler(Base):
    async def get(self, student: str) -> None:
        limit = api.limit_param(self.arg("limit"), 20)
        self.finish(await api.student_queries(self.store, WHO, student, limit))


class HealthHandler(Base):
    async def get(self) -> None:
        self.finish(await api.health(self.store))


class UsageHandler(Base):
    async def get(self) -> None:
        # The budgets from this process's LEARNFLOW_LLM_* variables, as the gateway reads its own.
        budgets = DailyBudgets.of(LLMSettings())
        self.finish(await api.usage(self.store, WHO, budgets, self.arg("course")))


@contextmanager
def fake_gateway(store: Store, *, exercises: bool = True) -> Iterator[tuple[str, list[str]]]:
    """(base URL under a hub-like service prefix, the request URIs seen), on its own thread:
    the dashboard's client blocks, so the server must not share the test's loop."""
    seen: list[str] = []
    ready = threading.Event()
    state: dict[str, Any] = {}
    prefix = "/services/learnflow/"

    def serve() -> None:
        async def main() -> None:
            args = {"store": store, "seen": seen, "exercises": exercises}
            app = tornado.web.Application(
                [
                    (prefix + r"api/instructor/class", ClassHandler, args),
                    (prefix + r"api/instructor/struggles", StrugglesHandler, args),
                    (prefix + r"api/instructor/errors", ErrorsHandler, args),
                    (prefix + r"api/instructor/exercises", ExercisesHandler, args),
                    (prefix + r"api/instructor/students/([^/]+)/queries", QueriesHandler, args),
                    (prefix + r"api/instructor/health", HealthHandler, args),
                    (prefix + r"api/instructor/usage", UsageHandler, args),
                ]
            )
            server = app.listen(0, address="127.0.0.1")
            state["port"] = next(iter(server._sockets.values())).getsockname()[1]
            state["stop"] = asyncio.Event()
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await state["stop"].wait()
            server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30), "the fake gateway did not start"
    try:
        yield f"http://127.0.0.1:{state['port']}{prefix}", seen
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(30)
