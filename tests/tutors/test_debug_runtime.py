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

from tests.tutors.debug_cells import ask_about, run_cell


def _fix(reply: AgentReply) -> str:
    return next(b.code for b in reply.code_blocks if b.role == CodeRole.FIX)


def _named_and_fixed(code: str, facts: list[str], prints: str, tmp_path: Path) -> None:
    """Not the generic reply, every fact named, and the fixed cell runs and prints `prints`."""
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, fact
    fixed = run_cell(_fix(reply), tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == prints


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
    _named_and_fixed(code, facts, prints, tmp_path)


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
    reply = ask_about(code, tmp_path)
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
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in ("line 3", "`while k <= len(s):`", "`len(s) + 1`", "`for item in s:`"):
        assert fact.lower() in said, fact


# --- generic replies found by benchmarks/debug_generic_probe.py (a development probe) and the
# known gaps of issue 14; the programs are our own.


@pytest.mark.parametrize(
    ("code", "facts", "prints"),
    [
        # int()'s second argument is the base: reading a plain number drops it
        ("n = int('12', 1)\nprint(n + 1)\n", ["*base*", "2 to 36", "`int(text)`"], "13\n"),
        # bytes() of text needs an encoding
        ("data = bytes('hi')\nprint(len(data))\n", ["encoding", "`bytes('hi', 'utf-8')`"], "2\n"),
        # popitem() of an empty dict: only while it has items
        ("ages = {}\nprint(ages.popitem())\nprint('done')\n", ["empty", "`if ages:`"], "done\n"),
        # JSON text written with Python's single quotes
        (
            "import json\ntext = \"{'a': 1}\"\nprint(json.loads(text)['a'])\n",
            ["double quotes", "single quotes"],
            "1\n",
        ),
        # a nested function reads its enclosing function's variable before it is assigned
        (
            "def outer():\n    def inner():\n        return total * 2\n    print(inner())\n    total = 3\n"
            "outer()\n",
            ["`total`", "`outer`", "assigned on line 5", "called on line 4"],
            "6\n",
        ),
        # sum() of strings: join them
        ("print(sum(['a', 'b'], ''))\n", ["only adds numbers", "`''.join(['a', 'b'])`"], "ab\n"),
        # a __repr__ that builds its text but doesn't return it
        (
            "class Box:\n    def __init__(self, n):\n        self.n = n\n    def __repr__(self):\n"
            "        f'Box({self.n})'\nprint(repr(Box(2)))\n",
            ["`box.__repr__`", "never returns"],
            "Box(2)\n",
        ),
        # an iterator class whose __iter__ forgets `return self`
        (
            "class Count:\n    def __init__(self, n):\n        self.n = n\n    def __iter__(self):\n"
            "        self.i = 0\n    def __next__(self):\n        if self.i >= self.n:\n"
            "            raise StopIteration\n        self.i += 1\n        return self.i\n"
            "print(list(Count(3)))\n",
            ["`count.__iter__`", "`return self`"],
            "[1, 2, 3]\n",
        ),
        # a function without return, its None given to a maths function
        (
            "import math\ndef area(r):\n    a = math.pi * r * r\nprint(math.isclose(area(1), math.pi))\n",
            ["`area(1)`", "`none`", "no `return`"],
            "True\n",
        ),
        # ... or formatted with a number format
        (
            "def mean(xs):\n    total = sum(xs) / len(xs)\nprint(f'{mean([1, 2]):.1f}')\n",
            ["`mean([1, 2])`", "`none`"],
            "1.5\n",
        ),
    ],
    ids=[
        "int-bad-base",
        "bytes-no-encoding",
        "popitem-empty",
        "json-single-quotes",
        "free-variable-too-early",
        "sum-of-strings",
        "repr-without-return",
        "iter-without-return-self",
        "none-to-maths",
        "none-formatted",
    ],
)
def test_a_precise_rule_gets_named_with_a_fix_that_runs_as_meant(
    code: str, facts: list[str], prints: str, tmp_path: Path
) -> None:
    _named_and_fixed(code, facts, prints, tmp_path)


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        ("code = 1200000\nprint(chr(code))\n", ["`chr()`", "1114111", "`code`"]),
        ("word = 'z'\nprint(chr(ord(word) + 2000000))\n", ["1114111", "% 26"]),
        ("import math\nx = -3\nprint(math.factorial(x))\n", ["negative", "`x`", "`if x >= 0:`"]),
        ("import json\nprint(json.loads(''))\n", ["isn't valid json", "empty"]),
        ("x = 1(0)\n", ["`int`", "`1 * (0)`"]),
        ("print(isinstance(3))\n", ["with 1 argument,", "takes 2 arguments"]),
        ("print(len([1], [2]))\n", ["with 2 arguments", "exactly one argument"]),
        ("print(round(1.5, 1, 2))\n", ["at most 2 arguments"]),
        ("print(pow(2))\n", ["`exp`", "argument number 2"]),
        (
            "def ends(word):\n    return word[0] + word[-1]\nprint(ends(''))\n",
            ["only fails when `word` is empty", "called with an empty string", "`if not word:`"],
        ),
        ("names = input().split()\nprint(names[0])\n", ["`input()`", "no more text to read"]),
        ("n = 65\nprint(ord(n))\n", ["`n` is an `int`", "`chr()`"]),
        ("word = 'cat'\nprint(ord(word))\n", ["3 characters", "`[ord(ch) for ch in word]`"]),
        (
            "with open('notes.txt', 'wb') as f:\n    f.write('café'.encode('latin-1'))\n"
            "with open('notes.txt', encoding='utf-8') as f:\n    print(f.read())\n",
            ["`utf-8`", "encoding="],
        ),
    ],
    ids=[
        "chr-too-large",
        "chr-shifted-letter",
        "factorial-negative",
        "json-empty",
        "number-called-names-int",
        "builtin-count-singular",
        "builtin-count-plural",
        "builtin-at-most",
        "builtin-missing-argument",
        "first-of-empty-parameter",
        "input-ran-out",
        "ord-of-int",
        "ord-of-word",
        "file-read-in-wrong-encoding",
    ],
)
def test_a_precise_rule_without_a_sure_fix_is_still_named(
    code: str, facts: list[str], tmp_path: Path
) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, fact
