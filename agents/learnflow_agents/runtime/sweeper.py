"""The sweeper: re-drives queries that got no reply, so a lost message is not a lost query.

The outbox makes sure every event is *published*; it cannot know whether the broker kept
it (a broker that dies after acknowledging, a topic deleted and re-created, an agent
that dropped it). The sweeper looks for queries that are still pending or routed and
made no progress for `idle_seconds` (none of their events unsent or sent lately), and
marks their forward events (to triage, to the agent) unsent again; the relay publishes
them with their original message ids, so a consumer that did handle one finds it in its
inbox and changes nothing: the query is answered once.

Bounded: at most `batch_size` queries per sweep, `max_redrives` re-drives per query;
after the last one the query is marked failed. Each re-drive tells the student (an
`agent-logs` event, and the query's status reads `retrying`) instead of going silent.
Several sweepers (agent processes, gateway replicas) may run on one database: each query
is taken by one of them, and only by a sweeper of the deployment (topic prefix) that
wrote it.
"""

import asyncio
import contextlib
import logging
import random

from learnflow_agents.bus import Bus
from learnflow_agents.contracts import AgentLog, LogStatus, Topic, encode, make_envelope
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.runtime.relay import OutboxRelay
from learnflow_agents.store import Redrive, Store

log = logging.getLogger("learnflow.sweeper")

IDLE_SECONDS = 60.0
MAX_REDRIVES = 3
BATCH_SIZE = 100


class QuerySweeper:
    def __init__(
        self,
        bus: Bus,
        store: Store,
        relay: OutboxRelay | None = None,
        metrics: Metrics | None = None,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_redrives: int = MAX_REDRIVES,
        batch_size: int = BATCH_SIZE,
        interval: float | None = None,
        prefix: str | None = None,
    ) -> None:
        if idle_seconds <= 0 or max_redrives < 0 or batch_size < 1:
            raise ValueError("the sweeper needs idle_seconds > 0, max_redrives >= 0, batch_size >= 1")
        self.bus = bus
        self.store = store
        self.relay = relay
        self.metrics = metrics or Metrics()
        self.idle_seconds = idle_seconds
        self.max_redrives = max_redrives
        self.batch_size = batch_size
        # Looking a few times per idle period keeps the re-drive close to the deadline.
        self.interval = interval if interval is not None else min(30.0, max(0.5, idle_seconds / 4))
        self.prefix = prefix if prefix is not None else relay.prefix if relay is not None else bus.prefix
        self.redriven = 0
        self.gave_up = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="learnflow-query-sweeper")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def sweep_once(self) -> list[Redrive]:
        """One pass: re-drive (or give up on) up to `batch_size` stale queries."""
        found = await asyncio.to_thread(
            self.store.redrive_stale_queries,
            self.idle_seconds,
            self.max_redrives,
            self.batch_size,
            self.prefix,
        )
        if not found:
            return found
        again = [r for r in found if not r.gave_up]
        done = [r for r in found if r.gave_up]
        self.redriven += len(again)
        self.gave_up += len(done)
        if again:
            self.metrics.redrives.labels("redriven").inc(len(again))
            if self.relay is not None:
                self.relay.wake()
        if done:
            self.metrics.redrives.labels("gave_up").inc(len(done))
        log.warning(
            "re-drove queries that got no reply",
            extra={
                "redriven": [str(r.query_id) for r in again][:20],
                "gave_up": [str(r.query_id) for r in done][:20],
                "idle_s": self.idle_seconds,
            },
        )
        await self._tell_students(found)
        return found

    async def _tell_students(self, found: list[Redrive]) -> None:
        """Best effort, like every activity-feed event: the student sees it is retried."""
        events = []
        for r in found:
            if r.gave_up:
                status = LogStatus.ERROR
                message = (
                    f"No answer came after {r.redrives} retries; the query is marked failed. "
                    "Please ask again, or tell your instructor if it keeps happening."
                )
            else:
                status = LogStatus.PROCESSING
                message = (
                    f"Still working on it: no answer yet, retrying "
                    f"(retry {r.redrives} of {self.max_redrives})."
                )
            entry = AgentLog(agent=r.agent or "triage", query_id=r.query_id, status=status, message=message)
            value = encode(make_envelope(Topic.AGENT_LOGS, r.student_id, entry, r.trace_id))
            events.append((Topic.AGENT_LOGS.value, r.student_id, value))
        try:
            await self.bus.publish_many(events)
        except Exception as err:
            log.debug("could not publish retry notices", extra={"count": len(events), "error": str(err)})

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep_once()
            except Exception as err:
                # The database or broker is away: try again next time, never die.
                log.warning("query sweep failed; trying again later", extra={"error": str(err)})
            # Jitter keeps several sweepers from scanning in lockstep.
            timeout = self.interval * (0.8 + 0.4 * random.random())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout)
