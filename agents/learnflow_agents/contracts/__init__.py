"""Message contracts: the envelope, one payload model per topic, and the shared reply.

Everything that crosses the bus or the store is one of these pydantic models, so a
malformed message is rejected at the edge with an error naming the field.
"""

from learnflow_agents.contracts.check import CheckResult, TestOutcome, TestStatus
from learnflow_agents.contracts.codec import ContractError, decode, encode, make_envelope
from learnflow_agents.contracts.envelope import SCHEMA_VERSION, Envelope
from learnflow_agents.contracts.events import (
    AgentLog,
    AgentRequest,
    DeadLetter,
    LogStatus,
    RoutingDecision,
    StruggleAlert,
    StruggleLevel,
)
from learnflow_agents.contracts.progress import Achievement, ProgressFacts, Recommendation
from learnflow_agents.contracts.query import (
    LearningStyle,
    SkillLevel,
    StudentContext,
    StudentQuery,
    VariableSummary,
    check_query,
)
from learnflow_agents.contracts.reply import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    FollowUp,
    HelperRelation,
    Provenance,
    ReplyStatus,
)
from learnflow_agents.contracts.topics import (
    AGENT_REQUEST_TOPIC,
    TOPIC_PAYLOADS,
    TOPIC_SPECS,
    AgentName,
    Topic,
    TopicSpec,
)

__all__ = [
    "AGENT_REQUEST_TOPIC",
    "SCHEMA_VERSION",
    "TOPIC_PAYLOADS",
    "TOPIC_SPECS",
    "Achievement",
    "Action",
    "ActionKind",
    "AgentLog",
    "AgentName",
    "AgentReply",
    "AgentRequest",
    "CheckResult",
    "CodeBlock",
    "CodeRole",
    "ContractError",
    "DeadLetter",
    "Envelope",
    "FollowUp",
    "HelperRelation",
    "LearningStyle",
    "LogStatus",
    "ProgressFacts",
    "Provenance",
    "Recommendation",
    "ReplyStatus",
    "RoutingDecision",
    "SkillLevel",
    "StruggleAlert",
    "StruggleLevel",
    "StudentContext",
    "StudentQuery",
    "TestOutcome",
    "TestStatus",
    "Topic",
    "TopicSpec",
    "VariableSummary",
    "check_query",
    "decode",
    "encode",
    "make_envelope",
]
