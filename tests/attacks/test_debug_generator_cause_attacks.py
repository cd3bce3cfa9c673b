"""A generator function has no `return` of a value, yet its call gives a generator, never `None`:
the debug tutor must not tell a student whose generator works that 'line N gets None'."""

from __future__ import annotations

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

pytestmark = pytest.mark.timeout(120)

CELLS = {
    "yield": (
        "def squares(n):\n    for i in range(n):\n        yield i * i\n\n"
        "result = squares(4)\nprint(sum(result))\n"
    ),
    "printing yield": (
        "def squares(n):\n    for i in range(n):\n        print('next')\n        yield i * i\n\n"
        "result = squares(4)\nprint(sum(result))\n"
    ),
    "yield from": (
        "def both(a, b):\n    yield from a\n    yield from b\n\nitems = both([1], [2])\nprint(list(items))\n"
    ),
}


@pytest.mark.parametrize("name", list(CELLS))
def test_a_generators_call_is_not_said_to_give_none(name: str) -> None:
    reply = diagnose(StudentQuery(text="it prints 14 but I expected 30", code=CELLS[name]))
    assert reply.data.get("likely_cause") not in ("missing-return", "print-instead-of-return"), reply.summary
    assert "gets `None`" not in reply.summary and "gets nothing back" not in reply.summary, reply.summary
