"""Attacks on the LLM usage accounting from a hostile provider response: the counts and the
model name a Messages API reports are charged to budgets a whole course shares, so a count
that is NaN, infinite, negative, a string or astronomically large must neither drop the
call from the accounting nor poison the totals every later check reads. The real
`anthropic` SDK talks to the fake Messages API (tests/fixtures/fake_anthropic.py), the
store is real SQLite."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.reported_usage import MAX_CALL_TOKENS
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, Scripted, hang, slow_tool_reply, tool_reply
from tests.llm.fake_openai import FakeChatCompletionsAPI
from tests.llm.support import ManualClock, debug_payload, make_ctx, settings_for, triage_payload
from tests.llm.test_budgets_store import ask, question

HOSTILE_COUNTS = [
    pytest.param((10**20, 5), id="beyond-bigint"),
    pytest.param((2**62, 5), id="near-bigint-overflows-the-sum"),
    pytest.param((float("nan"), 5), id="nan"),
    pytest.param((float("inf"), 5), id="infinity"),
    pytest.param((1.5e300, 5), id="huge-float"),
    pytest.param((-1_000_000, 10), id="negative"),
    pytest.param(("lots", 5), id="string"),
    pytest.param((True, None), id="bool-and-null"),
]


def today() -> object:
    return datetime.now(UTC).date()


def assert_sane(store: Store, student: str, calls: int) -> None:
    """Every call counted, the totals finite integers of a plausible size, readable by the
    budget check and the instructor's view."""
    mine, course = store.llm_usage_for_budget(today(), student, "py101")
    for totals in (mine, course):
        assert totals.requests == calls
        assert 0 < totals.input_tokens <= calls * MAX_CALL_TOKENS
        assert 0 <= totals.output_tokens <= calls * MAX_CALL_TOKENS
        assert 0 <= totals.cost_usd < 1_000 * calls
    (row,) = store.llm_usage_by_student(today(), ["py101"])
    assert row.asked.requests == calls


@pytest.mark.asyncio
@pytest.mark.parametrize("usage", HOSTILE_COUNTS)
async def test_hostile_token_counts_are_charged_by_estimate_not_lost_or_poisoning(
    sqlite_store: Store,
    fake_anthropic: FakeMessagesAPI,
    make_tutor: Callable[..., LLMTutor],
    usage: tuple[Any, Any],
) -> None:
    fake_anthropic.default = tool_reply(debug_payload(), usage=usage)
    prices = {"price_input_per_mtok": 3.0, "price_output_per_mtok": 15.0}
    tutor = make_tutor(settings_for(fake_anthropic.url, student_daily_tokens=1_000_000, **prices))
    for i in range(2):
        reply = await ask(tutor, sqlite_store, "ada", i)
        # The answer paid for is kept, and the next call's budget check still reads the totals.
        assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
        assert 0 < reply.provenance.tokens_in <= MAX_CALL_TOKENS
    assert fake_anthropic.hits == 2
    assert_sane(sqlite_store, "ada", 2)


class FakeWithModel(FakeMessagesAPI):
    """The fake Messages API answering under a model name of the test's choosing."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.reported_model = model

    def _message(
        self, scripted: Scripted, tool: str, model: str, usage: dict[str, int] | None = None
    ) -> dict[str, Any]:
        return super()._message(scripted, tool, self.reported_model, usage)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "model", ["claude\x00evil", "m" * 5_000, 12345, None, ""], ids=["nul", "long", "int", "null", "empty"]
)
async def test_a_malformed_model_name_does_not_drop_the_call_from_the_accounting(
    sqlite_store: Store, make_tutor: Callable[..., LLMTutor], model: Any
) -> None:
    fake = FakeWithModel(model)
    fake.start()
    try:
        fake.default = tool_reply(debug_payload(), usage=(1_000, 100))
        tutor = make_tutor(settings_for(fake.url))
        reply = await ask(tutor, sqlite_store, "ada", 1)
        assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
    finally:
        fake.stop()
    mine, _ = sqlite_store.llm_usage_for_budget(today(), "ada", "py101")
    assert (mine.requests, mine.input_tokens, mine.output_tokens) == (1, 1_000, 100)
    (row,) = sqlite_store.llm_usage_by_student(today(), ["py101"])
    assert row.asked.requests == 1


@pytest.mark.asyncio
async def test_a_hostile_count_still_reaches_the_budget(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    """A provider reporting NaN cannot make its calls free: the estimate is charged and the
    student's budget is reached, then the offline tutor answers."""
    fake_anthropic.default = tool_reply(debug_payload(), usage=(float("nan"), float("nan")))
    tutor = make_tutor(settings_for(fake_anthropic.url, student_daily_tokens=1))
    assert (await ask(tutor, sqlite_store, "ada", 1)).provenance.provider == "anthropic"
    refused = await ask(tutor, sqlite_store, "ada", 2)
    assert refused.provenance.provider == "offline"
    assert refused.data["llm_fallback"]["reason"] == "daily-budget"
    assert fake_anthropic.hits == 1


