"""Picking an exercise (prerequisites, level) and the exercise agent's replies."""

import pytest
from learnflow_agents.contracts import AgentReply, StudentContext, StudentQuery
from learnflow_agents.contracts.curriculum import CurriculumTopic, Difficulty, infer_topic, normalise_topic
from learnflow_agents.contracts.reply import ActionKind, CodeRole, ReplyStatus
from learnflow_agents.tutors.exercise.bank import load_bank
from learnflow_agents.tutors.exercise.picker import (
    NoExerciseFitsError,
    pick,
    unmet_prerequisites,
)
from learnflow_agents.tutors.exercise.replies import check_reply, exercise_reply

EVERYTHING = [t.value for t in CurriculumTopic]
RECURSION_BASICS = ["lists", "functions", "conditionals", "sets", "tuples"]


def _query(text: str = "give me an exercise", code: str | None = None, **context) -> StudentQuery:
    return StudentQuery(text=text, code=code, context=StudentContext(**context), target_agent="exercise")


@pytest.mark.parametrize(
    ("level", "expected"),
    [("beginner", "safe-int"), ("intermediate", "parse-settings"), ("advanced", "order-errors")],
)
def test_difficulty_follows_the_skill_level(level: str, expected: str) -> None:
    assert pick("exceptions", level, EVERYTHING).id == expected


def test_nearest_difficulty_when_the_level_has_none() -> None:
    # Sorting has intermediate and advanced exercises only.
    assert pick("sorting", "beginner", EVERYTHING).difficulty is Difficulty.INTERMEDIATE


def test_never_picks_an_exercise_with_unmet_prerequisites() -> None:
    bank = load_bank()
    for topic in bank.topics:
        for level in ("beginner", "intermediate", "advanced"):
            for covered in ([], ["variables", "functions"], RECURSION_BASICS):
                try:
                    chosen = pick(topic, level, covered)
                except NoExerciseFitsError:
                    continue
                assert unmet_prerequisites(chosen, covered) == [], (topic, level, covered, chosen.id)


def test_unmet_prerequisite_steers_to_an_easier_exercise() -> None:
    # The advanced maze needs recursion itself; without it the advanced student gets flatten-nested.
    assert pick("recursion", "advanced", RECURSION_BASICS).id == "flatten-nested"
    assert pick("recursion", "advanced", [*RECURSION_BASICS, "recursion"]).id == "maze-paths"


def test_mastery_above_threshold_counts_as_covered() -> None:
    assert pick("recursion", "advanced", RECURSION_BASICS, mastery={"recursion": 0.7}).id == "maze-paths"
    assert pick("recursion", "advanced", RECURSION_BASICS, mastery={"recursion": 0.59}).id == "flatten-nested"


def test_nothing_fits_names_what_to_learn_first() -> None:
    with pytest.raises(NoExerciseFitsError) as caught:
        pick("dicts", "beginner", [])
    assert caught.value.learn_first == ["functions", "strings", "for-loops"]
    assert "Learn 'functions', 'strings' and 'for-loops' first" in str(caught.value)


def test_exclude_moves_on_and_then_runs_out() -> None:
    first = pick("variables", "beginner", [])
    assert first.id == "swap-two-values"
    with pytest.raises(NoExerciseFitsError, match="every exercise"):
        pick("variables", "beginner", [], exclude=[first.id])


def test_unknown_topics_are_rejected_clearly() -> None:
    with pytest.raises(NoExerciseFitsError, match="not a topic I know"):
        pick("astrology", "beginner", EVERYTHING)
    with pytest.raises(NoExerciseFitsError, match="no exercises yet for 'comparison'"):
        pick("comparison", "beginner", EVERYTHING)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Dictionaries", CurriculumTopic.DICTS),
        ("list comprehensions", CurriculumTopic.COMPREHENSIONS),
        ("While_Loops", CurriculumTopic.WHILE_LOOPS),
        ("f-strings", CurriculumTopic.F_STRINGS),
        ("generators", CurriculumTopic.GENERATORS),
        ("quantum", None),
    ],
)
def test_topic_names_are_normalised(name: str, slug: CurriculumTopic | None) -> None:
    assert normalise_topic(name) == slug


def test_topic_inferred_from_text_prefers_two_word_names() -> None:
    assert infer_topic("Can I practise while loops please?") is CurriculumTopic.WHILE_LOOPS
    assert infer_topic("an exercise on recursion") is CurriculumTopic.RECURSION
    assert infer_topic("hello there") is None


