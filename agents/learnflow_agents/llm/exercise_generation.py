"""Exercises written by the model are proved before a student sees one.

The starter, solution and tests must compile; the model's own solution must pass all
its tests in the sandbox; the starter must not (or there is nothing to do). An exercise
that fails any check is dropped and the bank answers instead. Accepted exercises are
kept in the store, so `check gen-...` can grade attempts against the hidden tests later.
"""

import hashlib
import time
from typing import Any

from learnflow_agents.contracts import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    Provenance,
    StudentQuery,
)
from learnflow_agents.llm.schemas import ExerciseOut
from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.format import ExerciseMetadata
from learnflow_agents.tutors.exercise.replies import visible_tests_code
from learnflow_agents.tutors.exercise.sandbox import Limits

GENERATED_PREFIX = "gen-"
STORE_PREFIX = "llm-exercise:"
# Long enough to finish a course unit; students can always ask for a fresh one.
STORE_TTL_SECONDS = 90 * 86_400
VALIDATION_LIMITS = Limits(per_test_seconds=3.0, total_seconds=20.0)


def build_exercise(out: ExerciseOut) -> Exercise:
    digest = hashlib.sha256(
        "\x1f".join([out.statement, out.starter, *(t.source for t in out.tests)]).encode()
    ).hexdigest()[:12]
    meta = ExerciseMetadata(
        exercise_id=f"{GENERATED_PREFIX}{digest}",
        title=out.title,
        topic=out.topic,
        difficulty=out.difficulty,
        hints=list(out.hints),
        released=False,
    )
    tests = [ExerciseTest(name=t.name, source=t.source, hidden=t.hidden) for t in out.tests]
    return Exercise(
        meta=meta,
        statement=out.statement,
        starter=out.starter,
        solution=out.solution,
        visible_tests=tuple(t for t in tests if not t.hidden),
        hidden_tests=tuple(t for t in tests if t.hidden),
    )


def _compiles(source: str, what: str) -> str | None:
    try:
        compile(source, f"<{what}>", "exec")
    except SyntaxError as err:
        return f"{what} does not compile: {err.msg} (line {err.lineno})"
    return None


def validation_problem(exercise: Exercise, limits: Limits = VALIDATION_LIMITS) -> str | None:
    """Why the exercise must not reach a student, or None when it is sound."""
    problems = [
        _compiles(exercise.starter, "the starter"),
        _compiles(exercise.solution or "", "the solution"),
    ]
    problems += [_compiles(t.source, f"test {t.name!r}") for t in exercise.all_tests]
    found = next((p for p in problems if p), None)
    if found:
        return found
    if not exercise.visible_tests or not exercise.hidden_tests:
        return "it needs at least one visible and one hidden test"
    solved = check_code(exercise, exercise.solution or "", limits=limits)
    if not solved.passed:
        failing = ", ".join(t.name for t in solved.failures) or solved.summary
        return f"the model's own solution fails its tests ({failing})"
    if check_code(exercise, exercise.starter, limits=limits).passed:
        return "the starter already passes every test"
    return None


def to_record(exercise: Exercise) -> dict[str, Any]:
    return {
        "meta": exercise.meta.model_dump(mode="json"),
        "statement": exercise.statement,
        "starter": exercise.starter,
        "solution": exercise.solution,
        "tests": [{"name": t.name, "source": t.source, "hidden": t.hidden} for t in exercise.all_tests],
    }


def from_record(record: dict[str, Any]) -> Exercise:
    tests = [ExerciseTest(name=t["name"], source=t["source"], hidden=t["hidden"]) for t in record["tests"]]
    return Exercise(
        meta=ExerciseMetadata.model_validate(record["meta"]),
        statement=record["statement"],
        starter=record["starter"],
        solution=record.get("solution"),
        visible_tests=tuple(t for t in tests if not t.hidden),
        hidden_tests=tuple(t for t in tests if t.hidden),
    )


def exercise_reply(exercise: Exercise, query: StudentQuery, provenance: Provenance) -> AgentReply:
    """The generated exercise presented like a bank exercise; solution and hidden tests stay out."""
    hints = exercise.hints
    return AgentReply(
        query_id=query.query_id,
        agent="exercise",
        summary=f"Exercise: {exercise.title} ({exercise.difficulty.value}, {exercise.topic.value})",
        explanation=exercise.statement,
        code_blocks=[
            CodeBlock(role=CodeRole.STARTER, code=exercise.starter.strip() + "\n", title="Starter code"),
            CodeBlock(role=CodeRole.TESTS, code=visible_tests_code(exercise), title="Tests you can run"),
        ],
        hints=hints,
        actions=[
            Action(kind=ActionKind.INSERT_STARTER, label="Insert starter code", args={"code_block": 0}),
            Action(
                kind=ActionKind.SHOW_HINT, label="Show a hint", args={"hint_index": 0, "total": len(hints)}
            ),
        ],
        concepts=[exercise.topic.value],
        provenance=provenance,
        data={
            "exercise_id": exercise.id,
            "topic": exercise.topic.value,
            "difficulty": exercise.difficulty.value,
            "title": exercise.title,
            "generated": True,
            "validated_at": time.time(),
        },
    )
