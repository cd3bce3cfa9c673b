"""Opt-in: the LLM tutors against the REAL Anthropic API. Not collected by the normal run
(the file name does not start with test_); run it on purpose with a key:

    ANTHROPIC_API_KEY=... pytest tests/llm/live_claude_check.py

Without a key it fails, saying so: a live check that quietly does nothing proves nothing.
"""

import os

import pytest
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.llm import build_llm
from learnflow_agents.llm.config import LLMSettings

from tests.llm.support import debug_request, make_ctx, offline_for

# Read at import: the package's autouse fixture hides provider variables from every test.
LIVE_KEY = os.environ.get("ANTHROPIC_API_KEY")
LIVE_MODEL = os.environ.get("LEARNFLOW_LLM_MODEL")


def live_settings() -> LLMSettings:
    if not LIVE_KEY:
        pytest.fail("set ANTHROPIC_API_KEY to run the live Claude checks", pytrace=False)
    values: dict[str, object] = {"anthropic_api_key": LIVE_KEY, "max_retries": 2, "deadline_seconds": 120}
    if LIVE_MODEL:
        values["model"] = LIVE_MODEL
    return LLMSettings(**values)


@pytest.mark.asyncio
async def test_live_debug_answer_streams_and_maps() -> None:
    tutor = build_llm(live_settings())
    assert tutor is not None
    request, ctx = debug_request(), make_ctx(None)
    deltas: list[str] = []

    async def collect(delta: str) -> None:
        deltas.append(delta)

    try:
        reply = await tutor.answer(
            "debug", request, ctx, offline_for("debug", request, ctx), on_delta=collect
        )
    finally:
        await tutor.aclose()

    assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
    assert reply.provenance.tokens_in > 0 and deltas
    assert reply.data["error_type"] == "IndexError"


@pytest.mark.asyncio
async def test_live_triage() -> None:
    tutor = build_llm(live_settings())
    assert tutor is not None
    query = StudentQuery(text="Can you give me a practice problem about dictionaries?")

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    try:
        decision = await tutor.route(query, make_ctx(None), offline)
    finally:
        await tutor.aclose()

    assert decision.router.startswith("llm:") and decision.target_agent == "exercise"
