"""Run a cell in a throw-away sandboxed interpreter to see which exception it raises, if any.

Used to check a proposed fix and to reproduce an error when the student sent code but no
traceback. It runs in the one LearnFlow sandbox (learnflow_agents.sandbox: namespaces,
no network, seccomp, rlimits where the machine offers them); the fix verifier still only
passes code it judged safe, as a second line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from learnflow_agents.sandbox import Limits
from learnflow_agents.sandbox.dispatch import run_python

# What the runner below keeps of a run: written into its source, and applied again on the
# trusted side because the child's answer is the student's to forge.
MAX_MESSAGE = 500
MAX_TRACEBACK = 6_000
MAX_STDOUT = 1 << 16
ANSWER_BYTES = 1 << 20

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

src = _lf_receive()["code"]
linecache.cache["<cell>"] = (len(src), None, src.splitlines(True), "<cell>")
sys.stdout = _Capped(MAX_STDOUT)
sys.setrecursionlimit(1000)
result = {"type": None}
try:
    exec(compile(src, "<cell>", "exec", dont_inherit=True), {"__name__": "__main__"})
except BaseException as exc:
    # The exception is the student's object: its class's name (read past any metaclass), its
    # str() (which may raise, loop or return 1 MB) and its module are theirs, so each is read
    # guardedly and the frames are sent apart from the exception's own line.
    kind = type(exc)
    try:
        name = type.__dict__["__name__"].__get__(kind)
    except BaseException:
        name = "Exception"
    if len(name) > 1000:
        name = name[:500] + name[-500:]  # the tutor shows a long name's two ends
    try:
        message = str.__str__(str(exc))[:MAX_MESSAGE]
    except BaseException:
        message = "<exception str() failed>"
    cell_lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<cell>"]
    # Drop the runner's own frame so the traceback starts in the student's cell.
    frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__.tb_next)))
    try:
        text = "".join(traceback.format_exception(kind, exc, exc.__traceback__.tb_next))
    except BaseException:
        text = ""
    result = {
        "type": name,
        "message": message,
        "line": cell_lines[-1] if cell_lines else None,
        "outer_line": cell_lines[0] if cell_lines else None,
        "traceback": text[-MAX_TRACEBACK:],
        "frames": frames[-MAX_TRACEBACK:],
    }
result["stdout"] = "".join(sys.stdout.kept)
sys.stdout = sys.__stdout__
_lf_send(result)
"""
_RUNNER = re.sub(r"\bMAX_(?:STDOUT|MESSAGE|TRACEBACK)\b", lambda m: str(globals()[m.group(0)]), _RUNNER)


@dataclass
class RunResult:
    completed: bool  # the child finished (with or without an exception) before the timeout
    error_type: str | None = None
    message: str = ""
    line: int | None = None
    outer_line: int | None = None
    traceback: str = ""
    stdout: str = ""
    # The traceback's frames without the exception's line (which the program's class wrote).
    frames: str = ""
    # The time limit it was stopped at, when it did not finish in time.
    stopped_after: float | None = None

    @property
    def clean(self) -> bool:
        return self.completed and self.error_type is None


def run_cell(code: str, *, timeout: float = 3.0) -> RunResult:
    """Execute ``code`` in the sandbox and report what it raised."""
    # The largest honest answer (each kept character a 12-byte JSON escape pair) is under 1 MiB;
    # a bigger frame is a forgery: 8 MB of tiny JSON lists grew the agent by 400 MB to decode.
    limits = Limits(
        wall_seconds=timeout,
        cpu_seconds=5,
        memory_bytes=768 << 20,
        file_size_bytes=1 << 20,
        message_bytes=ANSWER_BYTES,
    )
    result, ended = run_python(_RUNNER, {"code": code}, limits)
    if ended.killed_for_time:
        return RunResult(
            completed=False,
            error_type="Timeout",
            message=f"still running after {timeout:g}s",
            stopped_after=timeout,
        )
    if result is None:
        # Killed by a resource limit before it could report.
        return RunResult(completed=False, error_type="Crashed", message=f"exit status {ended.returncode}")
    # The runner cuts each field, but the program can write its own answer to the channel
    # (up to the 8 MB frame limit): the same cuts are made here, where they cannot be skipped.
    return RunResult(
        completed=True,
        error_type=_text_or_none(result.get("type")),
        message=str(result.get("message", ""))[:MAX_MESSAGE],
        line=_int_or_none(result.get("line")),
        outer_line=_int_or_none(result.get("outer_line")),
        traceback=str(result.get("traceback", ""))[-MAX_TRACEBACK:],
        stdout=str(result.get("stdout", ""))[:MAX_STDOUT],
        frames=str(result.get("frames", ""))[-MAX_TRACEBACK:],
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _int_or_none(value: object) -> int | None:
    # The answer comes from the child: anything but an int is ignored, not trusted.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_NONE_WORD = re.compile(r"\bNone\b")


def none_shown(stdout: str) -> int:
    """How many times the output shows `None` (`None` alone, or `total: None`)."""
    return len(_NONE_WORD.findall(stdout))
