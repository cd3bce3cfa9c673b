"""Sorting items Python cannot order ('<' not supported between instances of 'dict' and 'dict')
was answered "uses `<` between a `dict` and a `dict`, which Python can't combine", with no word
about sorting or `key=`; a `None` in a sorted list was "`one side` is `None`"."""

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
    assert "not supported between instances" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


def _ran_clean(code: str, tmp_path: Path) -> bool:
    script = tmp_path / "fixed.py"
    script.write_text(code)
    return (
        subprocess.run([sys.executable, "-S", str(script)], capture_output=True, timeout=60).returncode == 0
    )


@pytest.mark.parametrize(
    ("code", "fixed_line"),
    [
        (
            "books = [{'title': 'B', 'year': 2001}, {'title': 'A', 'year': 1999}]\nfor b in sorted(books):\n"
            "    print(b['title'])\n",
            "for b in sorted(books, key=lambda item: item['title']):",
        ),
        (
            "class Player:\n    def __init__(self, name, score):\n        self.name = name\n"
            "        self.score = score\n\nteam = [Player('a', 3), Player('b', 5)]\nteam.sort()\n",
            "team.sort(key=lambda item: item.name)",
        ),
        (
            "best = max([{'pts': 3}, {'pts': 9}])\n",
            "best = max([{'pts': 3}, {'pts': 9}], key=lambda item: item['pts'])",
        ),
    ],
)
def test_sorting_records_says_why_and_sorts_by_a_key(code: str, fixed_line: str, tmp_path: Path) -> None:
    reply = _reply(code, tmp_path)
    assert "key=" in reply.summary and "two at a time" in reply.summary
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert len(fixes) == 1 and fixed_line in fixes[0].splitlines()
    assert compile_error(fixes[0]) is None and _ran_clean(fixes[0], tmp_path)


def test_a_none_among_sorted_numbers_is_named(tmp_path: Path) -> None:
    reply = _reply("marks = [7, None, 5]\nmarks.sort()\n", tmp_path)
    assert "`None`" in reply.summary and "`marks`" in reply.summary
    assert "one side" not in reply.summary + reply.explanation


def test_a_plain_comparison_is_left_to_the_operand_analysis(tmp_path: Path) -> None:
    reply = _reply("a = {'x': 1}\nb = {'x': 2}\nprint(a < b)\n", tmp_path)
    assert "key=" not in reply.summary


def test_sorting_text_beside_numbers_names_both(tmp_path: Path) -> None:
    reply = _reply("ages = [31, '7', 12]\nprint(sorted(ages))\n", tmp_path)
    assert "both text (`str`) and numbers (`int`)" in reply.summary
