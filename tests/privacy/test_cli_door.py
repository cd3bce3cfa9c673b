"""`learnflow-agents ask` as a door: the secrets corpus as a JSONL batch and as a `--code`
file, through the real CLI in its own process (SQLite and PostgreSQL), and no secret value
in what it prints, what it stored (every row, the outbox's published payloads included) or
what the model received (the recording FAKE Messages API, tests/fixtures/fake_anthropic.py).

The CLI's bus is `memory://`, inside its own process: what it published is inspected
through the outbox rows it wrote, not on a broker.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI
from tests.privacy.corpus import SECRETS
from tests.privacy.support import (
    answer_everything,
    database_rows,
    leaks,
    model_inputs,
    secret_queries,
    stored_codes,
)


def run_cli(
    args: list[str], fake: FakeMessagesAPI, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNFLOW_", "ANTHROPIC_", "OPENAI_"))}
    env.update(
        LEARNFLOW_LLM_ANTHROPIC_API_KEY="test-key-not-real",
        LEARNFLOW_LLM_ANTHROPIC_BASE_URL=fake.url,
        LEARNFLOW_LLM_MAX_RETRIES="0",
        LEARNFLOW_LLM_STUDENT_REQUESTS_PER_MINUTE="1000",
    )
    return subprocess.run(
        [sys.executable, "-m", "learnflow_agents", "ask", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_no_secret_is_printed_stored_or_sent_to_the_model(
    store_url: str, fake_anthropic: FakeMessagesAPI, tmp_path: Path
) -> None:
    answer_everything(fake_anthropic)
    lines = []
    for i, query in enumerate(secret_queries()):
        line = {
            "id": f"q{i}",
            "text": query.get("text", ""),
            "code": query.get("code"),
            "traceback": query.get("traceback"),
        }
        if query.get("target_agent"):
            line["agent"] = query["target_agent"]
        lines.append(line)
    batch = tmp_path / "corpus.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    common = ["--db", store_url, "--bus", "memory://", "--timeout", "120"]
    Store.open(store_url, upgrade=True).close()  # what `learnflow-agents db upgrade` does first

    batched = run_cli(["--batch", str(batch), *common], fake_anthropic, tmp_path)
    single = run_cli(
        ["why does this fail?", "--code", "-", *common], fake_anthropic, tmp_path, stdin=SECRETS[0][0]
    )

    assert batched.returncode == 0, batched.stderr[-3000:]
    assert single.returncode == 0, single.stderr[-3000:]
    printed = [batched.stdout, batched.stderr, single.stdout, single.stderr]
    assert len(batched.stdout.splitlines()) == len(lines)
    assert leaks(printed) == [], "secret values printed by the CLI"
    assert leaks(database_rows(store_url)) == [], "secret values stored (or in the outbox)"
    assert leaks(model_inputs(fake_anthropic)) == [], "secret values sent to the model"
    assert len(fake_anthropic.bodies()) >= len(lines)
    assert sum("«redacted»" in (code or "") for code in stored_codes(store_url)) > 50
