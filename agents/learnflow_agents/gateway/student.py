"""A student's own endpoints: ask, read their queries, rate replies, see their progress."""

import asyncio
import logging
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from learnflow_agents.contracts import StudentQuery
from learnflow_agents.gateway.auth import HubLookupError
from learnflow_agents.gateway.base import ApiError, ApiHandler, JsonBodyHandler
from learnflow_agents.gateway.courses import course_for_query
from learnflow_agents.privacy import scrub, scrub_query
from learnflow_agents.store import FeedbackRejectedError, InvalidDataError

log = logging.getLogger("learnflow.gateway")

RECENT_QUERIES = 20


def validation_error(err: ValidationError) -> ApiError:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    return ApiError(400, f"{field or 'body'}: {first['msg']}", field)


def parse_uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError(400, f"{field}: not a UUID", field) from None


def drop_claimed_identity(body: dict[str, Any], caller: str, path: str) -> None:
    """The student is whoever the hub says; a body that claims otherwise is logged, not obeyed."""
    claimed = body.pop("student_id", None)
    if claimed is not None and claimed != caller:
        log.warning(
            "ignored a student_id in the body", extra={"user": caller, "claimed": claimed, "path": path}
        )


class QueriesHandler(JsonBodyHandler):
    async def post(self) -> None:
        body = self.json_body()
        drop_claimed_identity(body, self.caller.name, self.request.path)
        try:
            query = StudentQuery.model_validate(body)
        except ValidationError as err:
            raise validation_error(err) from None
        # Masked before anything else looks at it (Engine.submit_many scrubs again).
        query = scrub_query(query)
        query = query.model_copy(update={"course_id": await self.enrolled_course(query.course_id)})
        query = await self.ctx.engine.with_learning_record(self.caller.name, query)
        try:
            (query_id,) = await self.ctx.engine.submit_many([(self.caller.name, query)])
        except InvalidDataError as err:
            raise ApiError(400, str(err)) from None
        # A client-chosen id (for idempotent retries) that someone else already used is
        # not written (the insert is a no-op): say so instead of pretending it was taken.
        stored = await asyncio.to_thread(self.ctx.store.get_query, query_id)
        if stored is None or stored.student_id != self.caller.name:
            raise ApiError(409, "query_id is already in use", "query_id")
        self.reply({"query_id": query_id}, status=202)

    async def enrolled_course(self, claimed: str | None) -> str | None:
        """The course the hub's groups put the student in (see gateway/courses.py)."""
        prefix = self.ctx.config.course_group_prefix
        if not prefix:
            return None
        try:
            groups = await self.ctx.identity.user_groups(self.caller.name)
        except HubLookupError as err:
            # The question still gets its answer; the student keeps the course stored before.
            log.warning("course look-up failed, query filed without a course: %s", err)
            return None
        return course_for_query(claimed, groups, prefix, self.caller.name)


class QueryHandler(ApiHandler):
    async def get(self, query_id: str) -> None:
        qid = parse_uuid(query_id, "query_id")
        record = await asyncio.to_thread(self.ctx.store.get_query, qid)
        # Someone else's query and a missing one look the same: ids are not probed.
        if record is None or record.student_id != self.caller.name:
            raise ApiError(404, "no such query")
        replies = await asyncio.to_thread(self.ctx.store.get_replies, qid)
        self.reply(
            {
                "query_id": record.query_id,
                "status": record.status,
                "routing": record.routing,
                "created_at": record.created_at,
                "answered_at": record.answered_at,
                "query": record,
                "replies": replies,
            }
        )


class FeedbackHandler(JsonBodyHandler):
    async def post(self) -> None:
        body = self.json_body()
        drop_claimed_identity(body, self.caller.name, self.request.path)
        if "reply_id" not in body:
            raise ApiError(400, "reply_id: field required", "reply_id")
        reply_id = parse_uuid(str(body["reply_id"]), "reply_id")
        helpful, rating, comment = body.get("helpful"), body.get("rating"), body.get("comment")
        if helpful is not None and not isinstance(helpful, bool):
            raise ApiError(400, "helpful: must be true, false or null", "helpful")
        if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)):
            raise ApiError(400, "rating: must be an integer 1..5", "rating")
        if comment is not None and not isinstance(comment, str):
            raise ApiError(400, "comment: must be a string", "comment")
        # A comment is free text like a question: masked before it is stored.
        comment = scrub(comment)
        try:
            feedback_id = await asyncio.to_thread(
                self.ctx.store.record_feedback, reply_id, self.caller.name, helpful, rating, comment
            )
        except FeedbackRejectedError:
            raise ApiError(403, "not a reply to one of your queries", "reply_id") from None
        except InvalidDataError as err:
            raise ApiError(400, str(err)) from None
        self.reply({"feedback_id": feedback_id}, status=201)


class ProgressHandler(ApiHandler):
    async def get(self) -> None:
        store, name = self.ctx.store, self.caller.name
        mastery = await asyncio.to_thread(store.get_mastery, name)
        recent = await asyncio.to_thread(store.recent_queries, name, RECENT_QUERIES)
        self.reply({"student_id": name, "mastery": mastery, "recent_queries": recent})
