"""`learnflow-agents sandbox serve`: student code runs here, in its own Deployment.

A small HTTP service (stdlib ``ThreadingHTTPServer``, pydantic bodies from client.py):

* ``POST /v1/check`` — an exercise's tests (visible and hidden, never the solution) and a
  student's code → the checker's `CheckResult` JSON. The verdict is decided by this
  process's trusted side; the student's code runs in a sandboxed child as it would locally.
* ``POST /v1/run`` — a runner script and its one request → ``{"answer", "exit"}``, the
  plain run used by the debug agent's fix verification and code review's student tests.
* ``GET /health`` — the active isolation layers (`detect_isolation()`), the concurrency and
  how much of it is in use.

It holds no secrets and needs none: everything a check needs comes in the request, so
its pod gets no database URL, API key, Kafka credentials or service-account token. It
refuses to start (exit code 2) when the machine gives student code less than namespace +
no-network isolation, unless ``LEARNFLOW_SANDBOX_ALLOW_WEAK=1``.

Bad input gets a JSON 4xx, never a 500: a body without a length (411) or over the cap
(413, refused before a byte of it is read), not JSON (415 for another content type, 400
for malformed JSON), or not a valid request (422). At most ``concurrency`` checks/runs
execute at once; the next ones wait their turn for a while, then get 503.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel, ValidationError

from learnflow_agents.sandbox.client import CheckRequest, RunRequest, exercise_from_wire
from learnflow_agents.sandbox.dispatch import URL_ENV

log = logging.getLogger("learnflow.sandbox.service")

EXIT_WEAK_ISOLATION = 2
ALLOW_WEAK_ENV = "LEARNFLOW_SANDBOX_ALLOW_WEAK"
DEFAULT_PORT = 8070
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_BODY = 2 * 1024 * 1024
# Requested limits may raise a default at most this many times over.
LIMIT_CAP_FACTOR = 4
# Limits the chart sizes the pod by; requests cannot raise them.
_SIZED_LIMITS = frozenset({"memory_bytes", "disk_bytes"})
# Names whose presence in the environment means an operator gave this pod a secret.
_SECRET_HINTS = ("KEY", "TOKEN", "PASSWORD", "SECRET", "DB_URL", "DATABASE_URL", "SASL")


class BadRequest(Exception):  # noqa: N818 - an HTTP answer, not a failure of ours
    def __init__(self, status: HTTPStatus, error: str, detail: Any = None) -> None:
        super().__init__(error)
        self.status, self.error, self.detail = status, error, detail


def capped_limits(cls: type, requested: dict[str, float | int] | None) -> Any:
    """`cls()` with the requested fields applied, each at most LIMIT_CAP_FACTOR x its default
    (memory and disk at most their default: the pod is sized on them)."""
    default = cls()
    if not requested:
        return default
    numeric = {
        f.name: getattr(default, f.name)
        for f in dataclasses.fields(cls)
        if isinstance(getattr(default, f.name), int | float)
        and not isinstance(getattr(default, f.name), bool)
    }
    unknown = sorted(set(requested) - set(numeric))
    if unknown:
        raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, f"unknown limits: {', '.join(unknown)}")
    values: dict[str, float | int] = {}
    for name, value in requested.items():
        if value <= 0:
            raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, f"limit {name} must be positive")
        base = numeric[name]
        # Memory is what the pod's limit is sized on (per-check memory x concurrency): a
        # request may lower it, never raise it.
        factor = 1 if name in _SIZED_LIMITS else LIMIT_CAP_FACTOR
        capped = min(value, base * factor)
        values[name] = int(capped) if isinstance(base, int) else float(capped)
    return dataclasses.replace(default, **values)


class SandboxService:
    """The work behind the HTTP routes, with bounded concurrency."""

    def __init__(
        self,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_body: int = DEFAULT_MAX_BODY,
        queue_seconds: float = 60.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.max_body = max_body
        self.queue_seconds = queue_seconds
        self.max_waiting = concurrency * 16
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self.busy = 0
        self.waiting = 0
        self.served = 0

    def health(self) -> dict[str, Any]:
        from learnflow_agents import __version__
        from learnflow_agents.sandbox.isolation import detect_isolation

        return {
            "status": "ok",
            "version": __version__,
            "isolation": detect_isolation().as_dict(),
            "concurrency": self.concurrency,
            "busy": self.busy,
            "waiting": self.waiting,
            "served": self.served,
        }

    def check(self, body: CheckRequest) -> dict[str, Any]:
        from learnflow_agents.tutors.exercise import checker

        try:
            exercise = exercise_from_wire(body.exercise)
        except (ValidationError, TypeError, ValueError) as err:
            raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid exercise: {err}") from err
        limits = capped_limits(checker.Limits, body.limits)
        with self._slot():
            result = checker.check_code(
                exercise, body.code, include_hidden=body.include_hidden, limits=limits
            )
        return result.model_dump(mode="json")

    def run(self, body: RunRequest) -> dict[str, Any]:
        from learnflow_agents.sandbox.limits import Limits
        from learnflow_agents.sandbox.run import run_python

        limits = capped_limits(Limits, body.limits)
        with self._slot():
            answer, ended = run_python(body.source, body.request, limits)
        return {"answer": answer, "exit": dataclasses.asdict(ended)}

    class _Slot:
        def __init__(self, service: SandboxService) -> None:
            self.service = service

        def __enter__(self) -> None:
            service = self.service
            with service._lock:
                if service.waiting >= service.max_waiting:
                    raise BadRequest(HTTPStatus.SERVICE_UNAVAILABLE, "too many requests waiting; retry soon")
                service.waiting += 1
            try:
                acquired = service._slots.acquire(timeout=service.queue_seconds)
            finally:
                with service._lock:
                    service.waiting -= 1
            if not acquired:
                raise BadRequest(HTTPStatus.SERVICE_UNAVAILABLE, "all sandboxes busy; retry soon")
            with service._lock:
                service.busy += 1

        def __exit__(self, *exc: object) -> None:
            service = self.service
            with service._lock:
                service.busy -= 1
                service.served += 1
            service._slots.release()

    def _slot(self) -> SandboxService._Slot:
        return SandboxService._Slot(self)


_ROUTES: dict[str, tuple[type[BaseModel], str]] = {
    "/v1/check": (CheckRequest, "check"),
    "/v1/run": (RunRequest, "run"),
}


class _Handler(BaseHTTPRequestHandler):
    server_version = "learnflow-sandbox"
    protocol_version = "HTTP/1.1"
    service: SandboxService  # set on the subclass made by make_server

    def do_GET(self) -> None:
        if self._path() == "/health":
            self._reply(HTTPStatus.OK, self.service.health())
        elif self._path() in _ROUTES:
            self._error(BadRequest(HTTPStatus.METHOD_NOT_ALLOWED, "use POST"))
        else:
            self._error(BadRequest(HTTPStatus.NOT_FOUND, "no such route"))

    def do_POST(self) -> None:
        self._body_read = False  # one handler serves every request of a kept-alive connection
        route = _ROUTES.get(self._path())
        if route is None:
            status = HTTPStatus.METHOD_NOT_ALLOWED if self._path() == "/health" else HTTPStatus.NOT_FOUND
            self._error(BadRequest(status, "no such route"))
            return
        model, action = route
        try:
            raw = self._read_body()
            try:
                data = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
                raise BadRequest(HTTPStatus.BAD_REQUEST, f"malformed JSON: {err}") from err
            try:
                body = model.model_validate(data)
            except ValidationError as err:
                detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in err.errors()[:20]]
                raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid request", detail) from err
            answer = getattr(self.service, action)(body)
        except BadRequest as err:
            self._error(err)
            return
        except Exception:
            log.exception("sandbox request failed", extra={"route": self._path()})
            self._error(BadRequest(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error"))
            return
        self._reply(HTTPStatus.OK, answer)

    def do_PUT(self) -> None:
        self._body_read = False
        self._error(BadRequest(HTTPStatus.METHOD_NOT_ALLOWED, "use POST or GET"))

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # -- plumbing ---------------------------------------------------------------------

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _read_body(self) -> bytes:
        """The body, after its declared size is checked against the cap (nothing read before)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length, not a chunked body")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
        try:
            length = int(length_header)
        except ValueError as err:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from err
        if length < 0:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "Content-Length is negative")
        if length > self.service.max_body:
            raise BadRequest(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body of {length} bytes is over the {self.service.max_body}-byte limit",
            )
        data = self.rfile.read(length)
        if len(data) < length:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "body shorter than its Content-Length")
        self._body_read = True
        content_type = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise BadRequest(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json")
        return data

    def _error(self, err: BadRequest) -> None:
        body: dict[str, Any] = {"error": err.error}
        if err.detail is not None:
            body["detail"] = err.detail
        # A body we did not read would be taken for the next request: close instead.
        if not getattr(self, "_body_read", False) and self.command == "POST":
            self.close_connection = True
        headers = {"Retry-After": "1"} if err.status == HTTPStatus.SERVICE_UNAVAILABLE else {}
        self._reply(err.status, body, headers)
        if self.close_connection:
            self._linger()

    def _linger(self) -> None:
        """After refusing an unread body: stop sending, then discard what the client is still
        sending for a moment, so it reads our answer instead of a connection reset."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            discarded = 0
            while discarded < 4 * self.service.max_body and (chunk := self.connection.recv(65536)):
                discarded += len(chunk)
        except OSError:
            pass

    def _reply(self, status: HTTPStatus, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(service: SandboxService, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("SandboxHandler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def isolation_problem() -> str | None:
    """Why this machine is not good enough to serve checks, or None."""
    from learnflow_agents.sandbox.isolation import detect_isolation

    isolation = detect_isolation()
    if isolation.strong and "no-network" in isolation.layers:
        return None
    return isolation.describe()


def secret_looking_env() -> list[str]:
    return sorted(name for name in os.environ if any(hint in name.upper() for hint in _SECRET_HINTS))


def serve_main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # This process runs student code (sandboxed): it must never forward it anywhere else.
    os.environ.pop(URL_ENV, None)
    problem = isolation_problem()
    if problem is not None:
        if os.environ.get(ALLOW_WEAK_ENV) != "1":
            print(
                "learnflow-agents sandbox serve: refusing to run student code without namespace + "
                f"no-network isolation; this machine gives: {problem}. Install bubblewrap and allow "
                f"unprivileged user namespaces, or set {ALLOW_WEAK_ENV}=1 to serve anyway "
                "(never for real students).",
                file=sys.stderr,
                flush=True,
            )
            return EXIT_WEAK_ISOLATION
        log.warning("serving with WEAK isolation (%s=1): %s", ALLOW_WEAK_ENV, problem)
    secrets = secret_looking_env()
    if secrets:
        log.warning("this service needs no secrets, but its environment has: %s", ", ".join(secrets))
    if args.concurrency < 1:
        raise ValueError("--concurrency must be at least 1")
    service = SandboxService(concurrency=args.concurrency, max_body=args.max_body)
    server = make_server(service, args.host, args.port)
    host, port = server.server_address[:2]

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from learnflow_agents.sandbox.isolation import detect_isolation

    print(
        f"learnflow-sandbox listening on http://{host}:{port} "
        f"(concurrency {args.concurrency}; isolation {detect_isolation().describe()})",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
