"""The one reply model every agent answers with, rendered by widgets, the sidebar and HTML."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints, model_validator

from learnflow_agents.contracts.base import Contract
from learnflow_agents.contracts.check import CheckResult
from learnflow_agents.contracts.legacy import upgrade_reply
from learnflow_agents.contracts.progress import ProgressFacts


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


class HelperRelation(Contract):
    """This reply helps another agent's answer to the same query (debug asked concepts to
    explain the concept behind an error): render it with that answer, not as the answer."""

    agent: str
    # The reply it helps, when the asking agent said which (1.0 messages never did).
    reply_id: UUID | None = None


class FollowUp(Contract):
    """A helper this reply asked for: its answer arrives as a reply whose `helps` names this one."""

    agent: str
    concept: Annotated[str, StringConstraints(max_length=128)] | None = None


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
    # Agent-specific facts for renderers that want more than the prose (an exercise's id and
    # topic, a debug reply's error type); free-form so agents can grow without a schema bump.
    # Relations between messages and what other agents act on are typed fields below.
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # 1.1: set on a helper's reply; the query's answer is the reply without it.
    helps: HelperRelation | None = None
    # 1.1: the helper this reply asked for, so a client knows one more reply is coming.
    follow_up: FollowUp | None = None
    # 1.1: an exercise check's result (hidden tests scrubbed); None when nothing was graded.
    check: CheckResult | None = None
    # 1.1: a progress report's facts.
    progress: ProgressFacts | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_1_0(cls, raw: Any) -> Any:
        return upgrade_reply(raw)

    @property
    def is_helper(self) -> bool:
        return self.helps is not None
