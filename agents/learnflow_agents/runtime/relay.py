"""The outbox relay: publishes whatever was stored but not yet sent.

Every write that must reach the bus (a submitted query, an agent's reply) is first an
outbox row in the same transaction as the data. The writer publishes it at once; this
relay catches what that missed (broker down, process killed) and retries with backoff.
"""

import asyncio
import contextlib
import logging
import random

from learnflow_agents.bus import Bus
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.store import Store

log = logging.getLogger("learnflow.relay")


class OutboxRelay:
    def __init__(
        self,
        bus: Bus,
        store: Store,
        metrics: Metrics | None = None,
        *,
        interval: float = 0.5,
        batch_size: int = 500,
        lease_seconds: float = 30.0,
        max_backoff: float = 10.0,
        prefix: str | None = None,
    ) -> None:
        self.bus = bus
        self.store = store
        # Only this deployment's rows: another prefix's rows published under ours would
        # reach nobody who waits for them (two deployments may share one database).
        self.prefix = prefix if prefix is not None else str(getattr(bus, "prefix", ""))
        self.metrics = metrics or Metrics()
        self.interval = interval
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.max_backoff = max_backoff
        self.failures = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="learnflow-outbox-relay")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def drain_once(self) -> int:
        """Publish one batch of pending events; returns how many were sent."""
        rows = await asyncio.to_thread(
            self.store.claim_outbox, self.batch_size, self.lease_seconds, self.prefix
        )
        if not rows:
            return 0
        ids = [row.id for row in rows]
        try:
            await self.bus.publish_many([(row.topic, row.key, row.value) for row in rows])
        except Exception as err:
            await asyncio.to_thread(self.store.release_outbox, ids, str(err))
            raise
        await asyncio.to_thread(self.store.mark_sent, ids)
        self.metrics.outbox_published.labels("relay").inc(len(rows))
        return len(rows)

    async def _loop(self) -> None:
        backoff = self.interval
        while not self._stopping:
            try:
                sent = await self.drain_once()
                self.failures = 0
                backoff = self.interval
                if sent:
                    continue  # there may be more; a full batch is drained without waiting
            except Exception as err:
                self.failures += 1
                backoff = min(self.max_backoff, backoff * 2)
                log.warning(
                    "outbox relay could not publish; retrying",
                    extra={"error": str(err), "retry_in_s": round(backoff, 2), "failures": self.failures},
                )
            self._wake.clear()
            # Jitter keeps several relays (gateway replicas) from retrying in lockstep.
            timeout = backoff * (0.8 + 0.4 * random.random())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
