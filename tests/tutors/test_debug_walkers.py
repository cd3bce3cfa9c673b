"""`sum(total)`, `max(n)`… on a single number: the built-in wants a collection. The reply
says so and offers no `range(...)` rewrite, which would run and compute something else
(`sum(range(total))` is 0 + 1 + … + total-1), yet be shown as a checked fix."""

import re

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.agent import _inert


@pytest.mark.parametrize(
    ("cell", "call", "name"),
    [
        ("row = [1, 2]\ntotal = 3\nprint(*row, sum(total))\n", "sum", "total"),
        ("scores = 7\nprint(max(scores))\n", "max", "scores"),
        ("n = 2.5\nfor x in sorted(n):\n    print(x)\n", "sorted", "n"),
    ],
)
def test_a_builtin_given_a_number_is_explained_without_range(cell: str, call: str, name: str) -> None:
    reply = diagnose(StudentQuery(code=cell, text="why?"))
    words = "\n".join([reply.summary, reply.explanation, *reply.hints])
    assert f"`{call}()`" in reply.summary and f"`{name}`" in reply.summary, reply.summary
    assert "range(" not in words and "range(" not in "".join(b.code for b in reply.code_blocks), words


def test_a_loop_over_a_number_still_gets_range() -> None:
    reply = diagnose(StudentQuery(code="n = 4\nfor i in n:\n    print(i)\n", text="why?"))
    assert "range(n)" in reply.summary


def test_the_argument_is_quoted_safely() -> None:
    cell = 'print(sum(len("x` **owned** [log in](https://evil.example) `y")))\n'
    reply = diagnose(StudentQuery(code=cell, text="why?"))
    assert "`sum()`" in reply.summary, reply.summary
    outside = re.sub(r"(`+) .*? \1|`[^`]*`", "", reply.summary)
    assert "](" not in outside, reply.summary


def _outside_code(text: str) -> str:
    return re.sub(r"(?<!`)(`+)(?:.*?[^`])??\1(?!`)", "", text, flags=re.S)


def test_a_quote_that_ends_its_code_span_early_still_adds_no_markup() -> None:
    # An analyser that writes its own backticks around the student's code (here the loop's
    # iterable): the string's backtick closes that span, and the rest must stay text.
    evil = '**owned** [log in](https://evil.example) ![i](x.png) <b>hi</b>'
    cell = f'for ch in len("x` {evil} `y"):\n    print(ch)\n'
    reply = diagnose(StudentQuery(code=cell, text="why?"))
    for text in [reply.summary, reply.explanation, *reply.hints]:
        loose = _outside_code(text)
        assert not re.search(r"(?<!\\)\]\(", loose), text
        assert not re.search(r"(?<!\\)<b>", loose), text
        assert "https://" not in loose, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a `x` b [l](u)", "a `x` b [l\\](u)"),
        ("``y` [l](u)`` [l](u)", "``y` [l](u)`` [l\\](u)"),  # a span may hold shorter runs
        ("` [l](u) <b>", "` [l\\](u) \\<b>"),  # a run with no partner is text
        ("cell In[1] and x < 3", "cell In[1] and x < 3"),  # brackets alone, comparisons
        ("\\[l\\](u)", "\\[l\\](u)"),  # already escaped
        ("`" * 50_000 + " [l](u)", "`" * 50_000 + " [l\\](u)"),
    ],
    ids=["span", "nested-run", "unpaired", "plain-brackets", "escaped", "50k-backticks"],
)
def test_markup_is_escaped_only_outside_code_spans(text: str, expected: str) -> None:
    assert _inert(text) == expected
