"""Daily LLM budgets kept in the store: per student and per course, across processes and
restarts, with routing counted for the course only. The real `anthropic` SDK talks to the
fake Messages API (tests/fixtures/fake_anthropic.py); the stores are real SQLite and
PostgreSQL databases."""

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from learnflow_agents.contracts import AgentReply, AgentRequest, StudentQuery
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, malformed_tool_json, tool_reply
from tests.llm.support import (
    INDEX_ERROR_CODE,
    INDEX_ERROR_TRACEBACK,
    ManualClock,
    debug_payload,
    make_ctx,
    offline_for,
    settings_for,
    triage_payload,
)

ROOT = Path(__file__).resolve().parents[2]
# What the fake reports for every call: (input, output) tokens.
PER_CALL = (1_000, 100)
CALL_TOKENS = sum(PER_CALL)


def today() -> object:
    return datetime.now(UTC).date()


def question(i: int, course: str | None = "py101") -> AgentRequest:
    # Each question differs, so the reply cache never answers in the model's place.
    query = StudentQuery(
        text=f"question {i}: why does this fail?",
        code=INDEX_ERROR_CODE,
        traceback=INDEX_ERROR_TRACEBACK,
        course_id=course,
    )
    return AgentRequest(query=query)


async def ask(
    tutor: LLMTutor, store: Store, student: str, i: int, course: str | None = "py101"
) -> AgentReply:
    request = question(i, course)
    ctx = make_ctx(store, student)
    return await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))


def assert_budget_notice(reply: AgentReply, whose: str) -> None:
    """Offline (the real debug tutor), and the student is told why in the prose every renderer shows."""
    assert reply.provenance.provider == "offline"
    assert reply.data["error_type"] == "IndexError"
    fallback = reply.data["llm_fallback"]
    assert fallback["reason"] == "daily-budget"
    assert f"{whose} daily budget" in fallback["notice"]
    assert "offline tutor" in fallback["notice"]
    assert reply.explanation.startswith(f"> **{fallback['notice']}**")


