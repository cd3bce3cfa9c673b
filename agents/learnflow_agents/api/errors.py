"""The API's one error and the parsing every door shares: JSON bodies, query parameters,
pydantic's `ValidationError` as a message naming the field."""

import json
import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from pydantic import ValidationError


class ApiError(Exception):
    """An answer other than success: `message` is shown to the caller as is, `field` names
    the request field or query parameter at fault (None when it is not one field's).
    `retry_after` (seconds) is sent as `Retry-After` when the fault is temporary."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        reason: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.reason = reason or _phrase(status)
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The document's `Error` schema."""
        return {"message": self.message, "reason": self.reason, "field": self.field}


# PostgreSQL refuses NUL in text and Python's drivers refuse lone surrogates: a parameter
# carrying either would fail in the database (a 500), so every door refuses it first.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_parameter(
    path_args: Iterable[Any], query_arguments: dict[str, list[bytes]]
) -> ApiError | None:
    """A 400 naming the path or query parameter that holds a NUL or a lone surrogate (or
    bytes that are not UTF-8); None when every one is storable text."""
    for value in path_args:
        if isinstance(value, str) and _UNSTORABLE.search(value):
            return ApiError(400, "the path contains a NUL or invalid character")
    for name, values in query_arguments.items():
        texts = [name, *(v.decode("utf-8", "surrogateescape") for v in values)]
        if any(_UNSTORABLE.search(text) for text in texts):
            return ApiError(400, f"{name[:40]}: contains a NUL or invalid character", name[:40])
    return None


def _phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def validation_message(err: ValidationError) -> str:
    """One line per failing field, e.g. `code: String should have at most 100000 characters`."""
    lines = []
    for problem in err.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def validation_error(err: ValidationError) -> ApiError:
    """The one translation of a model's refusal: 400, every problem in the message, the
    first failing field's dotted path (`variables.0.name`) as `field` (None for the body
    as a whole, e.g. a query with nothing to answer)."""
    field = None
    for problem in err.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in problem["loc"]) or None
        break
    return ApiError(400, validation_message(err), field)


def json_object(body: bytes) -> dict[str, Any]:
    """A request body that must be one JSON object; anything else is a 400 saying why."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not UTF-8 text: binary data is not accepted") from None
    if "\x00" in text:
        raise ApiError(400, "the request body contains NUL bytes: binary data is not accepted")
    if not text.strip():
        raise ApiError(400, "the request body is empty: send a JSON object")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ApiError(400, f"the request body is not valid JSON: {err}") from None
    except RecursionError:
        raise ApiError(400, "the request body is nested too deeply to be a LearnFlow request") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return data


def int_param(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within `low..high`; anything else is a 400 naming it
    (never clamped: the document says what is accepted, the code refuses the rest)."""
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", raw.strip()):
        raise ApiError(400, f"{name} must be an integer {low}..{high}, got {raw[:40]!r}", name)
    value = int(raw)
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be {low}..{high}, got {value}", name)
    return value


_NUMBER = re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")


def seconds_param(raw: str | None, name: str, default: float, low: float, high: float) -> float:
    """A finite decimal number of seconds within `low..high`; else a 400 naming it."""
    if raw is None:
        return default
    if not _NUMBER.fullmatch(raw.strip()):
        raise ApiError(400, f"{name} must be a number {low:g}..{high:g}, got {raw[:40]!r}", name)
    value = float(raw)
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be {low:g}..{high:g} seconds, got {raw.strip()[:40]}", name)
    return value
