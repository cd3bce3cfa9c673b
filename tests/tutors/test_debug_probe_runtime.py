"""Runtime replies a probe of beginner errors found false or empty: `xs.pop(5)` on a full list
was told the list "is empty at that moment"; `raise NotImplemented` was told to write
`raise Exception(NotImplemented)`; `random.shuffle(word)` was explained with the random module's
own variable names (`it[i]`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose


def _reply(code: str, tmp_path: Path):
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert "Error" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


def test_pop_past_the_end_of_a_full_list_is_not_called_empty(tmp_path: Path) -> None:
    reply = _reply("queue = ['a', 'b', 'c']\nqueue.pop(3)\n", tmp_path)
    assert "empty" not in reply.summary and "no item at position 3" in reply.summary


def test_raise_not_implemented_gets_the_exception(tmp_path: Path) -> None:
    code = "class Shape:\n    def area(self):\n        raise NotImplemented\n\nShape().area()\n"
    reply = _reply(code, tmp_path)
    assert "`NotImplementedError`" in reply.summary and "Exception(NotImplemented)" not in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "        raise NotImplementedError" in fix.splitlines()


def test_shuffling_text_is_explained_with_the_students_names(tmp_path: Path) -> None:
    reply = _reply("import random\nsecret = 'apple'\nrandom.shuffle(secret)\n", tmp_path)
    assert "`secret`" in reply.summary and "it[i]" not in reply.summary
    assert "random.sample(secret, len(secret))" in reply.summary


def test_a_function_imported_as_a_module_gets_from_import(tmp_path: Path) -> None:
    reply = _reply("import math.sqrt\nprint(math.sqrt(16))\n", tmp_path)
    assert "`from math import sqrt`" in reply.summary and "no module with that name" not in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fix == "from math import sqrt\nprint(sqrt(16))\n"


def test_a_missing_part_of_a_real_package_does_not_blame_the_package(tmp_path: Path) -> None:
    reply = _reply("import json.parser\n", tmp_path)
    assert "you probably meant" not in reply.summary and "`json` exists" in reply.summary


def test_numbers_passed_to_sum_one_by_one_go_in_a_list(tmp_path: Path) -> None:
    reply = _reply("price = 3\ntax = 1\nprint(sum(price, tax))\n", tmp_path)
    assert "one by one" in reply.summary and "range(" not in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "print(sum([price, tax]))" in fix.splitlines()
