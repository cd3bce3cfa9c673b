"""The progress tutor's part of a model's prompt: the student's struggle alerts."""

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
