"""The LearnFlow HTTP API, once: request and response models and plain async functions
over the engine (or store) and the caller.

A student's Jupyter server (learnflow_ext.server) and the gateway (learnflow_agents.gateway)
are thin tornado wrappers over it: each authenticates in its own way, reads bodies within
its size limit, and turns `ApiError` into the document's `Error`. Nothing here imports
tornado or Jupyter. The document both answer is `openapi.yaml` beside this file.

`student` and `instructor` (and `Caller`) load on first use: the error helpers are what a
kernel or the CLI needs, without the engine.
"""

from typing import TYPE_CHECKING, Any

from learnflow_agents.api.document import check_document, gateway_document, openapi_document
from learnflow_agents.api.errors import (
    ApiError,
    int_param,
    json_object,
    seconds_param,
    validation_error,
    validation_message,
)

if TYPE_CHECKING:
    from learnflow_agents.api import instructor, student
    from learnflow_agents.api.student import Caller

__all__ = [
    "ApiError",
    "Caller",
    "check_document",
    "gateway_document",
    "instructor",
    "int_param",
    "json_object",
    "openapi_document",
    "seconds_param",
    "student",
    "validation_error",
    "validation_message",
]


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("student", "instructor"):
        return importlib.import_module(f"learnflow_agents.api.{name}")
    if name == "Caller":
        return importlib.import_module("learnflow_agents.api.student").Caller
    raise AttributeError(name)
