"""Cluster mode: the same `/learnflow/api/` forwarded to the LearnFlow gateway on JupyterHub.

A student's server runs code the student controls, so in this mode it hosts no engine and
holds no Kafka or database settings: every call goes to the gateway (a hub service) with
the user's own `JUPYTERHUB_API_TOKEN`, and the gateway decides who the caller is. The
answers are reshaped into this API's documented shapes (openapi.yaml), so kernels and the
labextension cannot tell the modes apart.
"""

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import urlencode, urljoin

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.contracts import AgentLog, AgentReply, Envelope, RoutingDecision, StruggleAlert
from learnflow_agents.privacy import scrub_query_fields, scrub_text
from learnflow_agents.store.records import QueryRecord
from pydantic import ValidationError
from tornado import httpclient, web, websocket

from learnflow_ext import __version__
from learnflow_ext.server.attempts import AttemptBody
from learnflow_ext.server.base import AUTH_RESOURCE, ApiError, LearnFlowHandler, LearnFlowMixin, MethodsMixin
from learnflow_ext.server.handlers import DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT
from learnflow_ext.server.payloads import (
    BadRequestError,
    check_document,
    event_view,
    query_view,
    recent_view,
    validation_field,
    validation_message,
)

REQUEST_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
# The gateway has no long poll: `?wait=` polls it, starting fast (offline tutors answer in
# well under a second) and backing off so a slow LLM answer costs few requests.
POLL_FIRST, POLL_MAX = 0.2, 2.0
# What the gateway's progress endpoint returns at most.
GATEWAY_RECENT = 20

# Built once: parametrising the generic envelope costs a model class each time. Reply first:
# contracts ignore unknown fields, so the kind with the most required fields must be tried
# before the kinds whose required fields a reply might also carry.
_EVENT_KINDS: tuple[type[Envelope[Any]], ...] = (
    Envelope[AgentReply],
    Envelope[StruggleAlert],
    Envelope[RoutingDecision],
    Envelope[AgentLog],
)


class GatewayError(ApiError):
    """A gateway answer or failure, as this server reports it to its own client."""


class Gateway:
    """The gateway's HTTP and WebSocket API, called with this server owner's hub token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + "/"
        self._token = token

    def _headers(self) -> dict[str, str]:
        if not self._token:
            # A single-user server spawned by JupyterHub always has it; anything else is misconfigured.
            raise GatewayError(
                503, "cluster mode needs JUPYTERHUB_API_TOKEN in the Jupyter server's environment"
            )
        return {"Authorization": f"token {self._token}", "Accept": "application/json"}

    async def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        url = urljoin(self.url, path)
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        headers = self._headers()
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        request = httpclient.HTTPRequest(
            url,
            method=method,
            headers=headers,
            body=data,
            connect_timeout=CONNECT_TIMEOUT,
            request_timeout=REQUEST_TIMEOUT,
        )
        try:
            response = await httpclient.AsyncHTTPClient().fetch(request)
        except httpclient.HTTPClientError as err:
            raise self.failure(err) from None
        except OSError as err:
            raise self.unreachable(err) from None
        return response.code, json.loads(response.body) if response.body else None

    async def reachable(self) -> str | None:
        """None when the gateway's unauthenticated health check answers, else why not."""
        try:
            await httpclient.AsyncHTTPClient().fetch(
                urljoin(self.url, "health"), connect_timeout=CONNECT_TIMEOUT, request_timeout=10
            )
        except httpclient.HTTPClientError as err:
            return self.failure(err).message
        except OSError as err:
            return self.unreachable(err).message
        return None

    async def events(self) -> websocket.WebSocketClientConnection:
        ws_url = "ws" + urljoin(self.url, "api/events").removeprefix("http")
        request = httpclient.HTTPRequest(
            ws_url, headers=self._headers(), connect_timeout=CONNECT_TIMEOUT, request_timeout=REQUEST_TIMEOUT
        )
        try:
            # Pings keep the upstream socket alive through the hub's proxy while nothing happens.
            return await websocket.websocket_connect(request, ping_interval=30)
        except httpclient.HTTPClientError as err:
            raise self.failure(err) from None
        except OSError as err:
            raise self.unreachable(err) from None

    def unreachable(self, err: BaseException) -> GatewayError:
        return GatewayError(502, f"the LearnFlow gateway at {self.url} is unreachable: {err}")

    def failure(self, err: httpclient.HTTPClientError) -> GatewayError:
        response = err.response
        if err.code == 599 or response is None:  # tornado's code for timeouts and dropped connections
            return GatewayError(502, f"the LearnFlow gateway at {self.url} did not answer: {err.message}")
        message = (
            _gateway_message(response.body) or f"the LearnFlow gateway answered {err.code} {err.message}"
        )
        if err.code == 401:
            # The rejected credential is this server's hub token, not the caller's login:
            # a 401 would send the browser or kernel to re-authenticate with its own server.
            return GatewayError(502, f"the LearnFlow gateway refused this server's hub token: {message}")
        return GatewayError(err.code, message)


