"""The envelope every message travels in."""

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, Field, StringConstraints, field_validator

from learnflow_agents.contracts.base import Contract

# 1.1 added typed relations (AgentReply.helps/follow_up/check/progress, StudentQuery
# .exercise_id, AgentRequest.for_reply); 1.0 messages are upgraded on reading (contracts.legacy).
SCHEMA_VERSION = "1.1"
SCHEMA_MAJOR = SCHEMA_VERSION.split(".")[0]

P = TypeVar("P", bound=BaseModel)

StudentId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@+\-]+$")]


class Envelope(Contract, Generic[P]):
    schema_version: str = SCHEMA_VERSION
    message_id: UUID = Field(default_factory=uuid4)
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    student_id: StudentId
    trace_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default_factory=lambda: uuid4().hex
    )
    payload: P

    @field_validator("schema_version")
    @classmethod
    def _same_major(cls, value: str) -> str:
        # A newer minor version only adds optional fields (tolerated); a new major may not.
        if value.split(".")[0] != SCHEMA_MAJOR:
            raise ValueError(f"unsupported schema_version {value!r}; this consumer reads {SCHEMA_MAJOR}.x")
        return value
