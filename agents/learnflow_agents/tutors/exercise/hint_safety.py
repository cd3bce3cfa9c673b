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


def shown_leaks(exercise: Exercise) -> list[str]:
    """What the student is shown (hints, statement, visible tests) that reveals a line of the
    solution or of a hidden test: for exercises no instructor reviewed (generated ones)."""
    starter = _code_lines(exercise.starter)
    visible = set().union(*(_code_lines(t.source) for t in exercise.visible_tests))
    secret = dict.fromkeys(_code_lines(exercise.solution or "") - starter, "the solution")
    for test in exercise.hidden_tests:
        # Its assertions are the secret (inputs and expected values); a hidden line that a
        # visible test also shows is none, nor a bare call the statement names.
        hidden = {line for line in _code_lines(test.source) - starter - visible if "assert" in line}
        secret.update(dict.fromkeys(hidden, "a hidden test"))
    shown = [(f"hint {n}", hint) for n, hint in enumerate(exercise.hints, start=1)]
    shown.append(("the statement", exercise.statement))
    shown += [(f"visible test {t.name!r}", t.source) for t in exercise.visible_tests]
    problems = []
    for where, text in shown:
        flat = _normalise(text)
        # The line itself is not quoted: the reason travels in the reply the student gets.
        problems += sorted(
            {f"{where} reveals a line of {what}" for line, what in secret.items() if line in flat}
        )
    return problems
