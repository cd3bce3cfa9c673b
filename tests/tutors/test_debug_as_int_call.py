""" "'str' object cannot be interpreted as an integer" was always blamed on `range()`, with "the
value" as the argument, when the call was a method or the text was not the first argument:
`time.sleep('1')` and `round(2.5, '1')` were told they passed "the value" to `range()`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("digits = round(3.14159, '2')\n", "passes `'2'` to `round()`"),
        ("stack = [1, 2]\nstack.pop('0')\n", "passes `'0'` to `stack.pop()`"),
        ("n = 4.0\nfor i in range(n):\n    print(i)\n", "passes `n` to `range()`"),
    ],
)
def test_the_call_and_argument_are_the_real_ones(code: str, said: str, tmp_path: Path) -> None:
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert "cannot be interpreted as an integer" in done.stderr, done.stderr
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))
    assert said in reply.summary
    assert "the value" not in reply.summary
