"""Misread Python semantics (families/logic_idioms.py and the general rules they extend): each
kind as a small program written for these tests, run traced in the real sandbox, and the same
idea written correctly, which must get no such cause (a false cause is worse than none)."""

import ast

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.sandbox.trace import trace_program
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.families.wrong_behaviour import likely_causes


def _kinds(code: str) -> list[str]:
    return [
        c.kind for c in likely_causes(ast.parse(code), code, "why is the output wrong?", trace_program(code))
    ]


CASES = [
    # (kind, buggy program, correct program)
    (
        "misspelt-special-method",
        "class Any(str):\n    def __eq__(self, o):\n        return True\n    def __neq__(self, o):\n"
        "        return False\nprint(Any('a') != 'b')\n",
        "class Any(str):\n    def __eq__(self, o):\n        return True\n    def __ne__(self, o):\n"
        "        return False\nprint(Any('a') != 'b')\n",
    ),
    (
        "yield-in-next",
        "class Letters:\n    def __init__(self, s):\n        self.s = s\n    def __iter__(self):\n        "
        "return self\n"
        "    def __next__(self):\n        for c in self.s:\n            yield "
        "c\nprint(next(Letters('ab')))\n",
        "class Letters:\n    def __init__(self, s):\n        self.s = s\n    def __iter__(self):\n"
        "        for c in self.s:\n            yield c\nprint(list(Letters('ab')))\n",
    ),
    (
        "iterator-reused",
        "nums = map(int, ['1', '2', '3'])\nprint(sum(nums))\nprint(max(nums, default=0))\n",
        "nums = list(map(int, ['1', '2', '3']))\nprint(sum(nums))\nprint(max(nums))\n",
    ),
    (
        "enumerate-start",
        "A = [2, 3, 5]\nfor i, x in enumerate(A):\n    for j, y in enumerate(A, start=i + 1):\n        "
        "print(x * y)\n",
        "A = [2, 3, 5]\nfor i, x in enumerate(A):\n    for j, y in enumerate(A[i + 1:], start=i + 1):\n"
        "        print(x * y)\n",
    ),
    (
        "str-of-list",
        "def swap(s):\n    out = []\n    for c in s:\n        out.append(c.upper())\n    return str(out)\n"
        "print(swap('ab'))\n",
        "def swap(s):\n    out = []\n    for c in s:\n        out.append(c.upper())\n    return "
        "''.join(out)\n"
        "print(swap('ab'))\n",
    ),
    ("str-of-bytes", "data = b'Hello'\nprint(str(data))\n", "data = b'Hello'\nprint(data.decode())\n"),
    (
        "newline-then-separator",
        "name = 'Ann'\nprint('Hello.\\n', name)\n",
        "name = 'Ann'\nprint('Hello.\\n' + name)\n",
    ),
    (
        "loop-source-changed",
        "z = 1\nfor x in range(0, z):\n    print(x)\n    z = z + 1\n",
        "z = 3\nfor x in range(0, z):\n    print(x)\nz = z + 1\n",
    ),
    (
        "loop-source-changed",
        "x = [1, 2, 3]\nfor i, s in enumerate(x):\n    x = [1]\n    print(i, s)\n",
        "x = [1, 2, 3]\nfor i, s in enumerate(x):\n    x[i] = s * 2\nprint(x)\n",
    ),
    (
        "compared-with-collection",
        "for i in range(30):\n    if i == range(7, 98, 10):\n        print(i)\n",
        "for i in range(30):\n    if i in range(7, 98, 10):\n        print(i)\n",
    ),
    (
        "not-binds-loosely",
        "A = True\nB = True\nprint(not(A or B) == (not A) and (not B))\n",
        "A = True\nB = True\nprint((not (A or B)) == ((not A) and (not B)))\n",
    ),
    ("lazy-object-shown", "r = range(0, 5)\nprint(r)\n", "r = list(range(0, 5))\nprint(r)\n"),
    (
        "item-used-as-index",
        "a = [1, 3, 2]\nfor i in a:\n    print(max(a[0:i + 1]))\n",
        "a = [1, 3, 2]\nfor i in range(len(a)):\n    print(max(a[0:i + 1]))\n",
    ),
    (
        "in-place-result-used",
        "a = [3, 1, 2]\nprint(a.sort())\n",
        "a = [3, 1, 2]\na.sort()\nprint(a)\n",
    ),
    (
        "in-place-result-used",
        "x = {'a': 1}\ny = {'b': 2}\nz = x.update(y)\nprint(z)\n",
        "x = {'a': 1}\ny = {'b': 2}\nz = {**x, **y}\nprint(z)\n",
    ),
    (
        "format-extra-values",
        "for f in range(1, 3):\n    print('{:>5}'.format(round(f * 0.3, 2), 'm'))\n",
        "for f in range(1, 3):\n    print('{:>5} {}'.format(round(f * 0.3, 2), 'm'))\n",
    ),
    (
        "join-of-one-string",
        "a = 'hello'\nb = 'world'\nprint('\\n'.join(f'{a} {b}'))\n",
        "a = 'hello'\nb = 'world'\nprint('\\n'.join([a, b]))\n",
    ),
    (
        "bare-except-loop",
        "def ask():\n    while True:\n        try:\n            return int(input('n: '))\n        except:\n"
        "            pass\nask()\n",
        "def ask():\n    while True:\n        try:\n            return int(input('n: '))\n"
        "        except ValueError:\n            pass\n",
    ),
    (
        "index-of-repeated-item",
        "a = ['0', '3', '3', '7']\nfor x in a:\n    print(a.index(x))\n",
        "a = ['0', '3', '5', '7']\nfor x in a:\n    print(a.index(x))\n",
    ),
    (
        "digit-strings-added",
        "grades = ['9', '7', '7']\nprint(grades[0] + grades[1] + grades[2])\n",
        "rank = '7'\nsuit = 'c'\nprint(rank + suit)\n",
    ),
    (
        "loop-variable-rebound",
        "c = [1, 2, 3]\nfor x in c:\n    x = x + 3\nprint(c)\n",
        "c = [1, 2, 3]\nfor i, x in enumerate(c):\n    c[i] = x + 3\nprint(c)\n",
    ),
    (
        "augmented-item-in-place",
        "a = [[1], [2]]\nfor i in a:\n    i *= 2\nprint(a)\n",
        "a = [[1], [2]]\nb = [i * 2 for i in a]\nprint(a, b)\n",
    ),
    (
        "loop-always-returns",
        "def first(d):\n    for v in d.values():\n        return v\nprint(first({'a': 1, 'b': 2}))\n",
        "def every(d):\n    out = []\n    for v in d.values():\n        out.append(v)\n    return out\n"
        "print(every({'a': 1, 'b': 2}))\n",
    ),
    (
        "parameter-never-used",
        "marks = {'Ann': 4, 'Bo': 5}\ndef get(name):\n    for m in marks.items():\n        "
        "print(m)\nget('Ann')\n",
        "marks = {'Ann': 4, 'Bo': 5}\ndef get(name):\n    print(marks[name])\nget('Ann')\n",
    ),
    (
        "repr-in-container",
        "class F:\n    def __str__(self):\n        return 'f'\nprint([F(), F()])\n",
        "class F:\n    def __str__(self):\n        return 'f'\n    __repr__ = __str__\nprint([F(), F()])\n",
    ),
    (
        "max-of-split-text",
        "s = '125 50 175'\nprint(max(s.split()))\n",
        "s = '125 50 175'\nprint(max(int(p) for p in s.split()))\n",
    ),
    (
        "groupby-not-adjacent",
        "from itertools import groupby\nnames = ['Al', 'Bo', 'Ann']\nfor k, g in groupby(names, lambda n: "
        "n[0]):\n"
        "    print(k, list(g))\n",
        "from itertools import groupby\nnames = sorted(['Al', 'Bo', 'Ann'])\n"
        "for k, g in groupby(names, lambda n: n[0]):\n    print(k, list(g))\n",
    ),
    (
        "mutable-default",
        "def fresh():\n    return []\ndef add(x, items=fresh()):\n    items.append(x)\n    return items\n"
        "print(add(1))\nprint(add(2))\n",
        "def add(x, items=None):\n    if items is None:\n        items = []\n    items.append(x)\n    "
        "return items\n"
        "print(add(1))\nprint(add(2))\n",
    ),
    (
        "list-aliased",
        "import random\nrect = [1, 2, 3, 4]\nmixed = rect\nrandom.shuffle(mixed)\nprint(rect)\n",
        "import random\nrect = [1, 2, 3, 4]\nmixed = rect[:]\nrandom.shuffle(mixed)\nprint(rect)\n",
    ),
]


