"""The whole engine with Claude configured: the real SDK against the FAKE Messages API."""

import asyncio
from pathlib import Path

import pytest
from learnflow_agents.contracts import AgentLog, LogStatus, StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

from learnflow_ext.kernel.magics import llm_summary
from tests.fixtures.fake_anthropic import FakeMessagesAPI, status_reply, tool_reply
from tests.llm.support import concepts_payload, settings_for, triage_payload


def engine_settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        bus_url="memory://",
        db_url=f"sqlite:///{tmp_path / 'claude.sqlite3'}",
        llm=settings_for(url, stream=True),
    )


@pytest.mark.asyncio
async def test_a_question_is_routed_and_answered_by_claude_with_streamed_text(
    tmp_path: Path, fake_anthropic: FakeMessagesAPI
) -> None:
    fake_anthropic.enqueue(tool_reply(triage_payload("concepts", 0.93)), tool_reply(concepts_payload()))
    async with Engine(engine_settings(tmp_path, fake_anthropic.url)) as engine:
        stream = engine.events("ana")
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.2)
        reply = await engine.ask("ana", StudentQuery(text="how do for loops work?"), timeout=30)
        events = [await asyncio.wait_for(first, 10)]
        while not any(getattr(e.payload, "reply_id", None) for e in events):
            events.append(await asyncio.wait_for(anext(stream), 10))
        await stream.aclose()
        stats = engine.llm_stats()
        assert engine.store is not None
        beats = {b.agent: b.stats for b in engine.store.list_heartbeats()}
    assert fake_anthropic.hits == 2
    assert stats is not None and stats["ttft_ms"]["last"] is not None
    assert stats["tokens"]["in"] > 0 and stats["cache"]["misses"] >= 1
    # Heartbeats carry the provider's figures, for `learnflow-agents health` and the dashboard.
    assert "llm" in beats["concepts"] and beats["concepts"]["llm"]["provider"] == stats["provider"]
    summary = llm_summary(stats)
    assert "time to first token" in summary and "no answer yet" not in summary
    assert f"cache hit rate {stats['cache']['hit_rate']:.0%}" in summary
    assert reply.agent == "concepts"
    assert reply.provenance.provider == "anthropic"
    assert reply.provenance.tokens_in > 0
    assert reply.summary == concepts_payload()["summary"]
    deltas = [e.payload.delta for e in events if isinstance(e.payload, AgentLog) and e.payload.delta]
    assert all(e.payload.status == LogStatus.STREAMING for e in events if getattr(e.payload, "delta", None))
    assert "".join(deltas).startswith("A for loop repeats")


@pytest.mark.asyncio
async def test_when_claude_fails_the_student_still_gets_the_offline_tutor(
    tmp_path: Path, fake_anthropic: FakeMessagesAPI
) -> None:
    fake_anthropic.enqueue(status_reply(500), status_reply(500))
    async with Engine(engine_settings(tmp_path, fake_anthropic.url)) as engine:
        reply = await engine.ask("ana", StudentQuery(text="what is a dictionary?"), timeout=30)
    assert reply.agent == "concepts"
    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == "provider-error"
    assert "key" in reply.summary.lower()
