"""Graded mode at the one door every reply passes: `guard_graded_reply(reply, request)`.

The LLM tutor calls it on every reply it returns (model, reply cache, offline fallback,
exercise grading). Deployments without a model configured run the offline tutors without
the LLM tutor, so the agents' common wrapper calls it too (`TutorAgent.handle` in
runtime/handlers.py, right after the reply is made).

What is guarded is the tutors' business: a declaration with a `graded_guard` (the exercise
tutor's, over its bank and the course's exercise notebooks) contributes a guard, and every
reply of every tutor passes all of them. It is a no-op unless graded mode is on
(LEARNFLOW_LLM_GRADED_MODE=1), and a reply it has already guarded (`data["graded_guard"]`)
is not checked twice.
"""

import asyncio
import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from learnflow_agents.contracts import AgentReply, AgentRequest, StudentQuery
from learnflow_agents.llm.config import LLMSettings

_lock = threading.Lock()


class ReplyGuard(Protocol):
    def guard_reply(self, reply: AgentReply, query: StudentQuery) -> list[Any]:
        """Withhold in place what the student must not be handed; what was withheld."""
        ...


class Guards:
    """Every declared tutor's graded-mode guard, applied one after the other."""

    def __init__(self, guards: Sequence[ReplyGuard]) -> None:
        self.guards = list(guards)

    def guard_reply(self, reply: AgentReply, query: StudentQuery) -> list[Any]:
        withheld: list[Any] = []
        for guard in self.guards:
            withheld += guard.guard_reply(reply, query)
        return withheld


@functools.cache
def _settings() -> LLMSettings:
    return LLMSettings()


@functools.cache
def guard_for(exercises_dir: Path | None) -> Guards:
    """The declared tutors' guards for a course's exercises directory (built once)."""
    from learnflow_agents.runtime.registry import tutors

    return Guards([spec.graded_guard(exercises_dir) for spec in tutors().values() if spec.graded_guard])


def guard_reply_sync(
    reply: AgentReply,
    request: AgentRequest | StudentQuery,
    settings: LLMSettings | None = None,
    guard: ReplyGuard | None = None,
) -> list[Any]:
    """Guard `reply` in place when graded mode is on; what was withheld."""
    settings = settings or _settings()
    if not settings.graded_mode or "graded_guard" in reply.data:
        return []
    query = request.query if isinstance(request, AgentRequest) else request
    if guard is None:
        with _lock:
            guard = guard_for(settings.graded_exercises_dir)
    withheld = guard.guard_reply(reply, query)
    reply.data["graded_guard"] = {"withheld": len(withheld)}
    return withheld


async def guard_graded_reply(
    reply: AgentReply,
    request: AgentRequest | StudentQuery,
    settings: LLMSettings | None = None,
    guard: ReplyGuard | None = None,
) -> AgentReply:
    """`reply`, with every span that would hand the student an exercise's solution withheld."""
    settings = settings or _settings()
    if settings.graded_mode and "graded_guard" not in reply.data:
        await asyncio.to_thread(guard_reply_sync, reply, request, settings, guard)
    return reply
