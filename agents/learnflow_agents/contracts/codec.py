"""Bytes on the wire <-> validated envelopes."""

from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from learnflow_agents.contracts.envelope import Envelope
from learnflow_agents.contracts.topics import Topic, payload_model


class ContractError(ValueError):
    """A message that is not valid for its topic; the text names the offending fields."""


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "<message>"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


@cache
def envelope_type(topic: Topic | str) -> type[Envelope[Any]]:
    # Parametrising a generic model builds a new class each time; one per topic is enough.
    return Envelope[payload_model(topic)]  # type: ignore[misc]


def make_envelope(
    topic: Topic | str, student_id: str, payload: BaseModel, trace_id: str | None = None
) -> Envelope[Any]:
    model = envelope_type(topic)
    fields: dict[str, Any] = {"student_id": student_id, "payload": payload}
    if trace_id:
        fields["trace_id"] = trace_id
    try:
        return model.model_validate(fields)
    except ValidationError as err:
        raise ContractError(f"invalid {topic} message: {_describe(err)}") from None


def encode(envelope: Envelope[Any]) -> bytes:
    return envelope.model_dump_json().encode()


def decode(topic: Topic | str, data: bytes | str) -> Envelope[Any]:
    """Validate raw bytes for `topic`; raises ContractError naming the bad fields."""
    try:
        payload_model(topic)
    except (KeyError, ValueError):
        raise ContractError(f"unknown topic {topic!r}") from None
    topic = Topic(topic) if topic in Topic._value2member_map_ else str(topic)
    try:
        return envelope_type(topic).model_validate_json(data)
    except ValidationError as err:
        raise ContractError(f"invalid {topic} message: {_describe(err)}") from None
