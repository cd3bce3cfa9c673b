"""Exercise attempts over REST: graded by the exercise agent, recorded by the progress agent."""

import asyncio
from typing import Any

from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import body, post_json

SOLUTION = """\
def sum_evens(numbers):
    total = 0
    for number in numbers:
        if number % 2 == 0:
            total += number
    return total
"""
WRONG = "def sum_evens(numbers):\n    return sum(numbers)\n"


async def attempts_once_recorded(jp_fetch: Any, count: int) -> list[dict[str, Any]]:
    # The progress agent records an attempt after it sees the check's reply, a moment after
    # the reply is stored: wait for it (bounded by pytest's timeout, not asserted on).
    while True:
        listed = body(await jp_fetch("learnflow", "api", "attempts"))
        if len(listed["attempts"]) >= count:
            assert listed["student_id"] == OWNER
            return listed["attempts"]
        await asyncio.sleep(0.05)


async def submit_and_wait(jp_fetch: Any, code: str) -> tuple[str, dict[str, Any]]:
    posted = await post_json(jp_fetch, "attempts", {"exercise_id": "sum-of-evens", "code": code})
    assert posted.code == 202, body(posted)
    query_id = body(posted)["query_id"]
    view = body(await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"}))
    (reply,) = [r for r in view["replies"] if not r.get("helps")]
    return query_id, reply


async def test_a_passing_attempt_is_graded_and_listed(jp_fetch: Any) -> None:
    query_id, reply = await submit_and_wait(jp_fetch, SOLUTION)
    assert reply["agent"] == "exercise"
    assert reply["check"]["passed"] is True
    assert reply["check"]["exercise_id"] == "sum-of-evens"

    (attempt,) = await attempts_once_recorded(jp_fetch, 1)
    assert attempt["exercise_id"] == "sum-of-evens"
    assert attempt["topic"] == "for-loops"
    assert attempt["passed"] is True
    assert attempt["query_id"] == query_id
    assert attempt["reply_id"] == reply["reply_id"]


async def test_a_failing_attempt_lists_the_failed_tests_newest_first(jp_fetch: Any) -> None:
    await submit_and_wait(jp_fetch, SOLUTION)
    await attempts_once_recorded(jp_fetch, 1)
    query_id, reply = await submit_and_wait(jp_fetch, WRONG)
    assert reply["check"]["passed"] is False

    newest, oldest = await attempts_once_recorded(jp_fetch, 2)
    assert (newest["query_id"], newest["passed"], oldest["passed"]) == (query_id, False, True)
    assert newest["failed_tests"]


async def test_hints_revealed_before_a_check_are_recorded_with_the_attempt(jp_fetch: Any) -> None:
    posted = await post_json(
        jp_fetch, "attempts", {"exercise_id": "sum-of-evens", "code": WRONG, "hints_used": 2}
    )
    assert posted.code == 202, body(posted)
    view = body(
        await jp_fetch("learnflow", "api", "queries", body(posted)["query_id"], params={"wait": "60"})
    )
    (reply,) = [r for r in view["replies"] if not r.get("helps")]
    assert reply["check"]["hints_used"] == 2
    (attempt,) = await attempts_once_recorded(jp_fetch, 1)
    assert (attempt["hints_used"], attempt["passed"]) == (2, False)


async def test_only_the_callers_attempts_are_listed(jp_fetch: Any, learnflow: Any) -> None:
    engine = await learnflow.host.get()
    engine.store.record_attempt("someone-else", "sum-of-evens", "for-loops", True)
    listed = body(await jp_fetch("learnflow", "api", "attempts"))
    assert listed == {"student_id": OWNER, "attempts": []}


async def test_bad_attempts_are_refused_with_a_reason(jp_fetch: Any) -> None:
    cases = {
        "exercise_id: Field required": {"code": SOLUTION},
        "exercise_id: String should match pattern": {"exercise_id": "no spaces", "code": SOLUTION},
        "code: Field required": {"exercise_id": "sum-of-evens"},
        "code: the solution is empty": {"exercise_id": "sum-of-evens", "code": "  \n"},
        "hints_used: Input should be greater than or equal to 0": {
            "exercise_id": "sum-of-evens",
            "code": SOLUTION,
            "hints_used": -1,
        },
    }
    for expected, data in cases.items():
        refused = await post_json(jp_fetch, "attempts", data)
        assert refused.code == 400
        assert body(refused)["message"].startswith(expected), body(refused)
    bad_limit = await jp_fetch("learnflow", "api", "attempts", params={"limit": "x"}, raise_error=False)
    assert bad_limit.code == 400
