"""A cell the debug tutor's own sandboxed run had to stop (its time limit), not the student:
the reply says so, names no line it does not know, and never blames the student's Ctrl-C."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose


def _words(reply) -> str:
    return "\n".join([reply.summary, reply.explanation, *reply.hints])


@pytest.mark.parametrize(
    "cell",
    ["import time\ntime.sleep(100)\n", "x = 10**10**8\nprint(x)\n"],
    ids=["sleep", "huge-power"],
)
def test_a_cell_stopped_by_the_sandbox_time_limit_is_explained_honestly(cell: str) -> None:
    reply = diagnose(StudentQuery(code=cell, text="why does it never finish?"))
    words = _words(reply)
    assert "None" not in words and "(``)" not in words, words
    assert "You stopped" not in words and "you stopped" not in words, words
    assert "still running after 3 seconds" in reply.summary, reply.summary


def test_a_loop_stopped_by_the_time_limit_is_not_blamed_on_the_student() -> None:
    reply = diagnose(StudentQuery(code="n = 0\nwhile n < 10:\n    print(n)\n", text="it never stops"))
    words = _words(reply)
    assert "`n`" in words and "line 2" in words, words
    assert "you had to stop it" not in words and "None" not in words, words
    assert "LearnFlow stopped it after 3 seconds" in words, words


def test_a_real_interrupt_without_a_line_still_says_the_student_stopped_it() -> None:
    reply = diagnose(
        StudentQuery(
            code="import time\ntime.sleep(100)\n",
            traceback="Traceback (most recent call last):\nKeyboardInterrupt\n",
            text="I had to stop it",
        ),
        run_code=False,
    )
    words = _words(reply)
    assert "None" not in words, words
    assert "stopped the cell" in words or "interrupted" in words, words