@pytest.mark.parametrize(("kind", "buggy", "fine"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_the_cause_is_named_and_the_correct_program_gets_none(kind: str, buggy: str, fine: str) -> None:
    assert kind in _kinds(buggy)
    assert kind not in _kinds(fine)


def test_a_reply_names_the_cause_first() -> None:
    code = "a = 'hello'\nb = 'world'\nprint('\\n'.join(f'{a} {b}'))\n"
    reply = diagnose(StudentQuery(text="it splits my words into single letters", code=code))
    assert reply.data["likely_cause"] == "join-of-one-string", reply.summary
    assert "every character" in reply.summary


# Negatives found on real programs: each was a cause named for a program that does what it should.


def test_a_list_item_assigned_in_the_loop_is_not_a_rebound_source() -> None:
    code = (
        "def sort(xs):\n    for i in range(1, len(xs)):\n        v = xs[i]\n        p = i\n"
        "        while p > 0 and xs[p - 1] > v:\n            xs[p] = xs[p - 1]\n            p -= 1\n"
        "        xs[p] = v\nxs = [3, 1, 2]\nsort(xs)\nprint(xs)\n"
    )
    assert "loop-source-changed" not in _kinds(code)


def test_a_range_shown_on_purpose_in_a_label_is_not_a_lazy_object_slip() -> None:
    code = "r = range(1, 10)\nprint('primes in ' + str(r) + ':', [2, 3, 5, 7])\n"
    assert "lazy-object-shown" not in _kinds(code)


def test_a_function_reading_the_global_it_is_passed_is_not_flagged() -> None:
    code = "text = 'a bc'\ndef lens(s):\n    return [len(w) for w in text.split()]\nprint(lens(text))\n"
    assert "parameter-never-used" not in _kinds(code)


def test_a_first_item_loop_over_one_item_is_not_flagged() -> None:
    code = "def first(xs):\n    for x in xs:\n        return x\nprint(first([7]))\n"
    assert "loop-always-returns" not in _kinds(code)


def test_a_board_row_with_deliberate_leading_space_is_not_flagged() -> None:
    code = "a = b = 'X'\nprint('', a, '\\n', b)\n"
    assert "newline-then-separator" not in _kinds(code)


def test_a_width_taken_from_the_next_value_is_not_an_extra_value() -> None:
    code = "print('{:{}}|'.format('ab', 6))\nprint('{:>{w}}|'.format('ab', w=6))\n"
    assert "format-extra-values" not in _kinds(code)


def test_range_minus_one_that_reads_the_next_item_is_not_off_by_one() -> None:
    code = (
        "xs = [2, 2, 3]\nfor j in range(len(xs) - 1):\n    if xs[j] == xs[j + 1]:\n        print('pair', j)\n"
    )
    assert "off-by-one-range" not in _kinds(code)


def test_range_minus_one_without_a_next_item_is_still_off_by_one() -> None:
    code = "xs = [2, 2, 3]\nfor j in range(len(xs) - 1):\n    print(xs[j])\n"
    assert "off-by-one-range" in _kinds(code)


# The code limit is 100,000 characters: every rule's work must grow with the cell, not its square.
# Work is counted as Python call events (sys.setprofile), never time.
SHAPES = [
    "it{i} = iter([{i}, 1])\nprint(list(it{i}))\n",
    "def f{i}(a):\n    for v in a:\n        return v\nprint(f{i}([{i}, 2]))\n",
    "for x{i} in range(3):\n    print('{{}}'.format(x{i}))\n",
]


def _events(source: str) -> int:
    import sys

    from learnflow_agents.tutors.debug.families import logic_idioms

    tree, count = ast.parse(source), 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        for rule in logic_idioms.RULES:
            rule(tree, source, "it prints the wrong value", None)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("shape", SHAPES)
def test_the_idiom_rules_cost_linear_work(shape: str) -> None:
    small = _events("".join(shape.format(i=i) for i in range(100)))
    large = _events("".join(shape.format(i=i) for i in range(400)))
    assert large / small < 6, f"{large} events for 4x the cell vs {small}"
