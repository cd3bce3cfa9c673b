"""Attacks on the gateway (a JupyterHub service) by a student holding only their own hub token.

Real parts: JupyterHub with the gateway as its managed service behind configurable-http-proxy,
the six offline agents as their own process, the Kafka-protocol broker, PostgreSQL. Every
attack is judged by what it did to the stored rows (read straight from PostgreSQL) and
what came back, not by a status code alone: bob is the victim, alice the attacker.
"""

import base64
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import websocket

from tests.attacks.classroom import (
    FORGED_BODY,
    FORGED_HEADERS,
    FORGED_PARAMS,
    SUBSCRIBE_AS_BOB,
    WRONG_CAN_RIDE,
    ask,
    drain,
    events_socket,
    recorded_attempts,
    send,
    stored_answer,
    verdict,
)
from tests.attacks.support import (
    attempts_of,
    feedback_on,
    query_ids,
    query_row,
    raw_request,
    replies_to,
    reply_row,
    settled_rows,
    student_rows,
)
from tests.gateway.hub import MAX_BODY, Hub

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]

INSTRUCTOR_PATHS = [
    "api/instructor/class",
    "api/instructor/class?course=py101",
    "api/instructor/struggles",
    "api/instructor/errors",
    "api/instructor/exercises",
    "api/instructor/health",
    "api/instructor/students/bob/queries",
]


@pytest.fixture(scope="module")
def bob(hub: Hub, classroom_db: str) -> dict[str, Any]:
    """The victim: bob has asked a question (answered) and failed a check (recorded)."""
    question = ask(hub, "bob", {"text": "what is a dictionary in python?", "target_agent": "concepts"})
    check = ask(hub, "bob", {"text": "check can-ride", "code": WRONG_CAN_RIDE, "target_agent": "exercise"})
    stored_answer(classroom_db, question)
    stored_answer(classroom_db, check)
    settled_rows(classroom_db, "bob")
    replies = replies_to(classroom_db, question)
    return {"query": question, "check": check, "reply": str(replies[0]["reply_id"])}


@pytest.fixture
def bob_untouched(bob: dict[str, Any], classroom_db: str) -> Iterator[dict[str, Any]]:
    """Fails the test if anything stored about bob changed while it ran."""
    before = settled_rows(classroom_db, "bob")
    yield bob
    assert student_rows(classroom_db, "bob") == before, "an attack changed bob's stored rows"


# -- identity --------------------------------------------------------------------------------


def test_a_body_naming_bob_files_the_query_under_alice(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any]
) -> None:
    text = f"what is a set? {uuid.uuid4().hex}"
    query_id = ask(
        hub,
        "alice",
        {**FORGED_BODY, "text": text, "context": {"student_id": "bob"}},
        headers=FORGED_HEADERS,
        params=FORGED_PARAMS,
    )
    row = query_row(classroom_db, query_id)
    assert row is not None and row["student_id"] == "alice" and row["text"] == text
    assert send(hub, "bob", "GET", f"api/queries/{query_id}").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        "token bob",
        "Bearer bob",
        "Basic " + base64.b64encode(b"bob:bob").decode(),
        "token ",
        "token bob bob",
    ],
)
def test_a_crafted_authorization_header_is_401_and_files_nothing(
    hub: Hub, classroom_db: str, authorization: str, bob_untouched: dict[str, Any]
) -> None:
    before = query_ids(classroom_db, "alice")
    r = send(hub, None, "POST", "api/queries", {"text": "as bob?"}, headers={"Authorization": authorization})
    assert r.status_code == 401, r.text
    r = send(hub, None, "GET", "api/progress", headers={"Authorization": authorization, **FORGED_HEADERS})
    assert r.status_code == 401 and "bob" not in r.text
    assert query_ids(classroom_db, "alice") == before


