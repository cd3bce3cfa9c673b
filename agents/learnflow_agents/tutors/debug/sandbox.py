"""Run a cell in a throw-away interpreter to see which exception it raises, if any.

Used to check a proposed fix and to reproduce an error when the student sent code but no
traceback. Only code that fix_verifier.is_safe_to_run accepts is ever passed here; the
child still runs isolated (``-I -S``: no user site, no site-packages, no PYTHON* env), in
an empty temporary directory, with CPU/memory/file-size limits and a wall-clock timeout,
and its output is capped so a runaway print loop cannot flood the agent.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

_MARK = "@@LEARNFLOW-RESULT@@"

_RUNNER = r"""
import json, linecache, sys, traceback

class _Capped:
    def __init__(self, limit):
        self.limit, self.used, self.kept = limit, 0, []
    def write(self, text):
        if self.used < self.limit:
            self.kept.append(text[: self.limit - self.used])
        self.used += len(text)
        return len(text)
    def flush(self):
        pass

src = sys.stdin.read()
linecache.cache["<cell>"] = (len(src), None, src.splitlines(True), "<cell>")
real_err = sys.stderr
sys.stdout = _Capped(1 << 16)
sys.setrecursionlimit(1000)
result = {"type": None}
try:
    exec(compile(src, "<cell>", "exec", dont_inherit=True), {"__name__": "__main__"})
except BaseException as exc:
    cell_lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<cell>"]
    # Drop the runner's own frame so the traceback starts in the student's cell.
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next))
    result = {
        "type": type(exc).__name__,
        "message": str(exc)[:500],
        "line": cell_lines[-1] if cell_lines else None,
        "outer_line": cell_lines[0] if cell_lines else None,
        "traceback": text[-6000:],
    }
result["stdout"] = "".join(sys.stdout.kept)
real_err.write("\n" + MARK + json.dumps(result))
""".replace("MARK", repr(_MARK))


@dataclass
class RunResult:
    completed: bool  # the child finished (with or without an exception) before the timeout
    error_type: str | None = None
    message: str = ""
    line: int | None = None
    outer_line: int | None = None
    traceback: str = ""
    stdout: str = ""

    @property
    def clean(self) -> bool:
        return self.completed and self.error_type is None


def _limit_resources() -> None:  # pragma: no cover - runs in the child
    import resource

    limits = {
        resource.RLIMIT_CPU: (5, 5),
        resource.RLIMIT_AS: (768 << 20, 768 << 20),
        resource.RLIMIT_FSIZE: (1 << 20, 1 << 20),
    }
    for kind, value in limits.items():
        # A limit the platform refuses is skipped; the wall-clock timeout still applies.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(kind, value)


def run_cell(code: str, *, timeout: float = 3.0) -> RunResult:
    """Execute ``code`` in an isolated child interpreter and report what it raised."""
    with tempfile.TemporaryDirectory(prefix="learnflow-debug-") as workdir:
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-S", "-c", _RUNNER],
                input=code,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=workdir,
                env={"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8"},
                preexec_fn=_limit_resources if os.name == "posix" else None,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return RunResult(
                completed=False, error_type="Timeout", message=f"still running after {timeout:g}s"
            )
    marker = proc.stderr.rfind(_MARK)
    if marker < 0:
        # Killed by a resource limit before it could report.
        return RunResult(completed=False, error_type="Crashed", message=f"exit status {proc.returncode}")
    result = json.loads(proc.stderr[marker + len(_MARK) :])
    return RunResult(
        completed=True,
        error_type=result.get("type"),
        message=result.get("message", ""),
        line=result.get("line"),
        outer_line=result.get("outer_line"),
        traceback=result.get("traceback", ""),
        stdout=result.get("stdout", ""),
    )


_NONE_WORD = re.compile(r"\bNone\b")


def none_shown(stdout: str) -> int:
    """How many times the output shows `None` (`None` alone, or `total: None`)."""
    return len(_NONE_WORD.findall(stdout))
