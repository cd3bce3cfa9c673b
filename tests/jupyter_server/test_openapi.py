"""The checked-in OpenAPI document against the extension: same routes, same shapes.

Responses come from the real handlers on a real server; openapi-core validates each one
against the operation and status it was documented under.
"""

import json
from pathlib import Path
from typing import Any

import learnflow_agents.api
import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from tornado import web

from tests.jupyter_server.support import DEBUG_QUERY
from tests.jupyter_server.test_attempts import SOLUTION, attempts_once_recorded

DOCUMENT = Path(learnflow_agents.api.__file__).with_name("openapi.yaml")
CONTRACTS = Path(__file__).resolve().parents[2] / "agents" / "learnflow_agents" / "contracts" / "schemas"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text())


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(document)
    assert document["openapi"].startswith("3.1")


def test_embedded_contract_schemas_match_the_agents_contracts(document: dict[str, Any]) -> None:
    def as_component(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else as_component(v)
                for k, v in node.items()
            }
        return [as_component(v) for v in node] if isinstance(node, list) else node

    components = document["components"]["schemas"]
    checked = 0
    for name in ("agent-responses", "triage-routing", "agent-logs", "student-struggle", "student-queries"):
        contract = json.loads((CONTRACTS / f"{name}.schema.json").read_text())
        for key, schema in contract["$defs"].items():
            assert components.get(key) == as_component(schema), f"{key} drifted from {name}.schema.json"
            checked += 1
    assert checked >= 17


def implemented(handler: type) -> set[str]:
    # tornado's RequestHandler answers every verb with 405; a handler serves what it overrides.
    return {m for m in METHODS if getattr(handler, m) is not getattr(web.RequestHandler, m)}


def test_every_route_is_documented_and_every_documented_route_exists(
    learnflow: Any, document: dict[str, Any]
) -> None:
    served: dict[str, set[str]] = {}
    for pattern, handler, *_ in learnflow.handlers:
        path = pattern.replace("([^/]+)", "{}")
        assert "(" not in path, f"teach this test the route pattern {pattern!r}"
        served[path] = implemented(handler)
    documented = {
        # Parameter names are the document's business; the shape of the path is the route's.
        _unnamed(path): {m for m in operations if m in METHODS}
        for path, operations in document["paths"].items()
    }
    assert served == documented
    assert "/learnflow/api/attempts" in served


def _unnamed(path: str) -> str:
    out, depth = "", 0
    for char in path:
        depth += char == "{"
        if not depth:
            out += char
        depth -= char == "}"
        if char == "}" and not depth:
            out += "{}"
    return out


