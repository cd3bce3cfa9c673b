"""The generic agent: runs any tutor declaration (runtime/declaration.py) for the runner.

The tutors are synchronous and CPU-bound (or spawn ruff / a sandbox), so their offline
answer runs in a worker thread to keep the event loop, and other partitions, moving.
"""

import asyncio
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AGENT_REQUEST_TOPIC, AgentReply, AgentRequest, HelperRelation
from learnflow_agents.runtime.handler import HandlerContext, Outcome

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor
    from learnflow_agents.runtime.declaration import TutorSpec


class TutorAgent:
    """A specialist: one request topic, one reply; the model first when configured, else offline."""

    def __init__(self, spec: "TutorSpec", llm: "LLMTutor | None" = None) -> None:
        if spec.answer is None:
            raise ValueError(f"the {spec.name} tutor declares no offline answer")
        self.spec = spec
        self.name = spec.name
        self.topics = spec.topics
        self._answer = spec.answer
        self.llm = llm

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        def offline() -> "asyncio.Future[AgentReply]":
            return asyncio.ensure_future(self._offline(request, ctx))

        if self.llm is None or self.spec.model is None:
            reply = await offline()
        else:
            reply = await self.llm.answer(self.name, request, ctx, offline, ctx.stream)
        # Graded mode guards offline replies too (the LLM tutor guards its own); a no-op otherwise.
        from learnflow_agents.llm.graded import guard_graded_reply

        reply = await guard_graded_reply(reply, request)
        # Routing is the runtime's business: when triage guessed, whichever tutor answered
        # also offers the student the other likely tutors (tutors/triage/choices.py).
        from learnflow_agents.tutors.triage.choices import with_choices

        reply = with_choices(reply, request)
        if request.requested_by:
            reply.helps = HelperRelation(agent=request.requested_by, reply_id=request.for_reply)
        outcome = Outcome(reply=reply)
        # A helper's own answer asks no further helper: a saga is one step deep.
        follow_up = self.spec.ask_helper(request, reply) if self.spec.ask_helper else None
        if follow_up is not None and not request.requested_by:
            await ctx.note(f"asking the {follow_up.agent} agent to explain {follow_up.concept}")
            ask = AgentRequest(
                query=request.query,
                routing=request.routing,
                requested_by=self.name,
                for_reply=reply.reply_id,
                concept=follow_up.concept,
            )
            outcome.forward.append((AGENT_REQUEST_TOPIC[follow_up.agent], ask))
            reply.follow_up = follow_up
        return outcome

    async def _offline(self, request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        return await asyncio.to_thread(self._answer, request, ctx)
