"""Graded mode at the one door every reply passes: `guard_graded_reply(reply, request)`.

The LLM tutor calls it on every reply it returns (model, reply cache, offline fallback,
exercise grading). Deployments without a model configured run the offline tutors without
the LLM tutor, so the agents' common wrapper must call it too (one line in
`runtime/handlers.py`, `TutorAgent.handle`, right after the reply is made):

    reply = await guard_graded_reply(reply, request)

It is a no-op unless graded mode is on (LEARNFLOW_LLM_GRADED_MODE=1), and a reply it has
already guarded (`data["graded_guard"]`) is not checked twice.
"""

import asyncio
import functools
import re
import threading
from pathlib import Path

from learnflow_agents.contracts import AgentReply, AgentRequest, StudentQuery
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.guardrails import GradedGuard, Withheld

# "exercise can-ride", "check can-ride": the ids a query names.
EXERCISE_MENTION = re.compile(r"\b(?:exercise|check)\s+(?P<id>[a-z0-9]+(?:-[a-z0-9]+)+)\b", re.IGNORECASE)
_lock = threading.Lock()


def exercise_ids(query: StudentQuery) -> list[str]:
    return [m.group("id").lower() for m in EXERCISE_MENTION.finditer(query.text)]


@functools.cache
def _settings() -> LLMSettings:
    return LLMSettings()


@functools.cache
def guard_for(exercises_dir: Path | None) -> GradedGuard:
    """The guard over the shipped bank and a course's exercise notebooks (built once)."""
    from learnflow_agents.tutors.exercise.bank import load_bank, load_directory

    banks = [load_bank()]
    if exercises_dir is not None:
        banks.append(load_directory(exercises_dir))
    return GradedGuard(banks)


def guard_reply_sync(
    reply: AgentReply,
    request: AgentRequest | StudentQuery,
    settings: LLMSettings | None = None,
    guard: GradedGuard | None = None,
) -> list[Withheld]:
    """Guard `reply` in place when graded mode is on; what was withheld."""
    settings = settings or _settings()
    if not settings.graded_mode or "graded_guard" in reply.data:
        return []
    query = request.query if isinstance(request, AgentRequest) else request
    if guard is None:
        with _lock:
            guard = guard_for(settings.graded_exercises_dir)
    withheld = guard.guard(reply, exercise_ids(query), query.code)
    reply.data["graded_guard"] = {"withheld": len(withheld)}
    return withheld


async def guard_graded_reply(
    reply: AgentReply,
    request: AgentRequest | StudentQuery,
    settings: LLMSettings | None = None,
    guard: GradedGuard | None = None,
) -> AgentReply:
    """`reply`, with every span that would hand the student an exercise's solution withheld."""
    settings = settings or _settings()
    if settings.graded_mode and "graded_guard" not in reply.data:
        await asyncio.to_thread(guard_reply_sync, reply, request, settings, guard)
    return reply