def test_two_authorization_headers_never_make_alice_bob(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any]
) -> None:
    port = urlsplit(hub.url).port
    assert port is not None
    path = urlsplit(hub.gateway).path + "api/queries"
    body = json.dumps({"text": f"who am i {uuid.uuid4().hex}"}).encode()
    alices = f"token {hub.tokens['alice']}"
    for pair in ((alices, "token bob"), ("token bob", alices), (alices, "Bearer bob")):
        headers = [
            ("Authorization", pair[0]),
            ("Authorization", pair[1]),
            ("Content-Type", "application/json"),
        ]
        r = raw_request(port, "POST", path, headers, body)
        assert r.status in (202, 400, 401), r.head
        if r.status == 202:
            row = query_row(classroom_db, json.loads(r.body)["query_id"])
            assert row is not None and row["student_id"] == "alice"


@pytest.mark.parametrize("form", ["plain", "upper", "braces", "urn", "hex"])
def test_bobs_query_reads_as_missing_however_its_id_is_written(
    hub: Hub, bob_untouched: dict[str, Any], form: str
) -> None:
    qid = uuid.UUID(bob_untouched["query"])
    written = {
        "plain": str(qid),
        "upper": str(qid).upper(),
        "braces": "{" + str(qid) + "}",
        "urn": qid.urn,
        "hex": qid.hex,
    }[form]
    r = send(hub, "alice", "GET", f"api/queries/{written}", headers=FORGED_HEADERS, params=FORGED_PARAMS)
    missing = send(hub, "alice", "GET", f"api/queries/{uuid.uuid4()}")
    assert r.status_code == missing.status_code == 404, r.text
    assert "dictionary" not in r.text and str(qid) not in r.text.replace(written, "")


def test_progress_and_attempts_show_only_the_callers_own(hub: Hub, bob_untouched: dict[str, Any]) -> None:
    for path in ("api/progress", "api/attempts"):
        r = send(hub, "alice", "GET", path, headers=FORGED_HEADERS, params=FORGED_PARAMS)
        if path == "api/attempts" and r.status_code == 404:
            continue  # a gateway without the attempts endpoint has nothing to leak
        assert r.status_code == 200, (path, r.text)
        assert r.json()["student_id"] == "alice"
        assert bob_untouched["query"] not in r.text and bob_untouched["check"] not in r.text
        assert "dictionary" not in r.text


@pytest.mark.parametrize("claim", [{}, {"student_id": "bob"}, {"owner": "bob"}])
def test_feedback_on_bobs_reply_is_refused_and_stores_nothing(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any], claim: dict[str, str]
) -> None:
    reply = bob_untouched["reply"]
    before = feedback_on(classroom_db, reply)
    r = send(
        hub,
        "alice",
        "POST",
        "api/feedback",
        {**claim, "reply_id": reply, "rating": 1, "helpful": False, "comment": "bad"},
        headers=FORGED_HEADERS,
    )
    assert r.status_code == 403, r.text
    assert feedback_on(classroom_db, reply) == before


@pytest.mark.parametrize("form", ["plain", "upper", "braces", "urn"])
def test_bobs_query_id_cannot_be_reused_to_write_into_his_query(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any], form: str
) -> None:
    qid = uuid.UUID(bob_untouched["query"])
    written = {"plain": str(qid), "upper": str(qid).upper(), "braces": "{" + str(qid) + "}", "urn": qid.urn}[
        form
    ]
    replies_before = replies_to(classroom_db, qid)
    r = send(
        hub,
        "alice",
        "POST",
        "api/queries",
        {"query_id": written, "text": "what is a loop?", "target_agent": "concepts", "student_id": "bob"},
    )
    assert r.status_code in (400, 409), r.text
    # A barrier: alice's next query is answered, so anything the first one set off is done.
    stored_answer(classroom_db, ask(hub, "alice", {"text": "what is a list?", "target_agent": "concepts"}))
    assert replies_to(classroom_db, qid) == replies_before


def test_a_student_token_gets_no_instructor_data(hub: Hub, bob_untouched: dict[str, Any]) -> None:
    for path in INSTRUCTOR_PATHS:
        for headers in ({}, FORGED_HEADERS):
            r = send(hub, "alice", "GET", path, headers=headers, params=FORGED_PARAMS)
            assert r.status_code == 403, (path, r.status_code, r.text)
            assert "bob" not in r.text and "matrix" not in r.text, (path, r.text)


