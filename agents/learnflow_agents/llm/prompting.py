"""Build the prompt for one agent and one request: templates + fenced student data."""

import asyncio
import functools
import hashlib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentRequest
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.fence import Fence
from learnflow_agents.llm.schemas import DEFAULT_DESCRIPTION, TOOL_DESCRIPTIONS, tool_name
from learnflow_agents.llm.scrubbing import scrub_secrets
from learnflow_agents.llm.student_context import StudentFacts, gather_facts, one_line, query_sections
from learnflow_agents.llm.templates import RenderedPrompt, load_template
from learnflow_agents.tutors.exercise.picker import infer_topic, normalise_topic

if TYPE_CHECKING:
    from learnflow_agents.store import Store

_SLUG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,63}$")
NO_POLICY = "(none set: use the defaults above)"
GRADED_NOTE = (
    "Graded mode is on. If the code belongs to a course exercise, do not write a complete working "
    "solution: point at the problem, explain it, and give hints. A complete solution would be withheld "
    "from the student anyway."
)
# Progress reports read history; the other agents mostly need the question itself.
CONTEXT_SCALE = {"progress": 3}


class NoTopicError(LookupError):
    """An exercise was asked for without a topic the curriculum knows."""


@dataclass(frozen=True)
class Prompt:
    rendered: RenderedPrompt
    tool_name: str
    tool_description: str
    facts: StudentFacts
    # Agent-specific inputs that change the answer, for the cache key.
    inputs: dict[str, str]


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


def policy_digest(policy: str) -> str:
    return hashlib.sha256(policy.encode()).hexdigest()[:16]


def exercise_topic(request: AgentRequest) -> str:
    topic = normalise_topic(request.concept) if request.concept else None
    topic = topic or infer_topic(request.query.text)
    if topic is None:
        raise NoTopicError("no topic named")
    return topic.value


async def _struggles(store: "Store | None", student_id: str) -> str:
    if store is None:
        return ""
    records = await asyncio.to_thread(store.list_struggles, student_id, None, 5)
    lines = [
        f"- {r.topic}: {r.level} (score {r.score:.2f})"
        + (f"; {one_line(r.evidence[0], 120)}" if r.evidence else "")
        for r in records
    ]
    return scrub_secrets("\n".join(lines))


async def build_prompt(
    agent: str, request: AgentRequest, student_id: str, store: "Store | None", settings: LLMSettings
) -> Prompt:
    query = request.query
    budget = settings.context_tokens * CONTEXT_SCALE.get(agent, 1)
    facts = await gather_facts(query, student_id, store, budget)
    fence = Fence()
    name = tool_name(agent)
    policy = settings.policy_text()
    # The system prompt holds only what is the same for every request of this agent and
    # course (rules, tool, policy, graded note), so the provider can cache it; the fence id,
    # the student's level and the student's data follow in the user turn.
    shared = load_template("_shared").render_section(
        "system", {"tool_name": name, "course_policy": policy or NO_POLICY}
    )
    inputs: dict[str, str] = {}
    if agent == "concepts":
        concept = (request.concept or "").strip().lower()
        inputs["concept"] = concept if _SLUG.match(concept) else "the one the student asks about"
    if agent == "exercise":
        inputs["topic"] = exercise_topic(request)
        # The curriculum's difficulty names are the skill levels' names.
        inputs["difficulty"] = facts.context.skill_level.value
    sections = [("Student profile", facts.profile), ("Recent questions", facts.recent)]
    if agent == "progress":
        sections.append(("Struggle alerts", await _struggles(store, student_id)))
    sections += query_sections(query, settings.query_tokens)
    rendered = load_template(agent).render(
        shared_rules=shared.strip(),
        skill_level=facts.context.skill_level.value,
        learning_style=facts.context.learning_style.value,
        graded_note=GRADED_NOTE if settings.graded_mode else "",
        student_data=fence.wrap(sections),
        **inputs,
    )
    rendered = replace(
        rendered,
        system=f"{rendered.system}\n{course_context()}",
        user=f"Fence id: {fence.fence_id}\n{rendered.user}",
    )
    return Prompt(
        rendered=rendered,
        tool_name=name,
        tool_description=TOOL_DESCRIPTIONS.get(agent, DEFAULT_DESCRIPTION),
        facts=facts,
        inputs=inputs,
    )


def repair_message(tool: str, problems: str) -> str:
    return load_template("repair").render_section("user", {"tool_name": tool, "problems": problems})
