"""Per-student fairness of exercise checks: one at a time, and a rate limit that answers."""

import asyncio
import threading

import pytest
from learnflow_agents.contracts import AgentReply, AgentRequest, Provenance, StudentQuery
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.tutors.exercise.agent import CheckLimits, ExerciseAgent
from learnflow_agents.tutors.progress.evidence import check_of


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def check_request(student: str, text: str = "check bank-account") -> tuple[AgentRequest, HandlerContext]:
    query = StudentQuery(text=text, code="def f():\n    return 1\n")
    return AgentRequest(query=query), HandlerContext(student_id=student, trace_id="t", message_id="m")


def fake_check(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    return AgentReply(
        query_id=request.query.query_id,
        agent="exercise",
        summary="checked",
        provenance=Provenance(agent="exercise", provider="offline"),
        data={"exercise_id": "bank-account", "passed": True},
    )


def test_token_bucket_allows_a_burst_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    limits = CheckLimits(per_minute=6, burst=2, clock=clock)
    assert limits.take("ana") == 0.0
    assert limits.take("ana") == 0.0
    assert limits.take("ana") == pytest.approx(10.0)  # one token every 10 s
    assert limits.take("bob") == 0.0, "another student's bucket is their own"
    clock.now += 10.0
    assert limits.take("ana") == 0.0
    assert limits.take("ana") > 0


@pytest.mark.asyncio
async def test_a_rate_limited_check_gets_a_friendly_reply_not_silence() -> None:
    clock = FakeClock()
    agent = ExerciseAgent(limits=CheckLimits(per_minute=2, burst=1, clock=clock))
    agent._answer = fake_check  # type: ignore[method-assign]
    first = await agent.handle(*check_request("ana"))
    assert first.reply is not None and first.reply.summary == "checked"
    request, ctx = check_request("ana")
    limited = (await agent.handle(request, ctx)).reply
    assert limited is not None and limited.query_id == request.query.query_id
    assert limited.summary.startswith("⏳ Too many checks: wait 30 s")
    assert limited.data["rate_limited"] is True and limited.data["retry_after_seconds"] == 30
    assert check_of(limited) is None, "a check that did not run is no attempt"
    # Asking for an exercise (not a check) is never limited.
    other = (await agent.handle(*check_request("ana", "give me an exercise on loops"))).reply
    assert other is not None and not other.data.get("rate_limited")
    clock.now += 30
    again = (await agent.handle(*check_request("ana"))).reply
    assert again is not None and again.summary == "checked"


@pytest.mark.asyncio
async def test_one_students_checks_run_one_at_a_time_and_others_alongside() -> None:
    agent = ExerciseAgent(limits=CheckLimits(per_minute=100))
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()
    most = {"ana": 0}

    threads: set[str] = set()

    def slow_check(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        threads.add(threading.current_thread().name)
        with lock:
            running.append(ctx.student_id)
            most["ana"] = max(most["ana"], running.count("ana"))
        if ctx.student_id == "ana":
            release.wait(30)
        with lock:
            running.remove(ctx.student_id)
        return fake_check(request, ctx)

    agent._answer = slow_check  # type: ignore[method-assign]
    anas = [asyncio.ensure_future(agent.handle(*check_request("ana"))) for _ in range(2)]
    while "ana" not in running:
        await asyncio.sleep(0.01)
    # Bob's check completes while Ana's first one is still running.
    bob = await asyncio.wait_for(agent.handle(*check_request("bob")), 30)
    assert bob.reply is not None and bob.reply.summary == "checked"
    assert running == ["ana"], "Ana's second check waits for her first"
    release.set()
    results = await asyncio.wait_for(asyncio.gather(*anas), 30)
    assert all(r.reply is not None and r.reply.summary == "checked" for r in results)
    assert most["ana"] == 1
    assert all(name.startswith("learnflow-check") for name in threads), "checks run on their own pool"
    assert not agent.limits._locks, "locks of idle students are dropped"
