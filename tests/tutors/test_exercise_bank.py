"""The shipped exercise bank: size, spread, solution sizes, and hints that give nothing away."""

from collections import Counter
from dataclasses import replace

import pytest
from learnflow_agents.tutors.exercise.bank import Exercise, load_bank
from learnflow_agents.tutors.exercise.format import Difficulty
from learnflow_agents.tutors.exercise.hint_safety import hint_leaks

BANK = list(load_bank())

# (min, max) non-blank lines of the reference solution, from the curriculum's definition.
SOLUTION_LINES = {
    Difficulty.BEGINNER: (5, 10),
    Difficulty.INTERMEDIATE: (15, 20),
    Difficulty.ADVANCED: (30, 1_000),
}


def _solution_lines(exercise: Exercise) -> int:
    return sum(1 for line in (exercise.solution or "").splitlines() if line.strip())


def test_bank_is_big_and_broad_enough() -> None:
    assert len(BANK) >= 40
    assert len({e.topic for e in BANK}) >= 12
    difficulties = Counter(e.difficulty for e in BANK)
    assert set(difficulties) == set(Difficulty)
    assert min(difficulties.values()) >= 10


def test_several_topics_offer_more_than_one_difficulty() -> None:
    per_topic: dict[str, set[Difficulty]] = {}
    for exercise in BANK:
        per_topic.setdefault(exercise.topic.value, set()).add(exercise.difficulty)
    assert sum(1 for levels in per_topic.values() if len(levels) > 1) >= 5
    assert per_topic["dicts"] == set(Difficulty)
    assert per_topic["exceptions"] == set(Difficulty)


@pytest.mark.parametrize("exercise", BANK, ids=lambda e: e.id)
def test_solution_size_matches_difficulty(exercise: Exercise) -> None:
    low, high = SOLUTION_LINES[exercise.difficulty]
    assert low <= _solution_lines(exercise) <= high


@pytest.mark.parametrize("exercise", BANK, ids=lambda e: e.id)
def test_exercise_is_complete(exercise: Exercise) -> None:
    assert exercise.solution, "source notebooks carry the reference solution"
    assert exercise.visible_tests, "students need at least one test to run"
    assert exercise.hidden_tests, "hidden tests catch answers written to fit the visible ones"
    assert len(exercise.hints) >= 3
    assert exercise.topic not in exercise.prerequisites or exercise.difficulty is not Difficulty.BEGINNER


@pytest.mark.parametrize("exercise", BANK, ids=lambda e: e.id)
def test_hints_reveal_neither_solution_nor_hidden_tests(exercise: Exercise) -> None:
    assert hint_leaks(exercise) == []
    hints = "\n".join(exercise.hints)
    for test in exercise.hidden_tests:
        for line in test.source.splitlines():
            # Any substantial hidden-test line, even reformatted, would show a hidden case.
            if len(line.strip()) >= 14:
                assert line.strip() not in hints


def test_hint_leak_check_catches_a_solution_line_and_a_hidden_test() -> None:
    exercise = next(e for e in BANK if e.id == "sum-of-evens")
    revealing = replace(
        exercise,
        meta=exercise.meta.model_copy(
            update={
                "hints": [
                    "Try this:   if number % 2 == 0:   then add it.",
                    "The checker also runs assert sum_evens([-4, -3, 10]) == 6",
                ]
            }
        ),
    )
    problems = hint_leaks(revealing)
    assert any("hint 1 reveals solution line 'if number % 2 == 0:'" in p for p in problems)
    assert any("hint 2 reveals hidden test 'negatives and empty'" in p for p in problems)
