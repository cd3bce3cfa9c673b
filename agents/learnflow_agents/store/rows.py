"""Contracts <-> table rows, and the checks every row passes before it is written."""

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import pydantic_core
import sqlalchemy as sa

from learnflow_agents import hot_path
from learnflow_agents.contracts import AgentReply, RoutingDecision, StudentQuery, VariableSummary
from learnflow_agents.store.errors import InvalidDataError
from learnflow_agents.store.records import OutboxEvent, QueryRecord
from learnflow_agents.store.schema import queries

# PostgreSQL rejects NUL in text and JSON and unpaired surrogates anywhere; SQLite would
# store them. Refusing them up front keeps both backends alike and no transaction half-done.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONText(str):
    """A JSON document already encoded (by pydantic-core) for a JSON column.

    The hot path (store/bulk.py) stores it as it is and the row check reads its text, so
    a document is encoded once, not once to be checked and again to be stored. Only rows
    written through store/bulk.py carry one: SQLAlchemy would store it as a JSON string.
    """

    __slots__ = ()


def json_text(value: Any, plain: Callable[[], Any]) -> Any:
    """`value` (a model, or a list of them) encoded once for a JSON column on the hot
    path; `plain()`, the Python document, on the legacy path or when it cannot be encoded
    (then the row check says what is wrong with it). A document neither can encode (a lone
    surrogate in a key, nesting past the serialiser's depth) is InvalidDataError, not a bare
    encoder error, so the record is refused with its reason."""
    if not hot_path.legacy:
        try:
            return JSONText(pydantic_core.to_json(value).decode("utf-8"))
        except (pydantic_core.PydanticSerializationError, ValueError):
            pass  # ValueError: too deep, or a lone surrogate (UnicodeError)
    try:
        return plain()
    except (pydantic_core.PydanticSerializationError, ValueError, RecursionError) as err:
        raise InvalidDataError(f"a JSON document that cannot be stored ({err}); not stored") from err


def _check_value(value: Any, where: str) -> None:
    if isinstance(value, JSONText):
        _check_value(json.loads(value), where)
    elif isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise InvalidDataError(f"{where} contains a NUL or invalid surrogate character; not stored")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_value(key, f"{where} key")
            _check_value(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")


# Values that can hold nothing either backend refuses (checked by exact type: fast).
_PLAIN = frozenset({type(None), int, float, bool, datetime, UUID, bytes})


def _storable(value: Any) -> bool:
    """`_check_value` without naming where: the common case, a row with nothing wrong.

    A document is checked as its JSON text, written in C: a NUL shows as an escape, an
    unpaired surrogate as itself. False may be a false alarm (a text that spells the
    escape); the full check then decides.
    """
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is JSONText:
        return "\\u0000" not in value and _UNSTORABLE.search(value) is None
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict | list | tuple | Mapping):
        try:
            text = json.dumps(value, ensure_ascii=False, default=_opaque)
        except (TypeError, ValueError):
            return False
        return "\\u0000" not in text and _UNSTORABLE.search(text) is None
    return True


def _opaque(_value: Any) -> str:
    return ""  # not a string, a mapping or a list: `_check_value` passes it too


@cache
def _lengths(table: sa.Table) -> dict[str, int | None]:
    return {c.name: getattr(c.type, "length", None) for c in table.columns}


def check_row(table: sa.Table, row: Mapping[str, Any]) -> None:
    """Raise InvalidDataError for what either backend would reject (or SQLite silently accept)."""
    if not hot_path.legacy:
        # A plain loop, the common types first: a generator per row cost more than the checks.
        lengths = _lengths(table)
        for name, value in row.items():
            kind = type(value)
            if kind in _PLAIN:
                continue
            if isinstance(value, str):
                limit = lengths[name]
                if (limit and len(value) > limit) or not _storable(value):
                    break
            elif not _storable(value):
                break
        else:
            return
        # Something is wrong: the full check below says what and where.
    for name, value in row.items():
        where = f"{table.name}.{name}"
        _check_value(value, where)
        length = getattr(table.c[name].type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            raise InvalidDataError(f"{where} is longer than {length} characters")


def check_event(event: OutboxEvent, where: str) -> None:
    # SQLite would quietly store a str in the BLOB column and hand it back as str.
    if not isinstance(event.value, bytes | bytearray | memoryview):
        raise InvalidDataError(f"{where}: outbox value must be bytes, not {type(event.value).__name__}")


def query_row(student_id: str, trace_id: str, query: StudentQuery, now: datetime) -> dict[str, Any]:
    return {
        "query_id": query.query_id,
        "student_id": student_id,
        "trace_id": trace_id,
        "text": query.text,
        "code": query.code,
        "traceback": query.traceback,
        "variables": json_text(query.variables, lambda: [v.model_dump(mode="json") for v in query.variables]),
        "target_agent": query.target_agent,
        "course_id": query.course_id,
        "source": query.source,
        "status": "pending",
        "created_at": now,
    }


def reply_row(reply: AgentReply, student_id: str, now: datetime) -> dict[str, Any]:
    return {
        "reply_id": reply.reply_id,
        "query_id": reply.query_id,
        "agent": reply.agent,
        "student_id": student_id,
        "reply": json_text(reply, lambda: reply.model_dump(mode="json")),
        "provider": reply.provenance.provider,
        "latency_ms": reply.provenance.latency_ms,
        "created_at": now,
    }


def query_record(row: sa.Row[Any]) -> QueryRecord:
    m = row._mapping
    routing = None
    if m[queries.c.routed_to] is not None:
        routing = RoutingDecision(
            query_id=m[queries.c.query_id],
            target_agent=m[queries.c.routed_to],
            confidence=m[queries.c.confidence] or 0.0,
            reasoning=m[queries.c.reasoning] or "",
            secondary_agent=m[queries.c.secondary_agent],
            router=m[queries.c.router] or "offline",
        )
    return QueryRecord(
        query_id=m[queries.c.query_id],
        student_id=m[queries.c.student_id],
        trace_id=m[queries.c.trace_id],
        text=m[queries.c.text],
        code=m[queries.c.code],
        traceback=m[queries.c.traceback],
        variables=[VariableSummary.model_validate(v) for v in m[queries.c.variables]],
        target_agent=m[queries.c.target_agent],
        course_id=m[queries.c.course_id],
        source=m[queries.c.source],
        status="retrying"
        if m[queries.c.status] in ("pending", "routed") and m[queries.c.redrives]
        else m[queries.c.status],
        routing=routing,
        created_at=m[queries.c.created_at],
        answered_at=m[queries.c.answered_at],
        redrives=m[queries.c.redrives],
    )