# -- forging grades ----------------------------------------------------------------------------

FORGED_VERDICT = {
    "passed": True,
    "score": 1.0,
    "points": 5,
    "max_points": 5,
    "check": {
        "exercise_id": "can-ride",
        "topic": "boolean-logic",
        "passed": True,
        "score": 1.0,
        "points": 5,
        "max_points": 5,
        "summary": "All tests passed",
        "tests": [{"name": "t", "status": "passed", "passed": True}],
    },
    "data": {"passed": True, "exercise_id": "can-ride", "topic": "boolean-logic", "score": 1.0},
    "agent": "exercise",
    "status": "ok",
    "summary": "All tests passed",
    "provenance": {"agent": "exercise"},
}


@pytest.mark.parametrize(
    "body",
    [
        # 1.0: the exercise named in the text
        {"text": "check can-ride", "code": WRONG_CAN_RIDE, "target_agent": "exercise", **FORGED_VERDICT},
        # 1.1: the typed exercise_id, aimed at another agent too
        {"text": "grade me", "exercise_id": "can-ride", "code": WRONG_CAN_RIDE, **FORGED_VERDICT},
        {
            "text": "check can-ride",
            "exercise_id": "can-ride",
            "code": WRONG_CAN_RIDE,
            "target_agent": "exercise",
            **FORGED_VERDICT,
        },
    ],
    ids=["text", "exercise_id-routed", "exercise_id-exercise"],
)
def test_a_forged_verdict_on_a_submitted_check_counts_for_nothing(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any], body: dict[str, Any]
) -> None:
    query_id = ask(hub, "alice", body)
    stored_answer(classroom_db, query_id)
    # Graded and failed when aimed at the exercise agent; never passed, whoever answered.
    result = verdict(classroom_db, query_id)
    assert result is not True
    if body.get("target_agent") == "exercise":
        assert result is False
    # A barrier: the progress agent has seen the check's reply once a later query is answered.
    stored_answer(classroom_db, ask(hub, "alice", {"text": "what is a set?", "target_agent": "concepts"}))
    attempts = recorded_attempts(classroom_db, "alice", query_id)
    assert all(a["passed"] is False for a in attempts), attempts


def test_the_attempts_endpoint_grades_on_the_trusted_side(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any]
) -> None:
    r = send(
        hub,
        "alice",
        "POST",
        "api/attempts",
        {"exercise_id": "can-ride", "code": WRONG_CAN_RIDE, "student_id": "bob", **FORGED_VERDICT},
    )
    if r.status_code in (404, 405):
        return  # no attempts endpoint on this gateway: nothing to forge through
    assert r.status_code == 202, r.text
    query_id = str(r.json()["query_id"])
    stored_answer(classroom_db, query_id)
    assert verdict(classroom_db, query_id) is False
    row = query_row(classroom_db, query_id)
    assert row is not None and row["student_id"] == "alice"
    stored_answer(classroom_db, ask(hub, "alice", {"text": "what is a set?", "target_agent": "concepts"}))
    assert all(a["passed"] is False for a in recorded_attempts(classroom_db, "alice", query_id))


def test_no_endpoint_takes_a_reply_or_an_attempt_record(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any]
) -> None:
    passed_before = [a["id"] for a in attempts_of(classroom_db, "alice") if a["passed"]]
    forged_reply = {
        "query_id": bob_untouched["query"],
        "reply_id": str(uuid.uuid4()),
        "exercise_id": "can-ride",
        "topic": "boolean-logic",
        **FORGED_VERDICT,
    }
    for path in ("api/replies", "api/replies/x", "api/attempts/1", "api/progress", "api/check", "api/events"):
        for method in ("POST", "PUT", "PATCH"):
            r = send(hub, "alice", method, path, forged_reply)
            assert r.status_code in (400, 404, 405), (method, path, r.status_code, r.text)
    assert reply_row(classroom_db, forged_reply["reply_id"]) is None
    assert [a["id"] for a in attempts_of(classroom_db, "alice") if a["passed"]] == passed_before


