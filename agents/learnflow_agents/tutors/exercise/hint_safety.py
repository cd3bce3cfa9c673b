"""Check that no hint gives away the reference solution or a hidden test.

Hints may name a concept or a built-in ("`%` gives the remainder"); they must not
contain a line of the solution the student has to write, nor any line of a hidden test
(which would reveal the hidden cases and their expected values). Lines are compared
with whitespace collapsed, so re-indenting a solution line inside a hint is still caught.
"""

import re

from learnflow_agents.tutors.exercise.bank import Exercise

# Shorter lines ("return total", "else:") are vocabulary, not a give-away.
MIN_REVEALING_CHARS = 14


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _code_lines(source: str) -> set[str]:
    lines = set()
    for line in source.splitlines():
        code = _normalise(line)
        if len(code) >= MIN_REVEALING_CHARS and not code.startswith("#"):
            lines.add(code)
    return lines


def hint_leaks(exercise: Exercise) -> list[str]:
    """Human-readable problems, empty when every hint is safe."""
    starter_lines = _code_lines(exercise.starter)
    # Lines the starter already shows (signatures, given data) are no secret.
    secret_solution = _code_lines(exercise.solution or "") - starter_lines
    problems = []
    for number, hint in enumerate(exercise.hints, start=1):
        text = _normalise(hint)
        problems += [
            f"hint {number} reveals solution line {line!r}"
            for line in sorted(secret_solution)
            if line in text
        ]
        problems += [
            f"hint {number} reveals hidden test {test.name!r}: {line!r}"
            for test in exercise.hidden_tests
            for line in sorted(_code_lines(test.source))
            if line in text
        ]
    return problems
