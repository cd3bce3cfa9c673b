"""Exercises written by the model are proved before a student sees one.

The starter, solution and tests must compile; the model's own solution must pass all
its tests in the sandbox; the starter must not (or there is nothing to do). An exercise
that fails any check is dropped and the bank answers instead. Accepted exercises are
kept in the store, so `check gen-...` can grade attempts against the hidden tests later.
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from learnflow_agents.contracts import (
    AgentReply,
    AgentRequest,
    Provenance,
    StudentQuery,
)
from learnflow_agents.contracts.curriculum import CurriculumTopic, Difficulty, infer_topic, normalise_topic
from learnflow_agents.llm.prompting import NoTopicError
from learnflow_agents.llm.schemas import Code, Line, Out
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, ExerciseTest
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.format import ExerciseMetadata
from learnflow_agents.tutors.exercise.hint_safety import shown_leaks
from learnflow_agents.tutors.exercise.replies import check_reply, offer_reply
from learnflow_agents.tutors.exercise.sandbox import Limits
from learnflow_agents.tutors.exercise.test_screen import unsafe_test

if TYPE_CHECKING:
    from learnflow_agents.llm.student_context import StudentFacts
    from learnflow_agents.llm.tutor import LLMTutor
    from learnflow_agents.runtime.handler import HandlerContext

log = logging.getLogger("learnflow.llm")

GENERATED_PREFIX = "gen-"
STORE_PREFIX = "llm-exercise:"
# Long enough to finish a course unit; students can always ask for a fresh one.
STORE_TTL_SECONDS = 90 * 86_400
VALIDATION_LIMITS = Limits(per_test_seconds=3.0, total_seconds=20.0)
TOOL_DESCRIPTION = "Return the new exercise: statement, starter, reference solution, tests and hints."


class ExerciseTestOut(Out):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    source: Code = Field(description="Plain Python asserts calling the student's code.")
    hidden: bool = False


class ExerciseOut(Out):
    """What the model's exercise must contain (the tool's input schema is generated from it)."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    statement: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    topic: CurriculumTopic
    difficulty: Difficulty
    starter: Code
    solution: Code = Field(description="Reference solution; never shown to the student.")
    tests: list[ExerciseTestOut] = Field(min_length=2, max_length=8)
    hints: list[Line] = Field(min_length=1, max_length=6)


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
    # Tests run in the checker's own process: the model's must pass the screen before any run.
    for test in exercise.all_tests:
        unsafe = unsafe_test(test.source)
        if unsafe:
            return f"test {test.name!r} may not run on the trusted side: it {unsafe}"
    # The student is shown hints, statement and visible tests: none may carry the answer (a
    # student's request can steer the model to put it there).
    leaks = shown_leaks(exercise)
    if leaks:
        return "; ".join(leaks[:3])
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
    return offer_reply(
        exercise,
        query,
        provenance,
        concepts=[exercise.topic.value],
        data={
            "exercise_id": exercise.id,
            "topic": exercise.topic.value,
            "difficulty": exercise.difficulty.value,
            "title": exercise.title,
            "generated": True,
            "validated_at": time.time(),
        },
    )


# -- the declaration's model hooks --------------------------------------------------------


def exercise_topic(request: AgentRequest) -> str:
    topic = normalise_topic(request.concept) if request.concept else None
    topic = topic or infer_topic(request.query.text)
    if topic is None:
        raise NoTopicError("no topic named")
    return topic.value


def prompt_inputs(request: AgentRequest, facts: "StudentFacts") -> dict[str, str]:
    # The curriculum's difficulty names are the skill levels' names.
    return {"topic": exercise_topic(request), "difficulty": facts.context.skill_level.value}


async def before_model(
    tutor: "LLMTutor",
    request: AgentRequest,
    ctx: "HandlerContext",
    offline: Callable[[], Awaitable[AgentReply]],
) -> AgentReply | None:
    """Grading is the sandbox's job, never a model's opinion: checks never reach the model."""
    from learnflow_agents.tutors.exercise.agent import checked_exercise

    try:
        graded = await grade_generated(tutor, request, ctx)
    except Exception:
        log.exception("grading a generated exercise failed")
        graded = None
    if graded is not None:
        return graded
    if checked_exercise(request.query) is not None:
        tutor.stats.answered["offline-grading"] += 1
        return await offline()
    return None


async def grade_generated(
    tutor: "LLMTutor", request: AgentRequest, ctx: "HandlerContext"
) -> AgentReply | None:
    """`check gen-...` with code: grade against a generated exercise's hidden tests, offline."""
    from learnflow_agents.tutors.exercise.agent import checked_exercise

    exercise_id = checked_exercise(request.query)
    if not (exercise_id and exercise_id.startswith(GENERATED_PREFIX)) or ctx.store is None:
        return None
    record = await asyncio.to_thread(ctx.store.cache_get, STORE_PREFIX + exercise_id)
    if record is None:
        return None
    if any(unsafe_test(t.get("source", "")) for t in record.get("tests", [])):
        # Stored before tests were screened: never run it (the check answers "unknown exercise").
        log.warning("generated exercise %s has a test that may not run; not graded", exercise_id)
        return None
    bank = Bank([from_record(record)])
    tutor.stats.answered["offline-grading"] += 1
    return await asyncio.to_thread(check_reply, request.query, exercise_id, bank=bank)


async def generated_reply(
    tutor: "LLMTutor",
    payload: ExerciseOut,
    request: AgentRequest,
    ctx: "HandlerContext",
    provenance: Provenance,
) -> AgentReply:
    """The model's exercise, proved in the sandbox and kept for grading, or a fallback."""
    from learnflow_agents.llm.tutor import Fallback

    exercise = build_exercise(payload)
    problem = await asyncio.to_thread(validation_problem, exercise)
    if problem is not None:
        tutor.stats.generated_exercises["rejected"] += 1
        raise Fallback("exercise-invalid", f"generated exercise rejected: {problem}")
    tutor.stats.generated_exercises["accepted"] += 1
    if ctx.store is not None:
        record = to_record(exercise)
        await asyncio.to_thread(
            ctx.store.cache_put, STORE_PREFIX + exercise.id, "exercise", record, STORE_TTL_SECONDS
        )
    return exercise_reply(exercise, request.query, provenance)
