"""Attacks on the LLM usage views through the gateway behind a real JupyterHub (PostgreSQL
store): a student reads only their own usage however the request is written, and an
instructor only the courses they teach, however the course is named. Bob is the victim,
alice the attacking student; teacher instructs py101, tom py102 (a group-filtered scope),
ivy no course. erin takes both courses: her py102 usage is not py101's to see."""

from datetime import UTC, datetime
from typing import Any

import pytest
from learnflow_agents.store import Store, UsageCall

from tests.attacks.classroom import FORGED_BODY, FORGED_HEADERS, FORGED_PARAMS
from tests.gateway.hub import Hub
from tests.gateway.test_hub_gateway import call

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

BOB_REQUESTS = 7


@pytest.fixture
def usage_today(classroom_db: str) -> None:
    today = datetime.now(UTC).date()
    rows = [
        ("py101", "bob", BOB_REQUESTS),
        ("py102", "carol", 3),
        ("py102", "erin", 5),
        ("py101", "erin", 1),
    ]
    with Store(classroom_db) as store:
        for course, student, requests in rows:
            store.record_llm_usage(
                UsageCall(
                    today,
                    course,
                    student,
                    "debug",
                    "anthropic",
                    "attack-model",
                    True,
                    1_000,
                    100,
                    0.01,
                    requests=requests,
                )
            )


def _same(r: Any, honest: dict[str, Any]) -> None:
    """The answer to a forged request is the caller's own, as the honest request gave it."""
    assert r.status_code == 200, r.text
    assert r.json() == honest


@pytest.mark.usefixtures("usage_today")
def test_a_student_never_reads_anothers_usage(hub: Hub) -> None:
    bob = call(hub, "bob", "GET", "api/usage").json()
    assert bob["student_id"] == "bob" and bob["used"]["requests"] >= BOB_REQUESTS
    alice = call(hub, "alice", "GET", "api/usage").json()
    assert alice["student_id"] == "alice" and alice["used"] != bob["used"]
    _same(call(hub, "alice", "GET", "api/usage", params=FORGED_PARAMS), alice)
    _same(call(hub, "alice", "GET", "api/usage", headers=dict(FORGED_HEADERS)), alice)
    _same(call(hub, "alice", "GET", "api/usage", FORGED_BODY), alice)
    _same(call(hub, "alice", "GET", "api/usage", params={"student_id": ["alice", "bob"]}), alice)
    for path in (
        "api/usage/bob",
        "api/usage/..%2fusage%3fstudent_id%3dbob",
        "api/usage/..%2finstructor%2fusage",
        "api/usage%2fbob",
        "api/./usage/bob",
        "api/usage;student_id=bob",
        "api/instructor/usage",
        "api/instructor/usage?course=py101",
        "api/instructor/../instructor/usage",
    ):
        r = call(hub, "alice", "GET", path)
        assert r.status_code in (403, 404) or (r.status_code == 200 and r.json() == alice), (
            path,
            r.status_code,
            r.text[:200],
        )
        assert "bob" not in r.text, path
    # Bob's name where a token goes is no token of bob's.
    assert call(hub, None, "GET", "api/usage", headers={"Authorization": "token bob"}).status_code == 401


def _pairs(r: Any) -> set[tuple[str | None, str]]:
    assert r.status_code == 200, r.text
    return {(s["course_id"], s["student_id"]) for s in r.json()["students"]}


@pytest.mark.usefixtures("usage_today")
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"course": ""},
        {"course": ["py101", "py102"]},
        {"course": ["py102", "py101"]},
        {"course": "py101,py102"},
        {"course": "PY102"},
        {"course": " py102"},
        {"course": "py102 "},
        {"course": "py10%"},
        {"course": "py10_"},
        {"course": "*"},
        {"course": "py101' OR '1'='1"},
        {"course": "py102", "student_id": "carol"},
    ],
    ids=repr,
)
def test_an_instructor_sees_only_their_own_courses_usage(hub: Hub, params: dict[str, Any]) -> None:
    r = call(hub, "teacher", "GET", "api/instructor/usage", params=params)
    if r.status_code == 200:
        seen = _pairs(r)
        assert not {p for p in seen if p[0] != "py101"}, seen
        assert ("py102", "carol") not in seen and ("py102", "erin") not in seen
        assert all(c["course_id"] == "py101" for c in r.json()["courses"]), r.json()["courses"]
    else:
        assert r.status_code in (400, 403), r.text
        assert "carol" not in r.text


@pytest.mark.usefixtures("usage_today")
def test_a_course_scoped_instructor_and_one_with_no_course(hub: Hub) -> None:
    tom = _pairs(call(hub, "tom", "GET", "api/instructor/usage"))
    assert ("py102", "carol") in tom and not {p for p in tom if p[0] != "py102"}, tom
    assert call(hub, "tom", "GET", "api/instructor/usage", params={"course": "py101"}).status_code == 403
    ivy = call(hub, "ivy", "GET", "api/instructor/usage")
    if ivy.status_code == 200:
        assert not {p for p in _pairs(ivy) if p[0] in ("py101", "py102")}
    else:
        assert ivy.status_code == 403
