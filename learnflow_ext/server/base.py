"""The server extension's side of every call: Jupyter's authentication and authorization,
bodies within the size limit (decided before a byte is kept), the caller's id, and
`ApiError` as the document's `Error`. What a call does is learnflow_agents.api's."""

import json
import logging
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.utils import HTTP_METHOD_TO_AUTH_ACTION
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.api import ApiError, Caller, int_param, json_object, seconds_param
from learnflow_agents.api.errors import unstorable_parameter
from learnflow_agents.runtime.engine import Engine
from pydantic import BaseModel
from tornado import web

from learnflow_ext.server.host import EngineHost, EngineUnavailableError
from learnflow_ext.server.identity import student_id_for

if TYPE_CHECKING:
    from learnflow_ext.server.app import LearnFlowExtension

AUTH_RESOURCE = "learnflow"
# Methods that carry a body. Their body is never buffered before the caller is known to
# be allowed and the declared size is within the limit.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# A refused body up to this size is read and thrown away, so the client (which is still
# sending) reads a clean 4xx; above it the connection is closed after the answer.
DRAIN_FACTOR = 8


# The methods a handler can serve (tornado answers the others with 405 by itself).
HANDLER_METHODS = ("get", "post", "put", "patch", "delete")

log = logging.getLogger("learnflow.server")


def allowed_methods(handler: type) -> list[str]:
    """What a handler class serves: the verbs it overrides (OPTIONS on the REST routes is
    Jupyter's CORS preflight answer); the `Allow` header of its 405s."""
    return [
        m.upper()
        for m in (*HANDLER_METHODS, "options")
        if getattr(handler, m) is not getattr(web.RequestHandler, m)
    ]


class MethodsMixin:
    """405 with `Allow` for a method the route does not serve (RFC 9110 requires the header;
    tornado's own 405 has none). The header is set in `write_error`, after tornado's
    `clear()` has reset the headers for the error page."""

    request: Any

    def method_allowed(self) -> bool:
        method = (self.request.method or "").upper()
        return method in allowed_methods(type(self))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            # Raised by the API, it reaches tornado as an unexpected exception (a 500).
            status_code = exc.status
            self.set_status(status_code)  # type: ignore[attr-defined]
        if status_code == 405:
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))  # type: ignore[attr-defined]
        if isinstance(exc, ApiError):
            self.set_header("Content-Type", "application/json")  # type: ignore[attr-defined]
            self.finish(json.dumps(exc.body()))  # type: ignore[attr-defined]
            return
        super().write_error(status_code, **kwargs)  # type: ignore[misc]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # A refused request is expected traffic, not a traceback in the log.
        if isinstance(value, ApiError) and value.status < 500:
            log.info("%s %s -> %d: %s", self.request.method, self.request.path, value.status, value.message)
            return
        super().log_exception(typ, value, tb)  # type: ignore[misc]

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        # Before authentication (and Jupyter's XSRF check): which methods a route serves
        # is no secret, and a wrong one is a 405 for everyone.
        if not self.method_allowed():
            raise self.method_not_allowed()
        result = super().prepare(*args, **kwargs)  # type: ignore[misc]
        if result is not None:
            await result

    def method_not_allowed(self) -> "ApiError":
        allowed = ", ".join(allowed_methods(type(self)))
        return ApiError(405, f"{self.request.method} is not allowed here; allowed: {allowed}")


class LearnFlowMixin:
    """Needs to be mixed into a JupyterHandler with the extension's name."""

    settings: dict[str, Any]
    current_user: Any
    identity_provider: Any

    @property
    def learnflow(self) -> "LearnFlowExtension":
        return self.settings["learnflow_app"]

    @property
    def host(self) -> EngineHost:
        host = self.learnflow.host
        assert host is not None, "engine handlers are installed only when the server hosts the engine"
        return host

    def student_id(self) -> str:
        app = self.learnflow
        return student_id_for(self.current_user, self.identity_provider, app.owner_id(), app.identity)

    def caller(self) -> Caller:
        return Caller(self.student_id())

    async def engine(self) -> Engine:
        try:
            return await self.host.get()
        except EngineUnavailableError as err:
            raise ApiError(503, str(err)) from err


