"""The exercise agent's answers, as the shared AgentReply every renderer understands."""

import time

from learnflow_agents.contracts.curriculum import infer_topic
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    Provenance,
    ReplyStatus,
)
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, UnknownExerciseError, load_bank
from learnflow_agents.tutors.exercise.checker import CheckResult, check_code
from learnflow_agents.tutors.exercise.picker import NoExerciseFitsError, pick
from learnflow_agents.tutors.exercise.sandbox import Limits

AGENT = "exercise"


def _provenance(started: float) -> Provenance:
    return Provenance(
        agent=AGENT, provider="offline", latency_ms=round((time.perf_counter() - started) * 1000, 2)
    )


def _data(exercise: Exercise | None, topic: str | None, **extra: object) -> dict[str, object]:
    return {
        "exercise_id": exercise.id if exercise else None,
        "topic": exercise.topic.value if exercise else topic,
        "difficulty": exercise.difficulty.value if exercise else None,
        **extra,
    }


def visible_tests_code(exercise: Exercise) -> str:
    """The visible tests as one runnable block, each introduced by its name."""
    parts = [f"# Test: {t.name}\n{t.source.strip()}" for t in exercise.visible_tests]
    return "\n\n".join(parts) + "\n"


def exercise_reply(query: StudentQuery, topic: str | None = None, *, bank: Bank | None = None) -> AgentReply:
    """Pick an exercise on `topic` (or the topic named in the query) and present it."""
    started = time.perf_counter()
    topic = topic or (infer_topic(query.text) or "")
    context = query.context
    try:
        if not topic:
            raise NoExerciseFitsError("Which topic would you like to practise? Name one, e.g. 'loops'.", "")
        exercise = pick(topic, context.skill_level, context.topics_covered, context.mastery, bank=bank)
    except NoExerciseFitsError as exc:
        actions = [
            Action(kind=ActionKind.EXPLAIN_CONCEPT, label=f"Learn {name} first", args={"concept": name})
            for name in exc.learn_first
        ]
        return AgentReply(
            query_id=query.query_id,
            agent=AGENT,
            status=ReplyStatus.PARTIAL,
            summary=str(exc),
            # The summary says what to learn first; the actions offer to explain each.
            explanation="",
            actions=actions,
            concepts=list(exc.learn_first),
            provenance=_provenance(started),
            data=_data(None, exc.topic or None, learn_first=exc.learn_first),
        )
    return offer_reply(
        exercise,
        query,
        _provenance(started),
        concepts=[exercise.topic.value, *(p.value for p in exercise.prerequisites)],
        data=_data(exercise, None, title=exercise.title),
    )


def offer_reply(
    exercise: Exercise,
    query: StudentQuery,
    provenance: Provenance,
    *,
    concepts: list[str],
    data: dict[str, object],
) -> AgentReply:
    """An exercise presented to the student, from the bank or generated: statement, starter,
    visible tests and hints; the solution and hidden tests never enter the reply."""
    hints = exercise.hints
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        summary=f"Exercise: {exercise.title} ({exercise.difficulty.value}, {exercise.topic.value})",
        explanation=exercise.statement,
        code_blocks=[
            CodeBlock(role=CodeRole.STARTER, code=exercise.starter.strip() + "\n", title="Starter code"),
            CodeBlock(role=CodeRole.TESTS, code=visible_tests_code(exercise), title="Tests you can run"),
        ],
        # All hints travel in the reply; the UI reveals them one at a time (show-hint).
        hints=hints,
        actions=[
            Action(kind=ActionKind.INSERT_STARTER, label="Insert starter code", args={"code_block": 0}),
            Action(
                kind=ActionKind.SHOW_HINT, label="Show a hint", args={"hint_index": 0, "total": len(hints)}
            ),
        ],
        concepts=concepts,
        provenance=provenance,
        data=data,
    )


def check_explanation(result: CheckResult) -> str:
    """What the summary and the per-test results (`AgentReply.check`) do not already say.

    The renderers list every test from the typed result, so the explanation repeats neither
    the summary nor the tests: it gives the score when points are weighted, else nothing.
    """
    if result.load_error or not result.tests:
        return ""
    passed = sum(t.passed for t in result.tests)
    if (result.points, result.max_points) == (passed, len(result.tests)):
        return ""
    return f"Score: {result.points}/{result.max_points} points"


def check_reply(
    query: StudentQuery, exercise_id: str, *, bank: Bank | None = None, limits: Limits | None = None
) -> AgentReply:
    """Run all tests (hidden included) on the query's code and explain the result."""
    started = time.perf_counter()
    try:
        exercise = (bank or load_bank()).get(exercise_id)
    except UnknownExerciseError as exc:
        return AgentReply(
            query_id=query.query_id,
            agent=AGENT,
            status=ReplyStatus.ERROR,
            summary=str(exc),
            provenance=_provenance(started),
            data=_data(None, None),
        )
    result = check_code(exercise, query.code or "", limits=limits)
    if result.passed:
        actions = [
            Action(kind=ActionKind.RATE, label="Rate this exercise", args={"exercise_id": exercise.id}),
            Action(
                kind=ActionKind.ASK_AGENT,
                label="Next exercise",
                args={"agent": AGENT, "topic": exercise.topic.value, "exclude": [exercise.id]},
            ),
        ]
    else:
        actions = [
            Action(
                kind=ActionKind.SHOW_HINT,
                label="Show a hint",
                args={"hint_index": 0, "total": len(exercise.hints)},
            ),
            Action(
                kind=ActionKind.EXPLAIN_CONCEPT,
                label=f"Explain {exercise.topic.value}",
                args={"concept": exercise.topic.value},
            ),
        ]
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        summary=result.summary,
        explanation=check_explanation(result),
        hints=exercise.hints if not result.passed else [],
        actions=actions,
        concepts=[exercise.topic.value],
        provenance=_provenance(started),
        # The graded attempt, hidden tests scrubbed: what progress records and renderers list.
        check=result.model_copy(
            update={"exercise_id": exercise.id, "topic": exercise.topic.value, "hints_used": query.hints_used}
        ).public(),
        data=_data(exercise, None),
    )
