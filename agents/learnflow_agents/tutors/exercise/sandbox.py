"""Run untrusted student code against tests in a separate, limited Python process.

The caller (an agent, the grader) must survive anything the student writes: an
infinite loop, a memory bomb, a segfault, ``os._exit``, a flood of output. So the code
runs in a child interpreter (`sys.executable -I`, see sandbox_child.py) that:

* starts in a fresh temporary directory with a scrubbed environment (no API keys or
  database URLs from the caller's environment);
* has RLIMIT_AS / RLIMIT_CPU / RLIMIT_FSIZE set and a per-test alarm;
* writes results to a file line by line, so whatever finished before a crash is kept;
* runs in its own session, so on timeout the whole process group is killed.

This is a robustness boundary, not a security boundary against a determined attacker
(no seccomp or namespaces); cluster deployments should run agents in their own pods.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHILD_SCRIPT = Path(__file__).with_name("sandbox_child.py")
_RESULTS_READ_CAP = 4 * 1024 * 1024
_RAW_OUTPUT_READ_CAP = 4_000


@dataclass(frozen=True)
class Limits:
    per_test_seconds: float = 3.0
    # Wall clock for the whole child, start-up included: the backstop when the student's
    # code disarms the per-test alarm or swallows it with a bare except.
    total_seconds: float = 30.0
    memory_bytes: int = 512 * 1024 * 1024
    output_keep_chars: int = 4_000
    output_hard_chars: int = 1_000_000
    file_size_bytes: int = 32 * 1024 * 1024
    recursion_limit: int = 3_000

    def for_child(self) -> dict[str, Any]:
        data = asdict(self)
        data["cpu_seconds"] = int(self.total_seconds) + 2
        return data


@dataclass(frozen=True)
class SandboxTest:
    name: str
    source: str
    timeout: float | None = None


@dataclass
class SandboxRun:
    """Raw facts from one child run; checker.py turns them into a learner's report."""

    load: dict[str, Any] | None
    tests: dict[int, dict[str, Any]] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    finished: bool = False
    killed_for_time: bool = False
    returncode: int | None = None
    raw_output: str = ""

    @property
    def crash_signal(self) -> str | None:
        if self.returncode is not None and self.returncode < 0 and not self.killed_for_time:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None


def _child_env(workdir: str) -> dict[str, str]:
    # Only what Python needs: nothing from the caller leaks into student code.
    return {
        "PATH": os.defpath,
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def run_sandboxed(code: str, tests: list[SandboxTest], limits: Limits | None = None) -> SandboxRun:
    limits = limits or Limits()
    with tempfile.TemporaryDirectory(prefix="learnflow-sandbox-") as workdir:
        payload_path = Path(workdir, ".payload.json")
        results_path = Path(workdir, ".results.jsonl")
        output_path = Path(workdir, ".output.log")
        payload = {
            "code": code,
            "tests": [{"name": t.name, "source": t.source, "timeout": t.timeout} for t in tests],
            "limits": limits.for_child(),
        }
        payload_path.write_text(json.dumps(payload), encoding="utf-8")
        results_path.touch()
        with output_path.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-I", str(CHILD_SCRIPT), str(payload_path), str(results_path)],
                cwd=workdir,
                env=_child_env(workdir),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            killed = False
            try:
                process.wait(timeout=limits.total_seconds)
            except subprocess.TimeoutExpired:
                killed = True
            # Kill the group even after a normal exit: the student may have forked.
            _kill_group(process.pid)
            process.wait()
        run = _read_results(results_path)
        run.killed_for_time = killed
        run.returncode = process.returncode
        with output_path.open("rb") as output:
            run.raw_output = output.read(_RAW_OUTPUT_READ_CAP).decode("utf-8", "replace")
        return run


def _kill_group(pgid: int) -> None:
    # Already gone (normal exit, nothing forked) is the common case, not an error.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read_results(path: Path) -> SandboxRun:
    run = SandboxRun(load=None)
    with path.open("rb") as handle:
        data = handle.read(_RESULTS_READ_CAP)
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line from a killed child
        event = record.pop("event", None)
        if event == "load":
            run.load = record
        elif event == "start":
            run.started.add(int(record["index"]))
        elif event == "test":
            run.tests[int(record.pop("index"))] = record
        elif event == "done":
            run.finished = True
    return run
