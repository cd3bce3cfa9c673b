"""Attack on the logic-bug rules of families/logic_idioms.py (249d7dc): typical beginner
programs that do what they should, asked 'why is the output wrong?'. Each got a cause named
(a false cause is worse than none): a binary/reversed number built as text, ISO dates or a
sentence's words sorted as text, a dict with number keys looked up by key, a list of unique
names printed with its positions once per round, each word's first position stored, a word
spaced out letter by letter, a rebound loop variable printed on the same line."""

import ast

import pytest
from learnflow_agents.sandbox.trace import trace_program
from learnflow_agents.tutors.debug.families.wrong_behaviour import likely_causes


def _kinds(code: str) -> list[str]:
    return [
        c.kind for c in likely_causes(ast.parse(code), code, "why is the output wrong?", trace_program(code))
    ]


CORRECT = [
    # (the rule that named a false cause, a program that does what it should)
    (
        "digit-strings-added",
        "n = 6\nbits = ''\nwhile n > 0:\n    bit = str(n % 2)\n    bits = bit + bits\n"
        "    n //= 2\nprint(bits)\n",
    ),
    ("digit-strings-added", "num = 1234\nrev = ''\nfor d in str(num):\n    rev = d + rev\nprint(rev)\n"),
    ("digit-strings-added", "h = '09'\nm = '30'\nstamp = h + m\nprint(stamp)\n"),
    ("item-used-as-index", "squares = {1: 1, 2: 4, 3: 9}\nfor n in squares:\n    print(n, squares[n])\n"),
    (
        "index-of-repeated-item",
        "names = ['Ann', 'Bob', 'Cy']\nfor round_no in range(1, 3):\n    print('Round', round_no)\n"
        "    for name in names:\n        print(names.index(name) + 1, name)\n",
    ),
    (
        "index-of-repeated-item",
        "words = ['a', 'b', 'a', 'c']\nfirst = {}\nfor w in words:\n    first[w] = words.index(w)\n"
        "print(first)\n",
    ),
    ("max-of-split-text", "sentence = 'I have 2 cats and 3 dogs'\nprint(sorted(sentence.split()))\n"),
    ("max-of-split-text", "dates = '2024-01-05 2023-12-31 2024-02-01'\nprint(min(dates.split()))\n"),
    ("max-of-split-text", "scores = '7 3 9'\nprint(max(scores.split()))\n"),
    ("join-of-one-string", "word = 'PYTHON'\nprint(' '.join(word))\n"),
    (
        "loop-variable-rebound",
        "names = ['ann', 'bob']\nfor name in names:\n    name = name.title(); print(name)\n",
    ),
]


@pytest.mark.parametrize(("kind", "code"), CORRECT, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CORRECT)])
def test_a_correct_program_gets_no_such_cause(kind: str, code: str) -> None:
    assert kind not in _kinds(code)


BUGGY = [
    ("digit-strings-added", "a = '5'\nb = '7'\nprint(a + b)\n"),
    (
        "index-of-repeated-item",
        "a = [4, 4, 5]\nfor r in range(2):\n    for x in a:\n        print(a.index(x))\n",
    ),
    ("max-of-split-text", "line = '9 10 7'\nprint(max(line.split()))\n"),
    ("join-of-one-string", "full = 'Ada Lovelace'\nprint('\\n'.join(full))\n"),
]


@pytest.mark.parametrize(("kind", "code"), BUGGY, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BUGGY)])
def test_the_bug_the_rule_is_for_is_still_named(kind: str, code: str) -> None:
    assert kind in _kinds(code)
