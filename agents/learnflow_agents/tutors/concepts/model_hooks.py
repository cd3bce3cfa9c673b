"""The concepts tutor's part of a model's answer: its prompt input, buttons and concept map."""

import functools
import re
from typing import TYPE_CHECKING

from learnflow_agents.contracts import Action, ActionKind, AgentReply, AgentRequest, Provenance
from learnflow_agents.llm.mapping import to_reply
from learnflow_agents.tutors.concepts.reply_schema import ConceptOut

if TYPE_CHECKING:
    from learnflow_agents.llm.student_context import StudentFacts
    from learnflow_agents.llm.tutor import LLMTutor
    from learnflow_agents.runtime.handler import HandlerContext

_SLUG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,63}$")


def prompt_inputs(request: AgentRequest, facts: "StudentFacts") -> dict[str, str]:
    concept = (request.concept or "").strip().lower()
    return {"concept": concept if _SLUG.match(concept) else "the one the student asks about"}


async def concept_reply(
    tutor: "LLMTutor", out: ConceptOut, request: AgentRequest, ctx: "HandlerContext", provenance: Provenance
) -> AgentReply:
    # The tutor explains its own first concept: link the next ones, and offer to practise it.
    concepts = list(out.concepts)
    practise = [
        Action(
            kind=ActionKind.ASK_AGENT,
            label=f"Practise {concepts[0]}",
            args={"agent": "exercise", "topic": concepts[0]},
        )
    ][: len(concepts[:1])]
    return to_reply("concepts", out, request.query.query_id, provenance, linked=concepts[1:3], more=practise)


@functools.cache
def course_context() -> str:
    """The course's concept map, the same for every request: the slugs the `concepts` fields
    must use (they link to the concept base), in learning order, with their prerequisites."""
    from learnflow_agents.tutors.concepts.catalog import concepts, learning_order

    known = concepts()
    lines = [
        f"- {slug}: {known[slug].title}"
        + (f" (after {', '.join(known[slug].prerequisites)})" if known[slug].prerequisites else "")
        for slug in learning_order()
    ]
    return (
        "Course concept map (use these slugs in `concepts`, and prefer next steps whose "
        "prerequisites the student has covered):\n" + "\n".join(lines) + "\n"
    )
