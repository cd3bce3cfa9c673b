"""The one reply model every agent answers with, rendered by widgets, the sidebar and HTML."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints

from learnflow_agents.contracts.base import Contract


class CodeRole(StrEnum):
    FIX = "fix"
    EXAMPLE = "example"
    REFACTOR = "refactor"
    STARTER = "starter"
    TESTS = "tests"
    ORIGINAL = "original"


class ActionKind(StrEnum):
    APPLY_FIX = "apply-fix"
    INSERT_STARTER = "insert-starter"
    EXPLAIN_CONCEPT = "explain-concept"
    SHOW_HINT = "show-hint"
    RATE = "rate"
    ASK_AGENT = "ask-agent"


class ReplyStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    ERROR = "error"


class CodeBlock(Contract):
    role: CodeRole
    code: Annotated[str, StringConstraints(max_length=100_000)]
    language: str = "python"
    title: str = ""


class Action(Contract):
    kind: ActionKind
    label: Annotated[str, StringConstraints(max_length=200)]
    # Action-specific arguments, e.g. {"concept": "loops"} or {"code_block": 0}.
    args: dict[str, Any] = Field(default_factory=dict)


class Provenance(Contract):
    agent: str
    provider: str = "offline"
    model: str | None = None
    latency_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cached: bool = False


class AgentReply(Contract):
    """Payload of `agent-responses`."""

    reply_id: UUID = Field(default_factory=uuid4)
    query_id: UUID
    agent: str
    status: ReplyStatus = ReplyStatus.OK
    summary: Annotated[str, StringConstraints(max_length=2_000)]
    explanation: Annotated[str, StringConstraints(max_length=50_000)] = ""
    code_blocks: list[CodeBlock] = Field(default_factory=list)
    hints: list[Annotated[str, StringConstraints(max_length=2_000)]] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    concepts: list[str] = Field(default_factory=list)
    provenance: Provenance
    # Agent-specific structured facts (routing, exercise id, mastery deltas) for renderers
    # that want more than the prose; free-form so agents can grow without a schema bump.
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
