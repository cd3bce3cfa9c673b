"""The six agents as handlers: thin adapters from the runner to the tutors' pure functions.

The tutors are synchronous and CPU-bound (or spawn ruff / a sandbox), so they run in a
worker thread to keep the event loop, and other partitions, moving.
"""

import asyncio
import contextvars
import functools
import math
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from learnflow_agents.contracts import (
    AGENT_REQUEST_TOPIC,
    AgentName,
    AgentReply,
    AgentRequest,
    Provenance,
    ReplyStatus,
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
            return asyncio.ensure_future(self._offline(request, ctx))

        if self.llm is None:
            reply = await offline()
        else:
            reply = await self.llm.answer(self.name, request, ctx, offline, ctx.stream)
        # Graded mode guards offline replies too (the LLM tutor guards its own); a no-op otherwise.
        from learnflow_agents.llm.graded import guard_graded_reply

        reply = await guard_graded_reply(reply, request)
        if request.requested_by:
            reply.data["saga_of"] = request.requested_by
        return Outcome(reply=reply)

    async def _offline(self, request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        return await asyncio.to_thread(self._answer, request, ctx)


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
    exercise_id = _checked_exercise(query)
    if exercise_id is not None:
        return check_reply(query, exercise_id)
    return exercise_reply(query, request.concept)


def concepts_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return TutorAgent(AgentName.CONCEPTS, _concepts_answer, llm)


def code_review_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return TutorAgent(AgentName.CODE_REVIEW, _review_answer, llm)


class CheckLimits:
    """Per-student fairness for exercise checks: one at a time, and a token bucket.

    A student's checks run one after another (the runner's key lanes already do that
    within one runner; this holds for any caller), and at most `per_minute` a minute on
    average with bursts up to `burst`. In a cluster a student's records go to one
    exercise replica (one partition, one owner), so per-process state is per-student
    state; a rebalance starts the moved students' buckets full again.
    """

    def __init__(
        self, per_minute: float = 10, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0  # tokens a second
        self.burst = float(burst if burst is not None else max(1, math.ceil(per_minute)))
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # student -> (tokens, at)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # student -> (lock, users)

    def take(self, student: str) -> float:
        """Take a token: 0.0 if the check may run, else the seconds until one is free."""
        now = self.clock()
        tokens, at = self._buckets.get(student, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[student] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            return 0.0
        self._buckets[student] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        for student, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.rate >= self.burst:
                del self._buckets[student]

    @asynccontextmanager
    async def one_at_a_time(self, student: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(student, (asyncio.Lock(), 0))
        self._locks[student] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[student]
            if users <= 1:
                del self._locks[student]
            else:
                self._locks[student] = (lock, users - 1)


def _checked_exercise(query: StudentQuery) -> str | None:
    """The exercise a query asks to check (with code), or None for any other request."""
    match = _CHECK.match(query.text)
    if match and match.group("exercise") and query.code:
        return match.group("exercise")
    return None


def _too_many_checks(query: StudentQuery, exercise_id: str, wait: float, per_minute: float) -> AgentReply:
    seconds = max(1, math.ceil(wait))
    return AgentReply(
        query_id=query.query_id,
        agent=AgentName.EXERCISE.value,
        status=ReplyStatus.PARTIAL,
        summary=f"⏳ Too many checks: wait {seconds} s, then check {exercise_id} again.",
        explanation=(
            f"You can check up to {per_minute:g} attempts a minute, and you have just used them up. "
            f"Your code was not checked this time; in {seconds} s you can check it again. "
            "Meanwhile, re-read the failing test's message or reveal a hint."
        ),
        provenance=Provenance(agent=AgentName.EXERCISE.value, provider="offline"),
        # No "passed" key: progress does not count this as an attempt.
        data={"exercise_id": exercise_id, "rate_limited": True, "retry_after_seconds": seconds},
    )


class ExerciseAgent(TutorAgent):
    """Exercise: a student's checks run one at a time and are rate limited per student.

    Checks run on their own bounded thread pool (``LEARNFLOW_CHECK_CONCURRENCY``, default
    cores + 4): slow checks can fill it, but never the event loop's default pool, which
    every agent's store writes and the other tutors use.
    """

    def __init__(
        self,
        llm: "LLMTutor | None" = None,
        limits: CheckLimits | None = None,
        check_workers: int | None = None,
    ) -> None:
        super().__init__(AgentName.EXERCISE, _exercise_answer, llm)
        self.limits = limits or CheckLimits(_checks_per_minute())
        # As many as the default pool they used to share (cpu + 4): no less capacity, own pool.
        workers = check_workers or _env_number(
            "LEARNFLOW_CHECK_CONCURRENCY", min(32, (os.cpu_count() or 1) + 4)
        )
        self._checks = ThreadPoolExecutor(
            max_workers=max(1, int(workers)), thread_name_prefix="learnflow-check"
        )

    async def _offline(self, request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        if _checked_exercise(request.query) is None:
            return await super()._offline(request, ctx)
        call = functools.partial(contextvars.copy_context().run, self._answer, request, ctx)
        return await asyncio.get_running_loop().run_in_executor(self._checks, call)

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        exercise_id = _checked_exercise(request.query)
        if exercise_id is None:
            return await super().handle(request, ctx)
        wait = self.limits.take(ctx.student_id)
        if wait > 0:
            per_minute = self.limits.rate * 60
            return Outcome(reply=_too_many_checks(request.query, exercise_id, wait, per_minute))
        async with self.limits.one_at_a_time(ctx.student_id):
            return await super().handle(request, ctx)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, str(default)))
    except ValueError:
        return default
    return value if value > 0 else default


def _checks_per_minute() -> float:
    return _env_number("LEARNFLOW_CHECKS_PER_MINUTE", 10.0)


def exercise_agent(llm: "LLMTutor | None" = None) -> TutorAgent:
    return ExerciseAgent(llm)
