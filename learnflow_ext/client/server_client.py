"""Single-user server mode: the kernel talks to the LearnFlow server extension.

The kernel finds its Jupyter server through Jupyter's runtime files (the server whose
process started this kernel) or `LEARNFLOW_SERVER_URL` + `LEARNFLOW_SERVER_TOKEN`, and
uses the server's REST API (submit, long-poll for the reply, feedback, status) and its
events WebSocket (routing and streaming logs). All of it runs on the client's own thread
and event loop, so no call made from a cell waits for the network.
"""

import asyncio
import contextlib
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from learnflow_agents.contracts import AgentLog, AgentReply, RoutingDecision, StudentQuery

from learnflow_ext.client.base import (
    RELATED_TIMEOUT,
    ClientStatus,
    FeedbackDone,
    LearnFlowClient,
    PreferencesError,
    QueryListener,
    safely,
)

log = logging.getLogger("learnflow.kernel.server_client")

API = "learnflow/api"
PROBE_TIMEOUT = 5.0
# One long-poll; the server holds a request at most 60 s.
POLL_SECONDS = 25.0


class ServerError(RuntimeError):
    """The server refused or could not be reached; the message is meant for the student."""


@dataclass
class ServerInfo:
    url: str  # base URL, ending in "/"
    token: str
    status: dict[str, Any] = field(default_factory=dict)

    def api(self, *parts: str) -> str:
        return self.url + "/".join((API, *parts))

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"} if self.token else {}


# -- finding the server ---------------------------------------------------------------


