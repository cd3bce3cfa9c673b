"""A running total used before it has a value, the commonest first loop: `total += n` was told
"if you meant the text total, put it in quotes", and inside a function "only gets a value on a
line that didn't run this time" (the line did run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "cell.py"
    script.write_text(code)
    return subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)


def _reply(code: str, tmp_path: Path):
    return diagnose(StudentQuery(text="why?", code=code, traceback=_run(code, tmp_path).stderr))


@pytest.mark.parametrize(
    ("code", "start_line", "start"),
    [
        ("prices = [3, 4]\nfor p in prices:\n    total += p\nprint(total)\n", 2, "total = 0"),
        ("for word in ['a', 'b']:\n    line = line + word + ' '\nprint(line)\n", 1, "line = ''"),
        (
            "def mean(xs):\n    for x in xs:\n        s += x\n    return s / len(xs)\n\n"
            "print(mean([2, 4]))\n",
            2,
            "    s = 0",
        ),
        ("n = 1\nfor k in range(1, 4):\n    product *= k\nprint(product)\n", 2, "product = 1"),
    ],
)
def test_a_running_total_gets_its_start_above_the_loop(
    code: str, start_line: int, start: str, tmp_path: Path
) -> None:
    reply = _reply(code, tmp_path)
    assert "starting value" in reply.summary and "quotes" not in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fix.splitlines()[start_line - 1] == start
    assert _run(fix, tmp_path).returncode == 0


def test_a_counter_in_a_function_without_a_loop_names_both_ways_out(tmp_path: Path) -> None:
    reply = _reply("def visit():\n    visits = visits + 1\n\nvisit()\n", tmp_path)
    assert "global visits" in reply.summary and "visits = 0" in reply.summary
    assert "didn't run" not in reply.summary


def test_a_name_with_a_value_above_is_left_to_the_other_analyses(tmp_path: Path) -> None:
    reply = _reply("if 1 > 2:\n    t = 0\nt += 1\n", tmp_path)
    assert "starting value" not in reply.summary


def test_a_misspelt_len_call_gets_len_and_a_misspelt_variable_its_variable(tmp_path: Path) -> None:
    assert "is `len()`" in _reply("names = ['a']\nprint(lenght(names))\n", tmp_path).summary
    assert "`length`" in _reply("length = 5\narea = lenght * 3\n", tmp_path).summary
