"""The concepts agent's offline brain: a curated, tested concept base and a tutor over it.

Public API:
- `explain(query, concept=None) -> AgentReply`: the agent's answer.
- `lookup(text) -> [(slug, score)]`: which topics a question is about, best first.
- `get_concept(slug)`, `all_slugs()`, `prerequisites(slug)`, `prerequisite_graph()`:
  read access to the base for other agents (debug links, exercise topics, progress graph).
"""

from pathlib import Path

from learnflow_agents.contracts import AgentReply, AgentRequest, Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.tutors.concepts import model_hooks
from learnflow_agents.tutors.concepts.catalog import (
    ConceptBaseError,
    all_slugs,
    get_concept,
    learning_order,
    prerequisite_graph,
    prerequisites,
)
from learnflow_agents.tutors.concepts.explain import explain
from learnflow_agents.tutors.concepts.lookup import lookup
from learnflow_agents.tutors.concepts.model import Concept, Level, Pitfall
from learnflow_agents.tutors.concepts.reply_schema import ConceptOut


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    return explain(request.query, concept=request.concept)


TUTOR = TutorSpec(
    name="concepts",
    request_topic=Topic.CONCEPTS_REQUESTS,
    answer=answer,
    model=ModelPolicy(
        reply_schema=ConceptOut,
        prompt=Path(__file__).with_name("prompt.v1.md"),
        prompt_inputs=model_hooks.prompt_inputs,
        to_reply=model_hooks.concept_reply,
    ),
    course_context=model_hooks.course_context,
    description="Explains a concept from the curated concept base, adapted to the student's level.",
)

__all__ = [
    "TUTOR",
    "Concept",
    "ConceptBaseError",
    "Level",
    "Pitfall",
    "all_slugs",
    "explain",
    "get_concept",
    "learning_order",
    "lookup",
    "prerequisite_graph",
    "prerequisites",
]
