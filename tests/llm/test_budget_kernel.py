"""Budgets seen from a real kernel (nbclient, kernel-only engine on SQLite): `%learnflow
status` shows the student's model usage today against their budget, and once it is used up
the next error is answered by the offline tutor with a notice saying why. The real
`anthropic` SDK against the FAKE Messages API."""

from pathlib import Path

import pytest

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.jupyter.conftest import _sandbox
from tests.jupyter.notebooks import errors, output_text, run_notebook
from tests.llm.support import debug_payload, triage_payload

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def budget_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI):
    def answer(body: dict) -> object:
        routing = "intent" in str(body.get("tools"))
        return tool_reply(triage_payload("debug", 0.9) if routing else debug_payload(), usage=(1_000, 100))

    fake_anthropic.default = answer
    gen = _sandbox(tmp_path, monkeypatch)
    sandbox = next(gen)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-real")
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("LEARNFLOW_LLM_MAX_RETRIES", "0")
    # One answer uses it up: 1 100 tokens a call.
    monkeypatch.setenv("LEARNFLOW_LLM_STUDENT_DAILY_TOKENS", "1000")
    yield sandbox


def test_status_shows_usage_against_the_budget_and_the_next_answer_says_why_it_is_offline(
    budget_env, fake_anthropic: FakeMessagesAPI
) -> None:
    notebook = run_notebook(
        [
            "%load_ext learnflow_ext",
            "scores = [90, 85, 77]\nprint(scores[3])",
            "%learnflow wait",
            "%learnflow status",
            "names = ['ada']\nprint(names[5])",
            "%learnflow wait",
        ],
        budget_env.workdir,
    )
    load, first, wait, status, second, wait_again = notebook.cells
    assert errors(load) == [], output_text(load)
    assert "all answers are in" in output_text(wait) and "all answers are in" in output_text(wait_again)
    # The first error was answered by the model (its summary), before the budget ran out.
    assert debug_payload()["summary"] in output_text(first), output_text(first)
    calls = fake_anthropic.hits
    text = output_text(status)
    usage = next(line for line in text.splitlines() if "model usage:" in line)
    assert f"{calls * 1_100:,} tokens of 1,000" in usage, usage
    assert f"{calls} model call(s)" in usage, usage
    assert "answering offline: your daily budget of 1,000 tokens is used up" in usage, usage

    card = output_text(second)
    # No further model call: the offline debug tutor answered, and says why.
    assert fake_anthropic.hits == calls
    assert "IndexError" in card and "names" in card, card
    assert "AI tutor budget: your daily budget of 1,000 tokens is used up" in card, card
