"""How the Claude path behaves under each failure: the SDK's retries, exhausted retries,
timeouts, the deadline, invalid output with its one repair, the circuit breaker, rate
limits and the daily token budget. Every fallback is the agent's real offline answer."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import (
    FakeMessagesAPI,
    error_mid_stream,
    hang,
    malformed_tool_json,
    status_reply,
    text_reply,
    tool_reply,
)
from tests.llm.support import (
    DeltaSink,
    ManualClock,
    debug_payload,
    debug_request,
    make_ctx,
    offline_for,
    settings_for,
)

# Tell the SDK to wait 1 ms between retries, so exhausting them takes no real time.
FAST_RETRY = {"retry-after-ms": "1"}


async def ask_debug(tutor: LLMTutor, student_id: str = "student-1"):
    request = debug_request()
    ctx = make_ctx(None, student_id)
    return await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))


def assert_offline(reply, reason: str) -> None:
    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == reason
    # The real offline debug tutor answered, not a canned string.
    assert reply.data["error_type"] == "IndexError"


@pytest.mark.asyncio
async def test_429_with_retry_after_is_retried_by_the_sdk_then_succeeds(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(status_reply(429, retry_after="0.01"), tool_reply(debug_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url, max_retries=2))

    reply = await ask_debug(tutor)

    assert fake_anthropic.hits == 2
    assert reply.provenance.provider == "anthropic"
    assert tutor.breaker.state == "closed"


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [529, 500])
async def test_exhausted_retries_answer_offline(
    status: int, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = status_reply(status, headers=FAST_RETRY)
    tutor = make_tutor(settings_for(fake_anthropic.url, max_retries=2))

    reply = await ask_debug(tutor)

    assert fake_anthropic.hits == 3  # the first try and two SDK retries
    assert_offline(reply, "provider-error")
    assert reply.data["llm_fallback"]["detail"].startswith(str(status))
    assert tutor.stats.fallbacks["provider-error"] == 1


@pytest.mark.asyncio
async def test_a_rejected_request_is_not_retried_and_does_not_trip_the_breaker(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = status_reply(400)
    tutor = make_tutor(settings_for(fake_anthropic.url, max_retries=2, breaker_failures=1))

    reply = await ask_debug(tutor)

    assert fake_anthropic.hits == 1
    assert_offline(reply, "provider-error")
    assert tutor.breaker.state == "closed"


@pytest.mark.asyncio
async def test_an_error_event_mid_stream_answers_offline_and_counts_against_the_breaker(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(error_mid_stream(debug_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url, breaker_failures=1))
    request, ctx, sink = debug_request(), make_ctx(None), DeltaSink()

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx), on_delta=sink)

    # Part of it had streamed (the throttle sent the first delta at once).
    assert sink.text and debug_payload()["summary"].startswith(sink.text)
    assert_offline(reply, "provider-error")
    assert "overloaded_error" in reply.data["llm_fallback"]["detail"]
    assert tutor.breaker.state == "open"


@pytest.mark.asyncio
async def test_a_broken_store_still_leaves_the_student_answered(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], tmp_path
) -> None:
    # A database without its tables: every read fails, as with a lost or unmigrated store.
    unmigrated = Store.open(f"sqlite:///{tmp_path / 'empty.sqlite3'}", upgrade=False)
    tutor = make_tutor(settings_for(fake_anthropic.url))
    request, ctx = debug_request(), make_ctx(unmigrated)
    try:
        reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
    finally:
        unmigrated.close()

    assert_offline(reply, "internal-error")
    assert fake_anthropic.hits == 0
    assert tutor.stats.fallbacks["internal-error"] == 1


@pytest.mark.asyncio
async def test_timeout_answers_offline(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(hang(30))
    tutor = make_tutor(settings_for(fake_anthropic.url, timeout_seconds=0.3, max_retries=0))

    reply = await ask_debug(tutor)

    assert_offline(reply, "timeout")
    assert fake_anthropic.hits == 1


@pytest.mark.asyncio
async def test_the_deadline_bounds_an_answer_including_retries(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    # retry-after of a minute is honoured by the SDK; the deadline stops the wait.
    fake_anthropic.default = status_reply(429, retry_after="60")
    tutor = make_tutor(settings_for(fake_anthropic.url, max_retries=3, deadline_seconds=0.5))

    reply = await ask_debug(tutor)

    assert_offline(reply, "deadline")
    assert fake_anthropic.hits == 1


@pytest.mark.asyncio
async def test_invalid_tool_output_gets_one_repair_then_succeeds(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    incomplete = {"summary": "IndexError on line 2", "code_blocks": [{"role": "patch", "code": "x"}]}
    fake_anthropic.enqueue(
        tool_reply(incomplete, usage=(120, 80)), tool_reply(debug_payload(), usage=(120, 80))
    )
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask_debug(tutor)

    assert reply.provenance.provider == "anthropic"
    assert reply.data["llm"]["repaired"] is True and reply.data["llm"]["attempts"] == 2
    repair = fake_anthropic.bodies()[1]
    turns = repair["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert "IndexError on line 2" in turns[1]["content"]
    # The repair names what was wrong, field by field.
    assert "explanation" in turns[2]["content"] and "code_blocks.0.role" in turns[2]["content"]
    # Tokens of both attempts are counted.
    assert (reply.provenance.tokens_in, reply.provenance.tokens_out) == (240, 160)


@pytest.mark.asyncio
async def test_invalid_output_twice_answers_offline(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(tool_reply({"summary": "only"}), tool_reply({"summary": "still only"}))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask_debug(tutor)

    assert fake_anthropic.hits == 2
    assert_offline(reply, "invalid-output")
    assert "explanation" in reply.data["llm_fallback"]["detail"]
    assert tutor.stats.repairs == 1
    # The model answered, so the provider is healthy: the breaker stays closed.
    assert tutor.breaker.state == "closed"


@pytest.mark.asyncio
async def test_malformed_streamed_json_is_repaired(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(malformed_tool_json(), tool_reply(debug_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask_debug(tutor)

    assert reply.provenance.provider == "anthropic"
    assert "not valid JSON" in fake_anthropic.bodies()[1]["messages"][2]["content"]
    # The repair turn is not streamed: the student already saw the first attempt's text.
    assert fake_anthropic.bodies()[1].get("stream") in (None, False)


@pytest.mark.asyncio
async def test_a_reply_without_the_tool_call_is_repaired_then_falls_back(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(text_reply("Sure! Here is my answer..."), text_reply("As I said..."))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask_debug(tutor)

    assert_offline(reply, "invalid-output")
    assert "no `give_reply` tool call" in fake_anthropic.bodies()[1]["messages"][2]["content"]


@pytest.mark.asyncio
async def test_output_cut_off_at_max_tokens_is_not_taken_as_an_answer(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(
        tool_reply(debug_payload(), stop_reason="max_tokens"),
        tool_reply(debug_payload(), stop_reason="max_tokens"),
    )
    tutor = make_tutor(settings_for(fake_anthropic.url, stream=False))

    reply = await ask_debug(tutor)

    assert_offline(reply, "invalid-output")
    assert "max_tokens" in reply.data["llm_fallback"]["detail"]


@pytest.mark.asyncio
async def test_circuit_breaker_opens_answers_offline_without_calling_then_half_opens(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    clock = ManualClock()
    fake_anthropic.default = status_reply(500, headers=FAST_RETRY)
    settings = settings_for(fake_anthropic.url, breaker_failures=2, breaker_reset_seconds=30)
    tutor = make_tutor(settings, clock=clock)

    for _ in range(2):
        assert_offline(await ask_debug(tutor), "provider-error")
    assert tutor.breaker.state == "open" and fake_anthropic.hits == 2

    for _ in range(3):
        assert_offline(await ask_debug(tutor), "breaker-open")
    assert fake_anthropic.hits == 2  # open: not one more call
    assert tutor.stats.snapshot()["breaker"]["state"] == "open"

    clock.advance(30)
    assert tutor.breaker.state == "half-open"
    # The probe fails: open again, for another full reset period.
    assert_offline(await ask_debug(tutor), "provider-error")
    assert fake_anthropic.hits == 3 and tutor.breaker.state == "open"
    assert_offline(await ask_debug(tutor), "breaker-open")
    assert fake_anthropic.hits == 3

    clock.advance(30)
    fake_anthropic.default = tool_reply(debug_payload())
    assert (await ask_debug(tutor)).provenance.provider == "anthropic"
    assert tutor.breaker.state == "closed" and fake_anthropic.hits == 4
    assert (await ask_debug(tutor)).provenance.provider == "anthropic"
    assert tutor.breaker.times_opened == 2


@pytest.mark.asyncio
async def test_per_student_and_global_rate_limits(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    clock = ManualClock()
    fake_anthropic.default = tool_reply(debug_payload())
    settings = settings_for(fake_anthropic.url, student_requests_per_minute=2, global_requests_per_minute=3)
    tutor = make_tutor(settings, clock=clock)

    assert (await ask_debug(tutor, "ada")).provenance.provider == "anthropic"
    assert (await ask_debug(tutor, "ada")).provenance.provider == "anthropic"
    limited = await ask_debug(tutor, "ada")
    assert_offline(limited, "rate-limited")
    assert limited.data["llm_fallback"]["detail"] == "student rate limit"
    assert fake_anthropic.hits == 2

    assert (await ask_debug(tutor, "alan")).provenance.provider == "anthropic"
    crowded = await ask_debug(tutor, "grace")
    assert crowded.data["llm_fallback"]["detail"] == "global rate limit"
    assert fake_anthropic.hits == 3

    clock.advance(60)
    assert (await ask_debug(tutor, "ada")).provenance.provider == "anthropic"
    assert fake_anthropic.hits == 4


@pytest.mark.asyncio
async def test_daily_token_budget_per_student(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    day = [date(2026, 3, 2)]
    fake_anthropic.default = tool_reply(debug_payload(), usage=(150, 100))
    tutor = make_tutor(settings_for(fake_anthropic.url, student_daily_tokens=400), today=lambda: day[0])

    for _ in range(2):
        assert (await ask_debug(tutor, "ada")).provenance.provider == "anthropic"
    assert tutor.budget.used("ada") == 500
    assert_offline(await ask_debug(tutor, "ada"), "daily-budget")
    assert fake_anthropic.hits == 2
    # Other students have their own budget.
    assert (await ask_debug(tutor, "alan")).provenance.provider == "anthropic"

    day[0] += timedelta(days=1)
    assert (await ask_debug(tutor, "ada")).provenance.provider == "anthropic"
    assert tutor.budget.used("ada") == 250


@pytest.mark.asyncio
async def test_tokens_and_cost_are_recorded_per_query_and_in_total(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = tool_reply(debug_payload(), usage=(1_000, 500))
    settings = settings_for(fake_anthropic.url, price_input_per_mtok=2.0, price_output_per_mtok=10.0)
    tutor = make_tutor(settings)

    first = await ask_debug(tutor)
    await ask_debug(tutor)

    assert first.data["llm"]["cost_usd"] == pytest.approx(0.007)
    snapshot = tutor.stats.snapshot()
    assert (snapshot["tokens"]["in"], snapshot["tokens"]["out"]) == (2_000, 1_000)
    assert snapshot["cost_usd"] == pytest.approx(0.014)
    assert snapshot["provider_calls"] == 2


@pytest.mark.asyncio
async def test_triage_does_not_count_against_the_students_per_minute_limit(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    from learnflow_agents.tutors.triage import classify

    from tests.llm.support import triage_payload

    def answer(body: dict) -> object:
        tools = str(body.get("tools"))
        return tool_reply(triage_payload("debug", 0.9) if "intent" in tools else debug_payload())

    fake_anthropic.default = answer
    clock = ManualClock()
    tutor = make_tutor(settings_for(fake_anthropic.url, student_requests_per_minute=10), clock=clock)
    routed = answered = 0
    for _ in range(10):
        request = debug_request()
        ctx = make_ctx(None, "ada")

        async def offline_route(query=request.query):
            return classify(query)

        decision = await tutor.route(request.query, ctx, offline_route)
        routed += decision.router.startswith("llm:")
        reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
        answered += reply.provenance.provider == "anthropic"
    # All 10 questions of the minute reach Claude, each routed by it too (20 calls).
    assert (routed, answered) == (10, 10)
    assert_offline(await ask_debug(tutor, "ada"), "rate-limited")
