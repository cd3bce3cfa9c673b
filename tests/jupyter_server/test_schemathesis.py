"""Schemathesis against the served OpenAPI document of a real `jupyter server` with LearnFlow.

`st run` loads `GET /learnflow/api/openapi.json` (with the server's token, like every other
call) and runs every phase (examples, coverage, fuzzing, stateful) with every check
(`--checks all`: not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, unsupported_method, missing_required_header, ignored_auth, ...).
A hooks module (schemathesis_hooks.py) counts every response the run received; the test
asserts at least MIN_REQUESTS of them, no server error and no failure of any check, within
MAX_SECONDS (five minutes).

Settings, and why:
- `/learnflow/api/events` is excluded: it is a WebSocket (a plain GET is refused with 400,
  by design); test_openapi.py validates its events against the document.
- Schemathesis leaves out the document's own operation (`GET openapi.json`, the URL it
  loaded); test_openapi.py checks that route.
- Strings are generated without NUL and as UTF-8 (no unpaired surrogates): the document
  says in prose that such strings are a 400 (the store refuses them) rather than spelling
  a pattern into every string schema, which the generator would then filter for.
- `large_base_example` is suppressed: it judges the generator's smallest `QueryIn` (its
  `anyOf` of non-blank fields), not the API.
- One worker: the server has two shared cores, and schemathesis' threads gain nothing.
- Long polls are held at most 2 s (see schemathesis_hooks.py), and a request may take 30 s.
- A fixed seed (override with LEARNFLOW_ST_SEED) so that a CI failure reproduces.

Run it alone: `python -m pytest tests/jupyter_server/test_schemathesis.py -s` prints the counts.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.jupyter_server.test_real_server import TOKEN, start_real_server

REPO = Path(__file__).resolve().parents[2]
MIN_REQUESTS = 5_000
# A fixed amount of work (examples per operation and phase, one seed), not a time budget:
# `--max-time` would make schemathesis repeat its phases until the budget is spent. About
# 5,800 requests in 3 to 4 minutes on two cores; the timeout below bounds it.
EXAMPLES_PER_OPERATION = 400
MAX_SECONDS = 300


@dataclass
class Run:
    """What one `st run` did: its exit code and output, its JSON report, the hooks' counts."""

    returncode: int
    output: str
    summary: dict[str, Any]
    seen: dict[str, Any]
    elapsed: float


def run_schemathesis(
    document_url: str,
    token: str,
    tmp_path: Path,
    *,
    exclude: str,
    examples: int,
    max_seconds: float,
    seed: str = "20261207",
) -> Run:
    """`st run` against the served document at `document_url`, every phase and check."""
    report, counts = tmp_path / "schemathesis.json", tmp_path / "counts.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        document_url,
        "--header",
        f"Authorization: token {token}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--exclude-path",
        exclude,
        "--max-examples",
        str(examples),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--seed",
        os.environ.get("LEARNFLOW_ST_SEED", seed),
        "--generation-allow-x00",
        "false",
        "--generation-codec",
        "utf-8",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "large_base_example",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.jupyter_server.schemathesis_hooks",
        "LEARNFLOW_ST_COUNTS": str(counts),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    started = time.monotonic()
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=max_seconds
    )
    elapsed = time.monotonic() - started
    # The whole log, for a failure whose request body fills the assertion's tail.
    (tmp_path / "schemathesis.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    summary: dict[str, Any] = json.loads(report.read_text())
    seen: dict[str, Any] = json.loads(counts.read_text())
    print(
        f"\nschemathesis: {seen['requests']} requests in {elapsed:.0f} s, "
        f"{seen['server_errors']} server errors, {len(summary['failures'])} failures "
        f"(schema violations included), {len(summary['errors'])} errors; "
        f"{summary['test_cases']['generated']} test cases; statuses {seen['statuses']}"
    )
    return Run(run.returncode, run.stdout + run.stderr, summary, seen, elapsed)


def assert_found_nothing(run: Run, min_requests: int) -> None:
    output, summary, seen = run.output, run.summary, run.seen
    assert run.returncode == 0, output[-6000:]
    assert summary["failures"] == [] and summary["errors"] == [], output[-6000:]
    assert seen["server_errors"] == 0
    assert summary["stop_reason"] == "completed"
    phases = summary["phases"]
    assert {name: phases[name]["status"] for name in ("coverage", "fuzzing", "stateful")} == {
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }
    assert seen["requests"] >= min_requests, seen
    assert seen["statuses"].get("405", 0) > 0


@pytest.mark.timeout(MAX_SECONDS + 90)
def test_schemathesis_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with start_real_server(tmp_path, monkeypatch) as server:
        run = run_schemathesis(
            server.url + "learnflow/api/openapi.json",
            TOKEN,
            tmp_path,
            exclude="/learnflow/api/events",
            examples=EXAMPLES_PER_OPERATION,
            max_seconds=MAX_SECONDS,
        )
    assert_found_nothing(run, MIN_REQUESTS)
    # Every documented HTTP operation but the document's own was exercised, wrong methods too.
    operations = run.seen["operations"]
    for operation in (
        "POST /learnflow/api/queries",
        "GET /learnflow/api/queries/{query_id}",
        "POST /learnflow/api/feedback",
        "GET /learnflow/api/status",
        "GET /learnflow/api/progress",
        "POST /learnflow/api/attempts",
        "GET /learnflow/api/attempts",
    ):
        assert operations.get(operation, 0) > 0, operation
