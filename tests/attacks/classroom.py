"""The classroom's attackers and victims: calls to the gateway with a user's hub token, and
what the stored rows say happened (replies, verdicts, attempts)."""

import json
import time
from typing import Any

import requests
import websocket

from tests.attacks.support import attempts_of, query_row, replies_to
from tests.gateway.hub import Hub, wait_until

WRONG_CAN_RIDE = "def can_ride(age, height_cm, with_adult):\n    return False\n"
# Every header a proxy or an identity-aware front end might be trusted for.
FORGED_HEADERS = {
    "X-Forwarded-User": "bob",
    "X-Remote-User": "bob",
    "Remote-User": "bob",
    "X-User": "bob",
    "X-JupyterHub-User": "bob",
    "X-Forwarded-Preferred-Username": "bob",
    "X-Auth-Request-User": "bob",
    "X-Forwarded-For": "127.0.0.1",
    "X-Real-IP": "127.0.0.1",
    "Forwarded": "for=127.0.0.1;by=hub;user=bob",
    "X-LearnFlow-Student": "bob",
}
FORGED_PARAMS = {"student_id": "bob", "user": "bob", "owner": "bob", "as": "bob"}
FORGED_BODY = {"student_id": "bob", "owner": "bob", "user": "bob", "username": "bob", "name": "bob"}


def send(
    hub: Hub,
    user: str | None,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> requests.Response:
    all_headers = dict(headers or {})
    if user is not None:
        all_headers["Authorization"] = f"token {hub.tokens[user]}"
    data = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
    return requests.request(method, hub.gateway + path, headers=all_headers, data=data, timeout=90, **kw)


def ask(hub: Hub, user: str, body: dict[str, Any], **kw: Any) -> str:
    r = send(hub, user, "POST", "api/queries", body, **kw)
    assert r.status_code == 202, r.text
    return str(r.json()["query_id"])


def stored_answer(db: str, query_id: str) -> dict[str, Any]:
    """The query row once the answering agent's reply is stored (read from PostgreSQL)."""

    def done() -> dict[str, Any] | None:
        row = query_row(db, query_id)
        return row if row is not None and row["status"] == "answered" else None

    return wait_until(done, f"the answer to {query_id}", timeout=90)


def verdict(db: str, query_id: str) -> bool | None:
    """The trusted side's verdict on a check query: its exercise reply's result (None when
    no exercise reply graded it)."""
    results = []
    for row in replies_to(db, query_id):
        doc = row["reply"]
        if doc.get("agent") != "exercise":
            continue
        check = doc.get("check") or {}
        passed = check.get("passed", doc.get("data", {}).get("passed"))
        results.append(passed)
    if not results:
        return None
    assert all(isinstance(p, bool) for p in results), f"{query_id} was not graded: {results}"
    return any(results)


def recorded_attempts(db: str, student: str, query_id: str) -> list[dict[str, Any]]:
    return [a for a in attempts_of(db, student) if a["details"].get("query_id") == query_id]


def events_socket(hub: Hub, user: str, query: str = "", headers: dict[str, str] | None = None) -> Any:
    ws_url = hub.gateway.replace("http://", "ws://") + "api/events" + query
    header = [f"Authorization: token {hub.tokens[user]}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return websocket.create_connection(ws_url, header=header, timeout=60)


def drain(sock: Any, seconds: float) -> list[dict[str, Any]]:
    """Every event that arrives within `seconds`."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            message = sock.recv()
        except (websocket.WebSocketTimeoutException, TimeoutError):
            break
        if message:
            seen.append(json.loads(message))
    return seen


SUBSCRIBE_AS_BOB = [
    {"subscribe": "bob"},
    {"type": "subscribe", "student_id": "bob"},
    {"action": "subscribe", "student_id": "bob", "topics": ["*"]},
    {"student_id": "bob"},
    {"type": "auth", "token": "bob", "user": "bob"},
]
