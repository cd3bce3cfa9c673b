"""Agent names -> agent instances, for `run --agent NAME|all` and the engine."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentName
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.runtime.handlers import (
    DebugAgent,
    TriageAgent,
    code_review_agent,
    concepts_agent,
    exercise_agent,
)

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor


def _progress_agent(llm: "LLMTutor | None" = None) -> Agent:
    # Progress listens to replies as well as requests, so it is its own kind of handler.
    from learnflow_agents.tutors.progress.agent import ProgressAgent

    return ProgressAgent()


FACTORIES: dict[str, Callable[..., Agent]] = {
    AgentName.TRIAGE.value: TriageAgent,
    AgentName.CONCEPTS.value: concepts_agent,
    AgentName.CODE_REVIEW.value: code_review_agent,
    AgentName.DEBUG.value: DebugAgent,
    AgentName.EXERCISE.value: exercise_agent,
    AgentName.PROGRESS.value: _progress_agent,
}


def build_agents(names: Iterable[str], llm: "LLMTutor | None" = None) -> list[Agent]:
    """The named agents; with `llm`, the tutors ask it first and fall back to offline."""
    wanted: list[str] = []
    for name in names:
        if name == "all":
            wanted.extend(FACTORIES)
        elif name in FACTORIES:
            wanted.append(name)
        else:
            raise ValueError(f"unknown agent {name!r}: choose from {', '.join(FACTORIES)} or all")
    return [FACTORIES[name](llm) for name in dict.fromkeys(wanted)]
