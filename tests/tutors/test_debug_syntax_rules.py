"""SyntaxError messages the parso outside set found answered by the generic template
(benchmarks/data/outside_debug/before_parso_dev.txt). The snippets here are our own
variants, not the set's cases: each must get the specific analysis, naming the rule and
what to write instead, from CPython 3.11's real traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

CASES = {
    "walrus-on-item": (
        "scores = [1, 2]\nif (scores[0] := 5) > 3:\n    print('big')\n",
        ["`:=`", "variable name"],
    ),
    "walrus-on-attribute": ("class P:\n    pass\np = P()\nprint((p.x := 3))\n", ["`:=`", "`p.x`"]),
    "walrus-unpacking": ("print(((a, b) := (1, 2)))\n", ["`:=`", "tuple"]),
    "walrus-rebinds-loop-var": ("total = [n := n + 1 for n in range(3)]\n", ["`n`", "`:=`"]),
    "walrus-in-iterable": ("squares = [x * x for x in (nums := [1, 2, 3])]\n", ["`:=`", "own line"]),
    "walrus-in-class-body": ("class Grid:\n    cells = [(c := i) for i in range(3)]\n", ["class body"]),
    "star-alone": ("*rest = [1, 2, 3]\n", ["starred", "`*`"]),
    "star-loop-var": ("for *item in [[1, 2]]:\n    print(item)\n", ["starred", "`for x in items:`"]),
    "two-stars": ("first, *middle, *last = [1, 2, 3, 4]\n", ["multiple starred", "one `*name`"]),
    "dict-unpack-comprehension": ("merged = {**d for d in [{'a': 1}]}\n", ["`**`", "`key: value`"]),
    "yield-from-async": ("async def numbers():\n    yield from [1, 2]\n", ["`yield from`", "`async def`"]),
    "return-value-async-gen": (
        "async def numbers():\n    yield 1\n    return 2\n",
        ["`return`", "bare `return`"],
    ),
    "bytes-hex-escape": ("data = b'\\x4'\n", ["`\\x`", "two hex digits"]),
    "too-deep": ("".join(" " * i + "if True:\n" for i in range(101)) + " " * 101 + "pass\n", ["100 levels"]),
}


def _traceback(code: str, tmp_path: Path) -> str:
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, "the snippet must fail"
    assert "SyntaxError" in done.stderr or "IndentationError" in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize(("code", "facts"), list(CASES.values()), ids=list(CASES))
def test_a_named_syntax_rule_gets_its_own_analysis(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert reply.data.get("analysis") != "generic", reply.summary
    said = reply.summary + "\n" + reply.explanation
    for fact in facts:
        assert fact in said, (fact, said)
