"""A tutor declares itself once: `TUTOR = TutorSpec(...)` in its package's `__init__.py`.

The declaration is everything the rest of LearnFlow needs to know about an agent: its
name, the topics it consumes, its offline answer, and, when a model may answer, the reply
schema, the prompt file next to the tutor and the cache/stream policy. The registry
(runtime/registry.py) collects declarations from the `learnflow.tutors` entry-point group;
one generic agent (runtime/handlers.py `TutorAgent`) runs any of them through the shared
runner; the LLM layer reads the model-facing fields and never names a tutor.

Hooks are plain callables so a tutor keeps its special behaviour in its own package
(the exercise tutor's generated exercises and graded guard, debug's saga ask).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from learnflow_agents.contracts import AgentReply, AgentRequest, FollowUp, Provenance, RoutingDecision

if TYPE_CHECKING:
    from learnflow_agents.llm.graded import ReplyGuard
    from learnflow_agents.llm.student_context import StudentFacts
    from learnflow_agents.llm.tutor import LLMTutor
    from learnflow_agents.runtime.handler import Agent, HandlerContext

# The offline answer: synchronous, run in a worker thread (tutors are CPU-bound).
Answer = Callable[[AgentRequest, "HandlerContext"], AgentReply]
# Extra prompt placeholders (and cache-key inputs) for this tutor's template.
PromptInputs = Callable[[AgentRequest, "StudentFacts"], dict[str, str]]
# Extra titled sections of student data for the prompt (read from the store, say).
PromptSections = Callable[[AgentRequest, "HandlerContext"], Awaitable[list[tuple[str, str]]]]
# Before the model is asked: a reply that must not come from a model (grading), or None.
BeforeModel = Callable[
    ["LLMTutor", AgentRequest, "HandlerContext", Callable[[], Awaitable[AgentReply]]],
    Awaitable[AgentReply | None],
]
# The validated tool output -> the reply (default: llm.mapping.to_reply); a router's -> its decision.
ToReply = Callable[
    ["LLMTutor", Any, AgentRequest, "HandlerContext", Provenance], Awaitable[AgentReply | RoutingDecision]
]
# Builds the graded-mode guard over a course's exercises directory (None: the shipped bank only).
GradedGuardFactory = Callable[[Path | None], "ReplyGuard"]
# A helper to ask about this reply (the saga: debug asks concepts to explain the concept
# behind an error), or None; the helper's answer comes as a reply that `helps` this one.
AskHelper = Callable[[AgentRequest, AgentReply], FollowUp | None]
# Builds the agent for a declaration (default: the generic TutorAgent).
AgentFactory = Callable[["TutorSpec", "LLMTutor | None"], "Agent"]

DEFAULT_TOOL_DESCRIPTION = "Return your answer to the student as LearnFlow's structured reply."


@dataclass(frozen=True)
class ModelPolicy:
    """How a model answers for this tutor; absent on a declaration that never asks one."""

    reply_schema: type[BaseModel]
    # The versioned prompt next to the tutor, e.g. tutors/<name>/prompt.v1.md; its template
    # reference is `<tutor name>.v<N>` (what cache keys and replies record).
    prompt: Path
    tool_name: str = "give_reply"
    tool_description: str = DEFAULT_TOOL_DESCRIPTION
    # False for answers that must be fresh (a new exercise, today's progress).
    cached: bool = True
    # False where a partial answer means nothing to a student (routing).
    streamed: bool = True
    # Multiplies the student-context token budget (progress reads history).
    context_scale: int = 1
    # Whether the student's per-minute limit counts this call (routing counts globally only).
    counts_for_student: bool = True
    prompt_inputs: PromptInputs | None = None
    prompt_sections: PromptSections | None = None
    before_model: BeforeModel | None = None
    to_reply: ToReply | None = None


@dataclass(frozen=True)
class TutorSpec:
    name: str
    # Offline answer; None for agents that are not request -> reply tutors (triage, progress).
    answer: Answer | None = None
    # The topic other agents and the engine send this tutor's requests to; default
    # `<name>-requests`. The six built-ins keep their wire names.
    request_topic: str | None = None
    # Topics consumed besides the request topic (progress also reads agent-responses).
    extra_topics: tuple[str, ...] = ()
    model: ModelPolicy | None = None
    # Graded mode: a guard every reply of every tutor passes (the exercise tutor has one).
    graded_guard: GradedGuardFactory | None = None
    ask_helper: AskHelper | None = None
    # An agent class with more than the generic behaviour (rate limits, saga asks, routing).
    agent: AgentFactory | None = None
    # Text this tutor adds to every tutor's system prompt (the concepts tutor's concept map).
    course_context: Callable[[], str] | None = None
    description: str = ""

    @property
    def topic(self) -> str:
        return self.request_topic or f"{self.name}-requests"

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.topic, *self.extra_topics)

    def build(self, llm: "LLMTutor | None" = None) -> "Agent":
        if self.agent is not None:
            return self.agent(self, llm)
        from learnflow_agents.runtime.handlers import TutorAgent

        return TutorAgent(self, llm)
