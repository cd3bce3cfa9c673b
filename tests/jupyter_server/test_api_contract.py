"""The API does what openapi.yaml says, not more: the document is served, out-of-range
parameters are refused (never clamped) with the field named, wrong methods are 405 with
`Allow`, empty queries and blank code are handled as documented, types are strict, and a
feedback comment is masked for secrets before it is stored."""

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import learnflow_agents.api
import pytest
import sqlalchemy as sa
import yaml
from learnflow_agents.contracts import StudentQuery

from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import DEBUG_QUERY, body, post_json
from tests.privacy.corpus import LOOKALIKES, SECRETS
from tests.privacy.support import leaks

DOCUMENT = Path(learnflow_agents.api.__file__).with_name("openapi.yaml")
STRANGER = {"Authorization": "token not-the-token"}


async def get(jp_fetch: Any, path: str, **kwargs: Any) -> Any:
    return await jp_fetch("learnflow", "api", *path.split("/"), raise_error=False, **kwargs)


async def test_the_openapi_document_is_served_as_json_to_authenticated_callers(jp_fetch: Any) -> None:
    served = await get(jp_fetch, "openapi.json")
    assert served.code == 200
    assert served.headers["Content-Type"].startswith("application/json")
    assert body(served) == yaml.safe_load(DOCUMENT.read_text())
    assert "/learnflow/api/openapi.json" in body(served)["paths"]
    assert (await get(jp_fetch, "openapi.json", headers=STRANGER)).code == 403


@pytest.mark.parametrize("path", ["progress", "attempts"])
@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000000", "x", "1.5", "", "true", "\u0663"])
async def test_a_limit_out_of_range_is_refused_not_clamped(jp_fetch: Any, path: str, limit: str) -> None:
    refused = await get(jp_fetch, path, params={"limit": limit})
    assert refused.code == 400, body(refused)
    assert body(refused)["field"] == "limit"
    assert "limit must be" in body(refused)["message"]


@pytest.mark.parametrize("path", ["progress", "attempts"])
async def test_limits_at_the_bounds_are_accepted(jp_fetch: Any, path: str) -> None:
    for limit in ("1", "100"):
        assert (await get(jp_fetch, path, params={"limit": limit})).code == 200


@pytest.mark.parametrize("wait", ["-1", "-0.5", "61", "60.5", "nan", "inf", "1e400", "soon", "1_0"])
async def test_a_bad_wait_is_refused_before_the_query_is_looked_up(jp_fetch: Any, wait: str) -> None:
    accepted = await post_json(jp_fetch, "queries", DEBUG_QUERY)
    query_id = body(accepted)["query_id"]
    for target in (query_id, "no-such-query"):
        refused = await get(jp_fetch, f"queries/{target}", params={"wait": wait})
        assert refused.code == 400, (target, body(refused))
        assert body(refused)["field"] == "wait"


async def test_wait_within_its_range_is_accepted(jp_fetch: Any) -> None:
    query_id = body(await post_json(jp_fetch, "queries", DEBUG_QUERY))["query_id"]
    for wait in ("0", "0.0", "60"):
        view = await get(jp_fetch, f"queries/{query_id}", params={"wait": wait})
        assert view.code == 200, body(view)


# Each route with the methods it serves (OPTIONS: Jupyter's CORS preflight on REST routes).
ROUTES = {
    "queries": {"POST", "OPTIONS"},
    "queries/some-id": {"GET", "OPTIONS"},
    "feedback": {"POST", "OPTIONS"},
    "status": {"GET", "OPTIONS"},
    "progress": {"GET", "OPTIONS"},
    "attempts": {"GET", "POST", "OPTIONS"},
    "openapi.json": {"GET", "OPTIONS"},
    "events": {"GET"},
}


@pytest.mark.parametrize("path", sorted(ROUTES))
@pytest.mark.parametrize("stranger", [False, True], ids=["token", "stranger"])
async def test_a_wrong_method_is_405_with_allow_on_every_route(
    jp_fetch: Any, path: str, stranger: bool
) -> None:
    served = ROUTES[path]
    for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} - served):
        got = await get(
            jp_fetch,
            path,
            method=method,
            body=b"{}" if method in ("POST", "PUT", "PATCH") else None,
            allow_nonstandard_methods=True,
            headers=STRANGER if stranger else None,
        )
        assert got.code == 405, (path, method, got.code)
        assert set(got.headers["Allow"].replace(" ", "").split(",")) == served, (path, method)


