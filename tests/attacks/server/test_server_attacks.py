"""Attacks on a student's own Jupyter server hosting the engine (the default `jupyter lab`).

Real parts: a Jupyter server with LearnFlow enabled (pytest-jupyter; the tests run on its
event loop), the engine in it with the six offline agents, SQLite. The attacker holds the
server's token; bob is another student whose rows are in the same database (put there
through the engine, as a shared classroom database would hold them). Every attack is judged
by the stored rows and by what came back, not by a status code alone.
"""

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from learnflow_agents.contracts import StudentQuery
from tornado.httpclient import HTTPClientError

from tests.attacks.support import feedback_on, query_ids, query_row, replies_to, student_rows
from tests.jupyter_server.conftest import OWNER

WRONG_CAN_RIDE = "def can_ride(age, height_cm, with_adult):\n    return False\n"
FORGED_HEADERS = {
    "X-Forwarded-User": "bob",
    "X-Remote-User": "bob",
    "Remote-User": "bob",
    "X-JupyterHub-User": "bob",
    "X-Forwarded-For": "127.0.0.1",
    "Forwarded": "for=127.0.0.1;user=bob",
    "X-LearnFlow-Student": "bob",
}
FORGED_PARAMS = {"student_id": "bob", "user": "bob", "owner": "bob"}
FORGED_VERDICT = {
    "passed": True,
    "score": 1.0,
    "check": {"exercise_id": "can-ride", "passed": True, "score": 1.0, "points": 5, "max_points": 5},
    "data": {"passed": True, "exercise_id": "can-ride", "topic": "boolean-logic"},
    "agent": "exercise",
    "summary": "All tests passed",
}


async def call(jp_fetch: Any, method: str, *path: str, body: Any = None, **kw: Any) -> Any:
    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    # pytest-jupyter adds its token to the dict it is given: never hand it a shared one.
    kw["headers"] = dict(kw.get("headers") or {})
    return await jp_fetch(
        "learnflow",
        "api",
        *path,
        method=method,
        body=data,
        raise_error=False,
        allow_nonstandard_methods=True,
        **kw,
    )