def test_a_helper_relation_to_bobs_reply_does_not_attach_anything_to_it(
    hub: Hub, classroom_db: str, bob_untouched: dict[str, Any]
) -> None:
    bobs_reply = bob_untouched["reply"]
    relation = {"agent": "concepts", "reply_id": bobs_reply}
    query_id = ask(
        hub,
        "alice",
        {
            "text": "why does this fail?",
            "code": "x = [1]\nprint(x[3])",
            "traceback": "Traceback (most recent call last):\nIndexError: list index out of range",
            "helps": relation,
            "for_reply": bobs_reply,
            "requested_by": "debug",
            "saga_of": "debug",
            "data": {"saga_of": "debug", "reply_id": bobs_reply},
            "reply_id": bobs_reply,
        },
    )
    stored_answer(classroom_db, query_id)
    # A barrier for helpers: they answer after the main reply.
    stored_answer(classroom_db, ask(hub, "alice", {"text": "what is a tuple?", "target_agent": "concepts"}))
    mine = replies_to(classroom_db, query_id)
    assert mine and all(str(r["reply_id"]) != bobs_reply for r in mine)
    for reply in mine:
        helps = reply["reply"].get("helps") or {}
        assert helps.get("reply_id") != bobs_reply, reply["reply"]


# -- bad input ---------------------------------------------------------------------------------


def gateway_port_and_path(hub: Hub) -> tuple[int, str]:
    port = urlsplit(hub.url).port
    assert port is not None
    return port, urlsplit(hub.gateway).path


def gateway_direct_port(hub: Hub) -> int:
    """The gateway's own port (the hub's service URL), to talk to it without the proxy."""
    config = (hub.process.cwd / "jupyterhub_config.py").read_text()
    found = re.search(r"'url': 'http://127\.0\.0\.1:(\d+)'", config)
    assert found is not None, "the gateway's service URL is not in the hub's config"
    return int(found.group(1))


def test_an_oversized_body_is_refused_from_its_headers(hub: Hub, classroom_db: str) -> None:
    """A huge declared body is a 413 while the body is still unsent: the gateway did not wait
    to read it (through the hub's proxy, which holds answers to unsent bodies, a client that
    asks `Expect: 100-continue` gets it at once). One just over the limit is a 413 too, and
    nothing is stored."""
    port, prefix = gateway_port_and_path(hub)
    before = query_ids(classroom_db, "alice")
    auth = {"Authorization": f"token {hub.tokens['alice']}", "Content-Type": "application/json"}
    for size in (100 * 1024 * 1024, 10**12):
        for target, expect in ((gateway_direct_port(hub), {}), (port, {"Expect": "100-continue"})):
            headers = {**auth, **expect, "Content-Length": str(size)}
            r = raw_request(
                target, "POST", prefix + "api/queries", headers, b"{", send_body=False, timeout=20
            )
            assert r.status == 413 and r.seconds < 15, (size, target, r.head, r.seconds)
    body = json.dumps({"text": "hi", "code": "x" * MAX_BODY}).encode()
    r = raw_request(port, "POST", prefix + "api/queries", auth, body, timeout=20)
    assert r.status == 413, r.head
    assert query_ids(classroom_db, "alice") == before


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\x01\x02\xff\xfe binary junk",
        b'{"text": "caf\xe9 \xff"}',
        b'{"text": "hi", "code": "\xc3\x28"}',
        b"[" * 60_000,
        b'{"text": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"}",
        b'{"text": "nul \\u0000 byte"}',
        b'{"text": "hi"',
        b"",
        b"null",
        b'"a string"',
        b'{"text": "hi", "variables": {"not": "a list"}}',
        b'{"text": "hi", "hints_used": -1}',
        b'{"text": "hi", "hints_used": 1e400}',
        b'{"text": "hi", "query_id": "../../etc/passwd"}',
    ],
)
def test_bad_bodies_are_a_clear_400_and_store_nothing(hub: Hub, classroom_db: str, raw: bytes) -> None:
    before = query_ids(classroom_db, "alice")
    r = send(hub, "alice", "POST", "api/queries", raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json") and r.json()
    assert query_ids(classroom_db, "alice") == before


@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("api/progress", "limit", "-1"),
        ("api/progress", "limit", "0"),
        ("api/progress", "limit", "99999999999999999999999"),
        ("api/progress", "limit", "ten"),
        ("QUERY", "wait", "-1"),
        ("QUERY", "wait", "1e308"),
        ("QUERY", "wait", "nan"),
        ("QUERY", "wait", "inf"),
        ("QUERY", "wait", "86400"),
    ],
)
def test_bad_parameters_are_a_400_at_once(
    hub: Hub, bob_untouched: dict[str, Any], classroom_db: str, path: str, param: str, value: str
) -> None:
    if path == "QUERY":
        query_id = ask(hub, "alice", {"text": "what is a string?", "target_agent": "concepts"})
        path = f"api/queries/{query_id}"
    started = time.monotonic()
    r = send(hub, "alice", "GET", path, params={param: value})
    assert r.status_code == 400, (path, param, value, r.status_code, r.text[:300])
    assert r.json() and time.monotonic() - started < 10


