"""The reply cache in the store (SQLite and PostgreSQL), the model allow-list, the privacy
switch and provider selection."""

from collections.abc import Callable

import pytest
from learnflow_agents.contracts import StudentContext
from learnflow_agents.llm import ModelNotAllowedError, build_llm
from learnflow_agents.llm.config import DEFAULT_MODEL, LLMSettings
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.support import (
    concepts_payload,
    debug_payload,
    debug_request,
    make_ctx,
    offline_for,
    request_for,
    settings_for,
)


@pytest.mark.asyncio
async def test_second_identical_query_is_a_cache_hit(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], store: Store
) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url))
    first_request, second_request = debug_request(), debug_request()
    # Same question, re-run cell: another kernel file name and extra whitespace.
    second_request.query.traceback = second_request.query.traceback.replace(
        "ipykernel_4242/1234567", "ipykernel_9/8"
    )
    second_request.query.text = "  Why does this FAIL  "
    ctx = make_ctx(store)

    first = await tutor.answer("debug", first_request, ctx, offline_for("debug", first_request, ctx))
    second = await tutor.answer(
        "debug", second_request, make_ctx(store, "student-2"), offline_for("debug", second_request, ctx)
    )

    assert fake_anthropic.hits == 1
    assert second.provenance.cached is True and first.provenance.cached is False
    assert second.summary == first.summary
    assert second.query_id == second_request.query.query_id and second.reply_id != first.reply_id
    assert (second.provenance.tokens_in, second.provenance.tokens_out) == (0, 0)
    assert tutor.stats.snapshot()["cache"] == {"hits": 1, "misses": 1, "hit_rate": 0.5}
    assert store.cache_stats()["hits"] == 1


@pytest.mark.asyncio
async def test_relevant_context_is_part_of_the_cache_key(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.default = tool_reply(concepts_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url))
    ctx = make_ctx(sqlite_store)
    beginner = request_for("what is a for loop?")
    advanced = request_for("what is a for loop?")
    advanced.query.context = StudentContext(skill_level="advanced")
    saga = request_for("what is a for loop?", requested_by="debug", concept="range")

    for request in (beginner, advanced, saga):
        await tutor.answer("concepts", request, ctx, offline_for("concepts", request, ctx))

    assert fake_anthropic.hits == 3


@pytest.mark.asyncio
async def test_the_cache_expires_with_its_ttl(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url, cache_ttl_seconds=0))
    ctx = make_ctx(sqlite_store)

    for _ in range(2):
        request = debug_request()
        await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))

    assert fake_anthropic.hits == 2
    assert sqlite_store.cache_stats()["entries"] == 0


@pytest.mark.asyncio
async def test_a_model_off_the_allow_list_falls_back_to_the_default_with_a_notice(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    allowed = ["claude-sonnet-5-5", "claude-haiku-5-5"]
    tutor = make_tutor(settings_for(fake_anthropic.url, allowed_models=allowed))
    request = debug_request()
    ctx = make_ctx(None)

    refused = await tutor.answer(
        "debug", request, ctx, offline_for("debug", request, ctx), model="claude-opus-5"
    )
    chosen = await tutor.answer(
        "debug", request, ctx, offline_for("debug", request, ctx), model="claude-haiku-5-5"
    )

    assert [b["model"] for b in fake_anthropic.bodies()] == ["claude-sonnet-5-5", "claude-haiku-5-5"]
    assert "claude-opus-5" in refused.data["llm"]["notice"] and "allow-list" in refused.data["llm"]["notice"]
    assert "notice" not in chosen.data["llm"]
    assert tutor.stats.model_refusals == 1
    with pytest.raises(ModelNotAllowedError, match="claude-opus-5"):
        tutor.check_model("claude-opus-5")
    assert tutor.allowed_models() == allowed


def test_allow_list_is_enforced_on_the_configured_default_and_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An off-list default is refused by build_llm (offline tutors), not by a validation error.
    refused = LLMSettings(model="claude-opus-5", allowed_models=["claude-sonnet-5-5"], anthropic_api_key="k")
    assert "not on the allow-list" in (refused.refusal() or "")
    assert build_llm(refused) is None
    assert refused.describe().startswith("offline (refused")
    # Without a list only the configured model may be used.
    assert LLMSettings().allowed() == [DEFAULT_MODEL]
    with pytest.raises(ModelNotAllowedError):
        LLMSettings().check_model("gpt-oss")
    monkeypatch.setenv("LEARNFLOW_LLM_ALLOWED_MODELS", "claude-sonnet-5-5, claude-haiku-5-5")
    monkeypatch.setenv("LEARNFLOW_LLM_MODEL", "claude-haiku-5-5")
    settings = Settings().llm
    assert settings.allowed() == ["claude-sonnet-5-5", "claude-haiku-5-5"]
    assert settings.check_model(None) == "claude-haiku-5-5"


def test_build_llm_is_none_without_a_provider_or_with_the_privacy_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert build_llm(Settings()) is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-real")
    assert build_llm(Settings()) is not None
    monkeypatch.setenv("LEARNFLOW_PRIVACY_OFFLINE", "1")
    assert build_llm(Settings()) is None


def test_build_llm_picks_the_configured_provider() -> None:
    claude = LLMSettings(anthropic_api_key="k")
    local = LLMSettings(openai_base_url="http://127.0.0.1:9/v1")
    both = LLMSettings(
        anthropic_api_key="k", openai_base_url="http://127.0.0.1:9/v1", provider="openai-compatible"
    )
    assert claude.chosen_provider() == "anthropic"
    assert local.chosen_provider() == "openai-compatible"
    assert both.chosen_provider() == "openai-compatible"
    assert LLMSettings(provider="anthropic", openai_base_url="http://x/v1").chosen_provider() is None


@pytest.mark.asyncio
async def test_privacy_switch_keeps_every_query_on_the_machine(fake_anthropic: FakeMessagesAPI) -> None:
    settings = settings_for(fake_anthropic.url, privacy_offline=True)
    assert build_llm(settings) is None
    # The same settings without the switch do reach the server: the test can tell.
    tutor = build_llm(settings.model_copy(update={"privacy_offline": False}))
    assert tutor is not None
    fake_anthropic.enqueue(tool_reply(debug_payload()))
    request, ctx = debug_request(), make_ctx(None)
    try:
        reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
    finally:
        await tutor.aclose()
    assert fake_anthropic.hits == 1 and reply.provenance.provider == "anthropic"
