"""The gateway's Prometheus metrics and its JSON access log.

`GET /metrics` is served on a port of its own (`--metrics-port`, the chart's `metrics.port`),
never on the API port: the API port is published through the hub's proxy, the metrics port
only to what the NetworkPolicy admits (Prometheus), as for the agents.

- `learnflow_gateway_requests_total{route,method,status}` and
  `learnflow_gateway_request_seconds{route}`: every answered request, by route template
  (`api/instructor/students/{id}/queries`, never the path itself, so no student id is a label).
- `learnflow_gateway_auth_failures_total{route,reason}`: 401 (`unauthenticated`: no or
  unknown token) and 403 (`forbidden`: a known caller without the right).
- `learnflow_gateway_hub_api_seconds{call,outcome}`: JupyterHub API round trips: token checks
  the hub answered (cache hits make none) and user/group look-ups.
- `learnflow_gateway_websockets`: event-stream WebSockets open now.

One registry per application, so several gateways in one process (tests) do not collide.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from tornado import web
from tornado.httpserver import HTTPServer

from learnflow_agents.gateway.auth import HubIdentity
from learnflow_agents.gateway.events import EventsHandler
from learnflow_agents.runtime.logs import JsonFormatter, configure_json_logging

access_log = logging.getLogger("learnflow.gateway.access")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
UNMATCHED = "unmatched"

T = TypeVar("T")


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "learnflow_gateway_requests",
            "Requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "learnflow_gateway_request_seconds",
            "Time to answer a request (a WebSocket: its upgrade)",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "learnflow_gateway_auth_failures",
            "Requests refused for identity: unauthenticated (401) or forbidden (403)",
            ["route", "reason"],
            registry=self.registry,
        )
        self.hub_api = Histogram(
            "learnflow_gateway_hub_api_seconds",
            "JupyterHub API round trips (token checks, user and group look-ups)",
            ["call", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.websockets = Gauge(
            "learnflow_gateway_websockets", "Event-stream WebSockets open now", registry=self.registry
        )
        self.routes: dict[type, str] = {}

    def listen(self, port: int, address: str = "0.0.0.0") -> HTTPServer:
        """Serve `GET /metrics` on `port`."""
        app = web.Application([(r"/metrics", MetricsHandler, {"metrics": self})], log_function=_quiet)
        server = HTTPServer(app)
        server.listen(port, address=address)
        return server

    # -- wiring ---------------------------------------------------------------------------

    def name_routes(self, routes: list[tuple[str, type]], prefix: str) -> None:
        """Route labels from the URL patterns: the prefix dropped, each capture as `{id}`."""
        for pattern, handler in routes:
            label = pattern.removeprefix(prefix)
            while "(" in label:
                start = label.index("(")
                label = label[:start] + "{id}" + label[label.index(")", start) + 1 :]
            self.routes.setdefault(handler, label.rstrip("?") or "health")

    def instrument(self, identity: HubIdentity) -> None:
        """Time every hub round trip `identity` makes (HubAuth's requests, the look-ups)."""
        hub_auth = identity.hub_auth
        hub_auth._api_request = self._timed("token", hub_auth._api_request)  # type: ignore[method-assign]
        original_get = identity._hub_get

        async def hub_get(path: str, what: str) -> dict[str, Any] | None:
            call = path.split("/", 1)[0]  # "users" or "groups": never the name itself
            return await self._timed(call, original_get)(path, what)

        identity._hub_get = hub_get  # type: ignore[method-assign]

    def _timed(self, call: str, func: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> T:
            started = time.perf_counter()
            outcome = "error"
            try:
                result = await func(*args, **kwargs)
                outcome = "ok"
                return result
            finally:
                self.hub_api.labels(call, outcome).observe(time.perf_counter() - started)

        return timed

    # -- tornado hooks ----------------------------------------------------------------------

    def log_request(self, handler: web.RequestHandler) -> None:
        """The application's `log_function`: count the request, then log it as JSON."""
        status = handler.get_status()
        request = handler.request
        route = self.routes.get(type(handler), UNMATCHED)
        duration = request.request_time()
        self.requests.labels(route, request.method or "", str(status)).inc()
        self.request_seconds.labels(route).observe(duration)
        if status in (401, 403):
            reason = "unauthenticated" if status == 401 else "forbidden"
            self.auth_failures.labels(route, reason).inc()
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        access_log.log(
            level,
            "request",
            extra={
                "status": status,
                "method": request.method,
                "route": route,
                "path": request.path,
                "duration_ms": round(duration * 1000, 2),
                "remote_ip": request.remote_ip,
            },
        )


def _quiet(handler: web.RequestHandler) -> None:
    """Scrapes come every few seconds: no access log for them."""


class MetricsHandler(web.RequestHandler):
    def initialize(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(self.metrics.registry))


class MeteredEventsHandler(EventsHandler):
    """The event stream, counted while open."""

    def initialize(self, ctx: Any, metrics: GatewayMetrics | None = None) -> None:  # type: ignore[override]
        super().initialize(ctx)
        self._metrics = metrics
        self._counted = False

    def open(self, *args: str, **kwargs: str) -> None:
        super().open(*args, **kwargs)
        if self._metrics is not None:
            self._metrics.websockets.inc()
            self._counted = True

    def on_close(self) -> None:
        super().on_close()
        if self._counted and self._metrics is not None:
            self._counted = False
            self._metrics.websockets.dec()


def configure_gateway_logging(level: str = "INFO") -> None:
    """Every log line as one JSON object: learnflow's own loggers (with their `extra=`
    fields), tornado's and the hub client's (which log through tornado's loggers)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    configure_json_logging(level)
