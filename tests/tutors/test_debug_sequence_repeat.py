""" "can't multiply sequence by non-int" names no type: the sequence was read as text, so a list
multiplied by 'a' was said to be "two texts" with `float(x) * float('a')` as the fix, and
'abc' * 2.5 was told to convert 'abc' with float(), which fails on the same line."""

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
    assert "can't multiply sequence" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


@pytest.mark.parametrize(
    ("code", "kind", "fixed"),
    [
        ("marks = [4, 5, 3]\ndoubled = marks * 'x'\n", "list", None),
        ("grid_row = [0] * 2.5\n", "list", "grid_row = [0] * int(2.5)"),
        ("pair = ('a', 'b')\nprint(pair * 1.5)\n", "tuple", "print(pair * int(1.5))"),
        ("squares = [n * n for n in range(3)]\nprint(squares * 0.5)\n", "list", "print(squares * int(0.5))"),
    ],
)
def test_a_list_or_tuple_times_a_non_int_is_named_as_what_it_is(
    code: str, kind: str, fixed: str | None, tmp_path: Path
) -> None:
    reply = _reply(code, tmp_path)
    assert f"a `{kind}`" in reply.summary and "whole number" in reply.summary
    assert "text" not in reply.summary and "float(" not in reply.summary
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    if fixed is None:
        assert not fixes
    else:
        assert len(fixes) == 1 and fixed in fixes[0].splitlines()
        assert compile_error(fixes[0]) is None


def test_words_times_a_float_keep_their_words(tmp_path: Path) -> None:
    reply = _reply("banner = 'ha' * 2.5\nprint(banner)\n", tmp_path)
    assert "int(2.5)" in reply.summary and "float('ha')" not in reply.summary
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fixes and "banner = 'ha' * int(2.5)" in fixes[0].splitlines()


def test_a_number_in_quotes_times_a_float_is_still_converted(tmp_path: Path) -> None:
    reply = _reply("price = '3.5'\nprint(price * 2.0)\n", tmp_path)
    assert "float(price)" in reply.summary
