"""The exercise agent: hands out exercises and grades attempts, fairly per student.

`answer` is the offline tutor (the declaration's answer); `ExerciseAgent` is the generic
agent plus per-student check limits and its own thread pool for checks.
"""

import asyncio
import contextvars
import functools
import math
import os
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentReply, AgentRequest, Provenance, ReplyStatus, StudentQuery
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.runtime.handlers import TutorAgent

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor
    from learnflow_agents.runtime.declaration import TutorSpec

AGENT = "exercise"

def checked_exercise(query: StudentQuery) -> str | None:
    """The exercise a query asks to grade its code against, or None for any other request.

    A 1.0 query ("check <id>" in the text) arrives with `exercise_id` already set (contracts/legacy.py).
    """
    return query.exercise_id if query.exercise_id and query.code else None


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    from learnflow_agents.tutors.exercise.replies import check_reply, exercise_reply

    query = request.query
    exercise_id = checked_exercise(query)
    if exercise_id is not None:
        return check_reply(query, exercise_id)
    return exercise_reply(query, request.concept)


def build_agent(spec: "TutorSpec", llm: "LLMTutor | None" = None) -> "ExerciseAgent":
    return ExerciseAgent(spec, llm)


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




def _too_many_checks(query: StudentQuery, exercise_id: str, wait: float, per_minute: float) -> AgentReply:
    seconds = max(1, math.ceil(wait))
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        status=ReplyStatus.PARTIAL,
        summary=f"⏳ Too many checks: wait {seconds} s, then check {exercise_id} again.",
        explanation=(
            f"You can check up to {per_minute:g} attempts a minute, and you have just used them up. "
            f"Your code was not checked this time; in {seconds} s you can check it again. "
            "Meanwhile, re-read the failing test's message or reveal a hint."
        ),
        provenance=Provenance(agent=AGENT, provider="offline"),
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
        spec: "TutorSpec | None" = None,
        llm: "LLMTutor | None" = None,
        limits: CheckLimits | None = None,
        check_workers: int | None = None,
    ) -> None:
        super().__init__(spec or _spec(), llm)
        self.limits = limits or CheckLimits(_checks_per_minute())
        # As many as the default pool they used to share (cpu + 4): no less capacity, own pool.
        workers = check_workers or _env_number(
            "LEARNFLOW_CHECK_CONCURRENCY", min(32, (os.cpu_count() or 1) + 4)
        )
        self._checks = ThreadPoolExecutor(
            max_workers=max(1, int(workers)), thread_name_prefix="learnflow-check"
        )

    async def _offline(self, request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        if checked_exercise(request.query) is None:
            return await super()._offline(request, ctx)
        call = functools.partial(contextvars.copy_context().run, self._answer, request, ctx)
        return await asyncio.get_running_loop().run_in_executor(self._checks, call)

    async def handle(self, request: AgentRequest, ctx: HandlerContext) -> Outcome:
        exercise_id = checked_exercise(request.query)
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


def _spec() -> "TutorSpec":
    from learnflow_agents.tutors.exercise import TUTOR

    return TUTOR
