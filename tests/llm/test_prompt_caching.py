"""Prompt caching: the stable prefix (tool definition + system prompt) first, with a cache
breakpoint; the per-request fence id, the level and the student's data after it. The fake
Messages API reports cache reads and writes as the real API does."""

import pytest
from learnflow_agents.contracts import StudentContext, StudentQuery
from learnflow_agents.llm.pricing import billed_input_tokens

from tests.fixtures.fake_anthropic import FakeMessagesAPI, PromptCache, tool_reply
from tests.llm.support import (
    INDEX_ERROR_TRACEBACK,
    debug_payload,
    make_ctx,
    offline_for,
    request_for,
    settings_for,
)

pytestmark = pytest.mark.asyncio


def _debug_request(n: int, level: str = "beginner"):
    code = f"marks_{n} = [{n}, {n + 1}]\nprint(marks_{n}[{n + 5}])\n"
    query = StudentQuery(
        text=f"why does cell {n} fail?",
        code=code,
        traceback=INDEX_ERROR_TRACEBACK,
        context=StudentContext(skill_level=level),
    )
    from learnflow_agents.contracts import AgentRequest

    return AgentRequest(query=query)


async def test_the_second_query_reads_the_stable_prefix_from_the_cache(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url, course_policy="Answer in British English."))
    replies = []
    for n, (student, level) in enumerate([("s1", "beginner"), ("s2", "advanced"), ("s3", "intermediate")]):
        request = _debug_request(n, level)
        ctx = make_ctx(None, student)
        replies.append(await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx)))

    bodies = fake_anthropic.bodies()
    assert len(bodies) == 3
    # Byte-identical system prompt (and tools) for different students, levels and fence ids.
    assert bodies[0]["system"] == bodies[1]["system"] == bodies[2]["system"]
    assert bodies[0]["tools"] == bodies[1]["tools"]
    assert bodies[0]["system"][-1]["cache_control"] == {"type": "ephemeral"}
    users = [b["messages"][0]["content"] for b in bodies]
    assert len({u.splitlines()[0] for u in users}) == 3  # a fresh fence id each time, in the user turn
    assert "Level: advanced." in users[1]
    # The provider sees an opaque per-student reference, never the student id itself.
    refs = [b["metadata"]["user_id"] for b in bodies]
    assert len(set(refs)) == 3 and all(len(r) == 24 and r.isalnum() for r in refs)
    assert not {"s1", "s2", "s3"} & set(refs)

    first, second, third = fake_anthropic.usages
    assert first["cache_read_input_tokens"] == 0 and first["cache_creation_input_tokens"] >= 1024
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cache_creation_input_tokens"] == 0
    assert third["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    # The tutor reports them, and prices reads at a tenth of the input price.
    llm = replies[1].data["llm"]
    assert llm["cache_read_tokens"] == second["cache_read_input_tokens"]
    assert replies[1].provenance.tokens_in == second["input_tokens"] + second["cache_read_input_tokens"]
    assert llm["cost_usd"] < replies[0].data["llm"]["cost_usd"]
    snapshot = tutor.stats.snapshot()["tokens"]
    assert snapshot["cache_read"] == 2 * first["cache_creation_input_tokens"]
    assert snapshot["cache_write"] == first["cache_creation_input_tokens"]


async def test_a_streamed_answer_reports_cache_reads_too(fake_anthropic: FakeMessagesAPI, make_tutor) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url, stream=True))
    for n in range(2):
        request = request_for(
            f"question {n}", code=f"x = [{n}]\nprint(x[9])\n", traceback=INDEX_ERROR_TRACEBACK
        )
        ctx = make_ctx(None, f"s{n}")
        reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
    assert reply.data["llm"]["cache_read_tokens"] > 0


def _body(model: str, system_chars: int, user: str, breakpoint: bool = True) -> dict:
    block = {"type": "text", "text": "s" * system_chars}
    if breakpoint:
        block["cache_control"] = {"type": "ephemeral"}
    return {"model": model, "system": [block], "messages": [{"role": "user", "content": user}]}


async def test_the_fake_caches_only_prefixes_long_enough_for_the_model_family() -> None:
    cache = PromptCache()
    # Sonnet: 1024 tokens minimum. 4000 characters is 1000 tokens: never cached.
    short = [cache.usage(_body("claude-sonnet-5-5", 4_000, f"q{i}")) for i in range(2)]
    assert all(u["cache_read_input_tokens"] == u["cache_creation_input_tokens"] == 0 for u in short)
    # 6000 characters (1500 tokens) is cached for Sonnet but not for Haiku (2048 minimum).
    sonnet = [cache.usage(_body("claude-sonnet-5-5", 6_000, f"q{i}")) for i in range(2)]
    assert sonnet[0]["cache_creation_input_tokens"] == 1_500 and sonnet[1]["cache_read_input_tokens"] == 1_500
    haiku = [cache.usage(_body("claude-haiku-5", 6_000, f"q{i}")) for i in range(2)]
    assert all(u["cache_read_input_tokens"] == 0 for u in haiku)
    # No breakpoint, no caching; a different prefix misses.
    plain = [cache.usage(_body("claude-sonnet-5-5", 6_000, f"q{i}", breakpoint=False)) for i in range(2)]
    assert all(u["cache_read_input_tokens"] == 0 for u in plain)
    other = cache.usage(_body("claude-sonnet-5-5", 6_001, "q"))
    assert other["cache_read_input_tokens"] == 0 and other["cache_creation_input_tokens"] > 0


async def test_billed_input_prices_reads_and_writes() -> None:
    assert billed_input_tokens(1_000, 0, 0) == 1_000
    assert billed_input_tokens(1_100, 1_000, 0) == pytest.approx(200)
    assert billed_input_tokens(1_100, 0, 1_000) == pytest.approx(1_350)