# -- the event stream ------------------------------------------------------------------------


def test_alices_socket_never_carries_bobs_events_whatever_she_sends(hub: Hub, classroom_db: str) -> None:
    alice = events_socket(hub, "alice", "?student_id=bob&user=bob", FORGED_HEADERS)
    bob = events_socket(hub, "bob")
    try:
        for frame in SUBSCRIBE_AS_BOB:
            alice.send(json.dumps(frame))
        alice.send_binary(b"\xff\x00junk")
        alice.send("x" * 200_000)
        time.sleep(0.5)
        bobs = ask(hub, "bob", {"text": "what is a while loop?", "target_agent": "concepts"})
        stored_answer(classroom_db, bobs)
        # bob's own socket carries his events (the stream works) ...
        got = drain(bob, 10)
        assert any(e.get("payload", {}).get("query_id") == bobs for e in got), got
        # ... and alice's carries none of them, nor anyone else's.
        leaked = [e for e in drain(alice, 3) if e.get("student_id") != "alice"]
        assert leaked == []
    finally:
        alice.close()
        bob.close()


def test_a_socket_without_a_valid_token_is_refused(hub: Hub) -> None:
    ws_url = hub.gateway.replace("http://", "ws://") + "api/events"
    for header in (["Authorization: token bob"], ["X-Forwarded-User: bob"], []):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url + "?student_id=bob", header=header, timeout=30)
        assert refused.value.status_code == 401


# -- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "api/../api/instructor/class",
        "api/queries/../instructor/class",
        "api/%2e%2e/api/instructor/class",
        "api/queries/..%2finstructor%2fclass",
        "api/queries/%2e%2e%2finstructor%2fclass",
        "api//instructor/class",
        "api/instructor//class",
        "api/instructor/students/bob%2fqueries",
        "api/instructor/students/%2e%2e%2fbob/queries",
    ],
)
def test_path_tricks_do_not_reach_instructor_data(hub: Hub, bob_untouched: dict[str, Any], tail: str) -> None:
    port, prefix = gateway_port_and_path(hub)
    r = raw_request(port, "GET", prefix + tail, {"Authorization": f"token {hub.tokens['alice']}"})
    assert r.status is not None and 400 <= r.status < 500, (tail, r.head)
    assert "matrix" not in r.text() and "dictionary" not in r.text(), (tail, r.text()[:300])


# -- instructors: one course's instructor reads nothing of another course's students ----------


