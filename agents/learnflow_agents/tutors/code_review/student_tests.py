"""Find the student's own tests and run them, in the sandbox, against some code.

The code under test is the student's (or our rewrite of it), so it runs in the one
LearnFlow sandbox (learnflow_agents.sandbox) with its time and memory limits; its output
goes nowhere, and only a small JSON answer is read back, so an infinite loop or a flood
of prints cannot hurt us.
"""

import ast
import re
from dataclasses import dataclass

from learnflow_agents.sandbox import Limits
from learnflow_agents.sandbox.dispatch import run_python

TIMEOUT_S = 5.0
# The runner's answer is a few hundred bytes; a larger frame is the tested code's own.
ANSWER_BYTES = 64 * 1024
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)

_RUNNER = r"""
import inspect, io, sys, traceback
_lf_request = _lf_receive()
_lf_answer = _lf_send
del _lf_receive, _lf_send
sys.stdout = sys.stderr = io.StringIO()  # the student's prints go nowhere

def runnable_test(name, value):
    if not (name.startswith("test") and callable(value) and getattr(value, "__module__", None) == "__main__"):
        return False
    try:
        params = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):
        return False
    # A helper like `test(x)` is not a test a runner would call; only zero-argument ones are.
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)

def report(ok, exc=None):
    result = {"ok": ok}
    if exc is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in ("cell.py", "tests.py")]
        last = frames[-1] if frames else None
        result.update(error=type(exc).__name__[:200], message=str(exc)[:300],
                      file=last.filename if last else "", line=last.lineno if last else 0)
    _lf_answer(result)

namespace = {"__name__": "__main__"}
try:
    exec(compile(_lf_request["code"], "cell.py", "exec"), namespace)
    extra = _lf_request["tests"]
    if extra.strip():
        exec(compile(extra, "tests.py", "exec"), namespace)
    for name, value in list(namespace.items()):
        if runnable_test(name, value):
            value()
except BaseException as exc:  # SystemExit or KeyboardInterrupt from student code is a failure too
    report(False, exc)
else:
    report(True)
"""


@dataclass(frozen=True)
class TestPlan:
    in_code: bool
    extra: str  # tests found in the query text, run after the code


@dataclass(frozen=True)
class TestOutcome:
    passed: bool
    error: str = ""
    message: str = ""
    file: str = ""
    line: int = 0

    @property
    def inconclusive(self) -> bool:
        """The run says nothing about the code's correctness (too slow, or the runner died)."""
        # MemoryError counts too: the limit is ours, the student's kernel may allow more.
        return self.error in {"TimeoutError", "Crash", "MemoryError"}


def _has_tests(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Assert) or (isinstance(node, ast.FunctionDef) and node.name.startswith("test"))
        for node in ast.walk(tree)
    )


def _tests_in_text(text: str) -> str:
    blocks = _FENCE.findall(text) or [
        "\n".join(line for line in text.splitlines() if line.lstrip().startswith("assert "))
    ]
    usable = []
    for block in blocks:
        try:
            if block.strip() and _has_tests(ast.parse(block)):
                usable.append(block)
        except SyntaxError:
            continue  # prose that merely mentions `assert` is not a test
    return "\n".join(usable)


def find_tests(tree: ast.Module, text: str, source: str | None = None) -> TestPlan | None:
    # `source` lets a large cell without the words `assert`/`def test` skip the tree walk.
    extra = _tests_in_text(text) if ("assert" in text or "def test" in text) else ""
    in_code = _has_tests(tree) if (source is None or "assert" in source or "def test" in source) else False
    return TestPlan(in_code, extra) if in_code or extra else None


def run_tests(code: str, plan: TestPlan, timeout: float | None = None) -> TestOutcome:
    timeout = TIMEOUT_S if timeout is None else timeout
    limits = Limits(wall_seconds=timeout, memory_bytes=MEMORY_LIMIT_BYTES, message_bytes=ANSWER_BYTES)
    result, ended = run_python(_RUNNER, {"code": code, "tests": plan.extra}, limits)
    if ended.killed_for_time:
        return TestOutcome(False, "TimeoutError", f"the tests did not finish within {timeout:g} s")
    if result is None:
        return TestOutcome(False, "Crash", "the test process ended without a result (crash or memory limit)")
    if result.get("ok"):
        return TestOutcome(True)
    # The code under test can write its own answer to the channel: each field is read as
    # the runner writes it (a short name and message, one of two files, an int), or not at all.
    file, line = result.get("file"), result.get("line")
    return TestOutcome(
        False,
        str(result.get("error", ""))[:200],
        str(result.get("message", ""))[:300],
        file if file in ("cell.py", "tests.py") else "",
        line if type(line) is int and 0 <= line <= 1_000_000 else 0,
    )
