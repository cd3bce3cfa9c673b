"""`api/events`: a WebSocket carrying the caller's own events (learnflow_agents.api.student.events)."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from tornado import websocket

from learnflow_agents.api import ApiError, Caller
from learnflow_agents.api import student as api
from learnflow_agents.gateway.auth import HubLookupError
from learnflow_agents.gateway.base import GatewayContext, hub_unavailable, token_from

log = logging.getLogger("learnflow.gateway.events")


class EventsHandler(websocket.WebSocketHandler):
    def initialize(self, ctx: GatewayContext) -> None:
        self.ctx = ctx
        self.student_id = ""
        self._pump: asyncio.Task[None] | None = None

    async def get(self, *args: str, **kwargs: str) -> None:
        # Authenticate before the upgrade, so a refused socket is a plain HTTP 401. No
        # ?token= fallback: URLs end up in access logs. Browsers reach LearnFlow through the
        # student's own Jupyter server, which connects here with a header.
        try:
            caller = await self.ctx.identity.authenticate(token_from(self.request))
        except HubLookupError as err:
            self._refuse(hub_unavailable(err, "cannot check an event-stream token with the hub"))
            return
        if caller is None:
            self._refuse(ApiError(401, "missing or unrecognised token"))
            return
        self.student_id = caller.name
        await super().get(*args, **kwargs)

    def _refuse(self, error: ApiError) -> None:
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json")
        if error.status == 401:
            self.set_header("WWW-Authenticate", "token")
        if error.retry_after is not None:
            self.set_header("Retry-After", str(error.retry_after))
        self.finish(json.dumps(error.body()))

    def check_origin(self, origin: str) -> bool:
        # Token-authenticated, never cookie-authenticated: a foreign page has no token to send.
        return True

    def open(self, *args: str, **kwargs: str) -> None:
        stream = api.events(self.ctx.engine, Caller(self.student_id))
        self._pump = asyncio.create_task(self._forward(stream), name=f"events-{self.student_id}")

    async def _forward(self, stream: AsyncIterator[str]) -> None:
        # Each replica's engine has its own feed group, so every replica sees every event
        # and delivers the ones for the users connected to it.
        try:
            async with contextlib.aclosing(stream):  # type: ignore[type-var]
                async for message in stream:
                    await self.write_message(message)
        except websocket.WebSocketClosedError:
            pass

    def on_message(self, message: str | bytes) -> None:
        pass  # the stream is one-way; asks go through POST api/queries

    def on_close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()

    def on_connection_close(self) -> None:
        super().on_connection_close()
        if self._pump is not None:
            self._pump.cancel()
