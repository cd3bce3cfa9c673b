"""The concepts agent's offline brain: a curated, tested concept base and a tutor over it.

Public API:
- `explain(query, concept=None) -> AgentReply`: the agent's answer.
- `lookup(text) -> [(slug, score)]`: which topics a question is about, best first.
- `get_concept(slug)`, `all_slugs()`, `prerequisites(slug)`, `prerequisite_graph()`:
  read access to the base for other agents (debug links, exercise topics, progress graph).
"""

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

__all__ = [
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
