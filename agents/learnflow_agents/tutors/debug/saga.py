"""The debug agent: the generic tutor, plus a saga ask to the concepts tutor when the root
cause is a misunderstood concept (the seed's debug -> concepts saga)."""

from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentReply, AgentRequest, FollowUp, Topic
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.runtime.handlers import TutorAgent

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor
    from learnflow_agents.runtime.declaration import TutorSpec


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.debug.agent import diagnose

    return diagnose(request.query)


class DebugAgent(TutorAgent):
    """Debug also asks concepts (saga) when the root cause is a misunderstanding."""

    def __init__(self, spec: "TutorSpec | None" = None, llm: "LLMTutor | None" = None) -> None:
        if spec is None:
            from learnflow_agents.tutors.debug import TUTOR

            spec = TUTOR
        super().__init__(spec, llm)

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        outcome = await super().handle(request, ctx)
        reply = outcome.reply
        if reply is not None and reply.data.get("conceptual") and reply.concepts and not request.requested_by:
            concept = reply.concepts[0]
            await ctx.note(f"asking the concepts agent to explain {concept}")
            ask = AgentRequest(
                query=request.query,
                routing=request.routing,
                requested_by=self.name,
                for_reply=reply.reply_id,
                concept=concept,
            )
            outcome.forward.append((Topic.CONCEPTS_REQUESTS, ask))
            reply.follow_up = FollowUp(agent="concepts", concept=concept)
        return outcome
