"""The shared consume -> handle -> store -> publish -> commit loop.

Delivery is at-least-once with idempotent effects: a batch's effects (reply, routing,
outgoing events) are written in one transaction together with the consumed message
ids, and offsets are committed only after that. A message seen again after a crash
finds its id already processed and changes nothing. A handler that raises is retried
by seeking back (the bus redelivers it); after `max_attempts` the message goes to the
dead-letter topic with an error reply, and the partition moves on.
"""

import asyncio
import logging
import os
import re
import socket
import time
from collections import defaultdict
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
from learnflow_agents.runtime.batching import SentMarker
from learnflow_agents.runtime.handler import Agent, HandlerContext, Outcome
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.runtime.publishing import outbox_event, publish_rows
from learnflow_agents.store import Effects, Store

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
class _PartitionResult:
    effects: list[Effects] = field(default_factory=list)
    commit_offset: int | None = None
    seek_offset: int | None = None


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
        max_attempts: int = 3,
        retry_backoff: float = 0.1,
        emit_logs: bool = True,
        heartbeat_interval: float = 10.0,
        marker: SentMarker | None = None,
        extra_stats: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.agent = agent
        self.bus = bus
        self.store = store
        self.metrics = metrics or Metrics()
        self.group = group or f"learnflow-{agent.name}"
        self.instance = instance or f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.emit_logs = emit_logs
        self.heartbeat_interval = heartbeat_interval
        self.marker = marker
        # More figures for the heartbeat, e.g. the LLM provider's (read by `health` and the dashboard).
        self.extra_stats = extra_stats
        self.handled = 0
        self.dead_lettered = 0
        self._attempts: dict[tuple[TopicPartition, int], int] = defaultdict(int)
        self._consumer: Consumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._pending_logs: list[tuple[str, str | None, bytes]] = []
        self._log_flush: asyncio.Task[None] | None = None
        self._last_heartbeat = 0.0
        self._last_lag: int | None = None
        self._lag_task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._consumer = self.bus.consumer(self.group, [t.value for t in self.agent.topics])
        await self._consumer.start()
        self._task = asyncio.create_task(self._loop(), name=f"learnflow-runner-{self.agent.name}")

    @property
    def ready(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Finish the batch in flight, commit it, leave the group (graceful SIGTERM)."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        if self._consumer is not None:
            await self._consumer.stop()
        if self._log_flush is not None:
            await self._log_flush
        if self._lag_task is not None:
            self._lag_task.cancel()
        await self._flush_logs()

    async def _loop(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            records = await self._consumer.getmany(timeout=0.2, max_records=self.batch_size)
            if records:
                await self.process(records)
            await self._flush_logs()
            if time.monotonic() - self._last_heartbeat > self.heartbeat_interval:
                await self._heartbeat()

    # -- one batch -------------------------------------------------------------------

    async def process(self, records: list[Record]) -> None:
        assert self._consumer is not None
        by_partition: dict[TopicPartition, list[Record]] = defaultdict(list)
        for record in records:
            by_partition[record.tp].append(record)
        # Partitions are independent: handle them concurrently, each in order.
        results = await asyncio.gather(*(self._handle_partition(recs) for recs in by_partition.values()))
        effects = [e for result in results for e in result.effects]
        if effects:
            stored = await asyncio.to_thread(self.store.apply_effects, effects)
            rows = [row for inserted in stored if inserted for row in inserted]
            if await publish_rows(self.bus, self.store, rows, self.marker):
                self.metrics.outbox_published.labels("direct").inc(len(rows))
        offsets = {
            tp: result.commit_offset
            for tp, result in zip(by_partition, results, strict=True)
            if result.commit_offset is not None
        }
        if offsets:
            await self._consumer.commit(offsets)
        for tp, result in zip(by_partition, results, strict=True):
            if result.seek_offset is not None:
                await self._consumer.seek(tp, result.seek_offset)

    async def _handle_partition(self, records: list[Record]) -> _PartitionResult:
        result = _PartitionResult()
        for record in records:
            try:
                envelope = decode(record.topic, record.value)
            except ContractError as err:
                result.effects.append(self._dead_letter(record, str(err), attempts=1))
                result.commit_offset = record.offset + 1
                continue
            key = (record.tp, record.offset)
            started = time.perf_counter()
            try:
                outcome = await self._call_handler(envelope)
            except Exception as err:
                self._attempts[key] += 1
                attempts = self._attempts[key]
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
                    # Stop this partition here; the bus redelivers from this record.
                    await asyncio.sleep(self.retry_backoff * attempts)
                    result.seek_offset = record.offset
                    return result
                del self._attempts[key]
                result.effects.append(self._dead_letter(record, repr(err), attempts, envelope))
                result.commit_offset = record.offset + 1
                continue
            self._attempts.pop(key, None)
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(self.agent.name).observe(elapsed)
            self.metrics.requests.labels(self.agent.name, "ok").inc()
            self.handled += 1
            result.effects.append(self._effects(envelope, outcome, elapsed))
            result.commit_offset = record.offset + 1
        return result

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
