"""REST handlers under /learnflow/api/: queries, feedback, status, progress."""

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from jupyter_server.auth.decorator import authorized
from learnflow_agents.privacy import scrub, scrub_query
from learnflow_agents.runtime.engine import Engine, QueryTimeoutError
from learnflow_agents.store import FeedbackRejectedError, InvalidDataError, QueryRecord
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from tornado import web

from learnflow_ext import __version__
from learnflow_ext.server.base import ApiError, LearnFlowHandler
from learnflow_ext.server.payloads import (
    BadRequestError,
    check_document,
    openapi_document,
    parse_query,
    query_view,
    recent_view,
    validation_field,
    validation_message,
)

MAX_WAIT = 60.0
# `?limit=` of the list endpoints (progress, attempts): 1..MAX_LIMIT, refused outside.
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reply_id: UUID
    helpful: bool | None = None
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    comment: Annotated[str, StringConstraints(max_length=4_000)] | None = None


class QueriesHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        claimed = data.pop("student_id", None)
        student = self.student_id()
        if claimed is not None and claimed != student:
            # Identity comes from authentication only; a body naming someone is worth a log line.
            self.log.warning("LearnFlow: ignored student_id %r in a query from %r", claimed, student)
        try:
            # Scrubbed here too (Engine.submit scrubs again): nothing below sees a secret.
            query = scrub_query(parse_query(data))
        except BadRequestError as err:
            raise ApiError(400, str(err), err.field) from None
        engine = await self.engine()
        query = await engine.with_learning_record(student, query)
        try:
            await engine.submit(student, query)
        except InvalidDataError as err:
            raise ApiError(400, str(err)) from None
        self.write_json({"query_id": str(query.query_id)}, 202)


class QueryHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self, query_id: str) -> None:
        """`?wait=SECONDS` holds the request until the answering agent's reply is stored."""
        wait = self.wait_seconds()  # a bad `wait` is a 400 whether or not the query exists
        engine = await self.engine()
        record = await self.own_query(engine, query_id)
        replies = await engine.replies(record.query_id)
        if wait and not any(not reply.data.get("saga_of") for reply in replies):
            with contextlib.suppress(QueryTimeoutError):
                await engine.wait(record.query_id, wait)
            record = await self.own_query(engine, query_id)
            replies = await engine.replies(record.query_id)
        self.write_json(query_view(record, replies))

    async def own_query(self, engine: Engine, query_id: str) -> QueryRecord:
        assert engine.store is not None
        missing = ApiError(404, f"no query {query_id}")
        try:
            parsed = UUID(query_id)
        except ValueError:
            raise missing from None
        record = await asyncio.to_thread(engine.store.get_query, parsed)
        # Another student's query is reported exactly like a missing one: ids are not probed.
        if record is None or record.student_id != self.student_id():
            raise missing
        return record

    def wait_seconds(self) -> float:
        return self.number_argument("wait", 0.0, 0.0, MAX_WAIT)


class OpenAPIHandler(LearnFlowHandler):
    """`GET openapi.json`: this API's OpenAPI document (openapi.yaml, shipped in the wheel)
    as JSON, behind the same authentication as every other route; served by the student's
    own server in both modes (the gateway's API is another document)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(openapi_document())


class FeedbackHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        try:
            body = FeedbackBody.model_validate(data)
            check_document("Feedback", data)
        except ValidationError as err:
            raise ApiError(400, validation_message(err), validation_field(err)) from None
        except BadRequestError as err:
            raise ApiError(400, str(err), err.field) from None
        engine = await self.engine()
        assert engine.store is not None
        try:
            await asyncio.to_thread(
                engine.store.record_feedback,
                body.reply_id,
                self.student_id(),
                body.helpful,
                body.rating,
                # A comment is free text like any other: masked before it is stored.
                scrub(body.comment),
            )
        except FeedbackRejectedError as err:
            raise ApiError(403, str(err)) from None
        except InvalidDataError as err:
            raise ApiError(400, str(err)) from None
        self.set_status(204)
        self.finish()


class StatusHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        host = self.host
        status: dict[str, Any] = {
            "learnflow": __version__,
            "mode": "jupyter-server",
            "student_id": self.student_id(),
            "provider": host.provider(),
            "bus": host.bus_display(),
            "db": host.db_display(),
            "run_agents": host.run_agents,
            "engine": "starting",
            "agents": [],
            "heartbeats": [],
            "outbox_pending": None,
            "error": None,
        }
        try:
            engine = await host.get()
        except Exception as err:
            status.update(engine="failed", error=str(err))
            self.write_json(status)
            return
        assert engine.store is not None
        store = engine.store
        beats, pending = await asyncio.gather(
            asyncio.to_thread(store.list_heartbeats), asyncio.to_thread(store.outbox_pending_count)
        )
        now = datetime.now(UTC)
        status.update(
            engine="running",
            agents=[{"agent": r.agent.name, "running": bool(r.ready)} for r in engine.runners],
            heartbeats=[
                {
                    "agent": b.agent,
                    "instance": b.instance,
                    "seen_at": b.seen_at.isoformat(),
                    "age_s": round((now - b.seen_at).total_seconds(), 1),
                }
                for b in beats
            ],
            outbox_pending=pending,
            llm=engine.llm_stats(),
            sandbox=engine.sandbox_status(),
        )
        self.write_json(status)


class ProgressHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        engine = await self.engine()
        assert engine.store is not None
        store = engine.store
        student = self.student_id()
        limit = self.int_argument("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        mastery, recent = await asyncio.gather(
            asyncio.to_thread(store.get_mastery, student),
            asyncio.to_thread(store.recent_queries, student, limit),
        )
        self.write_json(
            {"student_id": student, "mastery": mastery, "recent_queries": [recent_view(r) for r in recent]}
        )
