"""WebSocket `/learnflow/api/events`: the caller's events (learnflow_agents.api.student.events).

Each message is an envelope's JSON plus `type` (routing, log, reply, struggle); a log
carries `payload.delta` while a provider streams. Events are not replayed: a client
connects before it submits, and reads stored replies over REST after a reconnect.
"""

import asyncio
import contextlib
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.api import student as api
from tornado import web, websocket

from learnflow_ext.server.base import AUTH_RESOURCE, LearnFlowMixin, MethodsMixin
from learnflow_ext.server.host import EngineUnavailableError


class EventsHandler(
    MethodsMixin,
    LearnFlowMixin,
    WebSocketMixin,
    ExtensionHandlerMixin,
    JupyterHandler,
    websocket.WebSocketHandler,
):
    auth_resource = AUTH_RESOURCE
    _feed: asyncio.Task[None] | None = None

    async def pre_get(self) -> None:
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        try:
            self._engine = await self.host.get()
        except EngineUnavailableError as err:
            raise web.HTTPError(503, "%s", err) from err

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await self.pre_get()
        self._events = api.events(self._engine, self.caller())
        self._first = asyncio.ensure_future(anext(self._events))
        # One loop turn runs the generator up to its queue: the caller is subscribed before
        # the handshake completes, so nothing published after it sees the socket is missed.
        await asyncio.sleep(0)
        try:
            result = super().get(*args, **kwargs)
            if result is not None:
                await result
        finally:
            if self._feed is None:  # handshake refused: unsubscribe
                self._first.cancel()

    def open(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().open(*args, **kwargs)
        self._feed = asyncio.create_task(self._forward(self._events, self._first), name="learnflow-ws")
        self.learnflow.sockets.add(self)

    async def _forward(self, events: Any, first: "asyncio.Future[Any]") -> None:
        try:
            message = await first
            while True:
                await self.write_message(message)
                message = await anext(events)
        except websocket.WebSocketClosedError:
            pass
        finally:
            await events.aclose()

    def on_message(self, message: str | bytes) -> None:
        pass  # the stream is one-way; clients send nothing

    def on_close(self) -> None:
        self.learnflow.sockets.discard(self)
        if self._feed is not None:
            self._feed.cancel()

    async def shut(self) -> None:
        """Server shutdown: stop following the engine before it stops."""
        self.learnflow.sockets.discard(self)
        self.close(1001, "server shutting down")
        if self._feed is not None:
            self._feed.cancel()
            with contextlib.suppress(BaseException):
                await self._feed