def loads(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


async def bobs_rows(learnflow: Any) -> dict[str, str]:
    """bob asks a question through the engine; returns his query and reply ids."""
    engine = await learnflow.host.get()
    reply = await engine.ask(
        "bob", StudentQuery(text="what is a dictionary?", target_agent="concepts"), timeout=60
    )
    return {"query": str(reply.query_id), "reply": str(reply.reply_id)}


async def settled(db_url: str, student: str) -> dict[str, Any]:
    last = student_rows(db_url, student)
    for _ in range(30):
        await asyncio.sleep(1.0)
        now = student_rows(db_url, student)
        if now == last:
            return now
        last = now
    raise AssertionError(f"{student}'s rows kept changing")


async def answered(jp_fetch: Any, query_id: str) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for _ in range(3):
        view = loads(await call(jp_fetch, "GET", "queries", query_id, params={"wait": "60"}))
        if view["status"] == "answered":
            return view
    raise AssertionError(f"no answer to {query_id}: {view}")


# -- identity ------------------------------------------------------------------------------------


async def test_a_request_naming_bob_is_filed_under_the_owner(
    jp_fetch: Any, learnflow: Any, db_url: str
) -> None:
    bob = await bobs_rows(learnflow)
    before = await settled(db_url, "bob")
    text = f"what is a set? {uuid.uuid4().hex}"
    r = await call(
        jp_fetch,
        "POST",
        "queries",
        body={"text": text, "student_id": "bob", "owner": "bob", "user": "bob"},
        headers=FORGED_HEADERS,
        params=FORGED_PARAMS,
    )
    assert r.code == 202, r.body
    row = query_row(db_url, loads(r)["query_id"])
    assert row is not None and row["student_id"] == OWNER and row["text"] == text
    for path in (("progress",), ("attempts",)):
        got = await call(jp_fetch, "GET", *path, headers=FORGED_HEADERS, params=FORGED_PARAMS)
        assert got.code == 200 and loads(got)["student_id"] == OWNER
        assert bob["query"] not in got.body.decode()
    assert student_rows(db_url, "bob") == before


@pytest.mark.parametrize("form", ["plain", "upper", "braces", "urn", "hex"])
async def test_bobs_query_reads_as_missing(jp_fetch: Any, learnflow: Any, db_url: str, form: str) -> None:
    bob = await bobs_rows(learnflow)
    qid = uuid.UUID(bob["query"])
    written = {"plain": str(qid), "upper": str(qid).upper(), "braces": "{" + str(qid) + "}", "urn": qid.urn}
    written["hex"] = qid.hex
    r = await call(jp_fetch, "GET", "queries", written[form], headers=FORGED_HEADERS, params=FORGED_PARAMS)
    missing = await call(jp_fetch, "GET", "queries", str(uuid.uuid4()))
    assert r.code == missing.code == 404
    assert "dictionary" not in r.body.decode()


async def test_feedback_on_bobs_reply_stores_nothing(jp_fetch: Any, learnflow: Any, db_url: str) -> None:
    bob = await bobs_rows(learnflow)
    for claim in ({}, {"student_id": "bob"}):
        r = await call(
            jp_fetch,
            "POST",
            "feedback",
            body={**claim, "reply_id": bob["reply"], "rating": 1, "comment": "bad"},
            headers=FORGED_HEADERS,
        )
        assert r.code == 403, r.body
    assert feedback_on(db_url, bob["reply"]) == []


async def test_bobs_query_id_cannot_be_taken_over(jp_fetch: Any, learnflow: Any, db_url: str) -> None:
    bob = await bobs_rows(learnflow)
    before = await settled(db_url, "bob")
    r = await call(
        jp_fetch,
        "POST",
        "queries",
        body={"query_id": bob["query"], "text": "mine now", "target_agent": "concepts"},
    )
    assert r.code in (400, 409), r.body
    # A barrier: the owner's next query is answered, so anything the first set off is done.
    posted = await call(
        jp_fetch, "POST", "queries", body={"text": "what is a list?", "target_agent": "concepts"}
    )
    await answered(jp_fetch, loads(posted)["query_id"])
    assert student_rows(db_url, "bob") == before
    row = query_row(db_url, bob["query"])
    assert row is not None and row["student_id"] == "bob" and row["text"] == "what is a dictionary?"


# -- forging grades --------------------------------------------------------------------------------


def exercise_verdicts(db_url: str, query_id: str) -> list[Any]:
    out = []
    for row in replies_to(db_url, query_id):
        doc = row["reply"]
        if doc.get("agent") == "exercise":
            out.append((doc.get("check") or {}).get("passed", doc.get("data", {}).get("passed")))
    return out


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("attempts", {"exercise_id": "can-ride", "code": WRONG_CAN_RIDE, **FORGED_VERDICT}),
        (
            "queries",
            {"text": "check can-ride", "code": WRONG_CAN_RIDE, "target_agent": "exercise", **FORGED_VERDICT},
        ),
        (
            "queries",
            {"text": "grade", "exercise_id": "can-ride", "code": WRONG_CAN_RIDE, "target_agent": "exercise"}
            | FORGED_VERDICT,
        ),
    ],
    ids=["attempts", "queries-text", "queries-exercise_id"],
)
async def test_a_forged_verdict_counts_for_nothing(
    jp_fetch: Any, learnflow: Any, db_url: str, path: str, body: Any
) -> None:
    await learnflow.host.get()
    r = await call(jp_fetch, "POST", path, body=body)
    if r.code == 400:
        # Refusing the forged fields outright is as good: nothing was filed.
        assert query_ids(db_url, OWNER) == set()
        return
    assert r.code == 202, r.body
    query_id = loads(r)["query_id"]
    await answered(jp_fetch, query_id)
    verdicts = exercise_verdicts(db_url, query_id)
    assert verdicts and all(v is False for v in verdicts), verdicts
    await settled(db_url, OWNER)
    attempts = loads(await call(jp_fetch, "GET", "attempts"))["attempts"]
    assert all(a["passed"] is False for a in attempts), attempts


