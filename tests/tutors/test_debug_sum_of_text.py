"""`sum(words)` fails with "unsupported operand type(s) for +: 'int' and 'str'" on a line with no
`+`: the reply was "uses `+` between a `int` and a `str`", which the student cannot find. sum
starts from 0; text is joined, lists are flattened."""

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


@pytest.mark.parametrize(
    ("code", "fixed_line"),
    [
        ("letters = ['c', 'a', 't']\nword = sum(letters)\nprint(word)\n", "word = ''.join(letters)"),
        (
            "groups = [[1, 2], [3]]\nallx = sum(groups)\nprint(allx)\n",
            "allx = [item for part in groups for item in part]",
        ),
    ],
)
def test_sum_of_text_or_lists_explains_the_zero_start(code: str, fixed_line: str, tmp_path: Path) -> None:
    done = _run(code, tmp_path)
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))
    assert "starts from the number 0" in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fixed_line in fix.splitlines()
    assert _run(fix, tmp_path).returncode == 0


def test_a_plus_of_its_own_on_the_line_is_not_blamed_on_sum(tmp_path: Path) -> None:
    code = "total = sum([1, 2]) + '3'\n"
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_run(code, tmp_path).stderr))
    assert "sum()" not in reply.summary and "'3'" in reply.summary
