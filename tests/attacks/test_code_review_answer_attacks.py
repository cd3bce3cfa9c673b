"""Attacks on code review's run of a student's own tests: the code under test writes the
runner's answer itself.

The runner reports a short answer (pass/fail, the exception's name, 300 characters of its
message, `cell.py` or `tests.py`, a line number), but the tested code can write its own to
the channel first (`os.write(4, ...)`, then `os._exit`) and the review read it as it came.

Failed before the fix (student_tests.py `run_tests` now reads each field as the runner
writes it, and refuses an answer over 64 KiB unread):

* a `line` that is not an integer (`"abc"`, `[1]`) raised ValueError/TypeError out of
  `review()`: the student got no reply at all;
* 900 KB of name, message and file made a 452 KB reply.
"""

import json

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.code_review.agent import review
from learnflow_agents.tutors.code_review.student_tests import TestPlan as Plan
from learnflow_agents.tutors.code_review.student_tests import run_tests

TESTED = """import json, os

def add(a, b):
    return a + b

def test_add():
    assert add(1, 2) == 3

"""


def _forging(answer: dict[str, object]) -> str:
    return TESTED + (
        f"data = json.dumps({answer!r}).encode()\n"
        "os.write(4, len(data).to_bytes(4, 'big') + data)\n"
        "os._exit(0)\n"
    )


@pytest.mark.parametrize("line", ["abc", [1], 1.5, None, -3, 10**30], ids=repr)
def test_a_forged_line_number_still_gets_a_review(line: object) -> None:
    cell = _forging({"ok": False, "error": "AssertionError", "message": "", "file": "tests.py", "line": line})
    reply = review(StudentQuery(text="review my code", code=cell))
    assert isinstance(reply, AgentReply) and reply.summary


def test_a_forged_answer_is_read_as_the_runner_writes_it() -> None:
    cell = _forging(
        {"ok": False, "error": "E" * 20_000, "message": "m" * 20_000, "file": "/etc/passwd", "line": "7"}
    )
    outcome = run_tests(cell, Plan(True, ""))
    assert not outcome.passed
    assert len(outcome.error) <= 200 and len(outcome.message) <= 300
    assert outcome.file == "" and outcome.line == 0


def test_a_forged_giant_answer_gets_a_bounded_reply() -> None:
    answer = (
        '{"ok": False, "error": "E" * 400_000, "message": "m" * 400_000, "file": "f" * 100_000, "line": 5}'
    )
    cell = _forging({}).replace("json.dumps({})", f"json.dumps({answer})")
    reply = review(StudentQuery(text="review my code", code=cell))
    assert len(json.dumps(reply.model_dump(mode="json"))) < 50_000


def test_an_honest_failing_test_is_still_reported_with_its_line() -> None:
    cell = "def add(a, b):\n    return a - b\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    outcome = run_tests(cell, Plan(True, ""))
    assert not outcome.passed and outcome.error == "AssertionError"
    assert outcome.file == "cell.py" and outcome.line == 5
