"""The shared consume -> handle -> store -> publish -> commit loop, key-parallel.

Records of different keys (students) are handled concurrently; records of one key go
through that key's lane one at a time, in offset order. Each record's effects (reply,
routing, outgoing events) are written in one transaction together with its message id
(concurrent completions share a transaction through group commit), published, and only
then marked done. Offsets are committed per partition up to the lowest record not yet
done, so a commit never passes an unfinished record: a crash redelivers it, and a
redelivered message finds its id already processed and changes nothing.

At most `max_in_flight` records are held by a runner (fetched and not yet done); it stops
fetching while at that bound. A handler that raises is retried in its lane with backoff
(the student's later records wait behind it, other students do not); after
`max_attempts` the message goes to the dead-letter topic with an error reply, and the
lane moves on.
"""

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from learnflow_agents.bus import Bus, Consumer, Record, TopicPartition
from learnflow_agents.contracts import (
    AgentLog,
    AgentReply,
    AgentRequest,
    ContractError,
    DeadLetter,
    Envelope,
    LogStatus,
    Provenance,
    ReplyStatus,
    StudentQuery,
    Topic,
    decode,
    encode,
    make_envelope,
)
from learnflow_agents.runtime.batching import GroupCommit, SentMarker
from learnflow_agents.runtime.handler import Agent, HandlerContext, Outcome
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.runtime.publishing import outbox_event, publish_rows
from learnflow_agents.store import Effects, OutboxRow, Store

log = logging.getLogger("learnflow.runner")

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.@+\-]{1,128}$")


def query_id_of(payload: Any) -> UUID | None:
    if isinstance(payload, StudentQuery):
        return payload.query_id
    if isinstance(payload, AgentRequest):
        return payload.query.query_id
    if isinstance(payload, AgentReply):
        return payload.query_id
    return getattr(payload, "query_id", None)


@dataclass
class _PartitionProgress:
    """Which fetched records of one partition are not done yet: where a commit may go."""

    pending: set[int] = field(default_factory=set)
    fetched_end: int | None = None  # one past the highest offset fetched
    committed: int | None = None  # the offset this runner last committed (or tried to)
    # Commits only move forward: a record delivered again after a rebalance is handled
    # (idempotently) without pulling the group's offset back.

    def commit_point(self) -> int | None:
        """Everything below this offset is done; a record at or after it may not be."""
        if self.pending:
            return min(self.pending)
        return self.fetched_end