class Checker:
    """Calls the API through jp_fetch and validates every response against the document."""

    def __init__(self, jp_fetch: Any) -> None:
        self.jp_fetch = jp_fetch
        self.openapi = OpenAPI.from_file_path(str(DOCUMENT))
        self.seen: set[tuple[str, str, int]] = set()

    async def call(
        self,
        method: str,
        template: str,
        *,
        params: dict[str, str] | None = None,
        data: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        **path_args: str,
    ) -> Any:
        path = template.format(**path_args)
        payload = raw if raw is not None else (None if data is None else json.dumps(data).encode())
        response = await self.jp_fetch(
            *path.strip("/").split("/"),
            method=method,
            params=params,
            body=payload,
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        request = MockRequest("http://localhost", method.lower(), path, args=params or {}, data=payload)
        content_type = response.headers.get("Content-Type", "application/json").split(";")[0]
        self.openapi.validate_response(
            request, MockResponse(response.body or b"", response.code, content_type=content_type)
        )
        self.seen.add((template, method.lower(), response.code))
        return json.loads(response.body) if response.body else None


async def test_real_responses_match_the_documented_schemas(
    jp_fetch: Any, jp_ws_fetch: Any, document: dict[str, Any]
) -> None:
    api = Checker(jp_fetch)
    queries, one = "/learnflow/api/queries", "/learnflow/api/queries/{query_id}"
    attempts = "/learnflow/api/attempts"

    await api.call("GET", "/learnflow/api/status")
    served = await api.call("GET", "/learnflow/api/openapi.json")
    assert served == document
    events = await jp_ws_fetch("learnflow", "api", "events")
    try:
        triaged = {k: v for k, v in DEBUG_QUERY.items() if k != "target_agent"}
        query_id = (await api.call("POST", queries, data=triaged))["query_id"]
        view = await api.call("GET", one, query_id=query_id, params={"wait": "60"})
        messages = await events_until_reply(events, query_id)
    finally:
        events.close()
    assert view["status"] == "answered" and view["replies"]
    validate_events(document, messages)

    reply_id = view["replies"][0]["reply_id"]
    await api.call("POST", "/learnflow/api/feedback", data={"reply_id": reply_id, "helpful": True})
    attempt_id = (await api.call("POST", attempts, data={"exercise_id": "sum-of-evens", "code": SOLUTION}))[
        "query_id"
    ]
    checked = await api.call("GET", one, query_id=attempt_id, params={"wait": "60"})
    assert checked["replies"][0]["check"]["passed"] is True
    await attempts_once_recorded(jp_fetch, 1)
    listed = await api.call("GET", attempts, params={"limit": "5", "topic": "for-loops"})
    assert len(listed["attempts"]) == 1
    progress = await api.call("GET", "/learnflow/api/progress", params={"limit": "5"})
    assert len(progress["recent_queries"]) == 2
    prefs = "/learnflow/api/preferences"
    assert (await api.call("GET", prefs))["saved"] is False
    changed = await api.call("PUT", prefs, data={"skill_level": "advanced", "known_topics": ["lists"]})
    assert (changed["skill_level"], changed["saved"]) == ("advanced", True)
    assert (await api.call("PUT", prefs, data={"auto_capture": "off"}))["field"] == "auto_capture"
    usage = await api.call("GET", "/learnflow/api/usage")
    # Offline tutors here: nothing asked of a model, the default budget of 200 000 tokens untouched.
    assert (usage["used"]["requests"], usage["remaining_tokens"], usage["over_budget"]) == (0, 200_000, None)

    # The documented errors, as the handlers really send them.
    await api.call("POST", queries, raw=b"[1]")
    await api.call("POST", queries, raw=json.dumps({"code": "x = 1\n" * 200_000}).encode())
    await api.call("GET", one, query_id="not-a-query")
    await api.call("GET", one, query_id=query_id, params={"wait": "soon"})
    await api.call("POST", attempts, data={"exercise_id": "sum-of-evens"})
    await api.call("GET", "/learnflow/api/progress", params={"limit": "many"})
    for limit in ("0", "101"):
        assert (await api.call("GET", "/learnflow/api/progress", params={"limit": limit}))["field"] == "limit"
        assert (await api.call("GET", attempts, params={"limit": limit}))["field"] == "limit"
    assert (await api.call("GET", one, query_id=query_id, params={"wait": "-1"}))["field"] == "wait"
    assert (await api.call("POST", queries, data={}))["field"] is None
    await api.call("POST", "/learnflow/api/feedback", data={"reply_id": reply_id, "helpful": 1})
    await api.call("GET", "/learnflow/api/status", headers={"Authorization": "token not-the-token"})

    # Every documented operation's success response was produced and validated above.
    successes = {
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in METHODS and path != "/learnflow/api/events"
        for status in operation["responses"]
        if status.startswith("2")
    }
    assert successes <= {(t, m) for t, m, code in api.seen if 200 <= code < 300}
    assert {code for *_, code in api.seen} >= {200, 202, 204, 400, 403, 404, 413}


async def events_until_reply(socket: Any, query_id: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while not any(m["type"] == "reply" and m["payload"]["query_id"] == query_id for m in messages):
        message = await socket.read_message()
        assert message is not None, "the events socket closed before the reply"
        messages.append(json.loads(message))
    return messages


def validate_events(document: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    registry = Registry().with_resource(
        "urn:learnflow-openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": "urn:learnflow-openapi#/components/schemas/Event"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    for message in messages:
        validator.validate(message)
    assert {"routing", "log", "reply"} <= {m["type"] for m in messages}
    with pytest.raises(Exception, match="is not valid"):
        validator.validate({**messages[-1], "type": "routing"})
