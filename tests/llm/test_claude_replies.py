"""Every agent through the real anthropic SDK against the fake Messages API: tool use mapped
onto AgentReply, streaming deltas and time to first token, triage routing."""

from collections.abc import Callable

import pytest
from learnflow_agents.contracts import ActionKind, CodeRole, StudentQuery
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.support import (
    PAYLOADS,
    REQUESTS,
    DeltaSink,
    debug_payload,
    debug_request,
    make_ctx,
    offline_for,
    settings_for,
    system_text,
    triage_payload,
)


@pytest.mark.asyncio
# Progress keeps the offline report's figures under the model's narrative: test_progress_narrative.py.
@pytest.mark.parametrize("agent", sorted(set(PAYLOADS) - {"progress"}))
async def test_tool_use_reply_maps_onto_agent_reply(
    agent: str, fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.enqueue(tool_reply(PAYLOADS[agent](), usage=(321, 123)))
    tutor = make_tutor(
        settings_for(fake_anthropic.url, stream=False, course_policy="Answer in British English.")
    )
    request = REQUESTS[agent]()
    ctx = make_ctx(sqlite_store)

    reply = await tutor.answer(agent, request, ctx, offline_for(agent, request, ctx))

    payload = PAYLOADS[agent]()
    assert reply.agent == agent
    assert reply.query_id == request.query.query_id
    assert reply.summary == payload["summary"]
    assert reply.explanation == payload["explanation"]
    assert [b.code for b in reply.code_blocks] == [b["code"] for b in payload.get("code_blocks", [])]
    assert reply.concepts == payload["concepts"]
    assert reply.provenance.provider == "anthropic"
    assert reply.provenance.model == "claude-sonnet-5-5"
    assert (reply.provenance.tokens_in, reply.provenance.tokens_out) == (321, 123)
    assert reply.provenance.cached is False
    assert reply.data["llm"]["prompt"] == f"{agent}.v1"
    assert reply.data["llm"]["cost_usd"] == pytest.approx((321 * 3 + 123 * 15) / 1e6)
    assert "llm_fallback" not in reply.data
    sent = fake_anthropic.bodies()[0]
    assert sent["tool_choice"]["type"] == "tool"
    assert sent["tools"][0]["name"] == sent["tool_choice"]["name"]
    assert "summary" in sent["tools"][0]["input_schema"]["properties"]
    assert "Answer in British English." in system_text(sent)
    assert sent.get("stream") in (None, False)


@pytest.mark.asyncio
async def test_agent_specific_fields_land_in_data_and_actions(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(tool_reply(debug_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url, stream=False))
    request = debug_request()
    ctx = make_ctx(None)

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))

    # The debug handler's saga reads these two to ask the concepts agent.
    assert reply.data["conceptual"] is True
    assert reply.concepts[0] == "indexing"
    assert reply.data["root_cause"] == "Index 3 is past the end of a 3-item list."
    assert reply.code_blocks[0].role is CodeRole.FIX
    kinds = [a.kind for a in reply.actions]
    assert kinds[0] is ActionKind.APPLY_FIX and reply.actions[0].args == {"code_block": 0}
    assert ActionKind.SHOW_HINT in kinds and ActionKind.EXPLAIN_CONCEPT in kinds


@pytest.mark.asyncio
async def test_streaming_delivers_deltas_and_measures_time_to_first_token(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    payload = debug_payload()
    fake_anthropic.enqueue(tool_reply(payload, text="Let me look at line 2.", usage=(120, 80)))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    request = debug_request()
    ctx = make_ctx(None)
    sink = DeltaSink()

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx), on_delta=sink)

    assert fake_anthropic.bodies()[0]["stream"] is True
    # text_delta first, then the summary and explanation as their JSON streamed in (the
    # fake answers at once, so the throttle sends the first delta, then the rest in one).
    assert len(sink.deltas) >= 2
    assert sink.text.startswith("Let me look at line 2.")
    assert payload["summary"] in sink.text and payload["explanation"] in sink.text
    assert reply.summary == payload["summary"]
    assert reply.data["llm"]["ttft_ms"] is not None
    stats = tutor.stats.snapshot()
    assert stats["ttft_ms"]["last"] == reply.data["llm"]["ttft_ms"]
    assert stats["answered"] == {"llm": 1}
    assert (stats["tokens"]["in"], stats["tokens"]["out"]) == (120, 80)


@pytest.mark.asyncio
async def test_a_failing_delta_consumer_does_not_fail_the_answer(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.enqueue(tool_reply(debug_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    request = debug_request()
    ctx = make_ctx(None)

    async def broken_feed(delta: str) -> None:
        raise RuntimeError("the widget went away")

    reply = await tutor.answer(
        "debug", request, ctx, offline_for("debug", request, ctx), on_delta=broken_feed
    )

    assert reply.provenance.provider == "anthropic"


@pytest.mark.asyncio
async def test_triage_routes_with_the_model(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.enqueue(tool_reply(triage_payload("concepts", 0.91)))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    query = StudentQuery(text="what's the difference between a list and a tuple?")

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    decision = await tutor.route(query, make_ctx(sqlite_store), offline)

    assert decision.target_agent == "concepts"
    assert decision.confidence == 0.91
    assert decision.router == "llm:claude-sonnet-5-5"
    assert decision.query_id == query.query_id
    # Triage is short: no streaming (the seed's decision, kept).
    assert fake_anthropic.bodies()[0].get("stream") in (None, False)


@pytest.mark.asyncio
async def test_triage_respects_an_explicit_choice_without_asking_the_model(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    tutor = make_tutor(settings_for(fake_anthropic.url))
    query = StudentQuery(text="what is a loop?", target_agent="exercise")

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    decision = await tutor.route(query, make_ctx(None), offline)

    assert decision.target_agent == "exercise" and decision.router == "offline"
    assert fake_anthropic.hits == 0


@pytest.mark.asyncio
async def test_triage_falls_back_to_the_offline_router_on_invalid_output(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    bad = {"intent": "homework", "confidence": 3, "reasoning": "?"}
    fake_anthropic.enqueue(tool_reply(bad), tool_reply(bad))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    query = StudentQuery(text="IndexError: list index out of range, why?")

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    decision = await tutor.route(query, make_ctx(None), offline)

    assert decision.router == "offline" and decision.target_agent == "debug"
    assert fake_anthropic.hits == 2
    assert tutor.stats.fallbacks["invalid-output"] == 1