@pytest.mark.parametrize("path", ["queries", "status", "attempts"])
async def test_options_lists_the_allowed_methods(jp_fetch: Any, path: str) -> None:
    got = await get(jp_fetch, path, method="OPTIONS")
    assert got.code in (200, 204)
    assert set(got.headers["Allow"].replace(" ", "").split(",")) == ROUTES[path]


@pytest.mark.parametrize(
    "query",
    [{}, {"code": ""}, {"code": "   \n"}, {"text": " ", "code": "", "traceback": "\t"}, {"source": "test"}],
    ids=["empty-object", "empty-code", "blank-code", "all-blank", "no-content"],
)
async def test_a_query_with_nothing_to_answer_is_a_400(jp_fetch: Any, query: dict[str, Any]) -> None:
    refused = await post_json(jp_fetch, "queries", query)
    assert refused.code == 400
    assert body(refused)["message"] == "query is empty: give text, code or a traceback"
    assert body(refused)["field"] is None


async def test_empty_code_beside_a_question_is_accepted_and_kept(jp_fetch: Any, learnflow: Any) -> None:
    accepted = await post_json(jp_fetch, "queries", {"text": "what is a list?", "code": ""})
    assert accepted.code == 202, body(accepted)
    engine = await learnflow.host.get()
    stored = engine.store.get_query(UUID(body(accepted)["query_id"]))
    assert stored is not None and stored.code == ""


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("queries", {"text": "hi", "hints_used": True}, "hints_used"),
        ("queries", {"text": "hi", "hints_used": "3"}, "hints_used"),
        ("queries", {"text": "hi", "target_agent": "triage"}, None),
        ("queries", {"text": "hi", "context": {"topics_covered": [" "]}}, "context.topics_covered.0"),
        ("attempts", {"exercise_id": "sum-of-evens", "code": ""}, "code"),
        ("attempts", {"exercise_id": "sum-of-evens", "code": "x = 1", "hints_used": False}, "hints_used"),
        ("feedback", {"reply_id": "6a6a0564-96c6-45f0-a3f9-c1c649f91470", "helpful": 1}, "helpful"),
        ("feedback", {"reply_id": "6a6a0564-96c6-45f0-a3f9-c1c649f91470", "rating": "5"}, "rating"),
        ("feedback", {"reply_id": "6a6a0564-96c6-45f0-a3f9-c1c649f91470", "rating": 6}, "rating"),
        ("feedback", {"reply_id": "not-a-uuid"}, "reply_id"),
    ],
)
async def test_invalid_fields_are_named(
    jp_fetch: Any, path: str, data: dict[str, Any], field: str | None
) -> None:
    refused = await post_json(jp_fetch, path, data)
    assert refused.code == 400, body(refused)
    assert body(refused)["field"] == field, body(refused)


async def test_an_integral_float_is_an_integer_as_json_schema_says(jp_fetch: Any, learnflow: Any) -> None:
    accepted = await post_json(jp_fetch, "queries", {"text": "hi", "hints_used": 2.0})
    assert accepted.code == 202, body(accepted)


def feedback_comments(db_url: str) -> list[str]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT comment FROM feedback ORDER BY id"))]
    finally:
        engine.dispose()


async def test_a_feedback_comment_is_masked_before_it_is_stored(
    jp_fetch: Any, learnflow: Any, db_url: str
) -> None:
    engine = await learnflow.host.get()
    reply = await engine.ask(OWNER, StudentQuery(**DEBUG_QUERY), timeout=60)
    secrets = [snippet for snippet, _ in SECRETS[:20]]
    for snippet in secrets:
        comment = f"this did not help, my setup is:\n{snippet}"
        rated = await post_json(jp_fetch, "feedback", {"reply_id": str(reply.reply_id), "comment": comment})
        assert rated.code == 204, body(rated)
    kept = await post_json(jp_fetch, "feedback", {"reply_id": str(reply.reply_id), "comment": LOOKALIKES[0]})
    assert kept.code == 204

    comments = feedback_comments(db_url)
    assert len(comments) == len(secrets) + 1
    assert leaks(comments) == [], "secret values stored in feedback comments"
    assert all("«redacted»" in c for c in comments[:-1])
    assert comments[-1] == LOOKALIKES[0]
    assert json.dumps(comments)  # plain strings, as stored