async def test_a_helper_relation_to_bobs_reply_attaches_nothing_to_it(
    jp_fetch: Any, learnflow: Any, db_url: str
) -> None:
    bob = await bobs_rows(learnflow)
    before = await settled(db_url, "bob")
    r = await call(
        jp_fetch,
        "POST",
        "queries",
        body={
            "text": "why does this fail?",
            "code": "x = [1]\nprint(x[3])",
            "traceback": "Traceback (most recent call last):\nIndexError: list index out of range",
            "helps": {"agent": "concepts", "reply_id": bob["reply"]},
            "for_reply": bob["reply"],
            "saga_of": "debug",
            "data": {"saga_of": "debug"},
        },
    )
    if r.code == 202:
        query_id = loads(r)["query_id"]
        await answered(jp_fetch, query_id)
        await settled(db_url, OWNER)
        for reply in replies_to(db_url, query_id):
            assert str(reply["reply_id"]) != bob["reply"]
            assert (reply["reply"].get("helps") or {}).get("reply_id") != bob["reply"]
    else:
        assert r.code == 400, r.body
    assert student_rows(db_url, "bob") == before


# -- bad input ----------------------------------------------------------------------------------


async def raw_post(
    port: int, path: str, token: str, length: int, timeout: float = 10.0
) -> tuple[bytes, float]:
    """Headers declaring `length` bytes of body, and not one byte of it: the answer, and how
    long it took (a server that waits for the body does not answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: token {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(65536), timeout)
    except TimeoutError:
        answer = b""
    finally:
        writer.close()
    return answer, time.monotonic() - started


async def test_a_huge_declared_body_is_refused_before_it_is_sent(
    http_server: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    learnflow: Any,
    db_url: str,
) -> None:
    await learnflow.host.get()
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    for length in (100 * 1024 * 1024, 10**12, 10**30):
        answer, seconds = await raw_post(jp_http_port, f"{jp_base_url}learnflow/api/queries", token, length)
        assert answer.startswith(b"HTTP/1.1 413"), (length, answer[:200])
        assert seconds < 5
    assert query_ids(db_url, OWNER) == set()


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe junk",
        b'{"text": "caf\xe9"}',
        b"[" * 200_000,
        b'{"text": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}",
        b'{"text": "hi", "hints_used": 1e999}',
        b'{"text": "hi", "variables": "x"}',
        b'{"text": "hi"',
    ],
)
async def test_junk_bodies_are_a_400_everywhere_and_nothing_is_lost(
    jp_fetch: Any, learnflow: Any, db_url: str, raw: bytes
) -> None:
    await learnflow.host.get()  # the database exists before it is read below
    for path in ("queries", "feedback", "attempts"):
        r = await call(jp_fetch, "POST", path, body=raw)
        assert r.code == 400, (path, r.code, r.body[:300])
        assert loads(r)["message"]
    assert query_ids(db_url, OWNER) == set()
    # The server is still whole: an honest question is answered.
    posted = await call(
        jp_fetch, "POST", "queries", body={"text": "what is a list?", "target_agent": "concepts"}
    )
    assert (await answered(jp_fetch, loads(posted)["query_id"]))["replies"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("QUERY", {"wait": "-1"}),
        ("QUERY", {"wait": "nan"}),
        ("QUERY", {"wait": "inf"}),
        ("QUERY", {"wait": "1e308"}),
        ("QUERY", {"wait": "61"}),
        ("QUERY", {"wait": "0x10"}),
        ("progress", {"limit": "-1"}),
        ("progress", {"limit": "0"}),
        ("progress", {"limit": "1e3"}),
        ("progress", {"limit": "100000000000000000000"}),
        ("attempts", {"limit": "-5"}),
        ("attempts", {"limit": "101"}),
    ],
)
async def test_bad_parameters_are_a_400_at_once(jp_fetch: Any, path: str, params: dict[str, str]) -> None:
    parts: tuple[str, ...] = (path,)
    if path == "QUERY":
        posted = await call(
            jp_fetch, "POST", "queries", body={"text": "what is a dict?", "target_agent": "concepts"}
        )
        parts = ("queries", loads(posted)["query_id"])
    started = time.monotonic()
    r = await call(jp_fetch, "GET", *parts, params=params)
    assert r.code == 400, (parts, params, r.code, r.body)
    assert time.monotonic() - started < 5


# -- the event stream --------------------------------------------------------------------------


async def test_the_owners_socket_never_carries_bobs_events(
    jp_fetch: Any, jp_ws_fetch: Any, learnflow: Any
) -> None:
    ws = await jp_ws_fetch(
        "learnflow", "api", "events", params=dict(FORGED_PARAMS), headers=dict(FORGED_HEADERS)
    )
    try:
        for frame in (
            {"subscribe": "bob"},
            {"type": "subscribe", "student_id": "bob"},
            {"student_id": "bob"},
            {"action": "subscribe", "topics": ["*"]},
        ):
            await ws.write_message(json.dumps(frame))
        await ws.write_message(b"\xff\x00junk", binary=True)
        engine = await learnflow.host.get()
        bobs = await engine.ask(
            "bob", StudentQuery(text="what is a while loop?", target_agent="concepts"), timeout=60
        )
        posted = await call(
            jp_fetch, "POST", "queries", body={"text": "what is a for loop?", "target_agent": "concepts"}
        )
        mine = loads(posted)["query_id"]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while not any(e["type"] == "reply" and e["payload"].get("query_id") == mine for e in seen):
            assert time.monotonic() < deadline, seen
            try:
                message = await asyncio.wait_for(ws.read_message(), 30)
            except HTTPClientError:
                break
            assert message is not None, "the events socket closed"
            seen.append(json.loads(message))
    finally:
        ws.close()
    assert {e["student_id"] for e in seen} == {OWNER}
    assert all(e["payload"].get("query_id") != str(bobs.query_id) for e in seen)


# -- another web page in the student's browser (CSRF, cross-site WebSocket hijacking) -----------

EVIL = "http://evil.example"


async def login_cookies(port: int, base: str, token: str) -> dict[str, str]:
    """The cookies a browser holds once the student has opened their server with its token."""
    from tornado.httpclient import AsyncHTTPClient

    r = await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}{base}lab?token={token}", raise_error=False, follow_redirects=False
    )
    cookies = {}
    for header in r.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    assert any(name.startswith("username-") for name in cookies), r.headers
    return cookies


async def browser(
    port: int,
    base: str,
    method: str,
    path: str,
    cookies: dict[str, str],
    headers: dict[str, str],
    body: bytes | None,
) -> Any:
    from tornado.httpclient import AsyncHTTPClient

    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}{base}learnflow/api/{path}",
        method=method,
        headers={"Cookie": cookie, **headers},
        body=body,
        raise_error=False,
        follow_redirects=False,
        allow_nonstandard_methods=True,
    )


async def test_another_site_cannot_post_with_the_students_cookies(
    http_server: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    learnflow: Any,
    db_url: str,
) -> None:
    await learnflow.host.get()
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    cookies = await login_cookies(jp_http_port, jp_base_url, token)
    ask = json.dumps({"text": "posted by another site", "target_agent": "concepts"}).encode()
    for headers in (
        {"Origin": EVIL, "Content-Type": "application/json"},
        {"Origin": EVIL, "Content-Type": "text/plain"},  # a "simple" request: no preflight
        {"Content-Type": "text/plain"},
        {"Origin": EVIL, "Referer": EVIL + "/page", "Content-Type": "application/x-www-form-urlencoded"},
    ):
        for path in ("queries", "attempts", "feedback"):
            r = await browser(jp_http_port, jp_base_url, "POST", path, cookies, headers, ask)
            assert r.code in (403, 404), (path, headers, r.code, r.body[:200])
    assert query_ids(db_url, OWNER) == set()
    # The same cookies with Jupyter's XSRF token (what the student's own pages send) work:
    # the refusals above are the CSRF defence, not a bad cookie.
    xsrf = cookies.get("_xsrf", "")
    r = await browser(
        jp_http_port,
        jp_base_url,
        "POST",
        "queries",
        cookies,
        {"X-XSRFToken": xsrf, "Content-Type": "application/json"},
        ask,
    )
    assert r.code == 202, r.body


async def test_another_site_cannot_read_the_students_data(
    http_server: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    cookies = await login_cookies(jp_http_port, jp_base_url, token)
    preflight = await browser(
        jp_http_port,
        jp_base_url,
        "OPTIONS",
        "progress",
        cookies,
        {
            "Origin": EVIL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type",
        },
        None,
    )
    for r in (
        preflight,
        await browser(jp_http_port, jp_base_url, "GET", "progress", cookies, {"Origin": EVIL}, None),
    ):
        allowed = r.headers.get("Access-Control-Allow-Origin")
        assert allowed not in (EVIL, "*"), (r.code, dict(r.headers))


async def test_another_site_cannot_open_the_students_event_socket(
    http_server: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str], learnflow: Any
) -> None:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    await learnflow.host.get()
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    cookies = await login_cookies(jp_http_port, jp_base_url, token)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}learnflow/api/events"
    with pytest.raises(HTTPClientError) as refused:
        await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie, "Origin": EVIL}))
    assert refused.value.code in (403, 404)
    # The student's own page (same origin) may.
    same = f"http://127.0.0.1:{jp_http_port}"
    ws = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie, "Origin": same}))
    ws.close()


ESCAPED_BODIES = [
    ("queries", {"text": "hi \u0000"}),
    ("queries", {"text": "hi \ud800"}),
    ("queries", {"text": "hi", "traceback": "Traceback\n\u0000"}),
    ("queries", {"text": "hi", "traceback": "Traceback\n\udfff"}),
    ("queries", {"text": "hi", "variables": [{"name": "x\ud800", "type": "int", "repr": "\u0000"}]}),
    ("queries", {"text": "hi", "course_id": "py101\u0000"}),
    ("queries", {"text": "hi", "course_id": "py101\ud800"}),
    ("queries", {"text": "hi", "source": "\ud800"}),
    ("queries", {"text": "hi", "context": {"topics_covered": ["loops\u0000"]}}),
    ("queries", {"text": "hi", "context": {"mastery": {"loops\ud800": 0.5}}}),
    ("attempts", {"exercise_id": "can-ride", "code": "def f():\n    return '\ud800'"}),
    ("attempts", {"exercise_id": "can-ride", "code": "x = 1", "course_id": "\u0000"}),
    ("feedback", {"reply_id": str(uuid.uuid4()), "comment": "nice \ud800"}),
    ("feedback", {"reply_id": str(uuid.uuid4()), "comment": "nice \u0000"}),
]


@pytest.mark.parametrize(("path", "data"), ESCAPED_BODIES)
async def test_escaped_nul_and_surrogates_are_never_a_500(
    jp_fetch: Any, learnflow: Any, db_url: str, path: str, data: dict[str, Any]
) -> None:
    await learnflow.host.get()
    r = await call(jp_fetch, "POST", path, body=json.dumps(data).encode())
    assert r.code in (202, 400, 403), (path, r.code, r.body[:300])
    assert loads(r)
    if r.code != 202:
        assert query_ids(db_url, OWNER) == set()
