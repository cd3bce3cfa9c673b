"""Topic names, their payload models and their broker settings (from the seed)."""

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from learnflow_agents.contracts.events import (
    AgentLog,
    AgentRequest,
    DeadLetter,
    RoutingDecision,
    StruggleAlert,
)
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import AgentReply


class Topic(StrEnum):
    STUDENT_QUERIES = "student-queries"
    TRIAGE_ROUTING = "triage-routing"
    CONCEPTS_REQUESTS = "concepts-requests"
    CODE_REVIEW_REQUESTS = "code-review-requests"
    DEBUG_REQUESTS = "debug-requests"
    EXERCISE_REQUESTS = "exercise-requests"
    PROGRESS_REQUESTS = "progress-requests"
    AGENT_RESPONSES = "agent-responses"
    AGENT_LOGS = "agent-logs"
    STUDENT_STRUGGLE = "student-struggle"
    DEAD_LETTER = "dead-letter"


class AgentName(StrEnum):
    TRIAGE = "triage"
    CONCEPTS = "concepts"
    CODE_REVIEW = "code-review"
    DEBUG = "debug"
    EXERCISE = "exercise"
    PROGRESS = "progress"


# Agent -> its request topic. The six built-ins' names and topics are the wire protocol's;
# an installed tutor adds its own from its declaration (register_request_topic, called by
# runtime/registry.py), so a new agent needs no edit here.
AGENT_REQUEST_TOPIC: dict[AgentName | str, Topic | str] = {
    AgentName.CONCEPTS: Topic.CONCEPTS_REQUESTS,
    AgentName.CODE_REVIEW: Topic.CODE_REVIEW_REQUESTS,
    AgentName.DEBUG: Topic.DEBUG_REQUESTS,
    AgentName.EXERCISE: Topic.EXERCISE_REQUESTS,
    AgentName.PROGRESS: Topic.PROGRESS_REQUESTS,
}
_DECLARED_REQUEST_TOPICS: set[str] = set()


def register_request_topic(agent: str, topic: str) -> None:
    """Declare an installed agent's request topic (its payload is an AgentRequest)."""
    taken = topic in TOPIC_PAYLOADS and TOPIC_PAYLOADS[Topic(topic)] is not AgentRequest
    if agent == AgentName.TRIAGE or taken:
        raise ValueError(f"{topic!r} cannot be the request topic of {agent!r}")
    AGENT_REQUEST_TOPIC.setdefault(agent, topic)
    _DECLARED_REQUEST_TOPICS.add(str(AGENT_REQUEST_TOPIC[agent]))


def payload_model(topic: Topic | str) -> type[BaseModel]:
    """The payload model of `topic`; KeyError for a topic nobody declared."""
    if topic in _DECLARED_REQUEST_TOPICS:
        return AgentRequest
    return TOPIC_PAYLOADS[Topic(topic)]

TOPIC_PAYLOADS: dict[Topic, type[BaseModel]] = {
    Topic.STUDENT_QUERIES: StudentQuery,
    Topic.TRIAGE_ROUTING: RoutingDecision,
    Topic.CONCEPTS_REQUESTS: AgentRequest,
    Topic.CODE_REVIEW_REQUESTS: AgentRequest,
    Topic.DEBUG_REQUESTS: AgentRequest,
    Topic.EXERCISE_REQUESTS: AgentRequest,
    Topic.PROGRESS_REQUESTS: AgentRequest,
    Topic.AGENT_RESPONSES: AgentReply,
    Topic.AGENT_LOGS: AgentLog,
    Topic.STUDENT_STRUGGLE: StruggleAlert,
    Topic.DEAD_LETTER: DeadLetter,
}

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class TopicSpec:
    partitions: int
    retention_ms: int


class DeclaredTopic(str):
    """An installed tutor's request topic: a name, not one of the protocol's Topic members."""

    __slots__ = ()

    @property
    def value(self) -> str:
        # Read like a Topic member's by the buses and `topics create`.
        return str(self)


def topic_specs(partitions: int = 12) -> dict[Topic | DeclaredTopic, TopicSpec]:
    """The seed's retention per topic; `partitions` applies to the per-student topics.
    Installed tutors' request topics (register_request_topic) are sized like the built-ins'."""
    week = 7 * DAY_MS
    small = max(1, min(partitions, 6))
    declared = sorted(t for t in _DECLARED_REQUEST_TOPICS if t not in Topic._value2member_map_)
    specs: dict[Topic | DeclaredTopic, TopicSpec] = {
        Topic.STUDENT_QUERIES: TopicSpec(partitions, week),
        Topic.TRIAGE_ROUTING: TopicSpec(partitions, DAY_MS),
        Topic.CONCEPTS_REQUESTS: TopicSpec(partitions, week),
        Topic.CODE_REVIEW_REQUESTS: TopicSpec(partitions, week),
        Topic.DEBUG_REQUESTS: TopicSpec(partitions, week),
        Topic.EXERCISE_REQUESTS: TopicSpec(partitions, week),
        Topic.PROGRESS_REQUESTS: TopicSpec(partitions, week),
        Topic.AGENT_RESPONSES: TopicSpec(partitions, week),
        Topic.AGENT_LOGS: TopicSpec(small, DAY_MS),
        Topic.STUDENT_STRUGGLE: TopicSpec(small, DAY_MS),
        Topic.DEAD_LETTER: TopicSpec(small, 14 * DAY_MS),
    }
    specs.update({DeclaredTopic(t): TopicSpec(partitions, week) for t in declared})
    return specs


TOPIC_SPECS = topic_specs()
