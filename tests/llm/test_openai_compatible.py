"""The OpenAI-compatible provider (vLLM, Ollama, LiteLLM) behind the same tutor interface,
through the real `openai` SDK against a fake chat-completions server."""

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio
from learnflow_agents.llm import build_llm
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.tutor import LLMTutor

from tests.fixtures.fake_anthropic import Scripted, hang, status_reply, text_reply, tool_reply
from tests.llm.fake_openai import FakeChatCompletionsAPI
from tests.llm.support import DeltaSink, debug_payload, debug_request, make_ctx, offline_for, triage_payload


@pytest.fixture
def fake_openai() -> Iterator[FakeChatCompletionsAPI]:
    server = FakeChatCompletionsAPI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def local_tutor(fake_openai: FakeChatCompletionsAPI) -> AsyncIterator[Callable[..., LLMTutor]]:
    made: list[LLMTutor] = []

    def build(**overrides: object) -> LLMTutor:
        values: dict[str, object] = {
            "openai_base_url": f"{fake_openai.url}/v1",
            "model": "qwen3-coder",
            "max_retries": 0,
            "timeout_seconds": 10.0,
        }
        values.update(overrides)
        tutor = build_llm(LLMSettings(**values))
        assert tutor is not None and tutor.provider.name == "openai-compatible"
        made.append(tutor)
        return tutor

    yield build
    for tutor in made:
        await tutor.aclose()


async def ask_debug(tutor: LLMTutor, on_delta: DeltaSink | None = None):
    request = debug_request()
    ctx = make_ctx(None)
    return await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx), on_delta=on_delta)


@pytest.mark.asyncio
async def test_streamed_tool_call_maps_onto_the_reply(
    fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    fake_openai.enqueue(tool_reply(debug_payload(), usage=(400, 90)))
    tutor = local_tutor(temperature=0.2)
    sink = DeltaSink()

    reply = await ask_debug(tutor, sink)

    assert reply.provenance.provider == "openai-compatible" and reply.provenance.model == "qwen3-coder"
    assert (reply.provenance.tokens_in, reply.provenance.tokens_out) == (400, 90)
    assert reply.data["conceptual"] is True and reply.code_blocks[0].code.startswith("scores")
    assert debug_payload()["summary"] in sink.text
    assert reply.data["llm"]["ttft_ms"] is not None
    # No price list for a local model: it costs nothing unless an administrator says so.
    assert reply.data["llm"]["cost_usd"] == 0.0
    sent = fake_openai.bodies()[0]
    assert sent["stream"] is True and sent["temperature"] == 0.2
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "give_reply"}}
    assert sent["messages"][0]["role"] == "system" and "student-data" in sent["messages"][1]["content"]


@pytest.mark.asyncio
async def test_non_streamed_triage(
    fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    fake_openai.enqueue(tool_reply(triage_payload("exercise", 0.8)))
    tutor = local_tutor()
    query = debug_request().query

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    decision = await tutor.route(query, make_ctx(None), offline)

    assert decision.target_agent == "exercise" and decision.router == "llm:qwen3-coder"
    assert fake_openai.bodies()[0].get("stream") in (None, False)


@pytest.mark.asyncio
async def test_json_answered_as_content_is_accepted(
    fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    import json

    # Some local servers ignore a forced tool call and write the JSON as the message.
    fake_openai.enqueue(text_reply("```json\n" + json.dumps(debug_payload()) + "\n```"))
    tutor = local_tutor()

    reply = await ask_debug(tutor)

    assert reply.provenance.provider == "openai-compatible"
    assert reply.summary == debug_payload()["summary"]


@pytest.mark.asyncio
async def test_usage_is_estimated_when_the_server_reports_none(
    fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    fake_openai.enqueue(tool_reply(debug_payload(), usage=(0, 0)))
    tutor = local_tutor(student_daily_tokens=100)

    reply = await ask_debug(tutor)

    assert reply.provenance.tokens_in > 0 and reply.provenance.tokens_out > 0
    # The estimate still counts against the budget: the next question is answered offline.
    assert (await ask_debug(tutor)).data["llm_fallback"]["reason"] == "daily-budget"


@pytest.mark.asyncio
async def test_429_then_success_and_repair(
    fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    fake_openai.enqueue(
        status_reply(429, retry_after="0.01"),
        Scripted("bad-json", raw_json='{"summary": "cut'),
        tool_reply(debug_payload()),
    )
    tutor = local_tutor(max_retries=2)

    reply = await ask_debug(tutor)

    assert fake_openai.hits == 3
    assert reply.provenance.provider == "openai-compatible" and reply.data["llm"]["repaired"] is True
    assert "not valid JSON" in fake_openai.bodies()[2]["messages"][-1]["content"]


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", [status_reply(500, headers={"retry-after-ms": "1"}), hang(30)])
async def test_failures_answer_offline(
    failure: Scripted, fake_openai: FakeChatCompletionsAPI, local_tutor: Callable[..., LLMTutor]
) -> None:
    fake_openai.default = failure
    tutor = local_tutor(max_retries=1, timeout_seconds=0.3)

    reply = await ask_debug(tutor)

    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] in ("provider-error", "timeout")
    assert reply.data["error_type"] == "IndexError"
    assert fake_openai.hits == 2
