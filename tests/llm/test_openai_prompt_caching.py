"""Prompt caching on OpenAI-compatible servers, through the real `openai` SDK: the stable
prefix (tool, system prompt, course context) first and byte-identical across students, a
`prompt_cache_key` naming it, and `usage.prompt_tokens_details.cached_tokens` read back as
cache reads. The FAKE chat-completions server caches prefixes as OpenAI reports it."""

from collections.abc import Iterator
from typing import Any

import pytest
from learnflow_agents.contracts import AgentRequest, StudentContext, StudentQuery
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.providers.openai_compatible import prefix_key

from tests.fixtures.fake_anthropic import tool_reply
from tests.llm.fake_openai import CACHE_INCREMENT, MIN_CACHED_TOKENS, FakeChatCompletionsAPI
from tests.llm.support import INDEX_ERROR_TRACEBACK, debug_payload, make_ctx, offline_for

pytestmark = pytest.mark.asyncio


@pytest.fixture
def fake_openai() -> Iterator[FakeChatCompletionsAPI]:
    server = FakeChatCompletionsAPI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _settings(url: str, **overrides: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "openai_base_url": f"{url}/v1",
        "model": "gpt-fake",
        "max_retries": 0,
        "timeout_seconds": 10.0,
    }
    values.update(overrides)
    return LLMSettings(**values)


def _debug_request(n: int, level: str = "beginner") -> AgentRequest:
    code = f"marks_{n} = [{n}, {n + 1}]\nprint(marks_{n}[{n + 5}])\n"
    query = StudentQuery(
        text=f"why does cell {n} fail?",
        code=code,
        traceback=INDEX_ERROR_TRACEBACK,
        context=StudentContext(skill_level=level),
    )
    return AgentRequest(query=query)


@pytest.mark.parametrize("stream", [True, False])
async def test_the_second_query_reads_the_stable_prefix_from_the_cache(
    stream: bool, fake_openai: FakeChatCompletionsAPI, make_tutor
) -> None:
    fake_openai.default = tool_reply(debug_payload())
    tutor = make_tutor(_settings(fake_openai.url, stream=stream))
    replies = []
    for n, (student, level) in enumerate([("s1", "beginner"), ("s2", "advanced"), ("s3", "intermediate")]):
        request = _debug_request(n, level)
        ctx = make_ctx(None, student)
        replies.append(await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx)))

    bodies = fake_openai.bodies()
    assert len(bodies) == 3 and all(r.provenance.provider == "openai-compatible" for r in replies)
    systems = [b["messages"][0] for b in bodies]
    assert systems[0]["role"] == "system" and systems[0] == systems[1] == systems[2]
    assert bodies[0]["tools"] == bodies[2]["tools"]
    # The fence id and the level are in the user turn, after the stable prefix.
    users = [b["messages"][1]["content"] for b in bodies]
    assert len({u.splitlines()[0] for u in users}) == 3 and "Level: advanced." in users[1]
    keys = {b["prompt_cache_key"] for b in bodies}
    assert keys == {prefix_key(systems[0]["content"], bodies[0]["tools"])}

    first, second, third = fake_openai.usages
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    read = second["prompt_tokens_details"]["cached_tokens"]
    assert read >= MIN_CACHED_TOKENS and read % CACHE_INCREMENT == 0
    assert read < second["prompt_tokens"]  # the student's data is never a cache hit
    assert third["prompt_tokens_details"]["cached_tokens"] == read
    llm = [r.data["llm"] for r in replies]
    assert [x["cache_read_tokens"] for x in llm] == [0, read, read]
    # prompt_tokens counts cached tokens too: what the tutor records as the input.
    assert replies[1].provenance.tokens_in == second["prompt_tokens"]
    assert tutor.stats.snapshot()["tokens"]["cache_read"] == 2 * read


async def test_another_agent_has_its_own_prefix_key(fake_openai: FakeChatCompletionsAPI, make_tutor) -> None:
    fake_openai.default = tool_reply(debug_payload())
    tutor = make_tutor(_settings(fake_openai.url, stream=False))
    for agent in ("debug", "concepts"):
        request = _debug_request(1)
        ctx = make_ctx(None)
        await tutor.answer(agent, request, ctx, offline_for(agent, request, ctx))

    # (the concepts tutor rejects a debug payload and asks once more: its first request is enough)
    debug, concepts = fake_openai.bodies()[:2]
    assert debug["prompt_cache_key"] != concepts["prompt_cache_key"]
    assert debug["messages"][0] != concepts["messages"][0]


async def test_caching_off_sends_no_cache_key(fake_openai: FakeChatCompletionsAPI, make_tutor) -> None:
    fake_openai.default = tool_reply(debug_payload())
    tutor = make_tutor(_settings(fake_openai.url, stream=False, prompt_caching=False))
    request = _debug_request(1)
    ctx = make_ctx(None)

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))

    assert "prompt_cache_key" not in fake_openai.bodies()[0]
    assert reply.data["llm"]["cache_read_tokens"] == 0


async def test_a_server_without_cache_details_reads_as_no_cache(
    fake_openai: FakeChatCompletionsAPI, make_tutor
) -> None:
    # vLLM or Ollama may report usage without prompt_tokens_details.
    fake_openai.default = tool_reply(debug_payload(), usage=(1_500, 90))
    tutor = make_tutor(_settings(fake_openai.url))
    request = _debug_request(1)
    ctx = make_ctx(None)

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))

    assert "prompt_tokens_details" not in fake_openai.usages[0]
    assert reply.provenance.tokens_in == 1_500 and reply.data["llm"]["cache_read_tokens"] == 0