@web.stream_request_body
class LearnFlowHandler(MethodsMixin, LearnFlowMixin, ExtensionHandlerMixin, APIHandler):
    """Bodies are streamed: authentication, authorization and the size limit are decided in
    `prepare`, from the headers, before a byte of the body is kept (tornado would
    otherwise buffer a whole 100 MB body before `@web.authenticated` ran)."""

    auth_resource = AUTH_RESOURCE
    _chunks: list[bytes]
    _size: int
    _refused: web.HTTPError | ApiError | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        self._chunks, self._size, self._refused = [], 0, None
        limit = self.learnflow.max_body_bytes
        has_body = self.request.method in BODY_METHODS
        declared = self.request.headers.get("Content-Length", "")
        length = int(declared) if declared.isdigit() else None
        connection = self.request.connection
        if has_body and connection is not None:
            # Nothing larger than the limit is read into memory: tornado cuts a longer
            # chunked body off; a declared length is checked below.
            connection.set_max_body_size(max(limit, min(length or 0, limit * DRAIN_FACTOR)))  # type: ignore[attr-defined]
        try:
            if not self.method_allowed():  # before authentication, see MethodsMixin
                raise self.method_not_allowed()
            await super().prepare()  # identity: sets current_user
            # Text no database can store (NUL, lone surrogates) in the path or a parameter.
            if (bad := unstorable_parameter(self.path_args, self.request.query_arguments)) is not None:
                raise bad
            if has_body:
                await self._admit(limit, length)
        except (web.HTTPError, ApiError) as err:
            if not has_body or (length or 0) > limit * DRAIN_FACTOR:
                # Answered at once; tornado closes the connection after it (body unread).
                raise
            # Answered after the (discarded) body, see DRAIN_FACTOR: tornado calls the
            # method once the body is in, so this request's method is the refusal itself.
            self._refused = err
            setattr(self, (self.request.method or "post").lower(), self._answer_refused)

    async def _answer_refused(self, *args: Any, **kwargs: Any) -> None:
        assert self._refused is not None
        raise self._refused

    async def _admit(self, limit: int, length: int | None) -> None:
        """What `@web.authenticated` and `@authorized` check, and the size, from headers only."""
        if not self.current_user:
            raise web.HTTPError(403)
        action = HTTP_METHOD_TO_AUTH_ACTION[self.request.method or "POST"]
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, action, AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403, f"User is not authorized to {action} on resource: {AUTH_RESOURCE}.")
        if length is not None and length > limit:
            raise self._too_large(length, limit)

    @staticmethod
    def _too_large(size: int, limit: int) -> ApiError:
        return ApiError(
            413,
            f"the request is {size:,} bytes; the limit is {limit:,} (LearnFlowExtension.max_body_bytes)",
        )

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._refused is None and self._size <= self.learnflow.max_body_bytes:
            self._chunks.append(chunk)

    def json_body(self) -> dict[str, Any]:
        if self._refused is not None:
            raise self._refused
        limit = self.learnflow.max_body_bytes
        if self._size > limit:
            raise self._too_large(self._size, limit)
        return json_object(b"".join(self._chunks))

    def int_argument(self, name: str, default: int, low: int, high: int) -> int:
        return int_param(self.get_argument(name, None), name, default, low, high)

    def number_argument(self, name: str, default: float, low: float, high: float) -> float:
        return seconds_param(self.get_argument(name, None), name, default, low, high)

    @allow_unauthenticated
    def options(self, *args: Any, **kwargs: Any) -> None:
        """Jupyter's CORS preflight answer, plus `Allow`."""
        self.set_header("Allow", ", ".join(allowed_methods(type(self))))
        super().options(*args, **kwargs)

    def write_json(self, data: Any, status: int = 200) -> None:
        """`data`: a response model of the API, or plain JSON."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data))
