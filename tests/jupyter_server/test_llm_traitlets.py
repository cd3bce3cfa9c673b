"""The model, the allow-list and the budgets as traitlets on the server extension
(`c.LearnFlowExtension.*`, jupyter-ai style), defaulting to the LEARNFLOW_LLM_* variables,
and passed to the engine the server runs. A real `jupyter server` process started with
`--LearnFlowExtension.…=` options; the real `anthropic` SDK in it talks to the FAKE Messages
API (tests/fixtures/fake_anthropic.py)."""

import os
from pathlib import Path
from typing import Any

import pytest

from learnflow_ext.server.app import LearnFlowExtension
from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.jupyter_server.test_real_server import RealServer, start_real_server
from tests.llm.support import INDEX_ERROR_CODE, INDEX_ERROR_TRACEBACK, debug_payload

pytestmark = pytest.mark.timeout(300)


def ask(server: RealServer, i: int) -> dict[str, Any]:
    query = {
        "text": f"question {i}: why does this fail?",
        "code": INDEX_ERROR_CODE,
        "traceback": INDEX_ERROR_TRACEBACK,
        "target_agent": "debug",
    }
    query_id = server.api("POST", "learnflow/api/queries", query)["query_id"]
    view = server.api("GET", f"learnflow/api/queries/{query_id}?wait=60")
    assert view["status"] == "answered", view
    (reply,) = [r for r in view["replies"] if r["agent"] == "debug"]
    return reply


def llm_env(monkeypatch: pytest.MonkeyPatch, fake: FakeMessagesAPI) -> None:
    for name in ("LEARNFLOW_LLM_MODEL", "LEARNFLOW_LLM_ALLOWED_MODELS", "LEARNFLOW_LLM_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    # The server's start clears ANTHROPIC_API_KEY; the settings' own name for it stays.
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_API_KEY", "test-key-not-real")
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("LEARNFLOW_LLM_MAX_RETRIES", "0")


def test_traitlets_set_the_engines_model_and_budgets_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI
) -> None:
    # Not conceptual: the debug tutor asks no helper, so one model call per question.
    fake_anthropic.default = tool_reply(debug_payload(conceptual=False), usage=(1_000, 100))
    llm_env(monkeypatch, fake_anthropic)
    # The option below wins over this variable; the course budget has no option, so its
    # variable is the traitlet's default and reaches the engine.
    monkeypatch.setenv("LEARNFLOW_LLM_STUDENT_DAILY_TOKENS", "999")
    monkeypatch.setenv("LEARNFLOW_LLM_COURSE_DAILY_TOKENS", "1500")
    options = (
        "--LearnFlowExtension.provider=anthropic",
        "--LearnFlowExtension.model=claude-haiku-4-5",
        "--LearnFlowExtension.allowed_models=claude-haiku-4-5",
        "--LearnFlowExtension.allowed_models=claude-sonnet-5-5",
        "--LearnFlowExtension.student_daily_tokens=5000",
    )
    with start_real_server(tmp_path, monkeypatch, *options) as server:
        status = server.api("GET", "learnflow/api/status")
        assert (status["llm"]["provider"], status["llm"]["model"]) == ("anthropic", "claude-haiku-4-5")
        assert server.api("GET", "learnflow/api/usage")["budget"]["tokens"] == 5_000

        # 1 100 tokens a call: two fit under the course's 1 500 (checked before each call).
        for i in range(2):
            reply = ask(server, i)
            assert reply["provenance"]["provider"] == "anthropic", (i, reply["data"].get("llm_fallback"))
        assert {body["model"] for body in fake_anthropic.bodies()} == {"claude-haiku-4-5"}
        over = ask(server, 2)
        assert over["provenance"]["provider"] == "offline"
        assert (
            "your course's daily budget of 1,500 tokens is used up" in over["data"]["llm_fallback"]["notice"]
        )
        assert fake_anthropic.hits == 2

        usage = server.api("GET", "learnflow/api/usage")
        assert (usage["used"]["requests"], usage["used"]["tokens"], usage["remaining_tokens"]) == (
            2,
            2_200,
            2_800,
        )
        assert usage["over_budget"].startswith("your course's daily budget")


def test_an_off_list_model_option_keeps_the_tutors_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI
) -> None:
    llm_env(monkeypatch, fake_anthropic)
    options = (
        "--LearnFlowExtension.model=gpt-9-turbo",
        "--LearnFlowExtension.allowed_models=claude-haiku-4-5",
    )
    with start_real_server(tmp_path, monkeypatch, *options) as server:
        assert server.api("GET", "learnflow/api/status")["llm"] is None
        assert ask(server, 0)["provenance"]["provider"] == "offline"
    assert fake_anthropic.hits == 0


def test_the_traitlets_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "LEARNFLOW_LLM_PROVIDER": "openai-compatible",
        "LEARNFLOW_LLM_MODEL": "local-llama",
        "LEARNFLOW_LLM_ALLOWED_MODELS": "local-llama,local-qwen",
        "LEARNFLOW_LLM_STUDENT_DAILY_TOKENS": "777",
        "LEARNFLOW_LLM_STUDENT_DAILY_USD": "0.5",
        "LEARNFLOW_LLM_COURSE_DAILY_TOKENS": "90000",
        "LEARNFLOW_LLM_COURSE_DAILY_USD": "12.5",
    }.items():
        monkeypatch.setenv(name, value)
    app = LearnFlowExtension()
    assert (app.provider, app.model, app.allowed_models) == (
        "openai-compatible",
        "local-llama",
        ["local-llama", "local-qwen"],
    )
    settings = app.llm_settings()
    assert (settings.student_daily_tokens, settings.student_daily_usd) == (777, 0.5)
    assert (settings.course_daily_tokens, settings.course_daily_usd) == (90_000, 12.5)

    for name in [k for k in os.environ if k.startswith("LEARNFLOW_LLM_")]:
        monkeypatch.delenv(name)
    plain = LearnFlowExtension()
    assert (plain.provider, plain.allowed_models, plain.student_daily_tokens, plain.course_daily_usd) == (
        "auto",
        [],
        200_000,
        0.0,
    )
