"""`api/events`: a WebSocket carrying the caller's own routing, logs, replies and alerts."""

import asyncio
import logging

from tornado import websocket

from learnflow_agents.gateway.auth import HubLookupError
from learnflow_agents.gateway.base import HUB_RETRY_AFTER, GatewayContext, token_from

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
            log.error("cannot check an event-stream token with the hub: %s", err)
            self.set_status(503)
            self.set_header("Retry-After", str(HUB_RETRY_AFTER))
            self.finish('{"status": 503, "error": "the hub cannot be reached right now, retry shortly"}')
            return
        if caller is None:
            self.set_status(401)
            self.set_header("WWW-Authenticate", "token")
            self.finish('{"status": 401, "error": "missing or unrecognised token"}')
            return
        self.student_id = caller.name
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:
        # Token-authenticated, never cookie-authenticated: a foreign page has no token to send.
        return True

    def open(self, *args: str, **kwargs: str) -> None:
        self._pump = asyncio.create_task(self._forward(), name=f"events-{self.student_id}")

    async def _forward(self) -> None:
        # Each replica's engine has its own feed group, so every replica sees every event
        # and delivers the ones for the users connected to it.
        try:
            async for envelope in self.ctx.engine.events(self.student_id):
                await self.write_message(envelope.model_dump_json())
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
