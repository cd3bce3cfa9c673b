"""Attack on the model reply cache: reading another student's reply by asking their question.

The cache is shared by the class on purpose (an identical question gets the stored answer),
and its key holds what changes the answer. The prompt also carries the query's variable
summaries: names, types and a repr of each value in the student's kernel (their data, a
file they loaded, a name or a mark). They were not in the key, so a second student sending
the same question, cell and traceback (a class's common failing exercise cell, captured the
same way for everyone) was served the first student's reply, written from the first
student's values, with the model never seeing the second student's own.

Failed before the fix (llm/cache.py `cache_key` now includes the variables): the second
student's reply quoted the first student's value and the model was asked once.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from learnflow_agents.contracts.query import VariableSummary
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.conftest import hermetic_llm_env, make_tutor, sqlite_store
from tests.llm.support import debug_payload, debug_request, make_ctx, offline_for, settings_for

__all__ = ["hermetic_llm_env", "make_tutor", "sqlite_store"]

ALICE_VALUE = "'alice.martin@example.org, mark 12/20'"
BOB_VALUE = "'bob@example.org, mark 18/20'"


def _echo_variables(body: dict[str, Any]) -> Any:
    """A model that quotes the student's values back, as a helpful answer may."""
    prompt = json.dumps(body.get("messages", []))
    quoted = ALICE_VALUE if "alice.martin" in prompt else BOB_VALUE if "bob@" in prompt else "no values"
    return tool_reply(debug_payload(summary=f"Your `row` holds {quoted}; index 3 is past its end."))


@pytest.mark.asyncio
async def test_another_students_identical_question_does_not_get_their_cached_reply(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.default = _echo_variables
    tutor = make_tutor(settings_for(fake_anthropic.url))
    alice, bob = debug_request(), debug_request()
    alice.query.variables = [VariableSummary(name="row", type="str", repr=ALICE_VALUE)]
    bob.query.variables = [VariableSummary(name="row", type="str", repr=BOB_VALUE)]

    alice_ctx, bob_ctx = make_ctx(sqlite_store, "alice"), make_ctx(sqlite_store, "bob")
    first = await tutor.answer("debug", alice, alice_ctx, offline_for("debug", alice, alice_ctx))
    second = await tutor.answer("debug", bob, bob_ctx, offline_for("debug", bob, bob_ctx))

    assert "alice.martin" in first.summary  # the model was given Alice's values
    assert "alice.martin" not in second.model_dump_json()
    assert second.provenance.cached is False and fake_anthropic.hits == 2


@pytest.mark.asyncio
async def test_the_same_question_with_the_same_values_is_still_one_model_call(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.default = _echo_variables
    tutor = make_tutor(settings_for(fake_anthropic.url))
    first, again = debug_request(), debug_request()
    for request in (first, again):
        request.query.variables = [VariableSummary(name="row", type="str", repr=BOB_VALUE)]
    ctx = make_ctx(sqlite_store, "bob")
    await tutor.answer("debug", first, ctx, offline_for("debug", first, ctx))
    second = await tutor.answer("debug", again, ctx, offline_for("debug", again, ctx))
    assert second.provenance.cached is True and fake_anthropic.hits == 1


ALICE_HISTORY = "how do I hide that my grandmother's pension is in the tuition spreadsheet"


def _echo_recent(body: dict[str, Any]) -> Any:
    """A model that refers to the student's recent questions, as a helpful answer may."""
    prompt = json.dumps(body.get("messages", []))
    recalled = "your question about the pension spreadsheet" if "pension" in prompt else "nothing earlier"
    return tool_reply(debug_payload(summary=f"Like {recalled}, index 3 is past the end of `row`."))


@pytest.mark.asyncio
async def test_a_reply_that_recalls_one_students_history_is_not_served_to_another(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    """The prompt shows the student's recent questions (and mastery); they were not in the
    cache key, so Bob, asking Alice's exact question, got the reply the model wrote from
    Alice's history."""
    fake_anthropic.default = _echo_recent
    tutor = make_tutor(settings_for(fake_anthropic.url))
    earlier = debug_request()
    earlier.query.text, earlier.query.code, earlier.query.traceback = ALICE_HISTORY, None, None
    sqlite_store.submit_query("alice", "trace-earlier", earlier.query)
    alice, bob = debug_request(), debug_request()
    alice_ctx, bob_ctx = make_ctx(sqlite_store, "alice"), make_ctx(sqlite_store, "bob")

    first = await tutor.answer("debug", alice, alice_ctx, offline_for("debug", alice, alice_ctx))
    second = await tutor.answer("debug", bob, bob_ctx, offline_for("debug", bob, bob_ctx))

    assert "pension" in first.summary  # the model was shown Alice's history
    assert "pension" not in second.model_dump_json()
    assert second.provenance.cached is False and fake_anthropic.hits == 2


@pytest.mark.asyncio
async def test_a_student_with_history_re_running_a_cell_still_gets_the_cached_reply(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store
) -> None:
    fake_anthropic.default = _echo_recent
    tutor = make_tutor(settings_for(fake_anthropic.url))
    earlier = debug_request()
    earlier.query.text, earlier.query.code, earlier.query.traceback = ALICE_HISTORY, None, None
    sqlite_store.submit_query("alice", "trace-earlier", earlier.query)
    first, again = debug_request(), debug_request()
    ctx = make_ctx(sqlite_store, "alice")
    await tutor.answer("debug", first, ctx, offline_for("debug", first, ctx))
    sqlite_store.submit_query("alice", "trace-first", first.query)  # her history now has it too
    second = await tutor.answer("debug", again, ctx, offline_for("debug", again, ctx))
    assert second.provenance.cached is True and fake_anthropic.hits == 1
