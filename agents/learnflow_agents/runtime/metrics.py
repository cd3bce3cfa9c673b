"""Prometheus metrics and the /metrics, /health, /ready HTTP endpoints."""

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """One registry per process so tests and embedded engines don't collide."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "learnflow_agent_requests", "Messages handled", ["agent", "outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "learnflow_agent_latency_seconds",
            "Handler latency",
            ["agent"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "learnflow_agent_errors",
            "Handler failures and dead letters",
            ["agent", "kind"],
            registry=self.registry,
        )
        self.lag = Gauge("learnflow_consumer_lag", "Uncommitted records", ["agent"], registry=self.registry)
        self.outbox_published = Counter(
            "learnflow_outbox_published", "Outbox events published", ["path"], registry=self.registry
        )
        self.outbox_pending = Gauge(
            "learnflow_outbox_pending", "Outbox events not yet sent", registry=self.registry
        )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes hit these endpoints every few seconds; the access log would drown real logs."""


class HealthServer:
    """Serves /metrics, /health (alive) and /ready (started and connected) in a thread."""

    def __init__(
        self, metrics: Metrics, ready: Callable[[], bool], host: str = "0.0.0.0", port: int = 0
    ) -> None:
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._ready = ready
        self._server: WSGIServer = make_server(host, port, self._app, handler_class=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="learnflow-health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        if path == "/ready":
            ok = self._ready()
            start_response(
                "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")]
            )
            return [b'{"ready": true}' if ok else b'{"ready": false}']
        if path == "/metrics":
            return self._metrics_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /health or /ready"]

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
