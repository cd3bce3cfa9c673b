"""JSON for the wire: pydantic models, dataclasses, UUIDs and timestamps."""

import dataclasses
import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel


def plain(value: Any) -> Any:
    """Anything the endpoints return, as JSON-ready builtins."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value))
