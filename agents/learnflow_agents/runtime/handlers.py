"""The six agents as handlers: thin adapters from the runner to the tutors' pure functions.

The tutors are synchronous and CPU-bound (or spawn ruff / a sandbox), so they run in a
worker thread to keep the event loop, and other partitions, moving.
"""

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from learnflow_agents.contracts import (
    AGENT_REQUEST_TOPIC,
    AgentName,
    AgentReply,
    AgentRequest,
    StudentQuery,
    Topic,
)
from learnflow_agents.runtime.handler import HandlerContext, Outcome

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor


class TriageAgent:
    name = AgentName.TRIAGE.value
    topics = (Topic.STUDENT_QUERIES,)

    def __init__(self, llm: "LLMTutor | None" = None) -> None:
        self.llm = llm

    async def handle(self, query: StudentQuery, ctx: HandlerContext) -> Outcome:
        from learnflow_agents.tutors.triage import classify

        if self.llm is None:
            decision = classify(query)
        else:
            decision = await self.llm.route(query, ctx, lambda: asyncio.to_thread(classify, query))
        target = AgentName(decision.target_agent)
        await ctx.note(
            f"routed to the {target.value} agent ({decision.confidence:.0%}): {decision.reasoning}"
        )
        request = AgentRequest(query=query, routing=decision)
        return Outcome(routing=decision, forward=[(AGENT_REQUEST_TOPIC[target], request)])


class TutorAgent:
    """A specialist: one request topic, one reply; Claude first when configured, else offline."""

    def __init__(
        self,
        name: AgentName,
        answer: Callable[[AgentRequest, HandlerContext], AgentReply],
        llm: "LLMTutor | None" = None,
    ) -> None:
        self.name = name.value
        self.topics = (AGENT_REQUEST_TOPIC[name],)
        self._answer = answer
        self.llm = llm

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        def offline() -> "asyncio.Future[AgentReply]":
            return asyncio.ensure_future(asyncio.to_thread(self._answer, request, ctx))

        if self.llm is None:
            reply = await offline()
        else:
            reply = await self.llm.answer(self.name, request, ctx, offline, ctx.stream)
        if request.requested_by:
            reply.data["saga_of"] = request.requested_by
        return Outcome(reply=reply)


class DebugAgent(TutorAgent):
    """Debug also asks concepts (saga) when the root cause is a misunderstanding."""

    def __init__(self, llm: "LLMTutor | None" = None) -> None:
        super().__init__(AgentName.DEBUG, _debug_answer, llm)

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        outcome = await super().handle(request, ctx)
        reply = outcome.reply
        if reply is not None and reply.data.get("conceptual") and reply.concepts and not request.requested_by:
            concept = reply.concepts[0]
            await ctx.note(f"asking the concepts agent to explain {concept}")
            ask = AgentRequest(
                query=request.query, routing=request.routing, requested_by=self.name, concept=concept
            )
            outcome.forward.append((Topic.CONCEPTS_REQUESTS, ask))
            reply.data["concept_requested"] = concept
        return outcome


def _debug_answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.debug import diagnose

    return diagnose(request.query)


def _concepts_answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.concepts import explain

    return explain(request.query, concept=request.concept)


def _review_answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.code_review import review

    return review(request.query)


# "check ex-lists-01" (with the student's code) grades an attempt; anything else asks for one.
_CHECK = re.compile(r"^\s*check\b(?:\s+(?:exercise\s+)?(?P<exercise>[A-Za-z0-9_.\-]+))?", re.IGNORECASE)


def _exercise_answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.exercise.replies import check_reply, exercise_reply

    query = request.query
    match = _CHECK.match(query.text)
    if match and match.group("exercise") and query.code:
        return check_reply(query, match.group("exercise"))
    return exercise_reply(query, request.concept)


def concepts_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return TutorAgent(AgentName.CONCEPTS, _concepts_answer, llm)


def code_review_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return TutorAgent(AgentName.CODE_REVIEW, _review_answer, llm)


def exercise_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return TutorAgent(AgentName.EXERCISE, _exercise_answer, llm)
