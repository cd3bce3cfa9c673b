"""Two slips a beginner's probe found answered wrongly or generically: a string holding its
own quote character reported by CPython as "Perhaps you forgot a comma" (the reply blamed a
missing comma between `"` and the text), and Python 2's `raise Type, message`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.code_facts import compile_error


def _reply(code: str, tmp_path: Path):
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert "SyntaxError" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


def _fixes(reply) -> list[str]:
    return [b.code for b in reply.code_blocks if b.role.value == "fix"]


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ('print("the sign says "stop" here")\n', "print('the sign says \"stop\" here')"),
        ("label = 'press 'enter' to go'\n", "label = \"press 'enter' to go\""),
    ],
)
def test_a_string_holding_its_own_quote_is_not_called_a_missing_comma(
    code: str, fixed: str, tmp_path: Path
) -> None:
    reply = _reply(code, tmp_path)
    assert reply.data.get("analysis") == "syntax:nested-quotes", reply.summary
    assert "comma" not in reply.summary
    assert [f.strip() for f in _fixes(reply)] == [fixed]
    assert compile_error(_fixes(reply)[0]) is None


@pytest.mark.parametrize(
    "code",
    [
        'names = ["ann" "bob" carl]\n',
        'print("total:" score)\n',
        'ages = {"ann": 31 "bob": 25}\n',
        'print("x" y "z")\n',
    ],
)
def test_a_real_missing_comma_beside_strings_is_still_a_missing_comma(code: str, tmp_path: Path) -> None:
    reply = _reply(code, tmp_path)
    assert "missing a comma" in reply.summary


@pytest.mark.parametrize(
    ("code", "fixed_line"),
    [
        ("raise ValueError, 'age must be positive'\n", "raise ValueError('age must be positive')"),
        (
            "def check(n):\n    if n < 0:\n"
            '        raise ArithmeticError, "negative"  # py2 habit\n    return n\n',
            '        raise ArithmeticError("negative")  # py2 habit',
        ),
    ],
)
def test_python2_raise_gets_the_python3_form(code: str, fixed_line: str, tmp_path: Path) -> None:
    reply = _reply(code, tmp_path)
    assert reply.data.get("analysis") == "syntax:_python2_raise", reply.summary
    assert "Python 2" in reply.summary
    (fix,) = _fixes(reply)
    assert fixed_line in fix.splitlines()
    assert compile_error(fix) is None
