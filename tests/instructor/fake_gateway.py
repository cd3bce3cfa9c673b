"""A FAKE LearnFlow gateway: a tornado app serving the instructor API's documented JSON,
built from a real store's analytics, with the gateway's token and role checks reduced
to two fixed tokens. It stands in for the real gateway, which is written separately."""

import asyncio
import dataclasses
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import tornado.web
from learnflow_agents.store import Store
from learnflow_agents.store import analytics as an

INSTRUCTOR_TOKEN = "fake-instructor-token"
STUDENT_TOKEN = "fake-student-token"
GROUPS = {"tuesday-lab": ["alice", "carol"]}


def _json(value: Any) -> Any:
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
    )


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
            self.finish({"message": "instructor role required"})

    def since(self) -> datetime | None:
        raw = self.get_query_argument("since", None)
        return datetime.fromisoformat(raw).astimezone(UTC) if raw else None


class ClassHandler(Base):
    def get(self) -> None:
        course = self.get_query_argument("course", None)
        matrix = an.class_mastery_matrix(self.store, course)
        self.finish(
            _json(
                {
                    "course": course,
                    "matrix": dataclasses.asdict(matrix),
                    "topics": [dataclasses.asdict(s) for s in an.topic_summary(self.store, course)],
                    "courses": an.course_ids(self.store),
                    "groups": GROUPS,
                }
            )
        )


class StrugglesHandler(Base):
    def get(self) -> None:
        rows = an.struggling_now(
            self.store, since=self.since(), course_id=self.get_query_argument("course", None)
        )
        self.finish(_json({"struggling": [dataclasses.asdict(s) for s in rows]}))


class ErrorsHandler(Base):
    def get(self) -> None:
        rows = an.frequent_errors(
            self.store, since=self.since(), course_id=self.get_query_argument("course", None)
        )
        self.finish(_json({"errors": [dataclasses.asdict(e) for e in rows]}))


class ExercisesHandler(Base):
    def get(self) -> None:
        if not self.exercises:
            raise tornado.web.HTTPError(404)
        rows = an.exercise_pass_rates(self.store, self.since(), self.get_query_argument("course", None))
        self.finish(_json({"exercises": [{**dataclasses.asdict(r), "pass_rate": r.pass_rate} for r in rows]}))


class QueriesHandler(Base):
    def get(self, student: str) -> None:
        items = an.student_recent_queries(
            self.store, student, limit=int(self.get_query_argument("limit", "20"))
        )
        self.finish(
            {
                "queries": [
                    {
                        "query": i.query.model_dump(mode="json"),
                        "replies": [r.model_dump(mode="json") for r in i.replies],
                    }
                    for i in items
                ]
            }
        )


class HealthHandler(Base):
    def get(self) -> None:
        beats = [
            {"agent": b.agent, "instance": b.instance, "fresh": True, "stats": b.stats}
            for b in self.store.list_heartbeats()
        ]
        self.finish(_json({"healthy": True, "agents": beats}))


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
