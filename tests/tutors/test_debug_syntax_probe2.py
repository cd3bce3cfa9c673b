"""SyntaxError replies a second beginner probe found wrong: `print('a'), end=''` was told to
compare with `==`; `for i in range 10:` and `for i range(3):` were told a colon was missing (the
colon "fix" `for i in range: 10` compiles and means nothing); `my-var = 5` was told to compare with
`==`; `1var = 5` was explained as a malformed number though it is a name being made."""

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
    ("code", "said", "fixed"),
    [
        ("total = 3\nprint(total), end=' '\n", "inside the brackets", "total = 3\nprint(total, end=' ')\n"),
        (
            "for step in range 5:\n    print(step)\n",
            "without brackets",
            "for step in range(5):\n    print(step)\n",
        ),
        ("for n range(3):\n    print(n)\n", "no `in`", "for n in range(3):\n    print(n)\n"),
        (
            "user-name = 'kim'\nprint(user-name)\n",
            "`-` cannot be part of a name",
            "user_name = 'kim'\nprint(user_name)\n",
        ),
        ("2nd = 'b'\nprint(2nd)\n", "cannot start with a digit", "nd2 = 'b'\nprint(nd2)\n"),
    ],
)
def test_the_slip_is_named_and_the_fixed_cell_runs(code: str, said: str, fixed: str, tmp_path: Path) -> None:
    done = _run(code, tmp_path)
    assert "SyntaxError" in done.stderr
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))
    assert said in reply.summary
    assert "==" not in reply.summary and "colon" not in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fix == fixed
    assert _run(fix, tmp_path).returncode == 0


def test_a_number_glued_to_letters_in_an_expression_is_still_a_number(tmp_path: Path) -> None:
    code = "width = 3\narea = 4width\n"
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_run(code, tmp_path).stderr))
    assert "cannot start with a digit" not in reply.summary
