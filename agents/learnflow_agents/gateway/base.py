"""The gateway's side of every call: the hub token, bodies within the size limit, and
`ApiError` as the document's `Error`. What a call does is learnflow_agents.api's."""

import json
import logging
from dataclasses import dataclass
from typing import Any

from tornado import httputil, web

from learnflow_agents.api import ApiError, Caller, json_object
from learnflow_agents.api.errors import unstorable_parameter
from learnflow_agents.api.instructor import CourseAccess
from learnflow_agents.gateway import auth
from learnflow_agents.gateway.auth import HubIdentity, HubLookupError
from learnflow_agents.gateway.config import GatewayConfig
from learnflow_agents.gateway.courses import course_for_query, instructor_access
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.store import Store

log = logging.getLogger("learnflow.gateway")

# Oversized bodies up to this are drained and answered 413; larger ones are cut off.
DRAIN_CEILING = 64 * 1024 * 1024
# Seconds a client is told to wait (`Retry-After`) when the hub cannot be asked.
HUB_RETRY_AFTER = 5
# The methods a handler can serve (tornado answers the others with 405 by itself).
HANDLER_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class GatewayContext:
    engine: Engine
    identity: HubIdentity
    config: GatewayConfig

    @property
    def store(self) -> Store:
        assert self.engine.store is not None, "the engine is started before the app serves"
        return self.engine.store


def hub_unavailable(err: HubLookupError, what: str) -> ApiError:
    """503 + Retry-After: the hub is down or misconfigured, not the caller's request."""
    log.error("%s: %s", what, err)
    return ApiError(
        503, f"{what}: the hub cannot be reached right now, retry shortly", retry_after=HUB_RETRY_AFTER
    )


def token_from(request: httputil.HTTPServerRequest) -> str:
    """`Authorization: token T` (or `Bearer T`); the only place a token is read."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    return value.strip() if scheme.lower() in ("token", "bearer") else ""


def allowed_methods(handler: type) -> list[str]:
    """The verbs a handler class overrides: the `Allow` header of its 405s."""
    return [m.upper() for m in HANDLER_METHODS if getattr(handler, m) is not getattr(web.RequestHandler, m)]


def error_body(status: int, exc: BaseException | None, reason: str) -> ApiError:
    """What any failure is answered with: an `ApiError` as raised, anything else by its status."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, web.HTTPError) and exc.log_message and exc.status_code < 500:
        return ApiError(status, exc.log_message % exc.args if exc.args else exc.log_message)
    return ApiError(status, reason)


