"""The triage agent: routes each student query to one tutor, by the model or offline."""

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints

from learnflow_agents.contracts import (
    AGENT_REQUEST_TOPIC,
    AgentName,
    AgentRequest,
    Provenance,
    RoutingDecision,
    StudentQuery,
)
from learnflow_agents.llm.schemas import Out
from learnflow_agents.runtime.handler import HandlerContext, Outcome

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor
    from learnflow_agents.runtime.declaration import TutorSpec

# The tutors a query can be routed to: the built-ins but the router itself (the wire's names).
TutorName = Literal[tuple(a.value for a in AgentName if a is not AgentName.TRIAGE)]  # type: ignore[valid-type]


class TriageOut(Out):
    intent: TutorName
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
    secondary_intent: TutorName | None = None


def to_routing(out: TriageOut, query_id: Any, model: str) -> RoutingDecision:
    secondary = out.secondary_intent if out.secondary_intent != out.intent else None
    return RoutingDecision(
        query_id=query_id,
        target_agent=out.intent,
        confidence=out.confidence,
        # One line by contract (the offline router's too): renderers print it inline.
        reasoning=" ".join(out.reasoning.split())[:1000],
        secondary_agent=secondary,
        router=f"llm:{model}"[:64],
    )


async def routing_from_model(
    tutor: "LLMTutor", out: TriageOut, request: AgentRequest, ctx: HandlerContext, provenance: Provenance
) -> RoutingDecision:
    return to_routing(out, request.query.query_id, provenance.model)


class TriageAgent:
    """Reads `student-queries`; forwards each query to the chosen tutor's request topic."""

    def __init__(self, spec: "TutorSpec", llm: "LLMTutor | None" = None) -> None:
        self.spec = spec
        self.name = spec.name
        self.topics = spec.topics
        self.llm = llm

    async def handle(self, query: StudentQuery, ctx: HandlerContext) -> Outcome:
        from learnflow_agents.tutors.triage.classifier import classify

        if self.llm is None:
            decision = classify(query)
        else:
            decision = await self.llm.route(query, ctx, lambda: asyncio.to_thread(classify, query))
        target = decision.target_agent
        await ctx.note(f"routed to the {target} agent ({decision.confidence:.0%}): {decision.reasoning}")
        request = AgentRequest(query=query, routing=decision)
        # The target's topic from the map its declaration joined (the built-ins' wire names).
        return Outcome(routing=decision, forward=[(AGENT_REQUEST_TOPIC[target], request)])
