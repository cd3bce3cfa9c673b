"""An exercise submission that writes its own frame of millions of tiny JSON containers on
the harness channel: the trusted checker must refuse it before decoding builds them, and an
honest large answer (brackets in its text, hundreds of thousands of values) still passes."""

from __future__ import annotations

import tracemalloc

import pytest
from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.format import ExerciseMetadata
from learnflow_agents.tutors.exercise.sandbox import Limits

pytestmark = pytest.mark.timeout(180)

LIMITS = Limits(per_test_seconds=20.0, total_seconds=60.0, memory_bytes=512 * 1024 * 1024)

BIG = Exercise(
    meta=ExerciseMetadata(exercise_id="big", title="Big", topic="lists", difficulty="beginner", hints=["-"]),
    statement="Write big(): a text of 2,000,000 '[' and a list of 300,000 one-item tuples.",
    starter="def big():\n    raise NotImplementedError\n",
    solution="def big():\n    return '[' * 2_000_000, [(i,) for i in range(300_000)]\n",
    visible_tests=(
        ExerciseTest(
            "visible",
            "text, items = big()\nassert len(text) == 2_000_000 and set(text) == {'['}\n"
            "assert len(items) == 300_000 and items[-1] == (299_999,)\n",
            hidden=False,
        ),
    ),
    hidden_tests=(),
)

# 8 MB of "[]," (2.8 million empty lists) written as the child's own answer frame.
FORGERY = """
import os, sys
def big():
    fd = sys.modules["__main__"]._WFD
    n = (8 * 1024 * 1024 - 100) // 3
    data = ("[" + "[]," * (n - 1) + "[]]").encode()
    os.write(fd, len(data).to_bytes(4, "big") + data)
    return 0
"""


def test_a_frame_of_millions_of_tiny_lists_is_refused_before_it_is_decoded() -> None:
    tracemalloc.start()
    try:
        result = check_code(BIG, FORGERY, limits=LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.passed
    # Decoding the frame took a 189 MB peak; reading and refusing it, the 8 MB frame itself
    # and a copy without its strings at most.
    assert peak < 48 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_an_honest_large_answer_with_brackets_in_its_text_still_passes() -> None:
    result = check_code(BIG, BIG.solution, limits=LIMITS)
    assert result.passed, result
