"""Runtime families added for the outside runtime set (DidYouMean-Python's snippets): each test
uses its own program (not a case of that set), runs it in a fresh interpreter for the real
traceback, and checks the fact the reply names and that the fixed cell, run for real, keeps
the student's intent (same output, the error gone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import AgentReply, CodeRole
from learnflow_agents.tutors.debug import diagnose


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "cell.py"
    script.write_text(code)
    return subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)


def _ask(code: str, tmp_path: Path) -> AgentReply:
    failed = _run(code, tmp_path)
    assert failed.returncode != 0, "the snippet must fail for the test to mean anything"
    return diagnose(StudentQuery(text="why does this fail?", code=code, traceback=failed.stderr))


def _fix(reply: AgentReply) -> str:
    return next(b.code for b in reply.code_blocks if b.role == CodeRole.FIX)


@pytest.mark.parametrize(
    ("code", "facts", "prints"),
    [
        # a misspelt keyword argument of a built-in: the right keyword, not a new name
        ("words = ['a', 'b']\nprint(*words, sepp='-')\n", ["`sepp=`", "`sep=`"], "a-b\n"),
        # a built-in that takes no keyword arguments: the value passed by position
        (
            "ages = {'ann': 3}\nprint(ages.get('bob', default=0))\n",
            ["keyword", "`ages.get('bob', 0)`"],
            "0\n",
        ),
        # Python 2's print chevron: print(..., file=...)
        ("import sys\nprint >> sys.stdout, 'hi'\n", ["python 2", "`print('hi', file=sys.stdout)`"], "hi\n"),
        # the module was imported, its name used bare: module.name, not a second import
        ("import math\nprint(round(sqrt(16)))\n", ["`math.sqrt`", "not defined"], "4\n"),
        # a dict shrinking while a loop walks it: loop over a copy
        (
            "stock = {'a': 0, 'b': 2}\nfor k in stock:\n    if stock[k] == 0:\n        del stock[k]\n"
            "print(stock)\n",
            ["list(stock)", "size"],
            "{'b': 2}\n",
        ),
        # set.remove of a missing element: discard
        (
            "seen = {1, 2}\nseen.remove(3)\nprint(sorted(seen))\n",
            ["`seen.discard(3)`", "keyerror"],
            "[1, 2]\n",
        ),
        # strptime with its arguments swapped
        (
            "from datetime import datetime\nprint(datetime.strptime('%Y-%m-%d', '2024-05-01').day)\n",
            ["swapped", "format"],
            "1\n",
        ),
        # a loop bound typed in, one past the list: range(len(...))
        ("xs = [4, 5, 6]\nfor i in range(4):\n    print(xs[i])\n", ["`range(len(xs))`"], "4\n5\n6\n"),
        # round() of text: convert first
        ("print(round('2.75', 1))\n", ["`str`", "`round(float('2.75'), 1)`"], "2.8\n"),
        # deleting a character of a string: build a new one
        ("s = 'cart'\ndel s[1]\nprint(s)\n", ["immutable", "`s = s[:1] + s[2:]`"], "crt\n"),
    ],
    ids=[
        "keyword-typo",
        "no-keywords",
        "print-chevron",
        "bare-module-name",
        "dict-shrinks",
        "set-remove",
        "strptime-swapped",
        "loop-bound-typed-in",
        "round-of-text",
        "str-del",
    ],
)
def test_a_runtime_error_gets_its_fact_and_a_fix_that_runs_as_meant(
    code: str, facts: list[str], prints: str, tmp_path: Path
) -> None:
    reply = _ask(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, fact
    fixed = _run(_fix(reply), tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == prints


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        ("nums = list.append(3)\n", ["`list`", "instance"]),
        ("x = -{1, 2}\n", ["`set`", "`-`"]),
        ("big = [0.0] * 10**16\n", ["memory"]),
        ("print([][0])\n", ["empty", "`[][0]`"]),
        ("print(float(10**400))\n", ["float", "1.8e308", "overflow"]),
        ("import math\nprint(math.exp(800))\n", ["too large", "float"]),
        ("q, r = divmod(7, 0)\n", ["`divmod", "`0`"]),
        ("print('{} and {}'.format('tea'))\n", ["placeholder", "`.format()`"]),
        ("def get():\n    pass\nn = int(get())\n", ["`nonetype`", "`return`"]),
        ("print('%s has %s' % ('tea',))\n", ["not enough arguments", "placeholder"]),
        (
            "def check(n):\n    if n < 0:\n        raise ValueError('negative')\ncheck(-2)\n",
            ["on purpose", "n < 0"],
        ),
    ],
    ids=[
        "method-on-class",
        "unary-on-set",
        "memory",
        "empty-literal-index",
        "float-overflow",
        "math-range",
        "divmod-zero",
        "format-too-few",
        "int-of-none",
        "percent-too-few",
        "own-raise",
    ],
)
def test_a_runtime_error_without_a_sure_fix_still_gets_its_specific_explanation(
    code: str, facts: list[str], tmp_path: Path
) -> None:
    reply = _ask(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, fact


# --- analyses added for the outside Q&A set (beginners' programs from Stack Overflow); the
# programs below are our own, not cases of that set.


def _run_with_input(code: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "cell.py"
    script.write_text(code)
    return subprocess.run(
        [sys.executable, "-S", str(script)], input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("code", "stdin", "facts", "prints"),
    [
        # the index is bumped at the top of the body, before it is read: stop one earlier
        (
            "word = 'abc'\ni = -1\nout = []\nwhile i <= len(word):\n    i = i + 1\n    out.append(word[i])\n"
            "print(out)\n",
            "",
            ["`while i < len(word) - 1:`", "start of each pass"],
            "['a', 'b', 'c']\n",
        ),
        # input() text used as a number everywhere: convert where it is read, not at one use
        (
            "n = input()\nif n % 2 == 0:\n    print('even')\nelse:\n    print(n, 'is odd')\n",
            "7\n",
            ["`n = int(input())`", "always returns text"],
            "7 is odd\n",
        ),
        # two input() texts multiplied: both become numbers where they are read
        (
            "w = input()\nh = input()\nprint(w * h)\n",
            "2\n3\n",
            ["`w = float(input())`", "`h = float(input())`"],
            "6.0\n",
        ),
    ],
    ids=["while-bumps-first", "input-text-as-number", "two-input-texts-multiplied"],
)
def test_a_qa_shaped_error_gets_its_fact_and_a_fix_that_runs_as_meant(
    code: str, stdin: str, facts: list[str], prints: str, tmp_path: Path
) -> None:
    failed = _run_with_input(code, stdin, tmp_path)
    assert failed.returncode != 0, "the snippet must fail for the test to mean anything"
    reply = diagnose(StudentQuery(text="why does this fail?", code=code, traceback=failed.stderr))
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, fact
    fixed = _run_with_input(_fix(reply), stdin, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == prints


def test_an_index_pushed_past_the_end_by_another_loop_is_traced_to_that_loop(tmp_path: Path) -> None:
    code = "s = 'hey'\nk = 0\nwhile k <= len(s):\n    k += 1\nprint(s[k])\n"
    reply = _ask(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in ("line 3", "`while k <= len(s):`", "`len(s) + 1`", "`for item in s:`"):
        assert fact.lower() in said, fact