def test_exercise_reply_presents_statement_starter_tests_and_hints() -> None:
    query = _query(skill_level="intermediate", topics_covered=EVERYTHING)
    reply = exercise_reply(query, "exceptions")
    AgentReply.model_validate(reply.model_dump(mode="json"))
    exercise = load_bank().get("parse-settings")
    assert reply.agent == "exercise" and reply.status is ReplyStatus.OK
    assert reply.provenance.agent == "exercise" and reply.provenance.provider == "offline"
    assert reply.data == {
        "exercise_id": "parse-settings",
        "topic": "exceptions",
        "difficulty": "intermediate",
        "title": exercise.title,
    }
    assert reply.explanation == exercise.statement
    starter, tests = reply.code_blocks
    assert starter.role is CodeRole.STARTER and starter.code.strip() == exercise.starter.strip()
    assert tests.role is CodeRole.TESTS
    for visible in exercise.visible_tests:
        assert visible.source.strip() in tests.code
    for hidden in exercise.hidden_tests:
        assert hidden.source.strip() not in tests.code
    assert exercise.solution and exercise.solution.strip() not in reply.model_dump_json()
    assert reply.hints == exercise.hints
    kinds = [a.kind for a in reply.actions]
    assert kinds == [ActionKind.INSERT_STARTER, ActionKind.SHOW_HINT]
    assert reply.actions[1].args == {"hint_index": 0, "total": len(exercise.hints)}


def test_exercise_reply_infers_the_topic_and_explains_when_nothing_fits() -> None:
    inferred = exercise_reply(
        _query("I want to practise generators", skill_level="advanced", topics_covered=EVERYTHING)
    )
    assert inferred.data["exercise_id"] == "sliding-window"

    blocked = exercise_reply(_query("dictionary practice"))
    assert blocked.status is ReplyStatus.PARTIAL
    assert blocked.data["exercise_id"] is None and blocked.data["topic"] == "dicts"
    assert [a.args["concept"] for a in blocked.actions] == ["functions", "strings", "for-loops"]
    assert all(a.kind is ActionKind.EXPLAIN_CONCEPT for a in blocked.actions)
    assert blocked.explanation != blocked.summary


def test_check_reply_passes_a_correct_attempt() -> None:
    code = "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"
    reply = check_reply(_query(code=code), "sum-of-evens")
    assert reply.check is not None and reply.check.passed is True and reply.check.score == 1.0
    assert reply.check.exercise_id == "sum-of-evens" and reply.check.topic == reply.data["topic"]
    assert reply.data["exercise_id"] == "sum-of-evens" and reply.data["difficulty"] == "beginner"
    assert reply.hints == []
    assert ActionKind.ASK_AGENT in [a.kind for a in reply.actions]


def test_check_reply_explains_failures_without_revealing_hidden_tests() -> None:
    code = "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0 and n > 0) + 1\n"
    reply = check_reply(_query(code=code), "sum-of-evens")
    assert reply.check is not None and reply.check.passed is False
    assert any(t.expected == "12" and t.actual == "13" for t in reply.check.tests if not t.hidden)
    # The explanation repeats neither the summary nor the per-test list (renderers list reply.check).
    assert reply.summary not in reply.explanation and "12" not in reply.explanation
    hidden = [t for t in reply.check.tests if t.hidden]
    assert hidden and all(t.expected is None and t.check is None for t in hidden)
    # The check is not flattened into the free-form data any more.
    assert "passed" not in reply.data and "tests" not in reply.data
    exercise = load_bank().get("sum-of-evens")
    dumped = reply.model_dump_json()
    hidden_lines = [line.strip() for line in exercise.hidden_tests[0].source.splitlines() if line.strip()]
    assert hidden_lines and not [line for line in hidden_lines if line in dumped]
    assert ActionKind.SHOW_HINT in [a.kind for a in reply.actions]


def test_check_reply_for_an_unknown_exercise_is_an_error_reply() -> None:
    reply = check_reply(_query(code="x = 1"), "no-such-exercise")
    assert reply.status is ReplyStatus.ERROR and "no-such-exercise" in reply.summary


def test_the_agent_grades_the_exercise_the_query_names_in_its_typed_field() -> None:
    from learnflow_agents.contracts import AgentRequest
    from learnflow_agents.runtime.handler import HandlerContext
    from learnflow_agents.tutors.exercise import TUTOR

    code = "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"
    # 1.1: the exercise is a field of the query; the text is whatever the student wrote.
    query = StudentQuery(text="is this right?", code=code, exercise_id="sum-of-evens")
    ctx = HandlerContext(student_id="s", trace_id="t", message_id="m")
    assert TUTOR.answer is not None
    reply = TUTOR.answer(AgentRequest(query=query), ctx)
    assert reply.check is not None and reply.check.passed and reply.check.exercise_id == "sum-of-evens"
    # Without code there is nothing to grade: the student gets an exercise instead.
    asked = query.model_copy(update={"code": None, "text": "an exercise on loops"})
    offered = TUTOR.answer(AgentRequest(query=asked), ctx)
    assert offered.check is None and offered.summary != reply.summary
