"""SyntaxError kinds the ruff outside set (benchmarks/data/outside_debug/before_ruff_dev.txt) found
answered by the generic template or by a wrong reading. The snippets are our own beginner-shaped
variants, not the set's fixtures: each must get its own analysis, naming the fact the student
needs, from CPython 3.11's real traceback; where a fix is shown, it compiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.code_facts import compile_error

# name: (code, analysis, facts the reply must state, a fix must be shown)
CASES = {
    "operator-ends-line-value-below": (
        "price = 3\ntax = 1\ntotal = price +\n    tax\nprint(total)\n",
        "syntax:dangling-operator",
        ["`+`", "next line", "brackets"],
        True,
    ),
    "comparison-without-right-side": (
        "x = 2\nif x ==:\n    print(x)\n",
        "syntax:dangling-operator",
        ["`==`"],
        False,
    ),
    "assignment-without-value": (
        "count =\nprint(count)\n",
        "syntax:dangling-operator",
        ["`=`", "value"],
        False,
    ),
    "for-without-in": (
        "for letter\n    print(letter)\n",
        "syntax:incomplete-statement",
        ["`for letter in"],
        False,
    ),
    "while-without-condition": ("while:\n    pass\n", "syntax:incomplete-statement", ["condition"], False),
    "from-without-import": ("from random\n", "syntax:incomplete-statement", ["`from random import"], False),
    "def-without-name": ("def (a, b):\n    return a + b\n", "syntax:incomplete-statement", ["name"], False),
    "assert-trailing-comma": ("n = 3\nassert n > 0,\n", "syntax:incomplete-statement", ["message"], True),
    "walrus-after-yield": (
        "def gen():\n    yield n := 5\n",
        "syntax:walrus-parentheses",
        ["`(n := 5)`", "brackets"],
        True,
    ),
    "walrus-as-dict-value": ("d = {'a': b := 2}\n", "syntax:walrus-parentheses", ["`(b := 2)`"], True),
    "if-after-if-on-one-line": (
        "x = 1\nif x > 0: if x < 5: print(x)\n",
        "syntax:block-on-same-line",
        ["own", "`if`"],
        True,
    ),
    "else-on-same-line": (
        "x = 1\nif x > 0: print('pos') else: print('neg')\n",
        "syntax:block-on-same-line",
        ["`else`", "new line"],
        True,
    ),
    "import-in-brackets": ("import (random)\n", "syntax:import-brackets", ["`import random`"], True),
    "import-star-with-names": ("from math import *, pi\n", "syntax:import-brackets", ["`*`", "alone"], False),
    "type-statement-3-12": (
        "type Point = tuple[int, int]\n",
        "syntax:newer-python",
        ["3.12", "`Point ="],
        True,
    ),
    "generic-function-3-12": (
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",
        "syntax:newer-python",
        ["3.12", "TypeVar"],
        False,
    ),
    "template-string-3-14": (
        "name = 'Ann'\nmsg = t'Hi {name}'\n",
        "syntax:newer-python",
        ["3.14", "f-string"],
        True,
    ),
    "misspelt-else-with-colon": (
        "age = 3\nif age > 5:\n    print('big')\nelf:\n    print('small')\n",
        "syntax:keyword_typo",
        ["`elf`", "`else:`"],
        True,
    ),
    "match-body-not-case": (
        "command = 'go'\nmatch command:\n    print(command)\n",
        "syntax:match-body",
        ["`case`"],
        False,
    ),
    "mapping-rest-first": (
        "match {'a': 1}:\n    case {**others, 'a': 1}:\n        pass\n",
        "syntax:mapping-rest-last",
        ["`**others`", "last"],
        False,
    ),
    "lambda-with-brackets": ("first = lambda (0, 1): 0\n", "syntax:lambda-brackets", ["brackets"], False),
    "capture-pattern-for-variable": (
        "RED = 'red'\ncolour = 'blue'\nmatch colour:\n    case RED:\n        print('stop')\n"
        "    case 'blue':\n        print('calm')\n",
        "message:capture_all",
        ["captures", "`case _ if colour == RED:`"],
        True,
    ),
    "or-pattern-different-names": (
        "match (1, 2):\n    case (a, 1) | (1, b):\n        pass\n",
        "message:or_names",
        ["same names"],
        False,
    ),
    "pattern-name-twice": (
        "match (1, 1):\n    case (same, same):\n        pass\n",
        "message:pattern_name_twice",
        ["`same`", "guard"],
        False,
    ),
    "pattern-duplicate-key": (
        "match {'k': 1}:\n    case {'k': 1, 'k': 2}:\n        pass\n",
        "message:pattern_dup_key",
        ["`k`", "twice"],
        False,
    ),
    "pattern-two-stars": (
        "match [1, 2, 3]:\n    case [*head, *tail]:\n        pass\n",
        "message:pattern_two_stars",
        ["one"],
        False,
    ),
    "wildcard-not-last": (
        "match 3:\n    case _:\n        pass\n    case 3:\n        pass\n",
        "message:capture_all",
        ["last"],
        False,
    ),
    # Beginner shapes read on our own variants after the first round (not from the set).
    "and-without-left-side": (
        "age = 15\nif age >= 13 and <= 19:\n    print('teen')\n",
        "syntax:half-comparison",
        ["`age`", "whole condition", "`if age >= 13 and age <= 19:`"],
        True,
    ),
    "global-with-value": (
        "def start():\n    global score = 0\n",
        "syntax:global-assign",
        ["`global score`", "`score = 0`"],
        True,
    ),
    "return-in-lambda": (
        "double = lambda n: return n * 2\n",
        "syntax:lambda-return",
        ["`double = lambda n: n * 2`"],
        True,
    ),
    "space-in-name": ("total price = 10\n", "syntax:name-with-space", ["`total_price`", "spaces"], True),
    "else-after-comprehension-filter": (
        "nums = [1, -2]\nclean = [n for n in nums if n > 0 else 0]\n",
        "syntax:comprehension-else",
        ["before `for`", "`clean = [n if n > 0 else 0 for n in nums]`"],
        True,
    ),
    "parameters-without-comma": (
        "def area(width height):\n    return width * height\n",
        "syntax:parameter-comma",
        ["comma", "`def area(width, height):`"],
        True,
    ),
    "dot-without-attribute": (
        "words = ['a']\nfor w in words:\n    print(w.)\n",
        "syntax:dangling-dot",
        ["`.`", "`w`"],
        False,
    ),
    "import-as-without-name": (
        "import numpy as\n",
        "syntax:incomplete-statement",
        ["`as`", "new name"],
        False,
    ),
    "store-in-while-condition": (
        "import sys\nwhile (row = sys.stdin.readline()):\n    print(row)\n",
        "syntax:_store_in_condition",
        ["`while (row := sys.stdin.readline()):`", "`:=`"],
        True,
    ),
    "two-operators-in-a-row": ("a, b = 2, 3\nprint(a +* b)\n", "syntax:double-operator", ["`+*`"], False),
    "conditional-without-else-value": (
        "n = 2\nlabel = 'even' if n % 2 == 0 else\n",
        "syntax:dangling-operator",
        ["`else`", "false"],
        False,
    ),
    "unquoted-text-in-print": (
        "print(Good morning, everyone!)\n",
        "syntax:unquoted-text",
        ["quotes", '`print("Good morning, everyone!")`'],
        False,
    ),
    "unquoted-question-in-input": (
        "answer = input(How old are you?)\n",
        "syntax:unquoted-text",
        ['`answer = input("How old are you?")`'],
        False,
    ),
    "same-quote-inside-string": (
        'quote = "She said "yes" to me"\n',
        "syntax:nested-quotes",
        ["`quote = 'She said \"yes\" to me'`"],
        True,
    ),
    "bracket-open-before-colon": (
        "n = 4\nwhile (n > 0:\n    n -= 1\n",
        "syntax:header-bracket-open",
        ["`while (n > 0):`"],
        True,
    ),
    "format-spec-outside-f-string": (
        "price = 3.5\nprint('Price:', price:.2f)\n",
        "syntax:format-spec-outside",
        ["f-string", '`f"{price:.2f}"`'],
        True,
    ),
    "or-without-left-side-is": (
        "colour = 'red'\nif colour is None or is 'blue':\n    pass\n",
        "syntax:half-comparison",
        ["`colour`"],
        True,
    ),
    "function-name-with-space": (
        "def add numbers(a, b):\n    return a + b\n",
        "syntax:name-with-space",
        ["`def add_numbers(a, b):`"],
        True,
    ),
    "switch-from-c": (
        "day = 2\nswitch day:\n    case 1:\n        print('Mon')\n",
        "syntax:foreign-statement",
        ["`match`", "`case _:`"],
        True,
    ),
    "c-style-for": (
        "n = 5\nfor (k = 1; k <= n; k++):\n    print(k)\n",
        "syntax:foreign-statement",
        ["`for k in range(1, n + 1):`"],
        True,
    ),
    "catch-from-java": (
        "try:\n    x = int('a')\ncatch ValueError:\n    print('bad')\n",
        "syntax:foreign-statement",
        ["`except`", "`except ValueError:`"],
        True,
    ),
    "pip-in-python": (
        "pip install requests\n",
        "syntax:terminal-command",
        ["terminal", "`%pip install requests`"],
        False,
    ),
}


def _traceback(code: str, tmp_path: Path) -> str:
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, "the snippet must fail"
    assert "SyntaxError" in done.stderr or "IndentationError" in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize(("code", "analysis", "facts", "fixed"), list(CASES.values()), ids=list(CASES))
def test_a_syntax_slip_gets_its_own_analysis(
    code: str, analysis: str, facts: list[str], fixed: bool, tmp_path: Path
) -> None:
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert reply.data.get("analysis") == analysis, reply.summary
    said = reply.summary + "\n" + reply.explanation
    for fact in facts:
        assert fact in said, (fact, said)
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    if fixed:
        assert fixes, said
    for fix in fixes:
        assert compile_error(fix) is None, fix


def test_a_slip_no_rule_knows_is_counted_as_the_generic_template(tmp_path: Path) -> None:
    """The last-resort reply for a bare "invalid syntax" used to go out marked with the family's
    name, so the outside-set scorer counted it as a specific analysis."""
    code = "async x = 1\n"  # a slip no analysis claims yet; replace it when one does
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert "don't recognise" in reply.summary
    assert reply.data.get("analysis") == "generic"


def test_a_compare_in_a_condition_keeps_double_equals_when_the_name_exists(tmp_path: Path) -> None:
    code = "row = ''\nwhile (row = input()):\n    pass\n"
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert reply.data.get("analysis") == "syntax:_assignment_in_condition"
    assert "`row == input()`" in reply.summary, reply.summary


def test_a_header_on_the_last_line_is_told_its_body_is_missing(tmp_path: Path) -> None:
    """It was told "line 1 (`def area(w):`) is not indented under it" — the header itself."""
    code = "def area(w):\n"
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert "nothing follows it" in reply.summary, reply.summary
    assert "is not indented under it" not in reply.summary


def test_operator_at_line_end_is_not_joined_with_an_unrelated_next_statement(tmp_path: Path) -> None:
    code = "x = 3 *\n\nprint(x)\n"
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=_traceback(code, tmp_path)))
    assert reply.data.get("analysis") == "syntax:dangling-operator"
    assert not [b for b in reply.code_blocks if b.role.value == "fix"], reply.code_blocks