@pytest.fixture(scope="module")
def carol(hub: Hub, classroom_db: str) -> str:
    """carol (course py102 only) has made an error no one in py101 makes."""
    query_id = ask(
        hub,
        "carol",
        {
            "text": "why?",
            "code": "total = 10\nprint(total / 0)",
            "traceback": "Traceback (most recent call last):\nZeroDivisionError: division by zero",
            "course_id": "py101",  # a claim to a course she is not in: ignored
        },
    )
    stored_answer(classroom_db, query_id)
    return query_id


@pytest.mark.parametrize(
    "name",
    ["carol", "CAROL", "carol%20", "%63arol", "..%2fcarol", "carol%2f..%2fcarol", "carol%00", " carol"],
)
def test_a_teacher_cannot_read_another_courses_student(hub: Hub, carol: str, name: str) -> None:
    port, prefix = gateway_port_and_path(hub)
    r = raw_request(
        port,
        "GET",
        prefix + f"api/instructor/students/{name.replace(' ', '%20')}/queries",
        {"Authorization": f"token {hub.tokens['teacher']}", **FORGED_HEADERS},
    )
    assert r.status in (400, 404), (name, r.head, r.text()[:300])
    assert "division" not in r.text() and carol not in r.text()


@pytest.mark.parametrize(
    "params",
    [
        [("course", "py102")],
        [("course", "py101"), ("course", "py102")],
        [("course", "py102"), ("course", "py101")],
        [("course", "py102 ")],
        [("course", "PY102")],
        [("course", "py10%")],
        [("course", "py101"), ("student_id", "carol"), ("within", "py102")],
    ],
)
def test_course_parameter_tricks_show_a_teacher_only_their_course(
    hub: Hub, carol: str, params: list[tuple[str, str]]
) -> None:
    for path in (
        "api/instructor/class",
        "api/instructor/errors",
        "api/instructor/struggles",
        "api/instructor/exercises",
    ):
        r = send(hub, "teacher", "GET", path, params=params, headers=FORGED_HEADERS)
        assert r.status_code in (200, 400, 403), (path, params, r.status_code, r.text[:300])
        if r.status_code == 200:
            assert "carol" not in r.text and "ZeroDivisionError" not in r.text, (path, params, r.text[:500])


def test_an_instructor_by_a_course_scope_sees_only_that_course(hub: Hub, carol: str) -> None:
    """tom holds the instructor scope filtered to course-py102: py101 is refused, and his
    views of his own course hold no py101 student."""
    r = send(hub, "tom", "GET", "api/instructor/class", params={"course": "py101"})
    assert r.status_code == 403, r.text
    r = send(hub, "tom", "GET", "api/instructor/students/alice/queries")
    assert r.status_code == 404, r.text
    r = send(hub, "tom", "GET", "api/instructor/class", params={"limit": "1000"})
    assert r.status_code == 200, r.text
    students = set(r.json()["matrix"]["students"])
    assert not students & {"alice", "bob", "teacher"}, students


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("alice", "api/attempts?topic=%00"),
        ("alice", "api/attempts?topic=loops%00x"),
        ("alice", "api/progress?limit=5&x%00=1"),
        ("alice", "api/queries/%00"),
        ("tara", "api/instructor/class?course=%00"),
        ("tara", "api/instructor/class?after=%00"),
        ("tara", "api/instructor/errors?course=py101%00"),
        ("tara", "api/instructor/students/%00/queries"),
        ("teacher", "api/instructor/students/carol%00/queries"),
        ("alice", "api/attempts?topic=%ED%A0%80"),
        ("alice", "api/attempts?topic=%ff"),
        ("tara", "api/instructor/students/%ED%A0%80/queries"),
    ],
)
def test_nul_and_invalid_text_in_parameters_is_a_400(hub: Hub, carol: str, user: str, path: str) -> None:
    """PostgreSQL refuses NUL in text: a parameter carrying one must be refused at the door,
    not reach the database and come back as a 500. Sent to the gateway's own port: the hub's
    proxy (configurable-http-proxy) answers a URL with an encoded surrogate 500 by itself."""
    _, prefix = gateway_port_and_path(hub)
    r = raw_request(
        gateway_direct_port(hub), "GET", prefix + path, {"Authorization": f"token {hub.tokens[user]}"}
    )
    assert r.status in (400, 404), (path, r.head, r.text()[:300])
    assert json.loads(r.body), r.text()


