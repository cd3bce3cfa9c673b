"""The student API: plain async functions over `(engine, caller)`.

Each function takes what the HTTP layer has already read (a JSON object, a query
parameter's text) and returns a response model or raises `ApiError`. Who the caller is
comes from the wrapper's authentication (Jupyter's, or the hub's token in the gateway),
never from a request body: a `student_id` in a body is dropped and logged.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
)

from learnflow_agents.api.document import check_document
from learnflow_agents.api.errors import ApiError, validation_error
from learnflow_agents.contracts import (
    AgentLog,
    AgentReply,
    Envelope,
    LearningStyle,
    RoutingDecision,
    SkillLevel,
    StruggleAlert,
    StudentContext,
    StudentQuery,
    check_query,
)
from learnflow_agents.contracts.curriculum import CurriculumTopic, normalise_topic
from learnflow_agents.contracts.query import MAX_CODE, MAX_HINTS_USED
from learnflow_agents.llm.budgets import DailyBudgets, StudentUsageToday, enforced, student_view
from learnflow_agents.privacy import scrub, scrub_query, scrub_query_fields, scrub_text
from learnflow_agents.runtime.engine import Engine, QueryTimeoutError, explicit_routing
from learnflow_agents.store import AttemptRecord, FeedbackRejectedError, InvalidDataError, QueryRecord, Store
from learnflow_agents.store.analytics import student_enrolment
from learnflow_agents.tutors.triage.pasted_code import with_pasted_code

log = logging.getLogger("learnflow.api")
B = TypeVar("B", bound=BaseModel)

MAX_WAIT = 60.0
# `?limit=` of the list endpoints (progress, attempts): 1..MAX_LIMIT, refused outside.
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
# The exercise agent's check pattern accepts exactly these ids; anything else would be
# graded as "give me an exercise" instead of failing loudly.
EXERCISE_ID = r"^[A-Za-z0-9_.\-]{1,128}$"


@dataclass(frozen=True)
class Caller:
    """Whom a request is for, as the wrapper authenticated them.

    `enrol` picks the course a query is filed under from the course the body claims (the
    gateway asks the hub for the caller's course groups); None keeps the claim, as a
    student's own server does.
    """

    student_id: str
    enrol: Callable[[str | None], Awaitable[str | None]] | None = None


# -- request bodies -------------------------------------------------------------------------


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reply_id: UUID
    helpful: bool | None = None
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    comment: Annotated[str, StringConstraints(max_length=4_000)] | None = None


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    exercise_id: Annotated[str, StringConstraints(pattern=EXERCISE_ID)]
    code: Annotated[str, StringConstraints(max_length=MAX_CODE)]
    context: StudentContext = Field(default_factory=StudentContext)
    course_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    hints_used: Annotated[int, Field(ge=0, le=MAX_HINTS_USED)] = 0

    @field_validator("code")
    @classmethod
    def _not_blank(cls, code: str) -> str:
        if not code.strip():
            raise ValueError("the solution is empty: send the code to check")
        return code


# The student's preferences: one record per student, in the store. The lab settings and
# `%learnflow config` both read and write it through this API.


def _known_topics(names: list[str]) -> list[str]:
    """Curriculum slugs for `names` (aliases accepted, duplicates dropped); unknown ones refused."""
    topics: list[str] = []
    unknown: list[str] = []
    for name in names:
        topic = normalise_topic(name)
        if topic is None:
            unknown.append(name[:40])
        elif topic.value not in topics:
            topics.append(topic.value)
    if unknown:
        raise ValueError(
            f"not curriculum topics: {', '.join(unknown)}."
            f" Known topics: {', '.join(t.value for t in CurriculumTopic)}"
        )
    return topics


TopicNames = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=64)]


class PreferencesIn(BaseModel):
    """PUT preferences: the fields to change; those left out keep their saved values."""

    model_config = ConfigDict(extra="forbid")

    skill_level: SkillLevel | None = None
    learning_style: LearningStyle | None = None
    auto_capture: StrictBool | None = None
    known_topics: TopicNames | None = None

    @field_validator("known_topics")
    @classmethod
    def _topics(cls, names: list[str] | None) -> list[str] | None:
        return None if names is None else _known_topics(names)


class Preferences(BaseModel):
    """The student's preferences; `saved` is false while they are the defaults, never saved."""

    skill_level: SkillLevel = SkillLevel.BEGINNER
    learning_style: LearningStyle = LearningStyle.EXAMPLE_DRIVEN
    auto_capture: bool = True
    known_topics: list[str] = Field(default_factory=list)
    saved: bool = False


# -- responses ------------------------------------------------------------------------------


class Accepted(BaseModel):
    query_id: UUID


class QueryView(BaseModel):
    query_id: UUID
    status: str
    source: str
    target_agent: str | None
    routing: RoutingDecision | None
    created_at: str
    answered_at: str | None
    replies: list[AgentReply]


class RecentQuery(BaseModel):
    query_id: UUID
    text: str
    status: str
    agent: str | None
    source: str
    created_at: str


class Progress(BaseModel):
    student_id: str
    mastery: dict[str, float]
    recent_queries: list[RecentQuery]


class Attempt(BaseModel):
    id: int
    exercise_id: str
    topic: str
    passed: bool
    hints_used: int
    score: Any = None
    failed_tests: list[Any] = Field(default_factory=list)
    query_id: str | None = None
    reply_id: str | None = None
    created_at: str


class Attempts(BaseModel):
    student_id: str
    attempts: list[Attempt]


# -- views of stored records --------------------------------------------------------------


def query_view(record: QueryRecord, replies: list[AgentReply]) -> QueryView:
    routing = record.routing
    if routing is None and record.target_agent:
        # Triage never saw it, so nothing was stored; the student's own choice is the routing.
        routing = explicit_routing(record.query_id, record.target_agent)
    return QueryView(
        query_id=record.query_id,
        status=record.status,
        source=record.source,
        target_agent=record.target_agent,
        routing=routing,
        created_at=record.created_at.isoformat(),
        answered_at=record.answered_at.isoformat() if record.answered_at else None,
        replies=replies,
    )


def recent_view(record: QueryRecord) -> RecentQuery:
    return RecentQuery(
        query_id=record.query_id,
        text=record.text[:200],
        status=record.status,
        agent=record.routing.target_agent if record.routing else record.target_agent,
        source=record.source,
        created_at=record.created_at.isoformat(),
    )


def attempt_view(attempt: AttemptRecord) -> Attempt:
    details = attempt.details
    return Attempt(
        id=attempt.id,
        exercise_id=attempt.exercise_id,
        topic=attempt.topic,
        passed=attempt.passed,
        hints_used=attempt.hints_used,
        score=details.get("score"),
        failed_tests=details.get("failed_tests", []),
        query_id=details.get("query_id"),
        reply_id=details.get("reply_id"),
        created_at=attempt.created_at.isoformat(),
    )


def answered(replies: list[AgentReply]) -> bool:
    """The answering agent has replied (a helper's reply for another agent does not count)."""
    return any(not reply.is_helper for reply in replies)


# -- the operations -----------------------------------------------------------------------


def _store(engine: Engine) -> Store:
    assert engine.store is not None, "the engine is started before the API serves"
    return engine.store


def drop_claimed_identity(data: dict[str, Any], caller: Caller) -> None:
    """The student is whoever authentication says; a body that claims otherwise is logged."""
    claimed = data.pop("student_id", None)
    if claimed is not None and claimed != caller.student_id:
        log.warning(
            "ignored a student_id in a request body", extra={"user": caller.student_id, "claimed": claimed}
        )


def read_body(model: type[B], document: str, data: dict[str, Any], caller: Caller) -> B:
    """A request body as `model`, the caller's identity never taken from it; a 400 naming
    the bad field, else the served document's own check of `document`."""
    drop_claimed_identity(data, caller)
    try:
        body = model.model_validate(data)
    except ValidationError as err:
        raise validation_error(err) from None
    check_document(document, data)
    if isinstance(body, StudentQuery):
        # Code pasted into the question (no code field, e.g. from a plain HTTP client) is code:
        # triage sees it and the debug tutor can run it. The labextension splits it itself.
        return with_pasted_code(body)  # type: ignore[return-value]
    return body


class _OneAtATime:
    """Each student's submissions are filed one after another (others' run alongside).

    Scrubbing a maximal query costs about a second of CPU, twice (here and in the engine):
    a student who sends many at once would otherwise hold every worker thread, and the
    event loop with them, while other students wait. Queued, not refused: two cells asking
    together are both answered. A student's lock is dropped when no one waits on it.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, student_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(student_id, (asyncio.Lock(), 0))
        self._locks[student_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[student_id]
            if users <= 1:
                del self._locks[student_id]
            else:
                self._locks[student_id] = (lock, users - 1)


_filing = _OneAtATime()


async def _file(engine: Engine, caller: Caller, query: StudentQuery, chosen_id: bool) -> Accepted:
    async with _filing.turn(caller.student_id):
        return await _file_now(engine, caller, query, chosen_id)


async def _file_now(engine: Engine, caller: Caller, query: StudentQuery, chosen_id: bool) -> Accepted:
    # Scrubbed here, at the door, so nothing below sees a secret (Engine.submit scrubs again);
    # off the event loop, where a maximal query's second of CPU would stall every caller.
    query = await asyncio.to_thread(scrub_query, query)
    if caller.enrol is not None:
        query = query.model_copy(update={"course_id": await caller.enrol(query.course_id)})
    query = await engine.with_learning_record(caller.student_id, query)
    try:
        query_id = await engine.submit(caller.student_id, query)
    except InvalidDataError as err:
        raise ApiError(400, str(err)) from None
    if chosen_id:
        # A client-chosen id (for idempotent retries) that someone else already used is
        # not written (the insert is a no-op): say so instead of pretending it was taken.
        stored = await asyncio.to_thread(_store(engine).get_query, query_id)
        if stored is None or stored.student_id != caller.student_id:
            raise ApiError(409, "query_id is already in use", "query_id")
    return Accepted(query_id=query_id)


async def submit_query(engine: Engine, caller: Caller, data: dict[str, Any]) -> Accepted:
    """POST queries: 202 with the query's id."""
    query = read_body(StudentQuery, "QueryIn", data, caller)
    return await _file(engine, caller, query, "query_id" in data)


async def own_query(engine: Engine, caller: Caller, query_id: str) -> QueryRecord:
    missing = ApiError(404, f"no query {query_id[:80]}")
    try:
        parsed = UUID(query_id)
    except ValueError:
        raise missing from None
    record = await asyncio.to_thread(_store(engine).get_query, parsed)
    # Another student's query is reported exactly like a missing one: ids are not probed.
    if record is None or record.student_id != caller.student_id:
        raise missing
    return record


async def view_query(engine: Engine, caller: Caller, query_id: str, wait: float = 0.0) -> QueryView:
    """GET queries/{id}; `wait` seconds (long poll) for the answering agent's reply."""
    record = await own_query(engine, caller, query_id)
    # Replies first, then the query: a reply and its query's status are stored in one
    # transaction, so a status read after the replies is never behind them.
    replies = await engine.replies(record.query_id)
    if wait and not answered(replies):
        with contextlib.suppress(QueryTimeoutError):
            await engine.wait(record.query_id, wait)
        replies = await engine.replies(record.query_id)
    record = await own_query(engine, caller, query_id)
    return query_view(record, replies)


async def record_feedback(engine: Engine, caller: Caller, data: dict[str, Any]) -> None:
    """POST feedback: 204."""
    body = read_body(FeedbackIn, "Feedback", data, caller)
    try:
        await asyncio.to_thread(
            _store(engine).record_feedback,
            body.reply_id,
            caller.student_id,
            body.helpful,
            body.rating,
            # A comment is free text like any other: masked before it is stored.
            scrub(body.comment),
        )
    except FeedbackRejectedError as err:
        raise ApiError(403, str(err), "reply_id") from None
    except InvalidDataError as err:
        raise ApiError(400, str(err)) from None


async def progress(engine: Engine, caller: Caller, limit: int = DEFAULT_LIMIT) -> Progress:
    store, student = _store(engine), caller.student_id
    mastery, recent = await asyncio.gather(
        asyncio.to_thread(store.get_mastery, student),
        asyncio.to_thread(store.recent_queries, student, limit),
    )
    return Progress(student_id=student, mastery=mastery, recent_queries=[recent_view(r) for r in recent])


async def submit_attempt(engine: Engine, caller: Caller, data: dict[str, Any]) -> Accepted:
    """POST attempts: grading is the exercise agent's job, so an attempt is an ordinary
    query whose reply is read from queries/{id}; the progress agent records the graded
    attempt when it sees that reply."""
    drop_claimed_identity(data, caller)
    try:
        body = AttemptIn.model_validate(data)
        check_document("AttemptIn", data)
        query = check_query(
            body.exercise_id,
            body.code,
            context=body.context,
            course_id=body.course_id,
            source="attempts-api",
            hints_used=body.hints_used,
        )
    except ValidationError as err:
        raise validation_error(err) from None
    return await _file(engine, caller, query, chosen_id=False)


async def list_attempts(
    engine: Engine, caller: Caller, limit: int = DEFAULT_LIMIT, topic: str | None = None
) -> Attempts:
    student = caller.student_id
    attempts = await asyncio.to_thread(_store(engine).recent_attempts, student, topic or None, limit)
    return Attempts(student_id=student, attempts=[attempt_view(a) for a in attempts])


async def get_preferences(engine: Engine, caller: Caller) -> Preferences:
    """GET preferences: the caller's saved preferences, else the defaults (`saved` false)."""
    stored = await asyncio.to_thread(_store(engine).get_preferences, caller.student_id)
    return _preferences(stored)


def _preferences(stored: dict[str, Any] | None) -> Preferences:
    if stored is None:
        return Preferences()
    try:
        # Checked as a request would be: a value that is no longer valid falls back to its default.
        valid = PreferencesIn.model_validate(
            {k: v for k, v in stored.items() if k in PreferencesIn.model_fields}
        )
    except ValidationError:
        log.warning("ignored stored preferences that are no longer valid")
        return Preferences(saved=True)
    return Preferences(**valid.model_dump(exclude_none=True), saved=True)


async def put_preferences(engine: Engine, caller: Caller, data: dict[str, Any]) -> Preferences:
    """PUT preferences: change the fields given (a 400 naming a bad one), return them all."""
    body = read_body(PreferencesIn, "PreferencesIn", data, caller)
    store = _store(engine)
    async with _filing.turn(caller.student_id):  # two writers of one student: neither change is lost
        current = _preferences(await asyncio.to_thread(store.get_preferences, caller.student_id))
        merged = current.model_copy(update=body.model_dump(exclude_none=True))
        saved = merged.model_dump(mode="json", exclude={"saved"})
        await asyncio.to_thread(store.set_preferences, caller.student_id, saved)
    return merged.model_copy(update={"saved": True})


async def usage(engine: Engine, caller: Caller) -> StudentUsageToday:
    """GET usage: the caller's own LLM usage today (UTC) against their daily budget, and
    why a model would not answer now (their budget or their course's used up). Always the
    authenticated caller's: there is no parameter naming a student."""
    store, student = _store(engine), caller.student_id
    enrolment = await asyncio.to_thread(student_enrolment, store, student)
    course = enrolment.course_id if enrolment is not None else None
    day = datetime.now(UTC).date()
    mine, course_usage = await asyncio.to_thread(store.llm_usage_for_budget, day, student, course)
    budgets = await asyncio.to_thread(enforced, store, DailyBudgets.of(engine.settings.llm))
    return student_view(budgets, student, course, day, mine, course_usage)


def scrub_body(resource: str, data: dict[str, Any]) -> dict[str, Any]:
    """A request body for `resource` (`queries`, `feedback`, `attempts`) with its free text
    masked before validation: what a door that forwards rather than serves (a student's
    server in cluster mode) applies before the body leaves the student's pod."""
    if resource == "queries":
        return scrub_query_fields(data)
    field = {"feedback": "comment", "attempts": "code"}.get(resource)
    if field is not None and isinstance(data.get(field), str):
        return {**data, field: scrub_text(data[field])}
    return data


# -- events -------------------------------------------------------------------------------

# Names of the events the WebSocket sends, by payload type.
EVENT_TYPES: tuple[tuple[type, str], ...] = (
    (RoutingDecision, "routing"),
    (AgentLog, "log"),
    (AgentReply, "reply"),
    (StruggleAlert, "struggle"),
)


def event_view(envelope: Envelope[Any]) -> dict[str, Any] | None:
    """An envelope as the event stream sends it: the envelope's JSON plus its `type`."""
    for kind, name in EVENT_TYPES:
        if isinstance(envelope.payload, kind):
            return {"type": name, **envelope.model_dump(mode="json")}
    return None


async def events(engine: Engine, caller: Caller) -> AsyncIterator[str]:
    """The caller's events, live, each one WebSocket message's text (an `Event`).

    Subscribed once the generator first runs: a wrapper that must not miss what is
    published after its handshake starts it (`anext`) before accepting the socket."""
    stream = engine.events(caller.student_id)
    # Closed with this generator, so the engine drops the subscription at once.
    async with contextlib.aclosing(stream):
        async for envelope in stream:
            view = event_view(envelope)
            if view is not None:
                yield json.dumps(view)
