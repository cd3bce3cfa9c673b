"""The gateway behind a real JupyterHub: identity from hub tokens, a student's own data
only, instructors by group or custom scope who see their own courses' students (courses are
hub groups, see conftest.GROUPS), and clear 4xx errors.

The tests share one stack (module-scoped fixtures) but not each other's data: each
test asks what it later checks.
"""

import json
from typing import Any

import pytest
import requests
import websocket
from learnflow_agents.store import Store

from tests.gateway.hub import COURSE_SCOPED_INSTRUCTOR, INSTRUCTORS, MAX_BODY, Hub, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]

WRONG_CAN_RIDE = "def can_ride(age, height_cm, with_adult):\n    return False\n"


def call(
    hub: Hub, user: str | None, method: str, path: str, body: Any = None, **kw: Any
) -> requests.Response:
    headers = kw.pop("headers", {})
    if user is not None:
        headers["Authorization"] = f"token {hub.tokens.get(user, user)}"
    data = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
    return requests.request(method, hub.gateway + path, headers=headers, data=data, timeout=30, **kw)


def ask(hub: Hub, user: str, body: dict[str, Any]) -> str:
    r = call(hub, user, "POST", "api/queries", body)
    assert r.status_code == 202, r.text
    return str(r.json()["query_id"])