class AgentRunner:
    def __init__(
        self,
        agent: Agent,
        bus: Bus,
        store: Store,
        *,
        metrics: Metrics | None = None,
        group: str | None = None,
        instance: str | None = None,
        batch_size: int = 256,
        max_in_flight: int = 256,
        max_attempts: int = 3,
        retry_backoff: float = 0.1,
        emit_logs: bool = True,
        heartbeat_interval: float = 10.0,
        marker: SentMarker | None = None,
        extra_stats: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.agent = agent
        self.bus = bus
        self.store = store
        self.metrics = metrics or Metrics()
        self.group = group or f"learnflow-{agent.name}"
        self.instance = instance or f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self.batch_size = batch_size  # records per fetch, at most
        self.max_in_flight = max_in_flight  # records fetched and not yet done, at most
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.emit_logs = emit_logs
        self.heartbeat_interval = heartbeat_interval
        self.marker = marker
        # More figures for the heartbeat, e.g. the LLM provider's (read by `health` and the dashboard).
        self.extra_stats = extra_stats
        self.handled = 0
        self.dead_lettered = 0
        self._consumer: Consumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._pending_logs: list[tuple[str, str | None, bytes]] = []
        self._log_flush: asyncio.Task[None] | None = None
        self._last_heartbeat = 0.0
        self._last_lag: int | None = None
        self._lag_task: asyncio.Task[None] | None = None
        # Key-parallel state: per-partition progress, one lane (queue + task) per key.
        self._progress: dict[TopicPartition, _PartitionProgress] = {}
        self._lanes: dict[str, deque[Record]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight = 0
        self._wake = asyncio.Event()  # a record finished (a slot is free, a commit may move)
        self._fatal: BaseException | None = None
        self._writer: GroupCommit[Effects, list[OutboxRow] | None] = GroupCommit(self._write_effects)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._consumer = self.bus.consumer(self.group, [t.value for t in self.agent.topics])
        await self._consumer.start()
        self._task = asyncio.create_task(self._loop(), name=f"learnflow-runner-{self.agent.name}")

    @property
    def ready(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def in_flight(self) -> int:
        """Records fetched and not yet done (handled, stored and published)."""
        return self._in_flight

    async def stop(self) -> None:
        """Finish the records being handled, commit them, leave the group (graceful SIGTERM).

        Records still waiting in a lane are left uncommitted: the partition's next owner
        reads them again.
        """
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._consumer is not None:
            await self._consumer.stop()
        await self._writer.close()
        if self._log_flush is not None:
            await self._log_flush
        if self._lag_task is not None:
            self._lag_task.cancel()
        await self._flush_logs()

    async def _loop(self) -> None:
        assert self._consumer is not None
        try:
            while not self._stopping.is_set():
                self._raise_fatal()
                room = self.max_in_flight - self._in_flight
                if room > 0:
                    records = await self._consumer.getmany(
                        timeout=0.2, max_records=min(room, self.batch_size)
                    )
                    self._dispatch(records)
                else:
                    # Full: fetch nothing more until a record is done.
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 0.2)
                await self._commit_done()
                await self._flush_logs()
                if time.monotonic() - self._last_heartbeat > self.heartbeat_interval:
                    await self._heartbeat()
            # Stopping: lanes finish the record they are on and take no more.
            await asyncio.gather(*list(self._lane_tasks.values()), return_exceptions=True)
            self._raise_fatal()
            await self._commit_done()
        except BaseException:
            # The runner is dying (a crash, a failed commit or store): so do its lanes.
            for task in list(self._lane_tasks.values()):
                task.cancel()
            raise

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal

    # -- dispatch: one lane per key --------------------------------------------------

    @staticmethod
    def _lane_key(record: Record) -> str:
        # One student's records stay in order, across the runner's topics too; keyless
        # records keep their partition's order.
        return record.key if record.key is not None else f"\0{record.topic}:{record.partition}"

    def _dispatch(self, records: list[Record]) -> None:
        for record in records:
            progress = self._progress.get(record.tp)
            if progress is None:
                # The first record read is where the group's committed offset stands.
                progress = self._progress[record.tp] = _PartitionProgress(committed=record.offset)
            if record.offset in progress.pending:
                continue  # already held here: delivered again after a rebalance
            progress.pending.add(record.offset)
            if progress.fetched_end is None or record.offset >= progress.fetched_end:
                progress.fetched_end = record.offset + 1
            self._in_flight += 1
            lane = self._lane_key(record)
            queue = self._lanes.get(lane)
            if queue is None:
                queue = self._lanes[lane] = deque()
                self._lane_tasks[lane] = asyncio.create_task(
                    self._run_lane(lane, queue), name=f"learnflow-lane-{self.agent.name}"
                )
            queue.append(record)

    async def _run_lane(self, lane: str, queue: deque[Record]) -> None:
        try:
            while queue and not self._stopping.is_set():
                record = queue[0]
                try:
                    done = await self._handle_record(record)
                except Exception as err:
                    # Storing failed (the database is gone): the runner cannot go on safely.
                    self._fatal = err
                    self._wake.set()
                    return
                if not done:
                    return  # abandoned while stopping: left uncommitted for redelivery
                queue.popleft()
                self._finish(record)
        finally:
            # No await between the last look at the queue and here: a record dispatched
            # meanwhile would have found this lane still running.
            if self._lanes.get(lane) is queue:
                del self._lanes[lane]
                self._lane_tasks.pop(lane, None)

    def _finish(self, record: Record) -> None:
        progress = self._progress.get(record.tp)
        if progress is not None:
            progress.pending.discard(record.offset)
        self._in_flight -= 1
        self._wake.set()

    async def _commit_done(self) -> None:
        """Commit every partition up to its lowest record not yet done (never past it)."""
        assert self._consumer is not None
        offsets: dict[TopicPartition, int] = {}
        for tp, progress in self._progress.items():
            point = progress.commit_point()
            if point is not None and (progress.committed is None or point > progress.committed):
                offsets[tp] = point
        if not offsets:
            return
        await self._consumer.commit(offsets)
        for tp, offset in offsets.items():
            self._progress[tp].committed = offset

    # -- one record ------------------------------------------------------------------

    async def _handle_record(self, record: Record) -> bool:
        """Handle, store and publish one record; False if abandoned while stopping."""
        try:
            envelope = decode(record.topic, record.value)
        except ContractError as err:
            await self._store(self._dead_letter(record, str(err), attempts=1))
            return True
        attempts = 0
        while True:
            started = time.perf_counter()
            try:
                outcome = await self._call_handler(envelope)
            except Exception as err:
                attempts += 1
                self.metrics.errors.labels(self.agent.name, "handler").inc()
                log.warning(
                    "handler failed",
                    extra={
                        "agent": self.agent.name,
                        "trace_id": envelope.trace_id,
                        "attempt": attempts,
                        "error": repr(err),
                    },
                )
                if attempts < self.max_attempts:
                    if self._stopping.is_set():
                        return False
                    # Retried in its lane: this student's later records wait, nobody else's.
                    await asyncio.sleep(self.retry_backoff * attempts)
                    continue
                await self._store(self._dead_letter(record, repr(err), attempts, envelope))
                return True
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(self.agent.name).observe(elapsed)
            self.metrics.requests.labels(self.agent.name, "ok").inc()
            self.handled += 1
            await self._store(self._effects(envelope, outcome, elapsed))
            return True

    async def _write_effects(self, batch: list[Effects]) -> list[list[OutboxRow] | None]:
        return await asyncio.to_thread(self.store.apply_effects, batch)

    async def _store(self, effects: Effects) -> None:
        """Store one record's effects (sharing a transaction with concurrent ones), publish them."""
        rows = await self._writer.submit(effects)
        if rows and await publish_rows(self.bus, self.store, rows, self.marker):
            self.metrics.outbox_published.labels("direct").inc(len(rows))

    async def _call_handler(self, envelope: Envelope[Any]) -> Outcome:
        ctx = HandlerContext(
            student_id=envelope.student_id,
            trace_id=envelope.trace_id,
            message_id=str(envelope.message_id),
            store=self.store,
            log=self._logger_for(envelope),
        )
        if self.emit_logs:
            await ctx.note(f"{self.agent.name} agent is working on it")
        return await self.agent.handle(envelope.payload, ctx)

    # -- effects ---------------------------------------------------------------------

    def _effects(self, envelope: Envelope[Any], outcome: Outcome, elapsed: float) -> Effects:
        student, trace = envelope.student_id, envelope.trace_id
        events = []
        if outcome.routing is not None:
            events.append(outbox_event(Topic.TRIAGE_ROUTING, student, outcome.routing, trace))
        events.extend(outbox_event(topic, student, payload, trace) for topic, payload in outcome.forward)
        reply = outcome.reply
        if reply is not None:
            if not reply.provenance.latency_ms:
                reply.provenance.latency_ms = round(elapsed * 1000, 3)
            events.append(outbox_event(Topic.AGENT_RESPONSES, student, reply, trace))
        # Published only if the alert is stored, i.e. not a repeat under its dedupe key.
        struggle_events = []
        if outcome.struggle is not None:
            struggle_events.append(outbox_event(Topic.STUDENT_STRUGGLE, student, outcome.struggle, trace))
        status = outcome.query_status
        if status is None and reply is not None and not reply.data.get("saga_of"):
            status = "answered"
        elif status is None and outcome.routing is not None:
            status = "routed"
        return Effects(
            consumer_group=self.group,
            message_id=str(envelope.message_id),
            student_id=student,
            query_id=query_id_of(envelope.payload),
            reply=reply,
            routing=outcome.routing,
            query_status=status,
            struggle=outcome.struggle,
            struggle_key=outcome.struggle_key,
            mastery=outcome.mastery,
            events=events,
            struggle_events=struggle_events,
        )

    def _dead_letter(
        self, record: Record, error: str, attempts: int, envelope: Envelope[Any] | None = None
    ) -> Effects:
        """Park a message that cannot be handled, and tell the student instead of going silent."""
        self.dead_lettered += 1
        self.metrics.errors.labels(self.agent.name, "dead_letter").inc()
        student = (
            envelope.student_id
            if envelope
            else (record.key if record.key and _SAFE_ID.match(record.key) else "unknown")
        )
        trace = envelope.trace_id if envelope else "dead-letter"
        letter = DeadLetter(
            original_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            consumer_group=self.group,
            error=error[:4000],
            raw=record.value.decode("utf-8", errors="replace")[:200_000],
            attempts=attempts,
        )
        events = [outbox_event(Topic.DEAD_LETTER, student, letter, trace)]
        query_id = query_id_of(envelope.payload) if envelope else None
        reply = None
        if query_id is not None and not isinstance(envelope.payload if envelope else None, AgentReply):
            reply = AgentReply(
                query_id=query_id,
                agent=self.agent.name,
                status=ReplyStatus.ERROR,
                summary=f"The {self.agent.name} agent could not answer this query.",
                explanation=f"It failed {attempts} times; the last error was:\n\n```\n{error[:500]}\n```\n\n"
                "Your query is kept, and an instructor can see it in the dead-letter log.",
                provenance=Provenance(agent=self.agent.name, provider="none"),
            )
            events.append(outbox_event(Topic.AGENT_RESPONSES, student, reply, trace))
        log.error(
            "message dead-lettered",
            extra={
                "agent": self.agent.name,
                "topic": record.topic,
                "offset": record.offset,
                "error": error[:300],
            },
        )
        return Effects(
            consumer_group=self.group,
            message_id=str(envelope.message_id)
            if envelope
            else f"dead:{record.topic}:{record.partition}:{record.offset}",
            student_id=student,
            query_id=query_id,
            reply=reply,
            query_status="failed" if reply is not None else None,
            events=events,
        )

    # -- live feed and health --------------------------------------------------------

    def _logger_for(self, envelope: Envelope[Any]):
        async def emit(
            message: str, status: LogStatus = LogStatus.PROCESSING, delta: str | None = None
        ) -> None:
            if not self.emit_logs:
                return
            entry = AgentLog(
                agent=self.agent.name,
                query_id=query_id_of(envelope.payload),
                status=status,
                message=message[:2000],
                delta=delta,
            )
            value = encode(make_envelope(Topic.AGENT_LOGS, envelope.student_id, entry, envelope.trace_id))
            self._pending_logs.append((Topic.AGENT_LOGS.value, envelope.student_id, value))
            self._schedule_log_flush()

        return emit

    def _schedule_log_flush(self) -> None:
        # Flushing in the background lets "working on it" reach the feed before the reply.
        if self._log_flush is None or self._log_flush.done():
            self._log_flush = asyncio.create_task(self._flush_logs())

    async def _flush_logs(self) -> None:
        """Activity-feed events are best effort: batched, never stored, never blocking a reply."""
        if not self._pending_logs:
            return
        batch, self._pending_logs = self._pending_logs, []
        try:
            await self.bus.publish_many(batch)
        except Exception as err:
            log.debug("dropped activity-feed events", extra={"count": len(batch), "error": str(err)})

    async def _heartbeat(self) -> None:
        """Report liveness first; lag (a broker round trip per partition) is refreshed aside."""
        self._last_heartbeat = time.monotonic()
        stats: dict[str, Any] = {
            "handled": self.handled,
            "dead_lettered": self.dead_lettered,
            "group": self.group,
            "in_flight": self._in_flight,
            "lag": self._last_lag,
        }
        if self.extra_stats is not None:
            stats.update(self.extra_stats())
        try:
            await asyncio.to_thread(self.store.heartbeat, self.agent.name, self.instance, stats)
        except Exception as err:
            log.warning("heartbeat failed", extra={"agent": self.agent.name, "error": str(err)})
        if self._lag_task is None or self._lag_task.done():
            self._lag_task = asyncio.create_task(self._refresh_lag())

    async def _refresh_lag(self) -> None:
        try:
            self._last_lag = await self.bus.lag(self.group)
            self.metrics.lag.labels(self.agent.name).set(self._last_lag)
        except Exception as err:
            log.debug("lag unavailable", extra={"agent": self.agent.name, "error": str(err)})
