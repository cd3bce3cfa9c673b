"""Asking over REST and the events WebSocket, as the kernel and the labextension do."""

import json
from typing import Any

from learnflow_agents.store import Store

from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import DEBUG_QUERY, body, post_json


async def test_debug_query_is_answered_and_read_back(jp_fetch: Any) -> None:
    posted = await post_json(jp_fetch, "queries", DEBUG_QUERY)
    assert posted.code == 202
    query_id = body(posted)["query_id"]

    got = await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"})
    view = body(got)
    assert view["query_id"] == query_id
    assert view["status"] == "answered"
    assert view["routing"]["target_agent"] == "debug"
    main = [r for r in view["replies"] if not r.get("helps")]
    assert main[0]["agent"] == "debug"
    assert "IndexError" in json.dumps(main[0])


async def test_events_websocket_streams_routing_logs_and_the_reply(jp_fetch: Any, jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch("learnflow", "api", "events")
    try:
        # Routed by triage, so the socket carries a routing decision too.
        triaged = {k: v for k, v in DEBUG_QUERY.items() if k != "target_agent"}
        query_id = body(await post_json(jp_fetch, "queries", triaged))["query_id"]
        seen: list[dict[str, Any]] = []
        while not any(e["type"] == "reply" and e["payload"]["agent"] == "debug" for e in seen):
            message = await ws.read_message()
            assert message is not None, "the events socket closed before the reply"
            event = json.loads(message)
            if event["payload"].get("query_id") == query_id:
                seen.append(event)
    finally:
        ws.close()
    kinds = [e["type"] for e in seen]
    assert kinds.index("routing") < kinds.index("reply")
    assert "log" in kinds
    assert {e["student_id"] for e in seen} == {OWNER}


async def test_student_id_in_the_body_is_ignored(jp_fetch: Any, db_url: str) -> None:
    posted = await post_json(jp_fetch, "queries", {**DEBUG_QUERY, "student_id": "mallory"})
    assert posted.code == 202
    query_id = body(posted)["query_id"]
    await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"})

    store = Store.open(db_url, upgrade=False)
    try:
        assert [str(q.query_id) for q in store.recent_queries(OWNER)] == [query_id]
        assert store.recent_queries("mallory") == []
    finally:
        store.close()


async def test_another_students_query_is_not_found(jp_fetch: Any, learnflow: Any) -> None:
    from learnflow_agents.contracts import StudentQuery

    engine = await learnflow.host.get()
    theirs = await engine.submit("someone-else", StudentQuery(text="what is a list?"))
    got = await jp_fetch("learnflow", "api", "queries", str(theirs), raise_error=False)
    assert got.code == 404
    assert body(got)["message"] == f"no query {theirs}"


async def test_progress_lists_the_callers_recent_queries(jp_fetch: Any) -> None:
    query_id = body(await post_json(jp_fetch, "queries", DEBUG_QUERY))["query_id"]
    await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"})
    progress = body(await jp_fetch("learnflow", "api", "progress"))
    assert progress["student_id"] == OWNER
    assert [q["query_id"] for q in progress["recent_queries"]] == [query_id]
    assert isinstance(progress["mastery"], dict)
