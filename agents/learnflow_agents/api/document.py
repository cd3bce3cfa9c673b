"""The API's OpenAPI document (openapi.yaml, shipped in this package), and request bodies
held to it.

The document describes the API as a student's Jupyter server serves it, under
`/learnflow/api/`. The gateway serves the same resources under its own prefix
(`<prefix>api/`), authenticated by hub tokens; `gateway_document` is that view of it.
"""

import copy
import functools
from pathlib import Path
from typing import Any

from learnflow_agents.api.errors import ApiError

OPENAPI_DOCUMENT = Path(__file__).with_name("openapi.yaml")
# The instructor API's paths and schemas: the gateway serves them, a student's server does not.
INSTRUCTOR_DOCUMENT = Path(__file__).with_name("instructor.yaml")
SERVER_PREFIX = "/learnflow/api/"
# Answered by the student's own server only: its mode, engine and database (in cluster
# mode it reports the gateway's reachability, which the gateway cannot report about itself).
SERVER_ONLY = ("/learnflow/api/status",)


def _load(path: Path) -> dict[str, Any]:
    import yaml  # the wrappers' dependency (jupyter_server, jupyterhub), not every agent's

    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@functools.cache
def openapi_document() -> dict[str, Any]:
    """openapi.yaml, parsed once."""
    return _load(OPENAPI_DOCUMENT)


@functools.cache
def _gateway_document(prefix: str) -> dict[str, Any]:
    document = copy.deepcopy(openapi_document())
    instructor = _load(INSTRUCTOR_DOCUMENT)
    document["paths"].update(instructor["paths"])
    for section, entries in instructor["components"].items():
        document["components"].setdefault(section, {}).update(entries)
    document["info"]["title"] = "LearnFlow gateway API"
    document["info"]["description"] = (
        "The LearnFlow student API as the gateway (a JupyterHub service) serves it: the same "
        "resources and shapes as a student's Jupyter server under /learnflow/api/, here under "
        f"{prefix}api/, and the instructor API under {prefix}api/instructor/. Every call needs "
        "`Authorization: token <JupyterHub token>`; the caller is "
        "whoever the hub says the token belongs to (401 without a token the hub recognises, 503 "
        "with Retry-After while the hub cannot be asked). A student's server in cluster mode "
        "forwards its /learnflow/api/ calls here unchanged."
    )
    document["servers"] = [{"url": "/", "description": "The hub's proxy (or the gateway itself)"}]
    document["security"] = [{"token": []}]
    schemes = document["components"]["securitySchemes"]
    schemes.pop("cookie", None)
    schemes["token"]["description"] = "`token <JupyterHub API token>`"
    unauthenticated = {
        "description": "No token, or one the hub does not recognise.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        if path in SERVER_ONLY:
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].pop("502", None)  # the server's view of an unreachable gateway
                operation["responses"].setdefault("401", unauthenticated)
        paths[prefix + "api/" + path.removeprefix(SERVER_PREFIX)] = item
    document["paths"] = paths
    return document


def gateway_document(prefix: str) -> dict[str, Any]:
    """The document as the gateway at `prefix` (e.g. `/services/learnflow/`) serves it."""
    return _gateway_document(prefix)


@functools.cache
def _request_validator(schema: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

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
    from jsonschema.exceptions import best_match

    error = best_match(_request_validator(schema).iter_errors(data))
    if error is None:
        return
    field = ".".join(str(part) for part in error.absolute_path) or None
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    raise ApiError(400, f"{field}: {message}" if field else message, field)
