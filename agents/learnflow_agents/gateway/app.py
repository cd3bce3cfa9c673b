"""The tornado application and `run_gateway`, the process entry point."""

import asyncio
import json
import logging
import signal
from typing import Any

from tornado import web
from tornado.httpserver import HTTPServer

from learnflow_agents.gateway import instructor, student
from learnflow_agents.gateway.auth import HubIdentity
from learnflow_agents.gateway.base import GatewayContext
from learnflow_agents.gateway.config import GatewayConfig
from learnflow_agents.gateway.metrics import GatewayMetrics, MeteredEventsHandler
from learnflow_agents.gateway.readiness import Readiness
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

log = logging.getLogger("learnflow.gateway")

UUID_PATH = r"[^/]+"


class LiveHandler(web.RequestHandler):
    """Unauthenticated liveness for the proxy and Kubernetes probes; no data.

    503 when the event loop has stalled (`Readiness.alive`); a loop blocked for good
    cannot answer at all, and the probe's timeout fails it."""

    def initialize(self, readiness: Readiness | None = None) -> None:
        self.readiness = readiness

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        problem = self.readiness.alive() if self.readiness is not None else None
        if problem:
            self.set_status(503)
            self.finish(json.dumps({"ok": False, "reason": problem}))
            return
        self.finish('{"ok": true}')


class ReadyHandler(web.RequestHandler):
    """Unauthenticated readiness: 200 while the gateway can serve (hub API, database and
    bus producer answering), else 503 naming what is missing; no data."""

    def initialize(self, readiness: Readiness | None = None) -> None:
        self.readiness = readiness

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        problems = self.readiness.ready() if self.readiness is not None else {}
        if problems:
            self.set_status(503)
        self.finish(json.dumps({"ready": not problems, "problems": problems}))


def make_app(
    ctx: GatewayContext, metrics: GatewayMetrics | None = None, readiness: Readiness | None = None
) -> web.Application:
    p = ctx.config.prefix
    metrics = metrics or GatewayMetrics()
    routes: list[tuple[str, type, dict[str, Any]]] = [
        (rf"{p}api/queries", student.QueriesHandler, {"ctx": ctx}),
        (rf"{p}api/queries/({UUID_PATH})", student.QueryHandler, {"ctx": ctx}),
        (rf"{p}api/feedback", student.FeedbackHandler, {"ctx": ctx}),
        (rf"{p}api/progress", student.ProgressHandler, {"ctx": ctx}),
        (rf"{p}api/attempts", student.AttemptsHandler, {"ctx": ctx}),
        (rf"{p}api/preferences", student.PreferencesHandler, {"ctx": ctx}),
        (rf"{p}api/usage", student.UsageHandler, {"ctx": ctx}),
        (rf"{p}api/openapi.json", student.OpenAPIHandler, {"ctx": ctx}),
        (rf"{p}api/events", MeteredEventsHandler, {"ctx": ctx, "metrics": metrics}),
        (rf"{p}api/instructor/class", instructor.ClassHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/struggles", instructor.StrugglesHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/errors", instructor.ErrorsHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/exercises", instructor.ExercisesHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/students/([^/]+)/queries", instructor.StudentQueriesHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/health", instructor.HealthHandler, {"ctx": ctx}),
        (rf"{p}api/instructor/usage", instructor.UsageHandler, {"ctx": ctx}),
    ]
    metrics.name_routes([(pattern, handler) for pattern, handler, _ in routes], p)
    metrics.routes[LiveHandler] = "health"
    metrics.routes[ReadyHandler] = "ready"
    probe = {"readiness": readiness}
    # The prefix itself answers too: the hub polls it to see that the service is up.
    return web.Application(
        [
            *routes,
            (rf"{p}health", LiveHandler, probe),
            (rf"{p}ready", ReadyHandler, probe),
            (rf"{p}?", LiveHandler, probe),
        ],
        websocket_ping_interval=30,
        log_function=metrics.log_request,
    )


async def serve_gateway(
    settings: Settings,
    config: GatewayConfig,
    port: int,
    ip: str = "0.0.0.0",
    metrics: GatewayMetrics | None = None,
) -> tuple[HTTPServer, Engine, Readiness]:
    """Start the engine (no agents: they run as their own Deployments), the probes' checks,
    and listen."""
    # The gateway is LearnFlow's own long-running process: its collector is settled after
    # start-up, as the agents' is (runtime/gc_tuning.py; tests/runtime/test_gc_owners.py).
    engine = await Engine(settings, run_agents=False, tune_gc=True).start()
    identity = HubIdentity(config)
    metrics = metrics or GatewayMetrics()
    metrics.instrument(identity)
    ctx = GatewayContext(engine=engine, identity=identity, config=config)
    readiness = Readiness(engine, config.hub_api_url).start()
    # Bodies are size-checked per handler (413); the server's own limit is only the ceiling.
    server = HTTPServer(make_app(ctx, metrics, readiness), xheaders=True, max_body_size=config.max_body_bytes)
    server.listen(port, address=ip)
    return server, engine, readiness


async def run_gateway(
    settings: Settings,
    port: int,
    *,
    ip: str = "0.0.0.0",
    config: GatewayConfig | None = None,
    stop: asyncio.Event | None = None,
    metrics_port: int | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT (or `stop`); the config defaults to the hub's service env.

    `metrics_port`: serve `GET /metrics` there too (None: not at all).
    """
    config = config or GatewayConfig.from_env()
    metrics = GatewayMetrics()
    server, engine, readiness = await serve_gateway(settings, config, port, ip, metrics)
    metrics_server = metrics.listen(metrics_port, ip) if metrics_port is not None else None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        "gateway listening on %s:%d%s (hub %s, metrics %s)",
        ip,
        port,
        config.prefix,
        config.hub_api_url,
        f"on port {metrics_port}" if metrics_port is not None else "off",
    )
    try:
        await stop.wait()
    finally:
        server.stop()
        if metrics_server is not None:
            metrics_server.stop()
        await server.close_all_connections()
        await readiness.stop()
        await engine.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0
