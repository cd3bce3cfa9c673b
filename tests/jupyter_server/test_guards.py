"""What the API refuses: bad input, strangers, someone else's reply."""

import json
from typing import Any

import pytest
from learnflow_agents.contracts import StudentQuery
from tornado.httpclient import HTTPClientError

from tests.jupyter_server.support import DEBUG_QUERY, body, post_json

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"", 400, "the request body is empty"),
        (b"\xff\xfe\x00\x01binary", 400, "binary data is not accepted"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b"{not json", 400, "not valid JSON"),
        (b"{}", 400, "query is empty: give text, code or a traceback"),
        (json.dumps({"text": "a\u0000b"}).encode(), 400, "binary data is not accepted"),
        (json.dumps({"code": "x" * 100_001}).encode(), 400, "code: String should have at most 100000"),
        (json.dumps({"text": "hi", "target_agent": "oracle"}).encode(), 400, "target_agent 'oracle'"),
        (json.dumps({"code": "x = 1\n" * (5 * MB // 6)}).encode(), 413, "the limit is 1,048,576"),
    ],
    ids=["empty", "binary", "array", "not-json", "no-content", "nul", "code-too-long", "agent", "5MB"],
)
async def test_bad_queries_get_a_clear_4xx(jp_fetch: Any, raw: bytes, status: int, message: str) -> None:
    got = await jp_fetch(
        "learnflow",
        "api",
        "queries",
        method="POST",
        body=raw,
        raise_error=False,
        allow_nonstandard_methods=True,
    )
    assert got.code == status
    assert message in body(got)["message"]


async def test_feedback_on_another_students_reply_is_forbidden(jp_fetch: Any, learnflow: Any) -> None:
    engine = await learnflow.host.get()
    theirs = await engine.ask("someone-else", StudentQuery(**DEBUG_QUERY), timeout=60)

    refused = await post_json(jp_fetch, "feedback", {"reply_id": str(theirs.reply_id), "helpful": True})
    assert refused.code == 403
    assert str(theirs.reply_id) in body(refused)["message"]

    query_id = body(await post_json(jp_fetch, "queries", DEBUG_QUERY))["query_id"]
    mine = body(await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"}))["replies"][0]
    rating = {"reply_id": mine["reply_id"], "helpful": True, "rating": 5, "comment": "clear"}
    assert (await post_json(jp_fetch, "feedback", rating)).code == 204
    too_high = await post_json(jp_fetch, "feedback", {**rating, "rating": 9})
    assert too_high.code == 400
    assert "rating: Input should be less than or equal to 5" in body(too_high)["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "status"), ("GET", "progress"), ("POST", "queries"), ("POST", "feedback"), ("GET", "queries/x")],
)
async def test_unauthenticated_calls_are_refused(jp_fetch: Any, method: str, path: str) -> None:
    got = await jp_fetch(
        "learnflow",
        "api",
        *path.split("/"),
        method=method,
        body=json.dumps(DEBUG_QUERY) if method == "POST" else None,
        headers={"Authorization": "token not-the-token"},
        raise_error=False,
    )
    assert got.code == 403


async def test_unauthenticated_events_socket_is_refused(jp_ws_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("learnflow", "api", "events", headers={"Authorization": "token not-the-token"})
    assert refused.value.code == 403
