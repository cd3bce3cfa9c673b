"""Cluster mode: `/learnflow/api/` forwarded to the LearnFlow gateway on JupyterHub.

A student's server runs code the student controls, so in this mode it hosts no engine and
holds no Kafka or database settings: every call goes to the gateway (a hub service) with
the user's own `JUPYTERHUB_API_TOKEN`, and the gateway decides who the caller is. The
gateway serves the same API (learnflow_agents.api), so requests and answers pass through
unchanged and the event stream is relayed message for message. What stays here: Jupyter's
authentication of the caller, the size limit, the secret scrubber (nothing leaves the
student's pod unmasked), `status` (this server's own), and the answer when the gateway
cannot be reached or refuses this server's token (502).
"""

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import quote, urljoin

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.api import ApiError, json_object
from learnflow_agents.api import student as api
from tornado import httpclient, web, websocket

from learnflow_ext import __version__
from learnflow_ext.server.base import AUTH_RESOURCE, LearnFlowHandler, LearnFlowMixin, MethodsMixin

CONNECT_TIMEOUT = 10.0
# Long enough for the longest long poll (`?wait=60`) the gateway may hold.
REQUEST_TIMEOUT = api.MAX_WAIT + 30.0
# Headers of the gateway's answer passed on to the caller.
PASSED_HEADERS = ("Content-Type", "Retry-After", "Allow")


class Gateway:
    """The gateway's HTTP and WebSocket API, called with this server owner's hub token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + "/"
        self._token = token

    def _headers(self) -> dict[str, str]:
        if not self._token:
            # A single-user server spawned by JupyterHub always has it; anything else is misconfigured.
            raise ApiError(503, "cluster mode needs JUPYTERHUB_API_TOKEN in the Jupyter server's environment")
        return {"Authorization": f"token {self._token}", "Accept": "application/json"}

    async def forward(
        self, method: str, path: str, query: str, body: bytes | None
    ) -> httpclient.HTTPResponse:
        """`method api/<path>?<query>` with `body`, answered whatever its status."""
        url = self.url + api_path(path) + (f"?{query}" if query else "")
        headers = self._headers()
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = httpclient.HTTPRequest(
            url,
            method=method,
            headers=headers,
            body=body,
            connect_timeout=CONNECT_TIMEOUT,
            request_timeout=REQUEST_TIMEOUT,
        )
        try:
            response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except OSError as err:
            raise self.unreachable(err) from None
        if response.code == 599:  # tornado's code for timeouts and dropped connections
            raise ApiError(502, f"the LearnFlow gateway at {self.url} did not answer: {response.error}")
        if response.code == 401:
            # The rejected credential is this server's hub token, not the caller's login:
            # a 401 would send the browser or kernel to re-authenticate with its own server.
            raise ApiError(
                502, f"the LearnFlow gateway refused this server's hub token: {_message(response.body)}"
            )
        return response

    async def reachable(self) -> str | None:
        """None when the gateway's unauthenticated health check answers, else why not."""
        try:
            await httpclient.AsyncHTTPClient().fetch(
                urljoin(self.url, "health"), connect_timeout=CONNECT_TIMEOUT, request_timeout=10
            )
        except httpclient.HTTPClientError as err:
            return f"the LearnFlow gateway answered {err.code} {err.message}"
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
            if err.code == 599 or err.response is None:
                raise ApiError(
                    502, f"the LearnFlow gateway at {self.url} did not answer: {err.message}"
                ) from None
            if err.code == 401:
                raise ApiError(502, "the LearnFlow gateway refused this server's hub token") from None
            raise ApiError(err.code, _message(err.response.body) or err.message) from None
        except OSError as err:
            raise self.unreachable(err) from None

    def unreachable(self, err: BaseException) -> ApiError:
        return ApiError(502, f"the LearnFlow gateway at {self.url} is unreachable: {err}")


def api_path(path: str) -> str:
    """`api/<resource>[/<id>]` for the gateway, the id one encoded path segment.

    Tornado hands the route's captures over decoded, so an id sent as `..%2f..%2fhub%2fapi`
    arrives as `../../hub/api`: pasted into the URL it would reach the hub's API (or any
    host, as `//host/...`) with this server's hub token. Every character that could end or
    climb out of the segment (`/`, `\\`, `?`, `#`, `%`, control characters) is encoded;
    `.` and `..` are no id at all.
    """
    resource, _, rest = path.partition("/")
    if not rest:
        return f"api/{resource}"
    if rest in (".", ".."):
        raise ApiError(404, f"no {resource} {rest}")
    return f"api/{resource}/{quote(rest, safe='')}"


def _message(body: bytes | None) -> str:
    """The gateway's `Error.message`; the raw text for anything else (a proxy's page)."""
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        return str(json.loads(body or b"")["message"])
    return (body or b"")[:200].decode("utf-8", "replace")


class ClusterMixin(LearnFlowMixin):
    @property
    def gateway(self) -> Gateway:
        gateway = self.learnflow.gateway
        assert gateway is not None, "cluster handlers are installed only in cluster mode"
        return gateway


class ForwardHandler(ClusterMixin, LearnFlowHandler):
    """One API route, forwarded: the route's pattern captures the path under `api/`."""

    async def forward(self, path: str) -> None:
        body = None
        if self.request.method in ("POST", "PUT"):
            raw = self.raw_body()
            resource = path.split("/", 1)[0]
            try:
                # Masked before it leaves the student's pod (the gateway masks again).
                body = json.dumps(api.scrub_body(resource, json_object(raw))).encode()
            except ApiError:
                body = raw  # not a JSON object: the gateway says why, as it says everything else
        response = await self.gateway.forward(self.request.method or "GET", path, self.request.query, body)
        self.set_status(response.code)
        for name in PASSED_HEADERS:
            if name in response.headers:
                self.set_header(name, response.headers[name])
        if response.body:  # a 204 must not even write an empty one
            self.write(response.body)
        self.finish()

    def raw_body(self) -> bytes:
        if self._refused is not None:
            raise self._refused
        limit = self.learnflow.max_body_bytes
        if self._size > limit:
            raise self._too_large(self._size, limit)
        return b"".join(self._chunks)


class ForwardGet(ForwardHandler):
    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self.forward(path)


class ForwardPost(ForwardHandler):
    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        await self.forward(path)


class ForwardGetPost(ForwardGet, ForwardPost):
    pass


class ForwardGetPut(ForwardGet):
    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        await self.forward(path)


class StatusHandler(ClusterMixin, LearnFlowHandler):
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
    """Relays the gateway's event stream for this server's owner, message for message."""

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
        self._upstream = await self.gateway.events()
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
                await self.write_message(message, binary=isinstance(message, bytes))
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
