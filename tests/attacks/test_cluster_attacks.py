"""Attacks through a student's own Jupyter server in cluster mode, which forwards
`/learnflow/api/*` to the gateway with the student's hub token and relays the gateway's
event stream.

Real parts: alice's `jupyter server` with the shipped LearnFlow config and only her hub
token and the gateway URL in its environment; JupyterHub with the gateway as its service;
the six offline agents over the Kafka-protocol broker and PostgreSQL. The attacker holds
alice's Jupyter token (a kernel or a page in her browser); bob is the victim.

What must hold: the pass-through reaches the gateway's student API and nothing else (not
the hub's API, not another service, not the instructor API), with alice's identity only;
the relay carries alice's events only, whatever frames she sends.
"""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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
    send,
    stored_answer,
    verdict,
)
from tests.attacks.support import (
    feedback_on,
    query_ids,
    query_row,
    raw_request,
    replies_to,
    settled_rows,
    student_rows,
)
from tests.gateway.hub import Hub, Process
from tests.gateway.test_cluster_server import start_student_server

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]


@dataclass
class Server:
    port: int
    token: str
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> requests.Response:
        data = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        all_headers = {"Authorization": f"token {self.token}", **(headers or {})}
        return requests.request(
            method, self.url + "learnflow/api/" + path, data=data, headers=all_headers, timeout=90, **kw
        )

    def raw(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Any:
        return raw_request(
            self.port, method, path, {"Authorization": f"token {self.token}", **(headers or {})}, body
        )


def start_server(tmp: Path, gateway_url: str, hub_token: str) -> Server:
    """Alice's `jupyter server` as the hub spawns it (the cluster tests' launcher)."""
    student = start_student_server(tmp, gateway_url, hub_token)
    port = urlsplit(student.url).port
    assert port is not None
    return Server(port, student.token, student.process)


@pytest.fixture(scope="module")
def alices_server(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("alice-server"), hub.gateway, hub.tokens["alice"])
    try:
        yield server
    finally:
        server.process.stop()


@pytest.fixture(scope="module")
def bob(hub: Hub, classroom_db: str) -> dict[str, str]:
    question = ask(hub, "bob", {"text": "what is a dictionary in python?", "target_agent": "concepts"})
    stored_answer(classroom_db, question)
    return {"query": question, "reply": str(replies_to(classroom_db, question)[0]["reply_id"])}


@pytest.fixture
def bob_untouched(bob: dict[str, str], classroom_db: str) -> Iterator[dict[str, str]]:
    before = settled_rows(classroom_db, "bob")
    yield bob
    assert student_rows(classroom_db, "bob") == before, "an attack changed bob's stored rows"


def hub_api_asked_about(hub: Hub, name: str) -> list[str]:
    """The hub's own log lines (not its services') for requests to its API about user `name`."""
    log = Path(hub.process.log).read_text(errors="replace")
    return [line for line in log.splitlines() if " JupyterHub " in line and f"/hub/api/users/{name}" in line]


# -- the pass-through reaches the gateway's student API and nothing else -------------------------

# `{name}` is a hub user no one else ever asks about: if it shows in the hub's log, a request
# from alice's server reached the hub's API with her token.
ESCAPES = [
    "/learnflow/api/../../hub/api/users/{name}",
    "/learnflow/api/%2e%2e/%2e%2e/hub/api/users/{name}",
    "/learnflow/api/%2E%2E%2F%2E%2E%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/..%2f..%2f..%2f..%2fhub%2fapi%2fusers%2f{name}",
    "/learnflow/api/queries/..%2F..%2F..%2F..%2F..%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fhub%2fapi%2fusers%2f{name}",
    "/learnflow/api/queries/..%5c..%5c..%5c..%5chub%5capi%5cusers%5c{name}",
    "/learnflow/api/queries/%252e%252e%252f%252e%252e%252f%252e%252e%252f%252e%252e%252fhub%252fapi%252fusers%252f{name}",
    "/learnflow/api//hub/api/users/{name}",
    "/learnflow/api///127.0.0.1:{hub_port}/hub/api/users/{name}",
    "/learnflow/api/http://127.0.0.1:{hub_port}/hub/api/users/{name}",
    "/learnflow/api/queries/http:%2F%2F127.0.0.1:{hub_port}%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/%2F%2F127.0.0.1:{hub_port}%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/x%3F%2F..%2F..%2F..%2F..%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/x%23%2F..%2F..%2F..%2F..%2Fhub%2Fapi%2Fusers%2F{name}",
    "/learnflow/api/queries/x%0d%0aX-Probe:%20{name}",
    "/learnflow/api/queries/x%0d%0a%0d%0aGET%20/hub/api/users/{name}%20HTTP/1.1%0d%0aHost:%20x",
    "/learnflow/api/queries/x%20HTTP/1.1%0d%0aHost:%20x%0d%0a%0d%0aGET%20/hub/api/users/{name}",
    "/learnflow/api/progress/../../../hub/api/users/{name}",
    "/learnflow/api/progress%2f..%2f..%2f..%2fhub%2fapi%2fusers%2f{name}",
    "/learnflow/api/events/..%2f..%2f..%2fhub%2fapi%2fusers%2f{name}",
]


@pytest.mark.parametrize("template", ESCAPES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_pass_through_never_leaves_the_gateways_student_api(
    hub: Hub, alices_server: Server, template: str, method: str
) -> None:
    name = f"lfprobe{uuid.uuid4().hex[:12]}"
    path = template.format(name=name, hub_port=urlsplit(hub.url).port)
    body = b'{"text": "hi"}' if method == "POST" else b""
    r = alices_server.raw(method, path, {"Content-Type": "application/json"}, body)
    assert r.status is not None and 400 <= r.status < 500, (path, r.head, r.text()[:300])
    assert '"last_activity"' not in r.text() and '"admin"' not in r.text(), r.text()[:300]
    time.sleep(0.3)
    assert hub_api_asked_about(hub, name) == [], f"{path} reached the hub's API"


@pytest.mark.parametrize(
    "path",
    [
        "/learnflow/api/instructor/class",
        "/learnflow/api/instructor/students/bob/queries",
        "/learnflow/api/../../services/learnflow/api/instructor/class",
        "/learnflow/api/queries/..%2finstructor%2fclass",
        "/learnflow/api/queries/..%2f..%2fapi%2finstructor%2fstudents%2fbob%2fqueries",
        "/learnflow/api/queries/..%2f..%2f..%2fhealth",
    ],
)
def test_the_pass_through_gives_a_student_no_instructor_data(
    alices_server: Server, bob_untouched: dict[str, str], path: str
) -> None:
    r = alices_server.raw("GET", path, FORGED_HEADERS)
    assert r.status is not None and 400 <= r.status < 500, (path, r.head, r.text()[:300])
    assert "matrix" not in r.text() and "dictionary" not in r.text(), r.text()[:300]


def test_headers_and_parameters_naming_bob_do_not_cross_the_pass_through(
    alices_server: Server, classroom_db: str, bob_untouched: dict[str, str]
) -> None:
    text = f"what is a generator? {uuid.uuid4().hex}"
    r = alices_server.call(
        "POST", "queries", {**FORGED_BODY, "text": text}, headers=FORGED_HEADERS, params=FORGED_PARAMS
    )
    assert r.status_code == 202, r.text
    row = query_row(classroom_db, r.json()["query_id"])
    assert row is not None and row["student_id"] == "alice" and row["text"] == text
    progress = alices_server.call("GET", "progress", headers=FORGED_HEADERS, params=FORGED_PARAMS)
    assert progress.status_code == 200 and progress.json()["student_id"] == "alice"
    assert bob_untouched["query"] not in progress.text


def test_bobs_query_and_reply_are_out_of_reach_through_the_pass_through(
    alices_server: Server, classroom_db: str, bob_untouched: dict[str, str]
) -> None:
    r = alices_server.call(
        "GET", f"queries/{bob_untouched['query']}", headers=FORGED_HEADERS, params=FORGED_PARAMS
    )
    assert r.status_code == 404 and "dictionary" not in r.text, r.text
    before = feedback_on(classroom_db, bob_untouched["reply"])
    r = alices_server.call(
        "POST",
        "feedback",
        {"reply_id": bob_untouched["reply"], "rating": 1, "student_id": "bob"},
        FORGED_HEADERS,
    )
    assert r.status_code == 403, r.text
    assert feedback_on(classroom_db, bob_untouched["reply"]) == before
    r = alices_server.call("POST", "queries", {"text": "mine", "query_id": bob_untouched["query"]})
    assert r.status_code in (400, 409), r.text


def test_a_check_through_the_pass_through_is_graded_by_the_agents(
    alices_server: Server, classroom_db: str, bob_untouched: dict[str, str]
) -> None:
    r = alices_server.call(
        "POST",
        "attempts",
        {
            "exercise_id": "can-ride",
            "code": WRONG_CAN_RIDE,
            "passed": True,
            "score": 1.0,
            "student_id": "bob",
        },
    )
    assert r.status_code == 202, r.text
    query_id = r.json()["query_id"]
    stored_answer(classroom_db, query_id)
    assert verdict(classroom_db, query_id) is False
    row = query_row(classroom_db, query_id)
    assert row is not None and row["student_id"] == "alice"


# -- bad input at the student's server ---------------------------------------------------------


def test_an_oversized_body_is_refused_before_anything_is_forwarded(
    alices_server: Server, classroom_db: str
) -> None:
    before = query_ids(classroom_db, "alice")
    for size in (100 * 1024 * 1024, 10**12):
        headers = {
            "Authorization": f"token {alices_server.token}",
            "Content-Type": "application/json",
            "Content-Length": str(size),
        }
        r = raw_request(
            alices_server.port, "POST", "/learnflow/api/queries", headers, b"{", send_body=False, timeout=20
        )
        assert r.status == 413 and r.seconds < 15, (size, r.head, r.seconds)
    # Just over the limit (1 MB), sent in full: refused too.
    body = json.dumps({"text": "hi", "code": "x" * (1024 * 1024)}).encode()
    r = alices_server.raw("POST", "/learnflow/api/queries", {"Content-Type": "application/json"}, body)
    assert r.status == 413, r.head
    assert query_ids(classroom_db, "alice") == before


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe\x00junk", b'{"text": "caf\xe9"}', b"[" * 50_000, b'{"text": "hi"', b"null", b""],
)
def test_bad_bodies_are_a_400_at_the_students_server(
    alices_server: Server, classroom_db: str, raw: bytes
) -> None:
    before = query_ids(classroom_db, "alice")
    for path in ("queries", "feedback", "attempts"):
        r = alices_server.call("POST", path, raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (path, r.status_code, r.text[:300])
    assert query_ids(classroom_db, "alice") == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("QUERY", {"wait": "-1"}),
        ("QUERY", {"wait": "1e308"}),
        ("QUERY", {"wait": "nan"}),
        ("QUERY", {"wait": "3600"}),
        ("progress", {"limit": "-1"}),
        ("progress", {"limit": "100000000000000000000"}),
        ("attempts", {"limit": "0"}),
    ],
)
def test_bad_parameters_are_a_400_at_once(alices_server: Server, path: str, params: dict[str, str]) -> None:
    if path == "QUERY":
        r = alices_server.call("POST", "queries", {"text": "what is a dict?", "target_agent": "concepts"})
        path = f"queries/{r.json()['query_id']}"
    started = time.monotonic()
    r = alices_server.call("GET", path, params=params)
    # 501: listing attempts is documented as unavailable in cluster mode (no gateway endpoint).
    assert r.status_code in (400, 501) and time.monotonic() - started < 10, (
        path,
        params,
        r.status_code,
        r.text,
    )


def test_a_caller_without_alices_token_is_refused_and_nothing_is_forwarded(
    alices_server: Server, classroom_db: str
) -> None:
    before = query_ids(classroom_db, "alice")
    for headers in (
        {},
        {"Authorization": "token bob"},
        FORGED_HEADERS,
        {"Cookie": "_xsrf=1; username-127-0-0-1=x"},
    ):
        r = requests.post(
            alices_server.url + "learnflow/api/queries", data='{"text": "hi"}', headers=headers, timeout=30
        )
        assert r.status_code == 403, (headers, r.status_code)
    assert query_ids(classroom_db, "alice") == before


# -- the event relay ---------------------------------------------------------------------------


def relay_socket(server: Server, query: str = "") -> Any:
    url = server.url.replace("http://", "ws://") + "learnflow/api/events" + query
    header = [f"Authorization: token {server.token}", *(f"{k}: {v}" for k, v in FORGED_HEADERS.items())]
    return websocket.create_connection(url, header=header, timeout=60)


def test_the_relay_carries_only_alices_events_whatever_she_sends(
    hub: Hub, alices_server: Server, classroom_db: str
) -> None:
    alice = relay_socket(alices_server, "?student_id=bob&user=bob")
    bob = events_socket(hub, "bob")
    try:
        for frame in SUBSCRIBE_AS_BOB:
            alice.send(json.dumps(frame))
        alice.send_binary(b"\xff\x00junk")
        alice.send('{"type": "subscribe", "student_id": "bob"' + " " * 100_000 + "}")
        time.sleep(0.5)
        bobs = ask(hub, "bob", {"text": "what is a while loop?", "target_agent": "concepts"})
        stored_answer(classroom_db, bobs)
        got = drain(bob, 10)
        assert any(e.get("payload", {}).get("query_id") == bobs for e in got), got
        leaked = [e for e in drain(alice, 3) if e.get("student_id") != "alice"]
        assert leaked == []
        # The relay still carries alice's own events after all that.
        r = alices_server.call("POST", "queries", {"text": "what is a for loop?", "target_agent": "concepts"})
        assert r.status_code == 202, r.text
        mine = r.json()["query_id"]
        stored_answer(classroom_db, mine)
        own = drain(alice, 10)
        assert any(e.get("payload", {}).get("query_id") == mine for e in own), own
        assert {e.get("student_id") for e in own} == {"alice"}
    finally:
        alice.close()
        bob.close()


# -- another web page in alice's browser: her cookies must not carry requests to the gateway ---

EVIL = "http://evil.example"


def login_cookies(server: Server) -> dict[str, str]:
    r = requests.get(server.url + f"lab?token={server.token}", allow_redirects=False, timeout=30)
    cookies = dict(r.cookies)
    assert any(name.startswith("username-") for name in cookies), r.headers
    return cookies


def test_another_site_cannot_use_alices_cookies_to_reach_the_gateway(
    alices_server: Server, classroom_db: str
) -> None:
    cookies = login_cookies(alices_server)
    before = query_ids(classroom_db, "alice")
    body = json.dumps({"text": "posted by another site", "target_agent": "concepts"})
    for headers in (
        {"Origin": EVIL, "Content-Type": "application/json"},
        {"Origin": EVIL, "Content-Type": "text/plain"},
        {"Content-Type": "text/plain"},
    ):
        for path in ("queries", "attempts", "feedback"):
            r = requests.post(
                alices_server.url + "learnflow/api/" + path,
                data=body,
                headers=headers,
                cookies=cookies,
                timeout=30,
            )
            assert r.status_code in (403, 404), (path, headers, r.status_code, r.text[:200])
    read = requests.get(
        alices_server.url + "learnflow/api/progress", headers={"Origin": EVIL}, cookies=cookies, timeout=30
    )
    assert read.headers.get("Access-Control-Allow-Origin") not in (EVIL, "*")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            alices_server.url.replace("http://", "ws://") + "learnflow/api/events",
            header=[f"Cookie: {cookie}"],
            origin=EVIL,
            timeout=30,
        )
    assert refused.value.status_code in (403, 404)
    time.sleep(1)
    assert query_ids(classroom_db, "alice") == before
    # Her own page (cookies plus Jupyter's XSRF token) does get through: the refusals above
    # are the CSRF defence, not a bad cookie.
    r = requests.post(
        alices_server.url + "learnflow/api/queries",
        data=body,
        headers={"Content-Type": "application/json", "X-XSRFToken": cookies.get("_xsrf", "")},
        cookies=cookies,
        timeout=30,
    )
    assert r.status_code == 202, r.text