BAD_TEXT = ["\u0000", "\ud800", "a\udfffb"]
STRING_FIELDS = [
    ("api/queries", lambda bad: {"text": "hi " + bad}),
    ("api/queries", lambda bad: {"text": "hi", "code": "x = 1  # " + bad}),
    ("api/queries", lambda bad: {"text": "hi", "traceback": "Traceback\n" + bad}),
    (
        "api/queries",
        lambda bad: {"text": "hi", "variables": [{"name": "x" + bad, "type": "int", "repr": bad}]},
    ),
    ("api/queries", lambda bad: {"text": "hi", "course_id": "py101" + bad}),
    ("api/queries", lambda bad: {"text": "hi", "source": bad}),
    ("api/queries", lambda bad: {"text": "hi", "target_agent": "concepts" + bad}),
    ("api/queries", lambda bad: {"text": "hi", "context": {"topics_covered": ["loops" + bad]}}),
    ("api/queries", lambda bad: {"text": "hi", "context": {"mastery": {"loops" + bad: 0.5}}}),
    ("api/queries", lambda bad: {"text": "hi", "exercise_id": "can-ride" + bad, "code": "x = 1"}),
    ("api/attempts", lambda bad: {"exercise_id": "can-ride", "code": "def f():\n    return '" + bad + "'"}),
    ("api/attempts", lambda bad: {"exercise_id": "can-ride", "code": "x = 1", "course_id": bad}),
    ("api/feedback", lambda bad: {"reply_id": str(uuid.uuid4()), "comment": "nice " + bad}),
]


@pytest.mark.parametrize("bad", BAD_TEXT, ids=["nul", "surrogate", "low-surrogate"])
@pytest.mark.parametrize(("path", "build"), STRING_FIELDS)
def test_escaped_nul_and_surrogates_in_any_field_are_never_a_500(
    hub: Hub, classroom_db: str, path: str, build: Any, bad: str
) -> None:
    """JSON escapes (`\\u0000`, `\\ud800`) put text PostgreSQL cannot store into any field;
    each door must answer 4xx (or accept it cleaned), never fail in the database."""
    before = query_ids(classroom_db, "alice")
    body = json.dumps(build(bad))  # ensure_ascii: the bad characters travel as escapes
    r = send(hub, "alice", "POST", path, body, headers={"Content-Type": "application/json"})
    assert r.status_code in (202, 400, 403), (path, r.status_code, r.text[:300])
    assert r.json() is not None
    if r.status_code != 202:
        assert query_ids(classroom_db, "alice") == before


FLOOD = 16


