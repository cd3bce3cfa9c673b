"""Build the prompt for one agent and one request: templates + fenced student data.

What differs between tutors (their template, extra placeholders, extra sections of
student data) comes from their declaration (runtime/declaration.py `ModelPolicy`).
"""

import functools
import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentRequest
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.fence import Fence
from learnflow_agents.llm.student_context import StudentFacts, gather_facts, query_sections
from learnflow_agents.llm.templates import RenderedPrompt, load_prompt_file, load_template

if TYPE_CHECKING:
    from learnflow_agents.runtime.declaration import TutorSpec
    from learnflow_agents.runtime.handler import HandlerContext
    from learnflow_agents.store import Store

NO_POLICY = "(none set: use the defaults above)"
GRADED_NOTE = (
    "Graded mode is on. If the code belongs to a course exercise, do not write a complete working "
    "solution: point at the problem, explain it, and give hints. A complete solution would be withheld "
    "from the student anyway."
)


class NoTopicError(LookupError):
    """The request lacks what the tutor's prompt needs (an exercise without a known topic)."""


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
    """What the declared tutors add to every system prompt (the concepts tutor's concept map):
    the same for every request, so the provider can cache it."""
    from learnflow_agents.runtime.registry import tutors

    return "".join(spec.course_context() for _, spec in sorted(tutors().items()) if spec.course_context)


def policy_digest(policy: str) -> str:
    return hashlib.sha256(policy.encode()).hexdigest()[:16]


async def build_prompt(
    spec: "TutorSpec | str",
    request: AgentRequest,
    student_id: str,
    store: "Store | None",
    settings: LLMSettings,
    ctx: "HandlerContext | None" = None,
) -> Prompt:
    if isinstance(spec, str):
        from learnflow_agents.runtime.registry import tutor

        spec = tutor(spec)
    policy_of = spec.model
    if policy_of is None:
        raise LookupError(f"the {spec.name} tutor does not ask a model")
    query = request.query
    budget = settings.context_tokens * policy_of.context_scale
    facts = await gather_facts(query, student_id, store, budget)
    fence = Fence()
    name = policy_of.tool_name
    policy = settings.policy_text()
    # The system prompt holds only what is the same for every request of this agent and
    # course (rules, tool, policy, graded note), so the provider can cache it; the fence id,
    # the student's level and the student's data follow in the user turn.
    shared = load_template("_shared").render_section(
        "system", {"tool_name": name, "course_policy": policy or NO_POLICY}
    )
    inputs = policy_of.prompt_inputs(request, facts) if policy_of.prompt_inputs else {}
    sections = [("Student profile", facts.profile), ("Recent questions", facts.recent)]
    if policy_of.prompt_sections is not None:
        from learnflow_agents.runtime.handler import HandlerContext

        ctx = ctx or HandlerContext(student_id=student_id, trace_id="", message_id="", store=store)
        sections += await policy_of.prompt_sections(request, ctx)
    sections += query_sections(query, settings.query_tokens)
    rendered = load_prompt_file(policy_of.prompt, spec.name).render(
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
        tool_description=policy_of.tool_description,
        facts=facts,
        inputs=inputs,
    )


def repair_message(tool: str, problems: str) -> str:
    return load_template("repair").render_section("user", {"tool_name": tool, "problems": problems})
