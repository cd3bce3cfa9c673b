"""`/learnflow/api/attempts`: submit an exercise solution for grading; list past attempts.

Grading is the exercise agent's job ("check EXERCISE_ID" with the code), so a submitted
attempt is an ordinary query: its reply is read from `queries/{id}`, and the progress agent
records the graded attempt when it sees that reply.
"""

import asyncio
from typing import Annotated, Any

from jupyter_server.auth.decorator import authorized
from learnflow_agents.contracts import StudentContext, StudentQuery
from learnflow_agents.contracts.query import MAX_CODE, MAX_HINTS_USED
from learnflow_agents.privacy import scrub_query
from learnflow_agents.store import AttemptRecord, InvalidDataError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from tornado import web

from learnflow_ext.server.base import ApiError, LearnFlowHandler
from learnflow_ext.server.handlers import DEFAULT_LIMIT, MAX_LIMIT
from learnflow_ext.server.payloads import (
    BadRequestError,
    check_document,
    validation_field,
    validation_message,
)

# The exercise agent's check pattern accepts exactly these ids; anything else would be
# graded as "give me an exercise" instead of failing loudly.
EXERCISE_ID = r"^[A-Za-z0-9_.\-]{1,128}$"


class AttemptBody(BaseModel):
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


class AttemptsHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        data.pop("student_id", None)  # identity comes from authentication only
        try:
            body = AttemptBody.model_validate(data)
            check_document("AttemptIn", data)
            query = StudentQuery(
                text=f"check {body.exercise_id}",
                code=body.code,
                target_agent="exercise",
                context=body.context,
                course_id=body.course_id,
                source="attempts-api",
                hints_used=body.hints_used,
            )
        except ValidationError as err:
            raise ApiError(400, validation_message(err), validation_field(err)) from None
        except BadRequestError as err:
            raise ApiError(400, str(err), err.field) from None
        query = scrub_query(query)  # Engine.submit scrubs again: one function, every door
        engine = await self.engine()
        student = self.student_id()
        query = await engine.with_learning_record(student, query)
        try:
            await engine.submit(student, query)
        except InvalidDataError as err:
            raise ApiError(400, str(err)) from None
        self.write_json({"query_id": str(query.query_id)}, 202)

    @web.authenticated
    @authorized
    async def get(self) -> None:
        engine = await self.engine()
        assert engine.store is not None
        limit = self.int_argument("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        topic = self.get_argument("topic", None) or None
        student = self.student_id()
        attempts = await asyncio.to_thread(engine.store.recent_attempts, student, topic, limit)
        self.write_json({"student_id": student, "attempts": [attempt_view(a) for a in attempts]})


def attempt_view(attempt: AttemptRecord) -> dict[str, Any]:
    details = attempt.details
    return {
        "id": attempt.id,
        "exercise_id": attempt.exercise_id,
        "topic": attempt.topic,
        "passed": attempt.passed,
        "hints_used": attempt.hints_used,
        "score": details.get("score"),
        "failed_tests": details.get("failed_tests", []),
        "query_id": details.get("query_id"),
        "reply_id": details.get("reply_id"),
        "created_at": attempt.created_at.isoformat(),
    }
