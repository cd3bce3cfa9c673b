"""Generated exercises are proved in the sandbox before a student sees one; failures fall back
to the bank; grading always runs offline, including for generated exercises."""

import json
from collections.abc import Callable

import pytest
from learnflow_agents.contracts import CodeRole, StudentContext
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.support import exercise_payload, make_ctx, offline_for, request_for, settings_for

GOOD_ATTEMPT = "def count_vowels(text):\n    return len([c for c in text.lower() if c in 'aeiou'])\n"
MISSES_CAPITALS = "def count_vowels(text):\n    return len([c for c in text if c in 'aeiou'])\n"


# Enough covered ground for the bank's picker to offer a strings exercise when it falls back.
COVERED = ["variables", "for-loops", "conditionals", "type-conversion", "functions", "lists"]


async def ask(tutor: LLMTutor, store: Store | None, text: str, code: str | None = None):
    request = request_for(text, code=code)
    request.query.context = StudentContext(topics_covered=COVERED)
    ctx = make_ctx(store)
    return await tutor.answer("exercise", request, ctx, offline_for("exercise", request, ctx))


@pytest.mark.asyncio
async def test_a_valid_generated_exercise_is_shown_without_its_solution_or_hidden_tests(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.enqueue(tool_reply(exercise_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask(tutor, sqlite_store, "give me a strings exercise")

    assert reply.provenance.provider == "anthropic"
    assert reply.data["generated"] is True and reply.data["exercise_id"].startswith("gen-")
    assert [b.role for b in reply.code_blocks] == [CodeRole.STARTER, CodeRole.TESTS]
    shown = reply.model_dump_json()
    assert "count_vowels('banana') == 3" in shown
    assert "AEIOU" not in shown  # the hidden test
    assert "sum(1 for ch in text.lower()" not in shown  # the solution
    assert tutor.stats.generated_exercises["accepted"] == 1
    assert "`strings`" in fake_anthropic.bodies()[0]["messages"][0]["content"]


@pytest.mark.asyncio
async def test_attempts_at_a_generated_exercise_are_graded_offline_with_its_hidden_tests(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.enqueue(tool_reply(exercise_payload()))
    tutor = make_tutor(settings_for(fake_anthropic.url))
    exercise_id = (await ask(tutor, sqlite_store, "a strings exercise please")).data["exercise_id"]

    passed = await ask(tutor, sqlite_store, f"check {exercise_id}", code=GOOD_ATTEMPT)
    failed = await ask(tutor, sqlite_store, f"check {exercise_id}", code=MISSES_CAPITALS)

    assert fake_anthropic.hits == 1
    assert passed.check is not None and failed.check is not None
    assert passed.check.passed is True and passed.check.max_points == 3
    assert failed.check.passed is False
    hidden = [t for t in failed.check.tests if t.hidden]
    assert hidden and hidden[0].passed is False and hidden[0].name == "hidden test"
    assert passed.provenance.provider == "offline"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"solution": MISSES_CAPITALS}, "own solution fails its tests (capitals count)"),
        ({"starter": "def count_vowels(text)\n    pass\n"}, "the starter does not compile"),
        ({"starter": GOOD_ATTEMPT}, "the starter already passes every test"),
        (
            {"tests": [{"name": "only visible", "source": "assert count_vowels('a') == 1"}] * 2},
            "at least one visible and one hidden test",
        ),
    ],
)
async def test_an_invalid_generated_exercise_falls_back_to_the_bank(
    change: dict,
    problem: str,
    fake_anthropic: FakeMessagesAPI,
    make_tutor: Callable[..., LLMTutor],
    sqlite_store: Store,
) -> None:
    fake_anthropic.enqueue(tool_reply(exercise_payload(**change)))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask(tutor, sqlite_store, "give me a strings exercise")

    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == "exercise-invalid"
    assert problem in reply.data["llm_fallback"]["detail"]
    # The bank answered with one of its own exercises on the topic.
    assert reply.data["exercise_id"] and not reply.data["exercise_id"].startswith("gen-")
    assert reply.data["topic"] == "strings"
    assert tutor.stats.generated_exercises["rejected"] == 1


@pytest.mark.asyncio
async def test_checking_a_bank_exercise_never_asks_the_model(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask(tutor, sqlite_store, "check bank-account", code="class BankAccount:\n    pass\n")

    assert fake_anthropic.hits == 0
    assert reply.check is not None
    assert reply.check.passed is False and reply.check.exercise_id == "bank-account"


@pytest.mark.asyncio
async def test_an_exercise_request_without_a_known_topic_is_answered_offline(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor]
) -> None:
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await ask(tutor, None, "give me something to practise")

    assert fake_anthropic.hits == 0
    assert reply.data["llm_fallback"]["reason"] == "no-topic"
    assert "Which topic" in reply.summary


def test_exercise_schema_is_what_the_model_is_given() -> None:
    from learnflow_agents.llm.schemas import input_schema
    from learnflow_agents.tutors.exercise import TUTOR

    assert TUTOR.model is not None
    schema = input_schema(TUTOR.model.reply_schema)
    assert schema["required"] == [
        "title",
        "statement",
        "topic",
        "difficulty",
        "starter",
        "solution",
        "tests",
        "hints",
    ]
    assert "strings" in schema["properties"]["topic"]["enum"]
    assert "$ref" not in json.dumps(schema)