def answered(hub: Hub, user: str, query_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        r = call(hub, user, "GET", f"api/queries/{query_id}")
        assert r.status_code == 200, r.text
        data = r.json()
        return data if data["status"] == "answered" and data["replies"] else None

    return wait_until(done, f"an answer to {query_id}")


def test_alice_asks_and_gets_an_answer_bob_sees_nothing_of_it(hub: Hub) -> None:
    query_id = ask(
        hub,
        "alice",
        {
            "text": "why does this fail?",
            "code": "x = [1, 2, 3]\nprint(x[3])",
            "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2\n'
            "IndexError: list index out of range",
        },
    )
    result = answered(hub, "alice", query_id)
    assert result["routing"]["target_agent"] == "debug"
    # The debug agent may ask concepts for help (a saga): its reply can be stored after debug's.
    reply = next(r for r in result["replies"] if not r.get("helps"))
    assert reply["agent"] == "debug" and reply["summary"]
    assert result["query_id"] == query_id and result["source"] == "api"

    assert call(hub, "bob", "GET", f"api/queries/{query_id}").status_code == 404
    rejected = call(hub, "bob", "POST", "api/feedback", {"reply_id": reply["reply_id"], "rating": 1})
    assert rejected.status_code == 403 and rejected.json()["field"] == "reply_id"
    accepted = call(hub, "alice", "POST", "api/feedback", {"reply_id": reply["reply_id"], "rating": 5})
    assert accepted.status_code == 204 and not accepted.content

    progress = call(hub, "alice", "GET", "api/progress").json()
    assert progress["student_id"] == "alice"
    assert query_id in {q["query_id"] for q in progress["recent_queries"]}
    assert call(hub, "bob", "GET", "api/progress").json()["recent_queries"] == []
    errors = call(hub, "teacher", "GET", "api/instructor/errors?since=2000-01-01T00:00:00").json()
    assert {"error_type": "IndexError", "occurrences": 1, "students": 1} in errors["errors"]


def test_repeated_failing_checks_raise_a_struggle_the_teacher_sees(hub: Hub) -> None:
    for _ in range(3):
        query_id = ask(
            hub, "alice", {"text": "check can-ride", "code": WRONG_CAN_RIDE, "target_agent": "exercise"}
        )
        assert answered(hub, "alice", query_id)["replies"][-1]["check"]["passed"] is False

    def alice_struggling() -> dict[str, Any] | None:
        r = call(hub, "teacher", "GET", "api/instructor/struggles")
        assert r.status_code == 200, r.text
        return next((s for s in r.json()["struggling"] if s["student_id"] == "alice"), None)

    alert = wait_until(alice_struggling, "alice's struggle alert")
    assert "boolean-logic" in alert["topics"]
    assert alert["evidence"][0].startswith("3 failed attempts on exercise can-ride")

    def alice_in_matrix() -> dict[str, Any] | None:
        data = call(hub, "teacher", "GET", "api/instructor/class").json()
        return data if "boolean-logic" in data["matrix"]["cells"].get("alice", {}) else None

    data = wait_until(alice_in_matrix, "alice's mastery in the class matrix")
    assert "boolean-logic" in data["matrix"]["topics"]
    assert any(t["topic"] == "boolean-logic" for t in data["topics"])

    rates = call(hub, "teacher", "GET", "api/instructor/exercises").json()["exercises"]
    can_ride = next(r for r in rates if r["exercise_id"] == "can-ride")
    assert can_ride["attempts"] >= 3 and can_ride["passed"] == 0 and can_ride["pass_rate"] == 0.0

    convo = call(hub, "teacher", "GET", "api/instructor/students/alice/queries").json()
    assert len(convo["queries"]) >= 3 and all(q["query"]["student_id"] == "alice" for q in convo["queries"])


@pytest.mark.parametrize(
    "path",
    ["class", "struggles", "errors", "exercises", "students/alice/queries", "health"],
)
def test_students_get_403_on_instructor_endpoints(
    hub: Hub, path: str, course_traffic: dict[str, str]
) -> None:
    r = call(hub, "alice", "GET", f"api/instructor/{path}")
    assert r.status_code == 403 and r.json()["message"] == "instructor role required"
    assert call(hub, "teacher", "GET", f"api/instructor/{path}").status_code == 200


def test_the_custom_scope_makes_an_instructor_without_the_group(hub: Hub) -> None:
    health = call(hub, "tara", "GET", "api/instructor/health")
    assert health.status_code == 200, health.text
    assert health.json()["healthy"] is True and isinstance(health.json()["outbox_pending"], int)


def test_instructor_status_is_checked_on_every_call(hub: Hub) -> None:
    assert call(hub, "bob", "GET", "api/instructor/class").status_code == 403
    hub.admin("POST", f"groups/{INSTRUCTORS}/users", {"users": ["bob"]})
    try:
        assert call(hub, "bob", "GET", "api/instructor/class").status_code == 200
    finally:
        hub.admin("DELETE", f"groups/{INSTRUCTORS}/users", {"users": ["bob"]})
    assert call(hub, "bob", "GET", "api/instructor/class").status_code == 403


@pytest.mark.parametrize("path", ["api/progress", "api/queries", "api/instructor/class", "api/events"])
def test_no_token_or_an_unknown_token_is_401(hub: Hub, path: str) -> None:
    method = "POST" if path == "api/queries" else "GET"
    missing = call(hub, None, method, path, {"text": "hi"} if method == "POST" else None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "token"
    forged = call(hub, "not-a-real-token", method, path, {"text": "hi"} if method == "POST" else None)
    assert forged.status_code == 401


def test_a_service_token_is_not_a_student(hub: Hub) -> None:
    r = requests.get(
        hub.gateway + "api/progress", headers={"Authorization": f"token {hub.admin_token}"}, timeout=30
    )
    assert r.status_code == 401


def test_a_forged_student_id_is_ignored(hub: Hub, classroom_db: str) -> None:
    query_id = ask(hub, "alice", {"text": "what is a dictionary?", "student_id": "bob"})
    assert call(hub, "bob", "GET", f"api/queries/{query_id}").status_code == 404
    assert call(hub, "alice", "GET", f"api/queries/{query_id}").status_code == 200
    with Store.open(classroom_db, upgrade=False) as store:
        record = store.get_query(__import__("uuid").UUID(query_id))
    assert record is not None and record.student_id == "alice"


def test_another_students_query_id_is_not_taken_over(hub: Hub) -> None:
    alices = ask(hub, "alice", {"text": "what is a tuple?"})
    r = call(hub, "bob", "POST", "api/queries", {"text": "mine now", "query_id": alices})
    assert r.status_code == 409 and r.json()["field"] == "query_id"
    recent = call(hub, "alice", "GET", "api/progress").json()["recent_queries"]
    assert [q["text"] for q in recent if q["query_id"] == alices] == ["what is a tuple?"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, None),
        ("[1, 2]", 400, None),
        ({"text": 5}, 400, "text"),
        ({"text": "hi", "target_agent": "triage"}, 400, None),
        ({"text": "   "}, 400, None),
        ({"text": "x" * 9000}, 400, "text"),
        ({"text": "hi", "variables": [{"type": "int"}]}, 400, "variables.0.name"),
    ],
)
def test_bad_queries_are_400_and_write_nothing(
    hub: Hub, classroom_db: str, body: Any, status: int, field: str | None
) -> None:
    with Store.open(classroom_db, upgrade=False) as store:
        before = len(store.recent_queries("bob", 1000))
        r = call(hub, "bob", "POST", "api/queries", body)
        assert r.status_code == status, r.text
        assert r.json().get("field") == field and r.json()["message"]
        assert len(store.recent_queries("bob", 1000)) == before


