"""The deadline chain seen from a real kernel (nbclient, kernel-only engine): with a model
that hangs, the kernel (waiting LEARNFLOW_LLM_ANSWER_SECONDS, its reply_timeout's default)
shows the offline answer, never "no answer". The real `anthropic` SDK against the FAKE
Messages API, made to hang far longer than the kernel waits."""

import json
from pathlib import Path

import pytest

from tests.fixtures.fake_anthropic import FakeMessagesAPI, hang
from tests.jupyter.conftest import _sandbox
from tests.jupyter.notebooks import errors, output_text, run_notebook

pytestmark = pytest.mark.timeout(300)

ANSWER_SECONDS = 20


@pytest.fixture
def hanging_model_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI):
    fake_anthropic.default = hang(600)
    gen = _sandbox(tmp_path, monkeypatch)
    sandbox = next(gen)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-real")
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("LEARNFLOW_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("LEARNFLOW_LLM_ANSWER_SECONDS", str(ANSWER_SECONDS))
    yield sandbox


def test_a_hanging_model_leaves_the_student_the_offline_answer(
    hanging_model_env, fake_anthropic: FakeMessagesAPI
) -> None:
    notebook = run_notebook(
        [
            "%load_ext learnflow_ext",
            "import json\nfrom learnflow_ext.config import LearnFlow\n"
            "print(json.dumps(LearnFlow(config=get_ipython().config).reply_timeout))",
            "scores = [90, 85, 77]\nprint(scores[3])",
            # Waits the kernel's reply_timeout: the chain's whole budget.
            "%learnflow wait",
        ],
        hanging_model_env.workdir,
    )
    load, timeout, failing, wait = notebook.cells
    assert errors(load) == [], output_text(load)
    assert json.loads(output_text(timeout).strip()) == ANSWER_SECONDS
    assert "all answers are in" in output_text(wait), output_text(wait)
    card = output_text(failing)
    # The model was asked first, said nothing, and the offline debug tutor answered in time.
    assert fake_anthropic.hits >= 1
    assert "no answer within" not in card, card
    assert "IndexError" in card and "scores" in card, card
    assert "offline" in card.lower(), card
