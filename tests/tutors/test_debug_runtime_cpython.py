"""Runtime kinds found missing with the outside 'cpython_runtime' set (CPython's unit-test
expectations): each test uses its own beginner-shaped program (not a case of that set), runs it
in a fresh interpreter for the real traceback, and checks that the reply names the specific fact
(never the generic template) and, where the tutor offers a fixed cell, that it runs clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from learnflow_agents.contracts.reply import CodeRole

from tests.tutors.debug_cells import ask_about, run_cell


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # a precision on an int: the spec needs the float code
        ("price = 3\nprint(f'Total: {price:.2}')\n", ["precision", "`f`", "`int`"]),
        # a thousands separator on text read as a string
        ("amount = '1200'\nprint(f'{amount:,}')\n", ["separator", "string", "int("]),
        # a sign on the character code
        ("n = 65\nprint('{:+c}'.format(n))\n", ["sign", "integer"]),
        # two separators at once
        ("print(f'{1000000:,_}')\n", ["`,`", "`_`", "one"]),
        # {} and {1} in one string
        ("print('{} scored {1}'.format('Ann', 9))\n", ["`{}`", "`{1}`", "one style"]),
        # a lone percent sign in a %-format
        ("score = 50\nprint('%d%' % score)\n", ["`%%`", "percent"]),
        # a float slice bound from /
        ("word = 'python'\nmiddle = len(word) / 2\nprint(word[:middle])\n", ["`middle`", "`//`", "float"]),
        # a bytearray indexed by text
        ("buf = bytearray(b'hi')\nprint(buf['h'])\n", ["`bytearray`", "`str`", "position"]),
        # a type written as a string
        ("age = 7\nif isinstance(age, 'int'):\n    print('ok')\n", ["`'int'`", "no quotes", "class"]),
        # a set walked backwards
        ("ids = {4, 2, 9}\nfor i in reversed(ids):\n    print(i)\n", ["`set`", "order", "sorted("]),
        # a computed range step of zero
        ("count = 0\nfor i in range(0, 10, count):\n    print(i)\n", ["`count` is 0", "step"]),
        # NaN into an int
        ("avg = float('nan')\nprint(round(avg))\n", ["nan", "math.isnan"]),
        # a tuple searched for a missing value
        ("days = ('mon', 'tue')\nprint(days.index('sun'))\n", ["`tuple`", "does not contain", "in"]),
        # a string method given a number
        ("line = 'a,b'\nprint(line.replace(',', 1))\n", ["`int`", "`replace()`", "`str`"]),
        # int(x, base) on a number
        ("bits = 101\nprint(int(bits, 2))\n", ["text", "int(str(x), base)"]),
        # map without its iterable
        ("names = map(str.upper)\n", ["`map()`", "iterable"]),
        # super().__init__ passing values up to object
        (
            "class Pet:\n    pass\nclass Dog(Pet):\n    def __init__(self, name):\n"
            "        super().__init__(name)\nDog('rex')\n",
            ["`super().__init__()`", "`object`"],
        ),
        # except on something that is not an exception class
        (
            "try:\n    int('x')\nexcept 'ValueError':\n    print('bad')\n",
            ["exception class", "`except valueerror:`"],
        ),
        # dict() from items that are not pairs
        ("pairs = ['ab', 'cde']\nprint(dict(pairs))\n", ["pair", "key", "value"]),
    ],
)
def test_a_cpython_runtime_kind_gets_its_specific_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


@pytest.mark.parametrize(
    ("code", "expected_in_fix"),
    [
        ("price = 3\nprint(f'Total: {price:.2}')\n", "{price:.2f}"),
        ("word = 'python'\nmiddle = len(word) / 2\nprint(word[:middle])\n", "word[:int(middle)]"),
        ("word = 'python'\nprint(word[: len(word) / 2])\n", "len(word) // 2"),
        ("age = 7\nif isinstance(age, 'int'):\n    print('ok')\n", "isinstance(age, int)"),
        ("ids = {4, 2, 9}\nfor i in reversed(ids):\n    print(i)\n", "sorted(ids, reverse=True)"),
        ("line = 'a,b'\nprint(line.replace(',', 1))\n", "line.replace(',', str(1))"),
        ("bits = 101\nprint(int(bits, 2))\n", "int(str(bits), 2)"),
        ("with open('log.txt', 'w') as f:\n    f.write('a')\nf.write('b')\n", "\n    f.write('b')"),
        ("with open('n.txt', 'w') as f:\n    f.write(42)\n", "f.write(str(42))"),
    ],
)
def test_the_fixed_cell_keeps_the_line_and_runs(code: str, expected_in_fix: str, tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    fixes = [b.code for b in reply.code_blocks if b.role == CodeRole.FIX]
    assert fixes, reply.summary
    assert expected_in_fix in fixes[0]
    assert run_cell(fixes[0], tmp_path).returncode == 0


def test_a_missing_tuple_item_is_guarded_by_a_membership_test(tmp_path: Path) -> None:
    reply = ask_about("days = ('mon', 'tue')\nprint(days.index('sun'))\n", tmp_path)
    fixes = [b.code for b in reply.code_blocks if b.role == CodeRole.FIX]
    assert fixes and "if 'sun' in days:" in fixes[0]
    assert run_cell(fixes[0], tmp_path).returncode == 0


def test_a_raise_of_the_students_own_is_not_claimed(tmp_path: Path) -> None:
    # the message is a format-spec one, but the program raised it on purpose
    code = (
        "def check(spec):\n    raise ValueError('Precision not allowed in integer format specifier')\n"
        "check('.2')\n"
    )
    reply = ask_about(code, tmp_path)
    assert "precision (`.n`)" not in reply.summary.lower()


def test_runaway_nesting_with_no_function_calling_itself_is_explained(tmp_path: Path) -> None:
    # no def recurses: the data is nested too deep for print to walk it
    code = "tree = []\nfor _ in range(100000):\n    tree = [tree]\nprint(tree)\n"
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    assert "nested" in said and "limit" in said


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # None from a function without return, raised to a power (the message says "** or pow()")
        ("def area(r):\n    print(3.14 * r)\nside = area(2)\nprint(side ** 2)\n", ["`none`", "`return`"]),
        # __str__ returning a number
        (
            "class Money:\n    def __init__(self, c):\n        self.c = c\n    def __str__(self):\n"
            "        return self.c\nprint(Money(5))\n",
            ["`__str__`", "`int`", "a `str`"],
        ),
        # __len__ returning a negative number
        (
            "class Queue:\n    def __len__(self):\n        return -1\nif Queue():\n    print('busy')\n",
            ["`__len__`", "negative"],
        ),
        # super() with its two arguments swapped
        (
            "class A:\n    def hi(self):\n        return 'hi'\nclass B(A):\n    def hi(self):\n"
            "        return super(self, B).hi()\nprint(B().hi())\n",
            ["`super().method(…)`", "self"],
        ),
        # getattr with a number for the name
        ("class P:\n    x = 1\nprint(getattr(P(), 0))\n", ["attribute", "string", "`int`"]),
        # a Windows path whose \0 became a null character
        ("path = 'C:\\\\logs\\0.txt'\nopen(path)\n", ["null", "raw string"]),
        # a byte order in capitals
        ("print((258).to_bytes(2, 'Big'))\n", ["`'big'`", "`'little'`"]),
        # positional sub-patterns on a class without __match_args__
        (
            "class Point:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n"
            "match Point(1, 2):\n    case Point(1, y):\n        print(y)\n",
            ["`__match_args__`", "`case point(x="],
        ),
        # subclassing bool
        ("class Flag(bool):\n    pass\n", ["`bool`", "subclass"]),
        # complex() from text with spaces
        ("z = complex('1 + 2j')\n", ["`'1+2j'`", "spaces"]),
        # set.add taken from the class and called with nothing
        ("add = set.add\nadd()\n", ["`set.add()`", "`self`"]),
    ],
)
def test_more_cpython_runtime_kinds_get_their_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # an index past the end of a list built on the line (no name to trace)
        ("print(list(range(3))[5])\n", ["`5`", "len("]),
        # dict() from a list of numbers
        ("print(dict([4, 5]))\n", ["pair", "key"]),
        # split on an empty string
        ("word = 'abc'\nprint(word.split(''))\n", ["empty", "list(text)"]),
        # a month of 13
        ("import datetime\nd = datetime.date(2024, 13, 1)\n", ["month", "1–12"]),
        # a negative wait
        ("import time\ntime.sleep(-2)\n", ["negative", "`time.sleep()`"]),
        # 0 to a negative power
        ("base = 0\nprint(pow(base, -2))\n", ["0", "negative power", "divid"]),
    ],
)
def test_everyday_library_values_get_their_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # text given to a maths function
        ("import math\nside = '9'\nprint(math.sqrt(side))\n", ["`str`", "float("]),
        # next() on a list
        ("items = [1, 2]\nprint(next(items))\n", ["iter(", "iterator"]),
        # two mode letters at once
        ("f = open('notes.txt', 'rw')\n", ["mode", "'r+'"]),
        # the file used after its with block
        (
            "with open('log.txt', 'w') as f:\n    f.write('a')\nf.write('b')\n",
            ["closed", "inside the `with`"],
        ),
        # writing to a file opened for reading
        (
            "with open('log.txt', 'w') as f:\n    f.write('a')\n"
            "with open('log.txt') as f:\n    f.write('b')\n",
            ["not writable", "`'w'`"],
        ),
        # mode 'x' on a file that is there
        ("open('new.txt', 'x').close()\nopen('new.txt', 'x')\n", ["already exists", "`'w'`"]),
        # the mean of nothing
        ("import statistics\nscores = []\nprint(statistics.mean(scores))\n", ["empty", "if values:"]),
        # bounds in the wrong order
        ("import random\nprint(random.randint(10, 1))\n", ["empty range", "smaller number first"]),
        # a float bound
        ("import random\nprint(random.randint(1, 7 / 2))\n", ["whole number", "random.uniform"]),
        # sample from a set
        ("import random\nprint(random.sample({'a', 'b'}, 1))\n", ["set", "list(items)"]),
        # startswith with a list
        ("name = 'Dr Who'\nprint(name.startswith(['Dr', 'Mr']))\n", ["tuple", "list"]),
        # strip with a number
        ("code = '007'\nprint(code.lstrip(0))\n", ["`lstrip`", "characters"]),
        # an unbalanced regular expression
        ("import re\nprint(re.findall('(a', 'aaa'))\n", ["regular expression", "re.escape"]),
        # a number given to re
        ("import re\nprint(re.search('1', 123))\n", ["`int`", "str("]),
        # a misspelt encoding
        ("print('hi'.encode('utf8x'))\n", ["`utf8x`", "'utf-8'"]),
        # a number written to a file
        ("with open('n.txt', 'w') as f:\n    f.write(42)\n", ["`int`", "`write()`", "`str`"]),
    ],
)
def test_files_and_library_calls_get_their_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # an abstract base class instantiated
        (
            "from abc import ABC, abstractmethod\nclass Animal(ABC):\n    @abstractmethod\n"
            "    def speak(self):\n        pass\npet = Animal()\n",
            ["abstract", "`animal`", "subclass", "speak"],
        ),
        # a number as a path part
        ("import os\nday = 3\nprint(os.path.join('logs', day))\n", ["`int`", "str("]),
        # join of one number
        ("total = 12\nprint(', '.join(total))\n", ["list", "str(n) for n in numbers"]),
    ],
)
def test_classes_and_text_joins_get_their_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # a method bolted onto a built-in type
        ("def shout(self):\n    return self.upper()\nstr.shout = shout\n", ["`shout`", "`str`", "subclass"]),
        # a built-in value switched to a subclass
        ("class Score(int):\n    __slots__ = ()\nn = 3\nn.__class__ = Score\n", ["`__class__`", "score("]),
        # a function renamed with a number
        ("def area():\n    pass\narea.__name__ = 2\n", ["`__name__`", "string"]),
        # a view type called directly
        ("KeysView = type({}.keys())\nk = KeysView({'a': 1})\n", ["`dict_keys`", "list("]),
        # complex() of None
        ("value = None\nz = complex(value)\n", ["`complex()`", "complex(1, 2)"]),
    ],
)
def test_builtin_type_rules_get_their_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = (reply.summary + "\n" + reply.explanation).lower()
    assert reply.data.get("analysis") != "generic", reply.summary
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)