def test_one_students_flood_of_maximal_queries_does_not_stall_the_others(hub: Hub, classroom_db: str) -> None:
    """alice sends 16 bodies at the size limit at once, each made of `key:key:...` (the
    scrubber's costliest shape: a candidate secret every 4 characters); bob's progress
    must still come back promptly, however many she sends. Before: every scrub ran on the
    gateway's event loop, twice per query, all of hers at once, and bob's wait grew with
    her flood (6-15 s for 8 on a busy 2-core machine); now her queries are filed one at a
    time, scrubbed off the loop, and the scrubber's per-value test is a few regex searches."""
    body = json.dumps({"text": "key:" * 2000, "code": ("key:" * 20000)[: MAX_BODY - 9_000]})
    assert len(body) < MAX_BODY
    answers: list[int] = []

    def flood() -> None:
        r = send(hub, "alice", "POST", "api/queries", body, headers={"Content-Type": "application/json"})
        answers.append(r.status_code)

    import threading

    threads = [threading.Thread(target=flood) for _ in range(FLOOD)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        r = send(hub, "bob", "GET", "api/progress")
        # Order, not a clock: bob is answered while alice's flood is still being filed.
        # When the scrubs ran on the event loop, bob queued behind every one of them.
        hers_before_bob = len(answers)
    finally:
        for thread in threads:
            thread.join(timeout=120)
    assert r.status_code == 200 and r.json()["student_id"] == "bob"
    assert hers_before_bob < FLOOD, "bob was answered only after all of alice's flood"
    assert answers == [202] * FLOOD  # and alice's queries were all taken, none lost


def test_a_long_poll_on_bobs_pending_query_is_a_404_at_once(hub: Hub, classroom_db: str) -> None:
    """alice long-polls bob's query while it is still being graded: she gets the same 404 as
    for a missing id, at once; a wait until bob's answer would tell her it exists (and hold
    her request for as long as she likes)."""
    slow = "import time\ntime.sleep(4)\n" + WRONG_CAN_RIDE
    bobs = ask(hub, "bob", {"text": "check can-ride", "code": slow, "target_agent": "exercise"})
    r = send(hub, "alice", "GET", f"api/queries/{bobs}", params={"wait": "30"})
    row = query_row(classroom_db, bobs)
    assert r.status_code == 404 and "can-ride" not in r.text, r.text
    # Bob's check is still running when alice has her answer: she was not held until his.
    assert row is not None and row["status"] != "answered", "alice's long poll waited for bob's answer"
    missing = send(hub, "alice", "GET", f"api/queries/{uuid.uuid4()}", params={"wait": "30"})
    assert (
        missing.status_code == 404 and missing.json()["message"].split()[0] == r.json()["message"].split()[0]
    )
    stored_answer(classroom_db, bobs)


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(hub: Hub, classroom_db: str) -> None:
    """No Content-Length to judge: the gateway reads at most its limit, then refuses or hangs
    up; nothing is stored and the next caller is served."""
    import socket

    _, prefix = gateway_port_and_path(hub)
    port = gateway_direct_port(hub)
    before = query_ids(classroom_db, "alice")
    head = (
        f"POST {prefix}api/queries HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: token {hub.tokens['alice']}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b'{"text": "' + b"x" * (256 * 1024)
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head)
        try:
            while sent < 16 * 1024 * 1024:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                chunk = b"x" * (256 * 1024)
            sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(65536)
        except OSError:
            pass  # cut off: the connection was closed while we were still sending
    assert sent < 16 * 1024 * 1024 or answer.startswith((b"HTTP/1.1 413", b"HTTP/1.1 400")), answer[:200]
    assert query_ids(classroom_db, "alice") == before
    assert send(hub, "bob", "GET", "api/progress").status_code == 200


@pytest.mark.parametrize(
    "scopes",
    [["read:users:name!user=alice"], ["read:users:groups!user=alice"], ["access:servers!user=alice"]],
    ids=["name", "groups", "her-servers"],
)
def test_a_token_alice_made_for_something_else_cannot_act_for_her_here(
    hub: Hub, classroom_db: str, scopes: list[str]
) -> None:
    """A token without `access:services!service=learnflow` (one she made for another tool,
    or the OAuth token another hub service got when she logged into it) is not hers to
    spend at LearnFlow: no reading her queries, no asking in her name, no event stream."""
    narrow = hub.admin("POST", "users/alice/tokens", {"note": "another tool", "scopes": scopes})["token"]
    auth = {"Authorization": f"token {narrow}"}
    before = query_ids(classroom_db, "alice")
    assert requests.get(hub.gateway + "api/progress", headers=auth, timeout=30).status_code == 401
    posted = requests.post(hub.gateway + "api/queries", data='{"text": "as alice"}', headers=auth, timeout=30)
    assert posted.status_code == 401, posted.text
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            hub.gateway.replace("http://", "ws://") + "api/events",
            header=[f"Authorization: {auth['Authorization']}"],
        )
    assert refused.value.status_code == 401
    assert query_ids(classroom_db, "alice") == before
    # Her own token (holding the access scope, as the hub grants it to users) still works.
    assert send(hub, "alice", "GET", "api/progress").status_code == 200
