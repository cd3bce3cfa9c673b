"""The progress tutor's part of a model's prompt: the student's struggle alerts and their
latest graded attempts, as stored."""

import asyncio
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentRequest
from learnflow_agents.llm.scrubbing import scrub_secrets
from learnflow_agents.llm.student_context import one_line

if TYPE_CHECKING:
    from learnflow_agents.runtime.handler import HandlerContext


async def struggle_sections(request: AgentRequest, ctx: "HandlerContext") -> list[tuple[str, str]]:
    if ctx.store is None:
        return [("Struggle alerts", "")]
    records = await asyncio.to_thread(ctx.store.list_struggles, ctx.student_id, None, 5)
    lines = [
        f"- {r.topic}: {r.level} (score {r.score:.2f})"
        + (f"; {one_line(r.evidence[0], 120)}" if r.evidence else "")
        for r in records
    ]
    return [("Struggle alerts", scrub_secrets("\n".join(lines)))]


RECENT_ATTEMPTS = 8


async def attempt_sections(request: AgentRequest, ctx: "HandlerContext") -> list[tuple[str, str]]:
    if ctx.store is None:
        return [("Recent graded attempts", "")]
    records = await asyncio.to_thread(ctx.store.recent_attempts, ctx.student_id, None, RECENT_ATTEMPTS)
    lines = []
    for r in records:
        failed = [one_line(str(name), 80) for name in (r.details.get("failed_tests") or [])[:3]]
        outcome = "passed" if r.passed else "failed" + (f" ({'; '.join(failed)})" if failed else "")
        hints = f", {r.hints_used} hints" if r.hints_used else ""
        lines.append(f"- {r.exercise_id} ({r.topic}): {outcome}{hints}")
    return [("Recent graded attempts (newest first)", scrub_secrets("\n".join(lines)))]