class ApiHandler(web.RequestHandler):
    ctx: GatewayContext
    caller: auth.Caller
    # Set for instructor endpoints: the caller's courses, and their hub groups.
    access: CourseAccess
    caller_groups: list[str]
    # Instructor endpoints re-verify with the hub on every call (no cached token or role).
    instructor_only = False

    def initialize(self, ctx: GatewayContext) -> None:
        self.ctx = ctx

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    async def prepare(self) -> None:
        if (bad := unstorable_parameter(self.path_args, self.request.query_arguments)) is not None:
            raise bad
        token = token_from(self.request)
        if not token:
            raise ApiError(401, "missing token: send 'Authorization: token <your JupyterHub token>'")
        try:
            caller = await self.ctx.identity.authenticate(token, fresh=self.instructor_only)
        except HubLookupError as err:
            raise hub_unavailable(err, "cannot check the token with the hub") from err
        if caller is None:
            raise ApiError(401, "the hub does not recognise this token")
        self.caller = caller
        if self.instructor_only:
            await self._check_instructor()

    async def _check_instructor(self) -> None:
        config, identity = self.ctx.config, self.ctx.identity
        try:
            # Only a group-based rule needs the hub's answer; a scope alone does not.
            needs_groups = bool(config.instructor_group or config.course_group_prefix)
            groups = await identity.user_groups(self.caller.name, fresh=True) if needs_groups else []
        except HubLookupError as err:
            raise hub_unavailable(err, "cannot check instructor status with the hub") from err
        access = instructor_access(self.caller, groups, config)
        if access is None:
            log.info(
                "instructor endpoint refused", extra={"user": self.caller.name, "path": self.request.path}
            )
            raise ApiError(403, "instructor role required")
        self.access, self.caller_groups = access, groups

    def student(self) -> Caller:
        """The caller as the API sees a student: the hub's name, the hub's course groups."""
        enrol = self.enrolled_course if self.ctx.config.course_group_prefix else None
        return Caller(self.caller.name, enrol=enrol)

    async def enrolled_course(self, claimed: str | None) -> str | None:
        """The course the hub's groups put the student in (see gateway/courses.py)."""
        prefix = self.ctx.config.course_group_prefix
        try:
            groups = await self.ctx.identity.user_groups(self.caller.name)
        except HubLookupError as err:
            # The question still gets its answer; the student keeps the course stored before.
            log.warning("course look-up failed, query filed without a course: %s", err)
            return None
        return course_for_query(claimed, groups, prefix, self.caller.name)

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        if status == 204:
            self.clear_header("Content-Type")
            self.finish()
            return
        self.finish(data.model_dump_json() if hasattr(data, "model_dump_json") else json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        error = error_body(status_code, exc, self._reason)
        # An ApiError raised by the API reaches tornado as an unexpected exception (500).
        self.set_status(error.status)
        # Set here: send_error clears the headers set before the error was raised.
        if error.status == 401:
            self.set_header("WWW-Authenticate", "token")
        if error.status == 405:
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))
        if self.closes_connection():
            # The request is left unread, so tornado drops this connection after the answer;
            # said in it, so that the hub's proxy does not send the next request on it.
            self.set_header("Connection", "close")
        if error.retry_after is not None:
            self.set_header("Retry-After", str(error.retry_after))
        self.finish(json.dumps(error.body()))

    def closes_connection(self) -> bool:
        """Whether this answer goes out before the request was read (see JsonBodyHandler)."""
        return False

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Client errors are expected traffic, not tracebacks in the log.
        status = value.status if isinstance(value, ApiError) else getattr(value, "status_code", 500)
        if isinstance(value, ApiError | web.HTTPError) and status < 500:
            log.info("%s %s -> %d: %s", self.request.method, self.request.path, status, value)
            return
        super().log_exception(typ, value, tb)


@web.stream_request_body
class JsonBodyHandler(ApiHandler):
    """Handlers whose POST carries a JSON object body, never buffered past the size limit.

    A refusal decided in `prepare` (no token, a body over the limit) is answered once the
    body is read: answering before the request is read makes tornado drop the connection,
    which the hub's proxy may already be reusing (a 503 for the next client)."""

    _chunks: list[bytes]
    _size: int
    _refused: ApiError | None
    _prepared = False

    async def prepare(self) -> None:
        limit = self.ctx.config.max_body_bytes
        self._chunks, self._size, self._refused = [], 0, None
        declared = self.request.headers.get("Content-Length")
        length = int(declared) if declared is not None and declared.isdigit() else None
        if length is not None and length > DRAIN_CEILING:
            raise ApiError(413, f"request body is larger than {limit} bytes")
        # Up to the ceiling an oversized body is read and thrown away (data_received keeps
        # nothing past the limit). A chunked body has no length up front: tornado cuts it off.
        self.request.connection.set_max_body_size(max(length or 0, limit))  # type: ignore[union-attr]
        if length is not None and length > limit:
            self._refused = ApiError(413, f"request body is larger than {limit} bytes")
        else:
            try:
                await super().prepare()
            except ApiError as err:
                self._refused = err
        if self._refused is not None:
            # Tornado calls the request's method once the body is in: make it the refusal.
            setattr(self, (self.request.method or "post").lower(), self._answer_refused)
        self._prepared = True

    async def _answer_refused(self, *args: Any, **kwargs: Any) -> None:
        assert self._refused is not None
        raise self._refused

    def closes_connection(self) -> bool:
        # Answered before `prepare` finished (a 405 from tornado, a body over the ceiling):
        # the request was not read.
        return not self._prepared

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._refused is None and self._size <= self.ctx.config.max_body_bytes:
            self._chunks.append(chunk)

    def json_body(self) -> dict[str, Any]:
        if self._refused is not None:
            raise self._refused
        limit = self.ctx.config.max_body_bytes
        if self._size > limit:
            raise ApiError(413, f"request body is larger than {limit} bytes")
        return json_object(b"".join(self._chunks))