def test_an_oversized_body_is_413(hub: Hub) -> None:
    r = call(hub, "alice", "POST", "api/queries", {"text": "hi", "code": "x" * (MAX_BODY + 1)})
    assert r.status_code == 413 and str(MAX_BODY) in r.json()["message"], (r.status_code, r.text)


def test_bad_feedback_names_the_field(hub: Hub) -> None:
    assert call(hub, "alice", "POST", "api/feedback", {}).json()["field"] == "reply_id"
    bad = call(hub, "alice", "POST", "api/feedback", {"reply_id": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "reply_id"
    # Not an id is reported like another student's query: 404.
    assert call(hub, "alice", "GET", "api/queries/not-a-uuid").status_code == 404


def test_the_event_stream_carries_only_the_callers_events(hub: Hub) -> None:
    ws_url = hub.gateway.replace("http://", "ws://") + "api/events"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url, timeout=30)
    assert refused.value.status_code == 401
    bob = websocket.create_connection(
        ws_url, header=[f"Authorization: token {hub.tokens['bob']}"], timeout=60
    )
    try:
        ask(hub, "alice", {"text": "what is a for loop?", "target_agent": "concepts"})
        mine = ask(hub, "bob", {"text": "what is a while loop?", "target_agent": "concepts"})
        seen = []
        while True:
            event = json.loads(bob.recv())
            seen.append(event)
            payload = event["payload"]
            if (
                payload.get("query_id") == mine
                and payload.get("agent") == "concepts"
                and "summary" in payload
            ):
                break
    finally:
        bob.close()
    assert {e["student_id"] for e in seen} == {"bob"}


# -- courses: a student's course is their hub group; an instructor sees their courses only --


def zero_division(hub: Hub, user: str) -> str:
    """A ZeroDivisionError answered by the debug agent: an error only carol and dave make."""
    query_id = ask(
        hub,
        user,
        {
            "text": "why?",
            "code": "total = 10\nprint(total / 0)",
            "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2\n'
            "ZeroDivisionError: division by zero",
            # A claim to a course carol is not enrolled in: ignored, her hub group decides.
            "course_id": "py101",
        },
    )
    answered(hub, user, query_id)
    return query_id


@pytest.fixture(scope="module")
def course_traffic(hub: Hub) -> dict[str, str]:
    """alice (py101), carol (py102) and dave (no course) have each asked something."""
    alices = ask(hub, "alice", {"text": "what is a list?", "target_agent": "concepts", "course_id": "py102"})
    answered(hub, "alice", alices)
    erins = ask(hub, "erin", {"text": "what is a tuple?", "target_agent": "concepts"})
    answered(hub, "erin", erins)
    return {
        "alice": alices,
        "carol": zero_division(hub, "carol"),
        "dave": zero_division(hub, "dave"),
        "erin": erins,
    }


def visible_students(hub: Hub, user: str, **params: str) -> set[str]:
    r = call(hub, user, "GET", "api/instructor/class", params={"limit": "1000", **params})
    assert r.status_code == 200, r.text
    return set(r.json()["matrix"]["students"])


def test_a_query_is_filed_under_the_students_hub_course_not_a_claimed_one(
    hub: Hub, classroom_db: str, course_traffic: dict[str, str]
) -> None:
    import uuid

    with Store.open(classroom_db, upgrade=False) as store:
        courses = {u: store.get_query(uuid.UUID(q)).course_id for u, q in course_traffic.items()}  # type: ignore[union-attr]
    # erin takes both courses and named none: filed under the first by name.
    assert courses == {"alice": "py101", "carol": "py102", "dave": None, "erin": "py101"}


def test_an_instructor_sees_only_their_courses_students(hub: Hub, course_traffic: dict[str, str]) -> None:
    teacher = visible_students(hub, "teacher")
    assert "alice" in teacher and not {"carol", "dave"} & teacher
    tom = visible_students(hub, COURSE_SCOPED_INSTRUCTOR[0])
    assert "carol" in tom and not {"alice", "dave"} & tom
    # In the instructors' group but in no course: the students enrolled in none.
    assert visible_students(hub, "ivy") >= {"dave"} and not {"alice", "carol"} & visible_students(hub, "ivy")
    # The unfiltered scope: every course, and the course list to filter by.
    assert visible_students(hub, "tara") >= {"alice", "carol", "dave"}
    assert {"py101", "py102"} <= set(call(hub, "tara", "GET", "api/instructor/class").json()["courses"])
    assert visible_students(hub, "tara", course="py102") >= {"carol"}
    assert "alice" not in visible_students(hub, "tara", course="py102")


def test_the_class_view_lists_the_instructors_courses_and_groups(hub: Hub) -> None:
    doc = call(hub, "teacher", "GET", "api/instructor/class").json()
    assert doc["courses"] == ["py101"]
    assert doc["groups"] == {"course-py101": ["alice", "bob", "erin", "teacher"]}
    assert call(hub, COURSE_SCOPED_INSTRUCTOR[0], "GET", "api/instructor/class").json()["courses"] == [
        "py102"
    ]


@pytest.mark.parametrize("path", ["class", "struggles", "errors", "exercises"])
def test_another_course_is_403(hub: Hub, path: str) -> None:
    r = call(hub, "teacher", "GET", f"api/instructor/{path}", params={"course": "py102"})
    assert r.status_code == 403 and r.json()["field"] == "course", r.text
    assert (
        call(hub, "teacher", "GET", f"api/instructor/{path}", params={"course": "py101"}).status_code == 200
    )


def test_other_courses_errors_and_conversations_stay_hidden(hub: Hub, course_traffic: dict[str, str]) -> None:
    since = {"since": "2000-01-01T00:00:00"}

    def error_types(user: str) -> set[str]:
        r = call(hub, user, "GET", "api/instructor/errors", params=since)
        assert r.status_code == 200, r.text
        return {e["error_type"] for e in r.json()["errors"]}

    assert "ZeroDivisionError" not in error_types("teacher")
    assert "ZeroDivisionError" in error_types(COURSE_SCOPED_INSTRUCTOR[0])
    tara = call(hub, "tara", "GET", "api/instructor/errors", params=since).json()["errors"]
    assert {"error_type": "ZeroDivisionError", "occurrences": 2, "students": 2} in tara

    carol = "api/instructor/students/carol/queries"
    assert call(hub, "teacher", "GET", carol).status_code == 404
    assert call(hub, "teacher", "GET", "api/instructor/students/nobody/queries").status_code == 404
    theirs = call(hub, COURSE_SCOPED_INSTRUCTOR[0], "GET", carol)
    assert theirs.status_code == 200 and [q["query"]["query_id"] for q in theirs.json()["queries"]] == [
        course_traffic["carol"]
    ]


def test_a_student_in_two_courses_is_seen_by_both_courses_instructors(
    hub: Hub, course_traffic: dict[str, str]
) -> None:
    tom = COURSE_SCOPED_INSTRUCTOR[0]
    # Filed under py101, but a member of course-py102 too: tom (py102) sees her as well.
    assert "erin" in visible_students(hub, "teacher")
    assert "erin" in visible_students(hub, tom) and "erin" in visible_students(hub, tom, course="py102")
    assert "erin" not in visible_students(hub, "ivy")
    queries = call(hub, tom, "GET", "api/instructor/students/erin/queries")
    assert (
        queries.status_code == 200
        and queries.json()["queries"][0]["query"]["query_id"] == course_traffic["erin"]
    )
    # Membership widens what an instructor sees to their own courses' students, no further.
    assert "alice" not in visible_students(hub, tom)


def test_enrolment_changes_apply_on_the_next_instructor_call(
    hub: Hub, course_traffic: dict[str, str]
) -> None:
    assert call(hub, "teacher", "GET", "api/instructor/students/carol/queries").status_code == 404
    hub.admin("POST", "groups/course-py102/users", {"users": ["teacher"]})
    try:
        assert call(hub, "teacher", "GET", "api/instructor/students/carol/queries").status_code == 200
        assert "carol" in visible_students(hub, "teacher")
    finally:
        hub.admin("DELETE", "groups/course-py102/users", {"users": ["teacher"]})
    assert "carol" not in visible_students(hub, "teacher")