def running_servers() -> Iterator[dict[str, Any]]:
    """Jupyter's `jpserver-*.json` runtime files of live servers.

    `jupyter_server.serverapp.list_running_servers` reads the same files, but importing it
    costs the kernel over a second at `%load_ext`.
    """
    from jupyter_core.paths import jupyter_runtime_dir

    for path in sorted(Path(jupyter_runtime_dir()).glob("jpserver-*.json")):
        try:
            info = json.loads(path.read_text())
            os.kill(int(info["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable, or left behind by a server that died
        yield info


def candidate_servers(environ: dict[str, str] | None = None) -> list[ServerInfo]:
    env = os.environ if environ is None else environ
    if env.get("LEARNFLOW_SERVER_URL"):
        return [ServerInfo(_slash(env["LEARNFLOW_SERVER_URL"]), env.get("LEARNFLOW_SERVER_TOKEN", ""))]
    hint = env.get("JUPYTER_SERVER_URL")
    parent = os.getppid()
    # Only this kernel's own server: another user's (or another project's) server on the
    # same machine must not receive this student's code.
    return [
        ServerInfo(_slash(info["url"]), info.get("token", ""))
        for info in running_servers()
        if info.get("pid") == parent or (hint and _same_server(info.get("url", ""), hint))
    ]


SERVER_MODES = ("jupyter-server", "cluster")


def probe(server: ServerInfo, timeout: float = PROBE_TIMEOUT) -> ServerInfo | None:
    """The server if it runs LearnFlow (its `GET status` answers), else None."""
    request = urllib.request.Request(server.api("status"), headers=server.headers())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = json.loads(response.read())
    except (OSError, ValueError) as err:
        log.info("no LearnFlow server at %s: %s", server.url, err)
        return None
    # A server in cluster mode answers the same API, passed through to the class's gateway:
    # the kernel must use it, not start an engine of its own that no instructor sees.
    if not isinstance(status, dict) or status.get("mode") not in SERVER_MODES:
        return None
    return ServerInfo(server.url, server.token, status)


def find_server(environ: dict[str, str] | None = None, timeout: float = PROBE_TIMEOUT) -> ServerInfo | None:
    for candidate in candidate_servers(environ):
        found = probe(candidate, timeout)
        if found is not None:
            return found
    return None


LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _same_server(a: str, b: str) -> bool:
    """Same port and base path; the runtime file says localhost where a hint may say 127.0.0.1."""
    first, second = urlsplit(_slash(a)), urlsplit(_slash(b))
    same_host = first.hostname == second.hostname or {first.hostname, second.hostname} <= LOOPBACK
    return same_host and (first.port, first.path) == (second.port, second.path)


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


# -- the client -----------------------------------------------------------------------


class ServerClient(LearnFlowClient):
    mode = "jupyter-server"

    def __init__(
        self, server: ServerInfo, *, reply_timeout: float = 120.0, request_timeout: float = 30.0
    ) -> None:
        super().__init__()
        self.server = server
        self.reply_timeout = reply_timeout
        self.request_timeout = request_timeout
        self._student_id = str(server.status.get("student_id") or "student")
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._ws_open = asyncio.Event()
        self._http: Any = None
        # Per query in flight: its helper's reply, as the events socket brings it.
        self._helpers: dict[UUID, asyncio.Future[AgentReply]] = {}

    @property
    def student_id(self) -> str:
        return self._student_id

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready,), name="learnflow-server-client", daemon=True
        )
        self._thread.start()
        ready.wait()

    def _thread_main(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve(ready))
        finally:
            self._loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        from tornado.httpclient import AsyncHTTPClient

        self._stop = asyncio.Event()
        self._http = AsyncHTTPClient(force_instance=True)
        events = asyncio.create_task(self._follow_events(), name="learnflow-server-events")
        announce = asyncio.create_task(self._announce_preferences(), name="learnflow-preferences")
        ready.set()
        try:
            await self._stop.wait()
        finally:
            for task in (announce, events):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._http.close()

    def close(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self.wait_idle(timeout)
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join(timeout)

    # -- the events socket -----------------------------------------------------------

    async def _follow_events(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = "ws" + self.server.api("events").removeprefix("http")
        delay = 0.5
        while True:
            try:
                request = HTTPRequest(
                    url, headers=self.server.headers(), connect_timeout=10, request_timeout=10
                )
                socket = await websocket_connect(request, ping_interval=30)
            except Exception as err:
                log.warning("LearnFlow events socket: %s; retrying in %gs", err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            self._ws_open.set()
            delay = 0.5
            try:
                while (message := await socket.read_message()) is not None:
                    self._dispatch(json.loads(message))
            finally:
                self._ws_open.clear()
                socket.close()

    def _dispatch(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        try:
            query_id = UUID(str(payload.get("query_id")))
        except ValueError:
            return
        kind = event.get("type")
        listener = self._listeners.get(query_id)
        if listener is None:
            return
        if kind == "routing":
            safely(listener.on_routing, RoutingDecision.model_validate(payload))
        elif kind == "log":
            safely(listener.on_log, AgentLog.model_validate(payload))
        elif kind == "reply" and (helper := self._helpers.get(query_id)) is not None and not helper.done():
            # The answer comes by the long poll; a helper's reply is taken from the socket.
            reply = AgentReply.model_validate(payload)
            if reply.is_helper:
                helper.set_result(reply)

    # -- HTTP ------------------------------------------------------------------------

    async def _request(
        self, method: str, *path: str, body: Any = None, timeout: float | None = None, **params: str
    ) -> Any:
        from urllib.parse import urlencode

        from tornado.httpclient import HTTPClientError

        url = self.server.api(*path) + (f"?{urlencode(params)}" if params else "")
        headers = {**self.server.headers(), "Content-Type": "application/json"}
        try:
            response = await self._http.fetch(
                url,
                method=method,
                headers=headers,
                body=None if body is None else json.dumps(body),
                request_timeout=timeout or self.request_timeout,
                connect_timeout=10,
            )
        except HTTPClientError as err:
            if err.code == 599:
                raise ServerError(
                    f"no answer from the LearnFlow server at {self.server.url}: {err}"
                ) from None
            raise ServerError(_message(err)) from None
        except OSError as err:
            raise ServerError(f"the LearnFlow server at {self.server.url} is unreachable: {err}") from None
        return json.loads(response.body) if response.body else None

    # -- asking ----------------------------------------------------------------------

    def submit(self, query: StudentQuery, listener: QueryListener) -> UUID:
        self.start()
        self._track(query.query_id, listener)
        asyncio.run_coroutine_threadsafe(self._deliver(query, listener), self._loop)
        return query.query_id

    async def _deliver(self, query: StudentQuery, listener: QueryListener) -> None:
        query_id = str(query.query_id)
        try:
            # Listening first, so the routing and the first logs are not missed; a socket
            # that will not open only costs the live updates, the reply still comes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ws_open.wait(), 5.0)
            self._helpers[query.query_id] = asyncio.get_running_loop().create_future()
            await self._request("POST", "queries", body=query.model_dump(mode="json"))
            await self._deliver_replies(
                listener, self._main_reply(query_id), lambda: self._helper_reply(query.query_id)
            )
        except ServerError as err:
            safely(listener.on_failure, str(err))
        except Exception as err:
            safely(listener.on_failure, f"{type(err).__name__}: {err}")
        finally:
            self._helpers.pop(query.query_id, None)
            self._settle(query.query_id)

    async def _main_reply(self, query_id: str) -> AgentReply:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        while (remaining := deadline - loop.time()) > 0:
            wait = min(remaining, POLL_SECONDS)
            view = await self._request("GET", "queries", query_id, timeout=wait + 15, wait=f"{wait:.1f}")
            for reply in map(AgentReply.model_validate, view["replies"]):
                if not reply.is_helper:
                    return reply
        raise ServerError(
            f"no answer within {self.reply_timeout:g}s; the question is stored "
            "and may still be answered (run `%learnflow status`)"
        )

    async def _helper_reply(self, query_id: UUID) -> AgentReply | None:
        """The helper's reply from the events socket; if none came within RELATED_TIMEOUT
        (the socket was down, say), the stored one, if any."""
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(self._helpers[query_id]), RELATED_TIMEOUT)
        view = await self._request("GET", "queries", str(query_id))
        return next((r for r in map(AgentReply.model_validate, view["replies"]) if r.is_helper), None)

    def record_feedback(
        self,
        reply_id: UUID,
        helpful: bool | None,
        rating: int | None = None,
        comment: str | None = None,
        done: FeedbackDone | None = None,
    ) -> None:
        async def send() -> None:
            error: str | None = None
            body = {"reply_id": str(reply_id), "helpful": helpful, "rating": rating, "comment": comment}
            try:
                await self._request("POST", "feedback", body=body)
            except Exception as err:
                error = str(err)
            if done is not None:
                safely(done, error)

        self.start()
        asyncio.run_coroutine_threadsafe(send(), self._loop)

    # -- preferences: the server's GET/PUT preferences ---------------------------------

    async def _read_preferences(self) -> dict[str, Any]:
        found = await self._request("GET", "preferences")
        assert isinstance(found, dict)
        return found

    async def _write_preferences(self, changes: dict[str, Any]) -> dict[str, Any]:
        from tornado.httpclient import HTTPClientError

        try:
            response = await self._http.fetch(
                self.server.api("preferences"),
                method="PUT",
                headers={**self.server.headers(), "Content-Type": "application/json"},
                body=json.dumps(changes),
                request_timeout=self.request_timeout,
                connect_timeout=10,
            )
        except HTTPClientError as err:
            if err.code == 400:
                raise PreferencesError(_error_message(err)) from None
            raise ServerError(_message(err)) from None
        except OSError as err:
            raise ServerError(f"the LearnFlow server at {self.server.url} is unreachable: {err}") from None
        saved = json.loads(response.body)
        assert isinstance(saved, dict)
        return saved

    # -- observing -------------------------------------------------------------------

    def status(self, timeout: float = 5.0) -> ClientStatus:
        self.start()
        status = ClientStatus(
            mode=self.mode,
            student_id=self.student_id,
            connected=False,
            provider="unknown",
            pending=self.pending(),
            detail={"server": self.server.url, "submitted": self.submitted},
        )
        future = asyncio.run_coroutine_threadsafe(self._request("GET", "status", timeout=timeout), self._loop)
        try:
            remote = future.result(timeout + 1)
        except Exception as err:
            future.cancel()
            status.error = str(err) or f"no answer from {self.server.url} within {timeout:g}s"
            return status
        status.connected = remote.get("engine") == "running"
        status.provider = remote.get("provider", "unknown")
        status.db_path = remote.get("db")
        status.agents = [
            f"{a['agent']} ({'running' if a['running'] else 'stopped'})" for a in remote["agents"]
        ]
        status.error = remote.get("error")
        status.detail.update(
            bus=remote.get("bus"),
            outbox_pending=remote.get("outbox_pending"),
            heartbeats=len(remote.get("heartbeats") or []),
            events_socket="open" if self._ws_open.is_set() else "closed",
            llm=remote.get("llm"),
            sandbox=remote.get("sandbox"),
        )
        # The student's own usage today against their budget; status stands without it.
        usage = asyncio.run_coroutine_threadsafe(self._request("GET", "usage", timeout=timeout), self._loop)
        try:
            status.detail["usage"] = usage.result(timeout + 1)
        except Exception:
            usage.cancel()
        return status


def _error_message(err: Any) -> str:
    """The server's JSON error message alone."""
    with contextlib.suppress(Exception):
        return str(json.loads(err.response.body)["message"])
    return f"HTTP {err.code} {err.message}"


def _message(err: Any) -> str:
    """The server's JSON error message, else the HTTP status line."""
    with contextlib.suppress(Exception):
        return f"LearnFlow server: {json.loads(err.response.body)['message']} (HTTP {err.code})"
    return f"LearnFlow server: HTTP {err.code} {err.message}"
