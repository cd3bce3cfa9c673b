"""What every LearnFlow handler shares: the engine, the caller's id, JSON errors."""

import json
import re
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.utils import HTTP_METHOD_TO_AUTH_ACTION
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.runtime.engine import Engine
from tornado import web

from learnflow_ext.server.host import EngineHost, EngineUnavailableError
from learnflow_ext.server.identity import student_id_for
from learnflow_ext.server.payloads import BadRequestError, json_object

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


class ApiError(web.HTTPError):
    """An error whose message is written verbatim (tornado would %-format it); `field`
    names the offending request field or query parameter, when there is one."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status)
        self.message = message
        self.field = field


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
        if status_code == 405:
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))  # type: ignore[attr-defined]
        super().write_error(status_code, **kwargs)  # type: ignore[misc]

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
    _refused: web.HTTPError | None = None

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
            if has_body:
                await self._admit(limit, length)
        except web.HTTPError as err:
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

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 405:
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))
        if isinstance(exc, ApiError):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": exc.message, "reason": exc.reason, "field": exc.field}))
            return
        super(MethodsMixin, self).write_error(status_code, **kwargs)

    def json_body(self) -> dict[str, Any]:
        if self._refused is not None:
            raise self._refused
        limit = self.learnflow.max_body_bytes
        if self._size > limit:
            raise self._too_large(self._size, limit)
        try:
            return json_object(b"".join(self._chunks))
        except BadRequestError as err:
            raise ApiError(400, str(err)) from None

    def int_argument(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query parameter within `low..high`; anything else is a 400 naming it
        (never clamped: the document says what is accepted, the code refuses the rest)."""
        raw = self.get_argument(name, None)
        if raw is None:
            return default
        if not re.fullmatch(r"[+-]?[0-9]{1,18}", raw.strip()):
            raise ApiError(400, f"{name} must be an integer {low}..{high}, got {raw[:40]!r}", name)
        value = int(raw)
        if not low <= value <= high:
            raise ApiError(400, f"{name} must be {low}..{high}, got {value}", name)
        return value

    def number_argument(self, name: str, default: float, low: float, high: float) -> float:
        """A number query parameter within `low..high` (a finite decimal); else a 400 naming it."""
        raw = self.get_argument(name, None)
        if raw is None:
            return default
        if not re.fullmatch(r"[+-]?([0-9]{1,18}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?", raw.strip()):
            raise ApiError(400, f"{name} must be a number {low:g}..{high:g}, got {raw[:40]!r}", name)
        value = float(raw)
        if not low <= value <= high:
            raise ApiError(400, f"{name} must be {low:g}..{high:g} seconds, got {raw.strip()[:40]}", name)
        return value

    @allow_unauthenticated
    def options(self, *args: Any, **kwargs: Any) -> None:
        """Jupyter's CORS preflight answer, plus `Allow`."""
        self.set_header("Allow", ", ".join(allowed_methods(type(self))))
        super().options(*args, **kwargs)

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))
