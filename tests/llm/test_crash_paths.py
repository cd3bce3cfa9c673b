"""No crash paths with an LLM configured: `%learnflow status` in a fresh kernel, an off-list
model (kernel and CLI), and the privacy switch. Real kernels (nbclient), a real CLI process,
the real `anthropic` SDK against the fake Messages API."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.fake_anthropic import FakeMessagesAPI
from tests.jupyter.conftest import _sandbox
from tests.jupyter.notebooks import REPO, errors, output_text, run_notebook

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI):
    gen = _sandbox(tmp_path, monkeypatch)
    sandbox = next(gen)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-real")
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("LEARNFLOW_LLM_MAX_RETRIES", "0")
    yield sandbox


def _status(workdir: Path) -> tuple[list[str], str, str]:
    notebook = run_notebook(["%load_ext learnflow_ext", "%learnflow status"], workdir)
    load, status = notebook.cells
    return errors(load) + errors(status), output_text(load), output_text(status)


def test_status_in_a_fresh_kernel_with_an_llm_configured_does_not_crash(kernel_env) -> None:
    failed, _, text = _status(kernel_env.workdir)
    assert failed == [], text
    assert "TypeError" not in text
    assert "provider:       anthropic" in text
    assert "cache hit rate n/a" in text
    assert "no answer yet" in text


def test_an_off_list_model_is_refused_and_the_offline_tutors_stay(
    kernel_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNFLOW_LLM_MODEL", "gpt-9-turbo")
    monkeypatch.setenv("LEARNFLOW_LLM_ALLOWED_MODELS", "claude-sonnet-5-5")
    failed, loaded, text = _status(kernel_env.workdir)
    assert failed == [], loaded + text
    assert "offline (refused: model 'gpt-9-turbo' is not on the allow-list" in text
    assert "agents:         none running" not in text


def test_status_under_the_privacy_switch_never_names_a_provider(
    kernel_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNFLOW_PRIVACY_OFFLINE", "1")
    failed, _, text = _status(kernel_env.workdir)
    assert failed == [], text
    provider = next(line for line in text.splitlines() if "provider:" in line)
    assert "claude" not in provider and "anthropic" not in provider, provider
    assert "LEARNFLOW_PRIVACY_OFFLINE" in provider


def test_the_cli_refuses_an_off_list_model_and_answers_offline(
    tmp_path: Path, fake_anthropic: FakeMessagesAPI
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNFLOW_", "ANTHROPIC_", "OPENAI_"))}
    env.update(
        ANTHROPIC_API_KEY="test-key-not-real",
        LEARNFLOW_LLM_ANTHROPIC_BASE_URL=fake_anthropic.url,
        LEARNFLOW_LLM_MODEL="gpt-9-turbo",
        LEARNFLOW_LLM_ALLOWED_MODELS="claude-sonnet-5-5",
        LEARNFLOW_DB_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        PYTHONPATH=str(REPO),
    )
    done = subprocess.run(
        [sys.executable, "-m", "learnflow_agents", "ask", "what is a list in python?"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert "IndexError" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert "'gpt-9-turbo' is not on the allow-list" in done.stderr
    assert fake_anthropic.hits == 0
    answer = json.loads(done.stdout.strip().splitlines()[0])
    assert answer["reply"]["provenance"]["provider"] in ("offline", "none"), answer["reply"]["provenance"]
