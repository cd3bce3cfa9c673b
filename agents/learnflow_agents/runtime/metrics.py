"""Prometheus metrics and the /metrics, /health, /ready HTTP endpoints."""

import asyncio
import json
import threading
import time
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
        self.redrives = Counter(
            "learnflow_query_redrives",
            "Queries the sweeper re-sent after no reply came (outcome=redriven), or gave up on "
            "after the last attempt (outcome=gave_up)",
            ["outcome"],
            registry=self.registry,
        )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes hit these endpoints every few seconds; the access log would drown real logs."""


class LoopWatch:
    """Whether an event loop still turns, readable from any thread.

    A task on the loop records a timestamp every `interval`; the HTTP thread compares it
    with the clock. A loop blocked by a stuck call (or a process wedged in a long
    synchronous step) stops updating it, and `/health` fails after `stall_after`.
    """

    def __init__(self, interval: float = 1.0, stall_after: float = 10.0) -> None:
        self.interval = interval
        self.stall_after = stall_after
        self._beat = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> "LoopWatch":
        self._beat = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="learnflow-loop-watch")
        return self

    async def _run(self) -> None:
        while True:
            self._beat = time.monotonic()
            await asyncio.sleep(self.interval)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def stalled_for(self) -> float:
        """Seconds since the loop last turned (beyond the expected interval)."""
        return max(0.0, time.monotonic() - self._beat - self.interval)

    def problem(self) -> str | None:
        if self._task is not None and self._task.done():
            return "the event loop watch stopped"
        stalled = self.stalled_for
        if stalled > self.stall_after:
            return f"the event loop has not turned for {stalled:.0f}s"
        return None


class HealthServer:
    """Serves /metrics, /health (alive) and /ready (consuming) in a thread.

    `alive` returns None when the process is healthy, else the reason it is not (an
    event loop that stopped turning, a runner task that died): `/health` then answers
    503 with that reason, so the orchestrator's liveness probe restarts the process.
    `/ready` answers 200 only while `ready()` holds (and the process is alive).
    """

    def __init__(
        self,
        metrics: Metrics,
        ready: Callable[[], bool],
        host: str = "0.0.0.0",
        port: int = 0,
        alive: Callable[[], str | None] | None = None,
    ) -> None:
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._ready = ready
        self._alive = alive or (lambda: None)
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
            problem = self._check_alive()
            if problem is None:
                start_response("200 OK", [("Content-Type", "application/json")])
                return [b'{"status": "ok"}']
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps({"status": "failing", "reason": problem}).encode()]
        if path == "/ready":
            ok = self._check_alive() is None and self._check(self._ready)
            start_response(
                "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")]
            )
            return [b'{"ready": true}' if ok else b'{"ready": false}']
        if path == "/metrics":
            return self._metrics_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /health or /ready"]

    def _check_alive(self) -> str | None:
        try:
            return self._alive()
        except Exception as err:  # a broken check is a failing check, never a 500
            return f"health check failed: {err!r}"

    @staticmethod
    def _check(ready: Callable[[], bool]) -> bool:
        try:
            return bool(ready())
        except Exception:
            return False

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