def _gateway_message(body: bytes | None) -> str | None:
    """The gateway's `{"error": ...}` (or any `message`); None for a non-JSON page (the proxy's)."""
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        data = json.loads(body or b"")
        message = data.get("error") or data.get("message")
        return str(message) if message else None
    return None


def gateway_event(raw: str | bytes) -> dict[str, Any] | None:
    """A gateway event (plain envelope JSON) as this server's WebSocket sends it (with `type`)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    for model in _EVENT_KINDS:
        try:
            return event_view(model.model_validate(data))
        except ValidationError:
            continue
    return None


def gateway_query_view(doc: dict[str, Any]) -> dict[str, Any]:
    # The top-level fields are the live ones; `query` is the stored record they came from.
    live = {k: doc[k] for k in ("status", "routing", "answered_at") if k in doc}
    record = QueryRecord.model_validate({**doc["query"], **live})
    replies = [AgentReply.model_validate(r) for r in doc.get("replies", [])]
    return query_view(record, replies)


def answered(doc: dict[str, Any]) -> bool:
    """The answering agent has replied (saga helpers' replies do not count)."""
    return any(not (r.get("data") or {}).get("saga_of") for r in doc.get("replies", []))


class ClusterMixin(LearnFlowMixin):
    @property
    def gateway(self) -> Gateway:
        gateway = self.learnflow.gateway
        assert gateway is not None, "cluster handlers are installed only in cluster mode"
        return gateway


class ClusterHandler(ClusterMixin, LearnFlowHandler):
    def limit(self) -> int:
        return self.int_argument("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


class QueriesHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        # Forwarded as sent, student_id included: this server is the student's own, so the
        # gateway (which ignores and logs a claimed id) is where identity is enforced.
        # Secrets are masked before the query leaves the student's pod (the gateway and
        # the engine scrub again with the same function).
        body = scrub_query_fields(self.json_body())
        _, accepted = await self.gateway.call("POST", "api/queries", body)
        self.write_json({"query_id": str(accepted["query_id"])}, 202)


class QueryHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def get(self, query_id: str) -> None:
        wait = self.number_argument("wait", 0.0, 0.0, MAX_WAIT)
        path = f"api/queries/{query_id}"
        _, doc = await self.gateway.call("GET", path)
        deadline, pause = time.monotonic() + wait, POLL_FIRST
        while not answered(doc) and time.monotonic() < deadline:
            await asyncio.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, POLL_MAX)
            _, doc = await self.gateway.call("GET", path)
        self.write_json(gateway_query_view(doc))


class FeedbackHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        if isinstance(body.get("comment"), str):
            # Masked before it leaves the student's pod (the gateway masks it again).
            body["comment"] = scrub_text(body["comment"])
        await self.gateway.call("POST", "api/feedback", body)
        self.set_status(204)
        self.finish()


class ProgressHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.limit()
        _, doc = await self.gateway.call("GET", "api/progress")
        recent = [recent_view(QueryRecord.model_validate(r)) for r in doc.get("recent_queries", [])]
        self.write_json(
            {
                "student_id": doc["student_id"],
                "mastery": doc.get("mastery", {}),
                "recent_queries": recent[:limit],
            }
        )


class AttemptsHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        try:
            body = AttemptBody.model_validate(data)
            check_document("AttemptIn", data)
        except ValidationError as err:
            raise ApiError(400, validation_message(err), validation_field(err)) from None
        except BadRequestError as err:
            raise ApiError(400, str(err), err.field) from None
        # Grading is the exercise agent's "check <id>", exactly as in the local server.
        query = {
            "text": f"check {body.exercise_id}",
            "code": scrub_text(body.code),
            "target_agent": "exercise",
            "context": body.context.model_dump(mode="json"),
            "course_id": body.course_id,
            "source": "attempts-api",
            "hints_used": body.hints_used,
        }
        _, accepted = await self.gateway.call("POST", "api/queries", query)
        self.write_json({"query_id": str(accepted["query_id"])}, 202)

    @web.authenticated
    @authorized
    async def get(self) -> None:
        raise ApiError(
            501,
            "listing attempts is not available in cluster mode: the gateway has no attempts endpoint; "
            "each attempt's grade is its query's reply (GET queries/{query_id})",
        )


class StatusHandler(ClusterHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        problem = await self.gateway.reachable()
        self.write_json(
            {
                "learnflow": __version__,
                "mode": "cluster",
                "student_id": self.student_id(),
                # The gateway and the agents hold the provider, bus and database, not this server.
                "provider": "gateway",
                "bus": "gateway",
                "db": "gateway",
                "run_agents": False,
                "engine": "failed" if problem else "running",
                "agents": [],
                "heartbeats": [],
                "outbox_pending": None,
                "error": problem,
                "gateway": {"url": self.gateway.url, "reachable": problem is None},
            }
        )


class EventsHandler(
    MethodsMixin,
    ClusterMixin,
    WebSocketMixin,
    ExtensionHandlerMixin,
    JupyterHandler,
    websocket.WebSocketHandler,
):
    """Relays the gateway's event stream for this server's owner to the connected client."""

    auth_resource = AUTH_RESOURCE
    _relay: asyncio.Task[None] | None = None
    _upstream: websocket.WebSocketClientConnection | None = None

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        # Upstream first: a gateway that refuses or is down is an HTTP error the client sees,
        # not an accepted socket that never carries anything.
        try:
            self._upstream = await self.gateway.events()
        except GatewayError as err:
            raise web.HTTPError(err.status_code, "%s", err.message) from None
        try:
            result = super().get(*args, **kwargs)
            if result is not None:
                await result
        finally:
            if self._relay is None:  # handshake refused
                self._upstream.close()

    def open(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().open(*args, **kwargs)
        assert self._upstream is not None
        self._relay = asyncio.create_task(self._forward(self._upstream), name="learnflow-ws-relay")
        self.learnflow.sockets.add(self)

    async def _forward(self, upstream: websocket.WebSocketClientConnection) -> None:
        try:
            while (message := await upstream.read_message()) is not None:
                view = gateway_event(message)
                if view is not None:
                    await self.write_message(json.dumps(view))
            # The gateway closed (restart, rollout): closing lets the client reconnect.
            self.close(1011, "the LearnFlow gateway closed the event stream")
        except websocket.WebSocketClosedError:
            pass
        finally:
            upstream.close()

    def on_message(self, message: str | bytes) -> None:
        pass  # the stream is one-way; clients send nothing

    def on_close(self) -> None:
        self.learnflow.sockets.discard(self)
        if self._relay is not None:
            self._relay.cancel()
        if self._upstream is not None:
            self._upstream.close()

    async def shut(self) -> None:
        """Server shutdown: stop relaying and let the gateway know."""
        self.learnflow.sockets.discard(self)
        self.close(1001, "server shutting down")
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(BaseException):
                await self._relay
