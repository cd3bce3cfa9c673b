"""Two AttributeError replies a beginner probe found unhelpful: a misspelt `length` on a string
("`word` is a `str`, which has no attribute `lenght`", no `len()`), and an object of the
student's own class called "a `A`" with nothing about what the class does have."""

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
    assert "AttributeError" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


def test_a_misspelt_length_gets_len(tmp_path: Path) -> None:
    reply = _reply("name = 'Ada'\nprint(name.lenght)\n", tmp_path)
    assert "len(name)" in reply.summary


def test_an_object_of_the_students_class_is_named_with_what_it_has(tmp_path: Path) -> None:
    code = "class Pet:\n    def __init__(self, n):\n        self.name = n\n\np = Pet('Rex')\nprint(p.age)\n"
    reply = _reply(code, tmp_path)
    assert "an object of your class `Pet`" in reply.summary
    assert "`name`" in reply.summary and "__init__" not in reply.summary


def test_a_missing_method_of_the_students_class_is_not_listed_as_one_it_has(tmp_path: Path) -> None:
    """`self.g()` read in a method was counted among the class's attributes: "(it has `f`, `g`)"."""
    code = "class Shop:\n    def total(self):\n        return self.tax()\n\nShop().total()\n"
    reply = _reply(code, tmp_path)
    assert "`tax`" in reply.summary and "it has `total`)" in reply.summary


def test_a_method_used_without_brackets_is_called(tmp_path: Path) -> None:
    reply = _reply("name = 'ada'\nprint(name.strip.title())\n", tmp_path)
    assert "`name.strip()`" in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "print(name.strip().title())" in fix.splitlines()


def test_a_method_stored_without_brackets_is_fixed_where_it_was_stored(tmp_path: Path) -> None:
    reply = _reply("scores = [3, 1]\nmine = scores.copy\nmine.append(5)\n", tmp_path)
    assert "line 2" in reply.summary and "`scores.copy()`" in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "mine = scores.copy()" in fix.splitlines()


def test_a_module_function_without_its_arguments_is_not_given_empty_brackets(tmp_path: Path) -> None:
    reply = _reply("import math\nprint(math.sqrt.real)\n", tmp_path)
    assert "math.sqrt()" not in reply.summary


def test_a_class_method_called_on_its_module_is_found_in_the_class(tmp_path: Path) -> None:
    reply = _reply("import datetime\nstarted = datetime.now()\nprint(started)\n", tmp_path)
    assert "`datetime.datetime.now`" in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "started = datetime.datetime.now()" in fix.splitlines()


def test_an_attribute_set_without_self_is_named_and_fixed(tmp_path: Path) -> None:
    """`name = name` in __init__ was answered "has no attribute `name` (it has `name`)"."""
    code = "class Pet:\n    def __init__(self, name):\n        name = name\n\np = Pet('Rex')\nprint(p.name)\n"
    reply = _reply(code, tmp_path)
    assert "(it has `name`)" not in reply.summary and "self.name = …" in reply.summary
    (fix,) = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert "        self.name = name" in fix.splitlines()
