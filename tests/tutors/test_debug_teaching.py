"""Runtime kinds added for the outside 'teaching' set (errors shown by textbooks and CPython's
doctests): each test uses its own program (not a case of that set), runs it in a fresh
interpreter for the real traceback, and checks the specific fact the reply names (never the
generic template) and, where the tutor offers a fix, that the fixed cell runs as meant."""

from __future__ import annotations

from pathlib import Path

import pytest
from learnflow_agents.contracts.reply import CodeRole

from tests.tutors.debug_cells import ask_about, run_cell


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # one parameter filled twice: by name and inside a ** dict
        (
            "def area(w, h):\n    return w * h\nsizes = {'w': 2, 'h': 3}\nprint(area(w=4, **sizes))\n",
            ["`w`", "more than once", "`w=4`", "`**sizes`"],
        ),
        # ** on something that is not a dict
        (
            "def greet(name='x'):\n    print(name)\nnames = ['ann']\ngreet(**names)\n",
            ["`**`", "dict", "`list`"],
        ),
        # * on a function object instead of its result
        ("def nums():\n    return [1, 2]\nprint(*nums)\n", ["`*`", "iterable", "`function`"]),
        # a generator sent a value before it started
        (
            "def echo():\n    while True:\n        got = yield\n        print(got)\necho().send('hi')\n",
            ["next(g)"],
        ),
        # text and bytes mixed
        ("data = b'abc'\nprint(data + 'def')\n", ["`str`", "`bytes`", ".decode("]),
        # pop from an empty set (a KeyError)
        ("seen = {1}\nseen.pop()\nseen.pop()\n", ["empty", "`seen.pop()`"]),
        # pop from an empty deque (an IndexError with its own wording)
        ("from collections import deque\nq = deque()\nq.pop()\n", ["empty", "`q.pop()`"]),
        # a namedtuple's field assigned: read-only, with the _replace way to change it
        (
            "from collections import namedtuple\nPoint = namedtuple('Point', 'x y')\n"
            "p = Point(1, 2)\np.x = 5\n",
            ["read-only", "`p.x`", "p._replace(x="],
        ),
        # a fraction with denominator 0
        ("from fractions import Fraction\nhalf = Fraction(1, 0)\n", ["denominator", "`0`"]),
        # text encoded with a codec that lacks one of its characters
        ("print('café'.encode('ascii'))\n", ["`ascii`", "'é'", "utf-8"]),
        # a lone brace in a format string
        ("print('{total'.format(total=3))\n", ["`{{`", "brace"]),
        # a named field with no matching keyword argument
        ("print('{name} is {age}'.format(name='Ann'))\n", ["`age`", "`{age}`", "keyword argument"]),
        # a dict's keys changed while looping over it
        ("d = {1: 'a'}\nfor k in d:\n    del d[k]\n    d[k + 1] = 'b'\n", ["`d`", "copy"]),
        # a number too large for a float, rounded
        ("print(round(1.7e308, -308))\n", ["largest float", "1.8e308"]),
        # a positional-only parameter passed by name
        ("def area(w, /):\n    return w * w\nprint(area(w=3))\n", ["`w`", "positional-only", "`/`"]),
        # a byte value over 255
        ("data = bytes([10, 300])\n", ["0–255", "byte"]),
        # a folder opened as a file
        ("f = open('/tmp')\n", ["directory", "`/tmp`"]),
    ],
)
def test_a_teaching_kind_gets_its_specific_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


def test_an_index_held_in_a_variable_set_to_len_gets_a_fix_that_keeps_the_index(tmp_path: Path) -> None:
    code = "word = 'python'\nsize = len(word)\nprint(word[size])\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`size` is `len(word)`" in reply.summary
    fix = next(b.code for b in reply.code_blocks if b.role == CodeRole.FIX)
    assert "word[size - 1]" in fix
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == "n\n"