def test_no_answer_ever_carries_a_hub_token(hub: Hub, alices_server: Server, bob: dict[str, str]) -> None:
    """Whatever alice's server answers (its status, errors from the gateway, refusals of
    its own), neither her hub token nor the gateway's service token is in it."""
    secrets_ = [hub.tokens["alice"], hub.service_token, hub.admin_token]
    texts = []
    for method, path, body in [
        ("GET", "status", None),
        ("GET", "openapi.json", None),
        ("GET", f"queries/{bob['query']}", None),
        ("GET", "queries/not-a-uuid", None),
        ("GET", "queries/%2e%2e", None),
        ("POST", "queries", b"{junk"),
        ("POST", "feedback", {"reply_id": bob["reply"]}),
        ("GET", "progress", None),
        ("GET", "attempts?limit=0", None),
        ("GET", "instructor/class", None),
        ("DELETE", "queries", None),
    ]:
        r = alices_server.call(method, path, body)
        texts.append(f"{r.status_code} {dict(r.headers)} {r.text}")
    r = requests.get(alices_server.url + "learnflow/api/status", timeout=30)  # no token at all
    texts.append(f"{r.status_code} {dict(r.headers)} {r.text}")
    leaked = [t[:200] for t in texts if any(s in t for s in secrets_)]
    assert leaked == []
    assert all(not t.startswith("5") or t.startswith("501") for t in texts), texts


