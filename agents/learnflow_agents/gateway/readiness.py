"""The gateway's probes: `/ready` means "can serve", `/health` means "the loop turns".

`Readiness` checks, every `interval` seconds on the gateway's event loop, what a request
needs: the hub API answering (every token check asks it), the database answering a
`SELECT 1`, and the bus producer connected (a metadata round trip on its own client). The
probe handler only reads the last result, so it answers at once; a result older than
`stale_after` counts as not ready (the checks themselves stopped running).

Liveness reuses the agents' `LoopWatch`: `/health` fails when the event loop has not
turned for `stall_after` seconds. (A loop blocked for good cannot answer at all, and
the probe's own timeout fails it then.)
"""

import asyncio
import contextlib
import logging
import time
from typing import Any

from sqlalchemy import text
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.metrics import LoopWatch

log = logging.getLogger("learnflow.gateway")


class Readiness:
    def __init__(
        self,
        engine: Engine,
        hub_api_url: str,
        *,
        interval: float = 2.0,
        timeout: float = 2.0,
        stall_after: float = 10.0,
    ) -> None:
        self.engine = engine
        self.hub_api_url = hub_api_url.rstrip("/") + "/"
        self.interval = interval
        self.timeout = timeout
        self.stale_after = 3 * interval + 3 * timeout
        self.loop_watch = LoopWatch(interval=min(1.0, interval), stall_after=stall_after)
        self.problems: dict[str, str] = {"checks": "not run yet"}
        self.checked_at = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> "Readiness":
        self.loop_watch.start()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="learnflow-gateway-ready")
        return self

    async def stop(self) -> None:
        self.loop_watch.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- what the probes read ---------------------------------------------------------------

    def alive(self) -> str | None:
        """None while the event loop turns, else why not."""
        return self.loop_watch.problem()

    def ready(self) -> dict[str, str]:
        """What keeps the gateway from serving (empty: ready)."""
        problems = dict(self.problems)
        age = time.monotonic() - self.checked_at
        if self.checked_at and age > self.stale_after:
            problems["checks"] = f"last run {age:.0f}s ago"
        alive = self.alive()
        if alive:
            problems["loop"] = alive
        return problems

    # -- the checks ---------------------------------------------------------------------------

    async def _run(self) -> None:
        was_ready = False
        while True:
            problems = await self.check()
            self.problems, self.checked_at = problems, time.monotonic()
            if bool(problems) == was_ready:  # log changes only
                was_ready = not problems
                if problems:
                    log.warning("gateway not ready", extra={"problems": problems})
                else:
                    log.info("gateway ready")
            await asyncio.sleep(self.interval)

    async def check(self) -> dict[str, str]:
        names = ("hub", "database", "bus")
        results = await asyncio.gather(
            *(asyncio.wait_for(probe(), self.timeout) for probe in (self._hub, self._database, self._bus)),
            return_exceptions=True,
        )
        problems = {}
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                reason = "no answer in time" if isinstance(result, TimeoutError) else repr(result)
                problems[name] = reason
            elif result:
                problems[name] = result
        return problems

    async def _hub(self) -> str | None:
        """The hub API's root answers without a token (its version)."""
        try:
            await AsyncHTTPClient().fetch(
                self.hub_api_url, connect_timeout=self.timeout, request_timeout=self.timeout
            )
        except HTTPClientError as err:
            if err.code >= 500 or err.code == 599:
                return f"the hub API answered {err.code}"
        return None

    async def _database(self) -> str | None:
        store = self.engine.store
        if store is None:
            return "the store is not open"

        def ping() -> None:
            with store._engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        await asyncio.to_thread(ping)
        return None

    async def _bus(self) -> str | None:
        bus = self.engine.bus
        if bus is None:
            return "the bus is not started"
        if not hasattr(bus, "_producer"):
            return None  # memory://: in this process, always there
        producer: Any = bus._producer
        if producer is None:
            # Dropped after a failed publish: connect again here, or a gateway that gets no
            # traffic (because it is not ready) would never get its producer back. Shielded:
            # a start the probe's timeout gave up on still completes for the next check.
            reconnect = asyncio.ensure_future(bus._ready_producer())
            reconnect.add_done_callback(lambda t: t.cancelled() or t.exception())
            await asyncio.shield(reconnect)
            return None
        await producer.client.fetch_all_metadata()
        return None