class HostileChatCompletions(FakeChatCompletionsAPI):
    """The fake chat-completions API reporting the usage of the test's choosing."""

    def __init__(self, usage: dict[str, Any]) -> None:
        super().__init__()
        self.hostile_usage = usage

    def _usage(self, body: dict[str, Any], scripted: Scripted, arguments: str | None) -> dict[str, Any]:
        return self.hostile_usage


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
@pytest.mark.parametrize(
    "usage",
    [
        {
            "prompt_tokens": float("nan"),
            "completion_tokens": 5,
            "prompt_tokens_details": {"cached_tokens": "x"},
        },
        {
            "prompt_tokens": 10**30,
            "completion_tokens": -5,
            "prompt_tokens_details": {"cached_tokens": 10**30},
        },
        {
            "prompt_tokens": 100,
            "completion_tokens": 5,
            "prompt_tokens_details": {"cached_tokens": float("inf")},
        },
    ],
    ids=["nan-and-string", "huge-and-negative", "infinite-cache"],
)
async def test_an_openai_compatible_server_reporting_junk_usage_is_charged_by_estimate(
    sqlite_store: Store, make_tutor: Callable[..., LLMTutor], usage: dict[str, Any], stream: bool
) -> None:
    fake = HostileChatCompletions(usage)
    fake.start()
    try:
        fake.default = tool_reply(debug_payload())
        settings = LLMSettings(
            openai_base_url=f"{fake.url}/v1",
            model="qwen3-coder",
            max_retries=0,
            timeout_seconds=10.0,
            stream=stream,
        )
        tutor = make_tutor(settings)
        for i in range(2):
            reply = await ask(tutor, sqlite_store, "ada", i)
            assert reply.provenance.provider == "openai-compatible", reply.data.get("llm_fallback")
    finally:
        fake.stop()
    assert_sane(sqlite_store, "ada", 2)
    mine, _ = sqlite_store.llm_usage_for_budget(today(), "ada", "py101")
    assert 0 <= mine.cache_read_tokens <= mine.input_tokens


@pytest.mark.asyncio
async def test_a_flood_of_questions_cannot_spend_everyones_rate_on_routing(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    """Routing a student's question counts for the course, not against what the student may
    ask; a student sending question after question (each answered offline, e.g. a check)
    must still not use up the global rate that every student's answers share."""
    from learnflow_agents.tutors.triage import classify

    fake_anthropic.default = tool_reply(triage_payload("debug", 0.9), usage=(1_000, 100))
    settings = settings_for(fake_anthropic.url, student_requests_per_minute=10, global_requests_per_minute=25)
    tutor = make_tutor(settings, clock=ManualClock())

    async def route(student: str, i: int) -> bool:
        request = question(i)

        async def offline() -> object:
            return classify(request.query)

        decision = await tutor.route(request.query, make_ctx(sqlite_store, student), offline)
        return decision.router.startswith("llm:")

    flooded = [await route("mallory", i) for i in range(40)]
    # Her own questions' routing has her rate: the rest is routed offline, at no one's cost.
    assert sum(flooded) == 10
    # Within the same minute another student's question is still routed by the model.
    assert await route("ada", 99)
    mine, course = sqlite_store.llm_usage_for_budget(today(), "mallory", "py101")
    assert mine.requests == 0 and course.requests == 11


@pytest.mark.asyncio
@pytest.mark.parametrize("stalls", ["silent-past-the-soft-deadline", "streaming-past-the-hard-deadline"])
async def test_a_call_given_up_at_a_deadline_is_still_charged(
    sqlite_store: Store, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], stalls: str
) -> None:
    """The request reached the provider, which bills what it read: a model that is slow for
    a question (a maximal prompt, an answer asked to be long) must not answer it for free."""
    gate = threading.Event()  # never set
    fake_anthropic.default = (
        hang(60) if stalls.startswith("silent") else slow_tool_reply(debug_payload(), gate)
    )
    settings = settings_for(
        fake_anthropic.url,
        answer_seconds=60,
        soft_deadline_seconds=1,
        deadline_seconds=2,
        student_daily_tokens=1,
    )
    tutor = make_tutor(settings)
    try:
        reply = await ask(tutor, sqlite_store, "ada", 1)
    finally:
        gate.set()
    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] in ("soft-deadline", "deadline")
    mine, course = sqlite_store.llm_usage_for_budget(today(), "ada", "py101")
    assert mine.requests == 1 and mine.input_tokens > 0 and course.requests == 1
    # It counts: her budget of one token is used up, so the next question is not sent.
    refused = await ask(tutor, sqlite_store, "ada", 2)
    assert refused.data["llm_fallback"]["reason"] == "daily-budget"
    assert fake_anthropic.hits == 1