# -- preferences: one record per student, written with PUT ------------------------------------


def test_preferences_cannot_be_written_or_read_as_another_student(hub: Hub, alices_server: Server) -> None:
    def bobs() -> Any:
        return send(hub, "bob", "GET", "api/preferences").json()

    assert send(hub, "bob", "PUT", "api/preferences", {"skill_level": "advanced"}).status_code == 200
    before = bobs()
    forged = {"student_id": "bob", "owner": "bob", "skill_level": "beginner", "learning_style": "visual"}
    r = send(hub, "alice", "PUT", "api/preferences", forged, headers=FORGED_HEADERS, params=FORGED_PARAMS)
    assert r.status_code in (200, 400), r.text
    r = alices_server.call("PUT", "preferences", forged, headers=FORGED_HEADERS, params=FORGED_PARAMS)
    assert r.status_code in (200, 400), r.text
    for read in (
        send(hub, "alice", "GET", "api/preferences", headers=FORGED_HEADERS, params=FORGED_PARAMS),
        alices_server.call("GET", "preferences", headers=FORGED_HEADERS, params=FORGED_PARAMS),
    ):
        assert read.status_code == 200 and read.json()["skill_level"] != "advanced", read.text
    assert bobs() == before


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00junk",
        b'{"skill_level": "caf\xe9"}',
        b"[" * 50_000,
        b'{"known_topics": ["loops\\u0000"]}',
        b'{"known_topics": ["\\ud800"]}',
        b'{"known_topics": "loops"}',
        b'{"auto_capture": "yes"}',
        b'{"skill_level": "advanced", "student_id": "bob", "is_instructor": true, "extra": 1}',
        b"null",
        b"",
    ],
)
def test_bad_preferences_are_a_400_at_both_doors(hub: Hub, alices_server: Server, raw: bytes) -> None:
    before = send(hub, "alice", "GET", "api/preferences").json()
    for r in (
        send(hub, "alice", "PUT", "api/preferences", raw, headers={"Content-Type": "application/json"}),
        alices_server.call("PUT", "preferences", raw, headers={"Content-Type": "application/json"}),
    ):
        assert r.status_code == 400, (r.status_code, r.text[:300])
        assert r.json()
    assert send(hub, "alice", "GET", "api/preferences").json() == before


def test_a_huge_declared_preferences_body_is_refused_before_it_is_sent(alices_server: Server) -> None:
    headers = {
        "Authorization": f"token {alices_server.token}",
        "Content-Type": "application/json",
        "Content-Length": str(100 * 1024 * 1024),
    }
    r = raw_request(
        alices_server.port, "PUT", "/learnflow/api/preferences", headers, b"{", send_body=False, timeout=20
    )
    assert r.status == 413 and r.seconds < 15, (r.head, r.seconds)
