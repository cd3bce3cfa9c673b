"""JSON in and out of the API: request validation and response shapes."""

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from learnflow_agents.contracts import (
    AgentLog,
    AgentReply,
    Envelope,
    RoutingDecision,
    StruggleAlert,
    StudentQuery,
)
from learnflow_agents.runtime.engine import explicit_routing
from learnflow_agents.store import QueryRecord
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# Names of the events the WebSocket sends, by payload type.
EVENT_TYPES: tuple[tuple[type, str], ...] = (
    (RoutingDecision, "routing"),
    (AgentLog, "log"),
    (AgentReply, "reply"),
    (StruggleAlert, "struggle"),
)


class BadRequestError(ValueError):
    """Invalid input; the message is shown to the student as is, `field` names the first
    offending field (None for the body as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def json_object(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError("the request body is not UTF-8 text: binary data is not accepted") from None
    if "\x00" in text:
        raise BadRequestError("the request body contains NUL bytes: binary data is not accepted")
    if not text.strip():
        raise BadRequestError("the request body is empty: send a JSON object")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise BadRequestError(f"the request body is not valid JSON: {err}") from None
    except RecursionError:
        raise BadRequestError("the request body is nested too deeply to be a LearnFlow request") from None
    if not isinstance(data, dict):
        raise BadRequestError("the request body must be a JSON object")
    return data


OPENAPI_DOCUMENT = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> dict[str, Any]:
    """openapi.yaml (shipped in the wheel), parsed once."""
    document = yaml.safe_load(OPENAPI_DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@functools.cache
def _request_validator(schema: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:learnflow-openapi", Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"urn:learnflow-openapi#/components/schemas/{schema}"}, registry=registry
    )


def check_document(schema: str, data: dict[str, Any]) -> None:
    """`data` against the document's request schema `schema`, after the models accepted it:
    the models coerce (`true` for an integer, `"5"` for a number), the document does not,
    and a request the document calls invalid is refused (400 naming the field)."""
    error = best_match(_request_validator(schema).iter_errors(data))
    if error is None:
        return
    field = ".".join(str(part) for part in error.absolute_path) or None
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    raise BadRequestError(f"{field}: {message}" if field else message, field)


def validation_message(err: ValidationError) -> str:
    """One line per failing field, e.g. `code: String should have at most 100000 characters`."""
    lines = []
    for problem in err.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def validation_field(err: ValidationError) -> str | None:
    """The first failing field's dotted path (`code`, `variables.0.name`); None for the
    body as a whole (e.g. an empty query)."""
    for problem in err.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"])
        return where or None
    return None


def parse_query(data: dict[str, Any]) -> StudentQuery:
    try:
        query = StudentQuery.model_validate(data)
    except ValidationError as err:
        raise BadRequestError(validation_message(err), validation_field(err)) from None
    check_document("QueryIn", data)
    return query


def query_view(record: QueryRecord, replies: list[AgentReply]) -> dict[str, Any]:
    routing = record.routing
    if routing is None and record.target_agent:
        # Triage never saw it, so nothing was stored; the student's own choice is the routing.
        routing = explicit_routing(record.query_id, record.target_agent)
    return {
        "query_id": str(record.query_id),
        "status": record.status,
        "source": record.source,
        "target_agent": record.target_agent,
        "routing": routing.model_dump(mode="json") if routing else None,
        "created_at": record.created_at.isoformat(),
        "answered_at": record.answered_at.isoformat() if record.answered_at else None,
        "replies": [reply.model_dump(mode="json") for reply in replies],
    }


def recent_view(record: QueryRecord) -> dict[str, Any]:
    return {
        "query_id": str(record.query_id),
        "text": record.text[:200],
        "status": record.status,
        "agent": record.routing.target_agent if record.routing else record.target_agent,
        "source": record.source,
        "created_at": record.created_at.isoformat(),
    }


def event_view(envelope: Envelope[Any]) -> dict[str, Any] | None:
    """An envelope as the WebSocket sends it: the envelope's JSON plus its `type`."""
    for kind, name in EVENT_TYPES:
        if isinstance(envelope.payload, kind):
            return {"type": name, **envelope.model_dump(mode="json")}
    return None