@pytest.mark.asyncio
async def test_usage_is_stored_per_student_and_course_and_a_restart_does_not_reset_it(
    store_url: str, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = tool_reply(debug_payload(), usage=PER_CALL)
    prices = {"price_input_per_mtok": 3.0, "price_output_per_mtok": 15.0}
    settings = settings_for(fake_anthropic.url, student_daily_tokens=3 * CALL_TOKENS, **prices)

    store = Store.open(store_url)
    tutor = make_tutor(settings)
    for i in range(2):
        assert (await ask(tutor, store, "ada", i)).provenance.provider == "anthropic"
    assert (await ask(tutor, store, "alan", 9)).provenance.provider == "anthropic"
    rows = {(u.course_id, u.student_id): u for u in store.llm_usage_by_student(today())}
    assert set(rows) == {("py101", "ada"), ("py101", "alan")}
    ada = rows["py101", "ada"].asked
    assert (ada.requests, ada.input_tokens, ada.output_tokens) == (2, 2_000, 200)
    assert ada.cost_usd == pytest.approx(2 * (1_000 * 3.0 + 100 * 15.0) / 1_000_000)
    store.close()
    await tutor.aclose()

    # A new process (new store connection, new tutor) sees the same usage: ada has one call left.
    reopened = Store.open(store_url)
    try:
        restarted = make_tutor(settings)
        assert (await ask(restarted, reopened, "ada", 3)).provenance.provider == "anthropic"
        assert_budget_notice(await ask(restarted, reopened, "ada", 4), "your")
        assert fake_anthropic.hits == 4
        # Another student's budget is their own.
        assert (await ask(restarted, reopened, "alan", 5)).provenance.provider == "anthropic"
    finally:
        reopened.close()


@pytest.mark.asyncio
async def test_a_course_over_its_usd_budget_is_answered_offline_with_a_notice(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = tool_reply(debug_payload(), usage=PER_CALL)
    # $0.0045 a call (1 000 in at $3, 100 out at $15 per million): two calls reach $0.009.
    settings = settings_for(
        fake_anthropic.url,
        course_daily_usd=0.009,
        price_input_per_mtok=3.0,
        price_output_per_mtok=15.0,
    )
    tutor = make_tutor(settings)
    assert (await ask(tutor, sqlite_store, "ada", 1)).provenance.provider == "anthropic"
    assert (await ask(tutor, sqlite_store, "alan", 2)).provenance.provider == "anthropic"
    # Neither student is over their own budget; the course is.
    over = await ask(tutor, sqlite_store, "grace", 3)
    assert_budget_notice(over, "your course's")
    assert "$0.01" in over.data["llm_fallback"]["notice"]
    # Another course has its own budget.
    assert (await ask(tutor, sqlite_store, "grace", 4, course="cs50")).provenance.provider == "anthropic"
    assert fake_anthropic.hits == 3


@pytest.mark.asyncio
async def test_routing_counts_for_the_course_but_not_against_the_students_budget_or_rate(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    from learnflow_agents.tutors.triage import classify

    def answer(body: dict) -> object:
        routing = "intent" in str(body.get("tools"))
        return tool_reply(triage_payload("debug", 0.9) if routing else debug_payload(), usage=PER_CALL)

    fake_anthropic.default = answer
    # Room for exactly 10 answers a day and 10 a minute: were routing counted, only 5 would fit.
    settings = settings_for(
        fake_anthropic.url, student_daily_tokens=10 * CALL_TOKENS, student_requests_per_minute=10
    )
    tutor = make_tutor(settings, clock=ManualClock())
    routed = answered = 0
    for i in range(10):
        request = question(i)
        ctx = make_ctx(sqlite_store, "ada")

        async def offline_route(query: StudentQuery = request.query) -> object:
            return classify(query)

        decision = await tutor.route(request.query, ctx, offline_route)
        routed += decision.router.startswith("llm:")
        reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
        answered += reply.provenance.provider == "anthropic"
    assert (routed, answered) == (10, 10)
    assert fake_anthropic.hits == 20

    (ada,) = sqlite_store.llm_usage_by_student(today())
    assert ada.asked.requests == 10 and ada.asked.tokens == 10 * CALL_TOKENS
    assert ada.routing.requests == 10
    mine, course = sqlite_store.llm_usage_for_budget(today(), "ada", "py101")
    assert mine.tokens == 10 * CALL_TOKENS
    assert course.tokens == 20 * CALL_TOKENS
    # The 11th question is over her daily budget (the rate window would refuse it too), and
    # the budget gates routing as well: it falls back to the offline classifier.
    request = question(11)
    ctx = make_ctx(sqlite_store, "ada")

    async def offline_route() -> object:
        return classify(request.query)

    assert not (await tutor.route(request.query, ctx, offline_route)).router.startswith("llm:")
    assert_budget_notice(await ask(tutor, sqlite_store, "ada", 11), "your")
    assert fake_anthropic.hits == 20


@pytest.mark.asyncio
async def test_a_repair_turn_is_a_call_of_its_own(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(malformed_tool_json(), tool_reply(debug_payload(), usage=PER_CALL))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    reply = await ask(tutor, sqlite_store, "ada", 1)
    assert reply.provenance.provider == "anthropic" and reply.data["llm"]["repaired"]
    mine, _ = sqlite_store.llm_usage_for_budget(today(), "ada", "py101")
    assert mine.requests == 2


@pytest.mark.postgres
def test_two_processes_sharing_postgresql_cannot_overspend_the_course_budget(
    postgres_schema_url: str, fake_anthropic: FakeMessagesAPI
) -> None:
    fake_anthropic.default = tool_reply(debug_payload(), usage=PER_CALL)
    budget = 5_000  # 4.5 calls: the 5th recorded call reaches it
    Store.open(postgres_schema_url).close()  # migrated once, before the workers start

    def worker(student: str) -> subprocess.Popen[str]:
        args = [postgres_schema_url, fake_anthropic.url, "py101", student, "8", str(budget)]
        return subprocess.Popen(
            [sys.executable, "-m", "tests.llm.budget_worker", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    procs = [worker("ada"), worker("alan")]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    providers = [p for r in results for p in r["providers"]]
    llm_answers = providers.count("anthropic")
    # Alone, each process would have allowed 5 calls (10 in all) under a per-process budget.
    # Shared: at most the 5 that reach the budget plus one in flight in the other process.
    assert 5 <= llm_answers <= 6, providers
    assert fake_anthropic.hits == llm_answers
    assert providers.count("offline") == 16 - llm_answers
    notices = [n for r in results for n in r["notices"] if n]
    assert len(notices) == 16 - llm_answers
    assert all("your course's daily budget of 5,000 tokens is used up" in n for n in notices)

    with Store(postgres_schema_url) as store:
        _, course = store.llm_usage_for_budget(today(), "nobody", "py101")
    assert course.requests == llm_answers
    assert course.tokens == llm_answers * CALL_TOKENS
    # The documented bound: the budget plus the calls in flight when it was reached (one per process).
    assert course.tokens <= budget + 2 * CALL_TOKENS


@pytest.mark.asyncio
async def test_concurrent_calls_are_all_counted(
    store_url: str, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    """Upserts add up under concurrency: no call's usage is lost to another's write."""
    fake_anthropic.default = tool_reply(debug_payload(), usage=PER_CALL)
    tutor = make_tutor(settings_for(fake_anthropic.url, student_daily_tokens=0))
    with Store.open(store_url) as store:
        replies = await asyncio.gather(*(ask(tutor, store, "ada", i) for i in range(8)))
        assert {r.provenance.provider for r in replies} == {"anthropic"}
        mine, course = store.llm_usage_for_budget(today(), "ada", "py101")
    assert (mine.requests, mine.tokens) == (8, 8 * CALL_TOKENS)
    assert course.tokens == 8 * CALL_TOKENS


@pytest.mark.asyncio
async def test_usage_views_show_the_budgets_the_agents_report_enforcing(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    """A gateway (or dashboard) whose own settings differ shows the agents' budgets, read
    from their heartbeats; with no agent reporting, its own settings."""
    from learnflow_agents.api import instructor
    from learnflow_agents.llm.budgets import DailyBudgets

    own = DailyBudgets(student_tokens=200_000)
    who = instructor.Instructor.everything()
    assert (await instructor.usage(sqlite_store, who, own))["budget"]["course"] == {
        "tokens": None,
        "usd": None,
    }

    tutor = make_tutor(settings_for(fake_anthropic.url, course_daily_tokens=1_234, student_daily_usd=0.5))
    sqlite_store.heartbeat("debug", "pod-1", {"llm": tutor.stats.snapshot()})
    view = await instructor.usage(sqlite_store, who, own)
    assert view["budget"] == {
        "student": {"tokens": 200_000, "usd": 0.5},
        "course": {"tokens": 1_234, "usd": None},
    }
