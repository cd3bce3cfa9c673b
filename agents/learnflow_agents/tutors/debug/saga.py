"""The debug tutor's part of the saga: when the root cause is a misunderstood concept, ask
the concepts tutor to explain it (the seed's debug -> concepts saga). The generic agent
sends the request and links the two replies (runtime/handlers.py)."""

from learnflow_agents.contracts import AgentName, AgentReply, AgentRequest, FollowUp
from learnflow_agents.runtime.handler import HandlerContext


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.debug.agent import diagnose

    return diagnose(request.query)


def ask_concepts(request: AgentRequest, reply: AgentReply) -> FollowUp | None:
    if reply.data.get("conceptual") and reply.concepts:
        return FollowUp(agent=AgentName.CONCEPTS.value, concept=reply.concepts[0])
    return None
