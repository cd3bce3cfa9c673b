"""Attack: make a fix that was never really exercised, or that still fails, carry the card's
"checked" label. The verifier runs the fixed cell in the sandbox and judged any run that did
not repeat the original error (same type, line or message) as "ran", titled "Fixed cell
(checked: runs without the NameError)" and explained "it compiles and runs without the
NameError". Both failed before the fix:

1. The fixed cell stops on an earlier line in the sandbox, before the fixed line ever runs:
   a name defined in another notebook cell (`len(scores)` on line 1: an honest student's
   cell), or a program that notices it is not in Jupyter (no `JPY_SESSION_NAME` in the
   sandbox's empty environment) and leaves with `raise SystemExit`. Whatever the fix says, it
   was labelled a clean run. Now it is "compiles" with the line the run stopped on.
2. The fixed cell gets past the error and then raises another of the same type on a later
   line (a second undefined name): the title still said "runs without the NameError". Now
   it says the fix gets past this error and then stops on another.

Through the tutor's public entry point and the real sandbox. What no verifier can rule out is
left as it is: a program that raises only when it is in Jupyter can pass its own check.
"""

import re

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView


def _traceback(line: int) -> str:
    return (
        f'Traceback (most recent call last):\n  File "<cell>", line {line}, in <module>\n'
        "NameError: name 'totl' is not defined. Did you mean: 'total'?"
    )


STOPS_EARLY = {
    "name-from-another-cell": "n = len(scores)\ntotal = 10\nprint(totl / n)\n",
    "leaves-outside-jupyter": (
        "import random\nif not random._os.environ.get('JPY_SESSION_NAME'):\n    raise SystemExit\n"
        "total = 10\nprint(totl)\n"
    ),
}


@pytest.mark.parametrize("cell", list(STOPS_EARLY.values()), ids=list(STOPS_EARLY))
def test_a_trial_run_that_stops_before_the_fixed_line_is_not_a_checked_run(cell: str) -> None:
    reply = diagnose(StudentQuery(text="why", code=cell, traceback=_traceback(cell.count("\n"))))
    assert reply.code_blocks, reply.summary  # the rename is still offered
    assert "total" in reply.code_blocks[0].code.split("\n")[-2]
    assert reply.data["fix_verified"] == "compiled", reply.data["fix_check"]
    assert "before line" in str(reply.data["fix_check"])
    card = ReplyView.of(reply).text()
    assert not re.search(r"runs (?:without|past) the NameError", card), card


def test_a_fix_that_then_raises_the_same_type_again_is_not_said_to_run_without_it() -> None:
    cell = "total = 1\nprint(totl)\nprint(undefined_two)\n"
    reply = diagnose(StudentQuery(text="why", code=cell, traceback=_traceback(2)))
    assert reply.data["fix_verified"] == "ran", reply.data["fix_check"]  # it did get past line 2
    assert "undefined" in str(reply.data["fix_check"])
    assert "runs without the NameError" not in reply.code_blocks[0].title
    assert "runs without the NameError" not in reply.explanation
    assert "another error" in reply.code_blocks[0].title


def test_a_fix_that_runs_cleanly_keeps_its_label() -> None:
    reply = diagnose(StudentQuery(text="why", code="total = 1\nprint(totl)\n", traceback=_traceback(2)))
    assert reply.data["fix_verified"] == "ran"
    assert reply.code_blocks[0].title == "Fixed cell (checked: runs without the NameError)"
