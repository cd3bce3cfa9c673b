"""The shared consume -> handle -> store -> publish -> commit loop, key-parallel.

Records of different keys (students) are handled concurrently; records of one key go
through that key's lane one at a time, in offset order. Each record's effects (reply,
routing, outgoing events) are written in one transaction together with its message id
(concurrent completions share a transaction through group commit), published, and only
then marked done. Offsets are committed per partition up to the lowest record not yet
done, so a commit never passes an unfinished record: a crash redelivers it, and a
redelivered message finds its id already processed and changes nothing.

What a runner tracks about a partition is only good while it holds the partition and
the broker keeps its log. It is dropped when the partition is revoked (a rebalance, even
one that hands it straight back: its records come again from the group's committed
offset) or when a record arrives below the offset this runner last committed there (the
log was truncated or reset: a broker that lost its data, a topic created again); records
of the old tracking still in a lane finish (idempotently) but move no commit. So a runner
never commits offsets of a log the broker no longer has over the new one (the consumer
also refuses offsets past the high watermark and re-reads a log that shrank under it from
its start).

At most `max_in_flight` records are held by a runner (fetched and not yet done); it stops
fetching while at that bound.

No single record can stop the runner. Each record goes through three stages, and a
failure in any of them is handled the same way:

- handle: the agent's handler raises;
- store: writing its effects fails for that record (IntegrityError, DataError, a value
  the store refuses: e.g. a request whose query has no `queries` row; a record whose
  envelope names a student other than its query's owner is refused at once, not retried,
  and dead-lettered without an error reply, which would go to the other student's query);
- publish: the broker refuses its events (a record too large, any non-retriable error).

The stage is retried in the record's lane with backoff (the student's later records wait
behind it, other students do not); after `max_attempts` the record goes to the
dead-letter topic, whose `error` starts with the stage in brackets (`[store]
IntegrityError: ...`; `[decode]` for a record that is not a valid envelope), the student
gets an error reply when the record had a query and that reply can be stored (if
storing is what fails, the dead letter is the record of it), and the lane moves on: the
record is done and its partition is committed past it. Events the broker refused are
closed in the outbox (attempts and error kept) so the relay does not retry them forever.
A grouped transaction that fails for one record is split (see GroupCommit), so the
records sharing it are written without it.

An outage is not a poison record. While the store is unreachable (OperationalError,
InterfaceError, a dropped connection, a pool timeout), storing is retried with growing
backoff for as long as it takes and nothing is dead-lettered or committed past;
`store_unavailable_since` says since when. While the broker is unreachable, stored events
are left to the outbox relay (they are durable), so the record is done. A commit the
broker cannot take is retried on the next round.

What is left is a bug, and it is not silent: the runner task ends with the exception,
which is logged at once and kept in `failed`; `ready` turns False. The service reads
`failed` (and `task`, `last_turn`) for /health and exits non-zero so the orchestrator
restarts it; the restart does not meet the same record again if it was a poison record,
because that was committed past.
"""

import asyncio
import contextlib
import json
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

from sqlalchemy import exc as sa_exc

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
from learnflow_agents.runtime.cpu_account import charged, stage
from learnflow_agents.runtime.handler import Agent, HandlerContext, Outcome
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.runtime.publishing import outbox_event
from learnflow_agents.store import Effects, ForeignQueryError, OutboxRow, Store

log = logging.getLogger("learnflow.runner")

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.@+\-]{1,128}$")

# How long a stage waits between tries while the store is unreachable, at most.
MAX_OUTAGE_BACKOFF = 5.0

# A dead letter's copy of the record, at most this many bytes once quoted in its JSON (a
# control byte becomes a six-byte escape, an invalid one a three-byte U+FFFD), so the
# dead letter stays far below the broker's and the producer's 1 MiB record limit.
DEAD_LETTER_RAW_BYTES = 200_000


def _quoted_size(text: str) -> int:
    """Bytes of `text` inside a JSON string (as pydantic-core writes it: UTF-8, control
    characters, quote and backslash escaped)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", errors="surrogatepass")) - 2


def cut_raw(value: bytes, limit: int = DEAD_LETTER_RAW_BYTES) -> str:
    """`value` as text for a dead letter (UTF-8 with replacement), cut so that quoted it
    takes at most `limit` bytes; a cut copy ends with a marker giving the record's size."""
    text = value.decode("utf-8", errors="replace")
    if len(text) <= limit // 6 or _quoted_size(text) <= limit:  # six bytes a character at most
        return text
    marker = f"\n[cut for the dead letter: the record was {len(value)} bytes]"
    room = limit - _quoted_size(marker)
    # The longest prefix that fits: every character takes at least one byte.
    low, high = 0, min(len(text), room)
    while low < high:
        middle = (low + high + 1) // 2
        if _quoted_size(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low] + marker


# Database errors that mean "the database is not there (or busy)", not "this record is wrong".
_STORE_OUTAGES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,  # connection refused or dropped, server shutting down, locked, deadlock
    sa_exc.InterfaceError,  # the connection is closed
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no pooled connection in time
)


def is_outage(err: BaseException) -> bool:
    """True when `err` says a service (store, broker) is unreachable rather than that one
    record cannot be stored or published; such errors are waited out, never dead-lettered.

    Everything else (IntegrityError, DataError, the store's InvalidDataError, a record the
    broker refuses) is about the record, and is retried a few times then dead-lettered.
    """
    if isinstance(err, _STORE_OUTAGES):
        return True
    if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, ConnectionError | TimeoutError | OSError):  # BusUnavailable is a ConnectionError
        return True
    # Kafka client errors carry `retriable` (the broker or a leader is not there yet).
    return bool(getattr(err, "retriable", False))


def describe(stage: str, err: BaseException) -> str:
    """What a dead letter says went wrong: the stage, then the exception.

    For a database error, the driver's message (the constraint and the key), not the
    statement with its parameters, which would repeat the record at length.
    """
    detail = err.orig if isinstance(err, sa_exc.StatementError) and err.orig is not None else err
    return f"[{stage}] {type(err).__name__}: {detail}"


class _Abandoned(Exception):  # noqa: N818 - a signal inside a lane, never raised out of the runner
    """The runner is stopping while a record waits (for a retry, for the store): leave it
    uncommitted; the partition's next owner reads it again."""


class RecordFailedError(Exception):
    """One record's stage failed for good: what its dead letter reports."""

    def __init__(self, stage: str, error: BaseException, attempts: int) -> None:
        super().__init__(describe(stage, error))
        self.stage = stage
        self.error = error
        self.attempts = attempts


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
        commit_interval: float = 0.1,
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
        # Each record queued with the progress it was fetched under (replaced on a reset).
        self._lanes: dict[str, deque[tuple[Record, _PartitionProgress]]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight = 0
        self._wake = asyncio.Event()  # a record finished (a slot is free, a commit may move)
        self._committing: asyncio.Task[None] | None = None  # the commit in the background
        self.commit_interval = commit_interval  # seconds between background commits, at least
        self._last_commit = 0.0
        self._fatal: BaseException | None = None
        # A grouped write that fails for one record is split, so only that record fails.
        self._writer: GroupCommit[Effects, list[OutboxRow] | None] = GroupCommit(
            self._write_effects, split=lambda err: not is_outage(err)
        )
        # Public, read-only state for health checks (see the properties below).
        self._failed: BaseException | None = None
        self._last_turn = time.monotonic()
        self._store_down_since: float | None = None
        self.store_failures = 0  # store writes that failed because the store was unreachable
        self.stage_failures: dict[str, int] = {"handle": 0, "store": 0, "publish": 0}

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._consumer = self.bus.consumer(self.group, [str(t) for t in self.agent.topics])
        with stage("consume"):  # the consumer's background fetching is consuming
            await self._consumer.start()
        self._last_turn = time.monotonic()
        self._task = asyncio.create_task(self._loop(), name=f"learnflow-runner-{self.agent.name}")
        self._task.add_done_callback(self._task_ended)

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The runner's main task (None before `start`)."""
        return self._task

    @property
    def ready(self) -> bool:
        """Started, and the runner task has not ended."""
        return self._task is not None and not self._task.done()

    @property
    def failed(self) -> BaseException | None:
        """What ended the runner task when nobody stopped it: its exception, a
        CancelledError if it was cancelled, a RuntimeError if it returned. None while it
        runs and after a clean `stop()`. Set the moment the task ends (before `stop`)."""
        return self._failed

    @property
    def last_turn(self) -> float:
        """`time.monotonic()` of the fetch loop's last turn (it turns at least every
        ~0.2 s while running, also while it waits for the store); a runner that is
        `ready` but whose `last_turn` is old is wedged."""
        return self._last_turn

    @property
    def store_unavailable_since(self) -> float | None:
        """`time.monotonic()` since which storing fails because the store is unreachable
        (records wait, nothing is committed past them); None while the store works."""
        return self._store_down_since

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            if self._stopping.is_set():
                return
            failure: BaseException | None = asyncio.CancelledError("the runner task was cancelled")
        else:
            failure = task.exception()
            if failure is None and not self._stopping.is_set():
                failure = RuntimeError("the runner task returned without being stopped")
        if failure is None:
            return
        self._failed = failure
        log.error(
            "runner task died",
            extra={"agent": self.agent.name, "group": self.group, "error": repr(failure)[:1000]},
            exc_info=failure if not isinstance(failure, asyncio.CancelledError) else None,
        )

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
                self._last_turn = time.monotonic()
                self._raise_fatal()
                room = self.max_in_flight - self._in_flight
                if room > 0:
                    try:
                        with stage("consume"):
                            records = await self._consumer.getmany(
                                timeout=0.2, max_records=min(room, self.batch_size)
                            )
                    except Exception as err:
                        if not is_outage(err):
                            raise
                        log.warning("fetch failed: broker unreachable", extra={"error": repr(err)[:300]})
                        await self._pause(1.0)
                        records = []
                    # Before dispatching: these records were read under the assignment
                    # (and log) that stands now, so they start the partitions' new tracking.
                    self._forget(self._consumer.take_revoked(), "revoked")
                    self._dispatch(records)
                else:
                    # Full: fetch nothing more until a record is done.
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 0.2)
                    self._forget(self._consumer.take_revoked(), "revoked")
                # Commits and activity logs go out in the background: their broker round
                # trips must not hold back the records already fetched.
                self._schedule_commit()
                if self._pending_logs:
                    self._schedule_log_flush()
                if time.monotonic() - self._last_heartbeat > self.heartbeat_interval:
                    await self._heartbeat()
            # Stopping: lanes finish the record they are on and take no more.
            await asyncio.gather(*list(self._lane_tasks.values()), return_exceptions=True)
            if self._committing is not None:
                await asyncio.gather(self._committing, return_exceptions=True)
            self._raise_fatal()
            await self._commit_done()
        except BaseException:
            # The runner is dying (a crash, a failed commit or store): so do its lanes.
            for task in list(self._lane_tasks.values()):
                task.cancel()
            if self._committing is not None:
                self._committing.cancel()
            raise

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal

    async def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the runner is asked to stop meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- dispatch: one lane per key --------------------------------------------------

    @staticmethod
    def _lane_key(record: Record) -> str:
        # One student's records stay in order, across the runner's topics too; keyless
        # records keep their partition's order.
        return record.key if record.key is not None else f"\0{record.topic}:{record.partition}"

    def _forget(self, tps: set[TopicPartition], why: str) -> None:
        """Drop what this runner tracked about `tps`: the next records read from them
        start new tracking; records of the old one still in lanes move no commit."""
        dropped = [tp for tp in tps if self._progress.pop(tp, None) is not None]
        if dropped:
            log.info(
                "partition progress dropped",
                extra={
                    "agent": self.agent.name,
                    "why": why,
                    "partitions": [f"{tp.topic}[{tp.partition}]" for tp in dropped],
                },
            )

    def _dispatch(self, records: list[Record]) -> None:
        for record in records:
            progress = self._progress.get(record.tp)
            if progress is not None and progress.committed is not None and record.offset < progress.committed:
                # Below what this runner committed: the log was truncated or reset (the
                # broker lost its data, the topic was created again). A new log.
                log.warning(
                    "partition log reset: offsets start again",
                    extra={
                        "agent": self.agent.name,
                        "partition": f"{record.topic}[{record.partition}]",
                        "offset": record.offset,
                        "committed": progress.committed,
                    },
                )
                self._forget({record.tp}, "log reset")
                progress = None
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
                task = asyncio.create_task(
                    self._run_lane(lane, queue), name=f"learnflow-lane-{self.agent.name}"
                )
                task.add_done_callback(self._lane_ended)
                self._lane_tasks[lane] = task
            queue.append((record, progress))

    async def _run_lane(self, lane: str, queue: deque[tuple[Record, _PartitionProgress]]) -> None:
        try:
            while queue and not self._stopping.is_set():
                record, progress = queue[0]
                try:
                    done = await self._handle_record(record)
                except Exception as err:
                    # Every failure of a record is handled in _handle_record; what gets
                    # here is a bug, and the runner must not go on as if nothing happened.
                    self._fatal = err
                    self._wake.set()
                    return
                if not done:
                    return  # abandoned while stopping: left uncommitted for redelivery
                queue.popleft()
                self._finish(record, progress)
        finally:
            # No await between the last look at the queue and here: a record dispatched
            # meanwhile would have found this lane still running.
            if self._lanes.get(lane) is queue:
                del self._lanes[lane]
                self._lane_tasks.pop(lane, None)

    def _lane_ended(self, task: asyncio.Task[None]) -> None:
        # A lane that dies of something _run_lane did not catch (a bug) takes the runner down.
        if not task.cancelled() and task.exception() is not None and self._fatal is None:
            self._fatal = task.exception()
            self._wake.set()

    def _finish(self, record: Record, progress: _PartitionProgress) -> None:
        # The progress it was fetched under, even if dropped since: then it moves nothing.
        progress.pending.discard(record.offset)
        self._in_flight -= 1
        self._wake.set()

    def _schedule_commit(self) -> None:
        """`_commit_done` in the background, one at a time; a failure that is not an
        outage (a bug) ends the runner as it would in the loop."""
        if self._committing is not None and not self._committing.done():
            return  # the next turn commits what this one would have
        now = time.monotonic()
        if now - self._last_commit < self.commit_interval:
            # A commit per fetch was a broker request per few records (most of the broker's
            # CPU per query at hundreds a second); a record done meanwhile is only read
            # again, idempotently, if the runner dies before the next turn commits it.
            return
        self._last_commit = now

        async def commit() -> None:
            try:
                await self._commit_done()
            except Exception as err:
                if self._fatal is None:
                    self._fatal = err
                self._wake.set()

        self._committing = asyncio.create_task(commit(), name=f"learnflow-commit-{self.agent.name}")

    async def _commit_done(self) -> None:
        """Commit every partition up to its lowest record not yet done (never past it)."""
        assert self._consumer is not None
        offsets: dict[TopicPartition, int] = {}
        tracked: dict[TopicPartition, _PartitionProgress] = {}
        for tp, progress in self._progress.items():
            point = progress.commit_point()
            if point is not None and (progress.committed is None or point > progress.committed):
                offsets[tp] = point
                tracked[tp] = progress
        if not offsets:
            return
        try:
            with stage("commit"):
                await self._consumer.commit(offsets)
        except Exception as err:
            if not is_outage(err):
                raise  # not a broker outage (consumers drop those themselves): a bug
            # Nothing is lost: the next round commits these offsets (or later ones).
            log.warning("commit failed: broker unreachable", extra={"error": repr(err)[:300]})
            return
        for tp, offset in offsets.items():
            tracked[tp].committed = offset  # dropped meanwhile: harmless, it is not used

    # -- one record ------------------------------------------------------------------

    async def _handle_record(self, record: Record) -> bool:
        """Handle, store and publish one record; False if abandoned while stopping.

        True means the record is done (its partition may be committed past it): handled,
        or dead-lettered after a stage failed for good.
        """
        try:
            return await self._process(record)
        except _Abandoned:
            return False

    async def _process(self, record: Record) -> bool:
        try:
            with stage("decode"):
                envelope = decode(record.topic, record.value)
        except ContractError as err:
            await self._give_up(record, None, RecordFailedError("decode", err, 1))
            return True
        outcome: Outcome | None = None
        try:
            with stage("handle"):
                outcome, elapsed = await self._handle_stage(envelope)
            with stage("effects"):
                try:
                    effects = self._effects(envelope, outcome, elapsed)
                except Exception as err:  # an outcome that cannot be turned into rows and events
                    self._stage_failed("store", envelope, 1, err)
                    raise RecordFailedError("store", err, 1) from err
                rows = await self._store_stage(effects, envelope)
            if rows:
                with stage("publish"):
                    await self._publish_stage(rows, envelope)
        except RecordFailedError as failure:
            # A publish failure comes after the effects were stored, the agent's reply too.
            stored_reply = failure.stage == "publish" and outcome is not None and outcome.reply is not None
            await self._give_up(record, envelope, failure, stored_reply=stored_reply)
        return True

    async def _handle_stage(self, envelope: Envelope[Any]) -> tuple[Outcome, float]:
        attempts = 0
        while True:
            started = time.perf_counter()
            try:
                outcome = await self._call_handler(envelope)
            except Exception as err:
                attempts += 1
                self.metrics.errors.labels(self.agent.name, "handler").inc()
                self._stage_failed("handle", envelope, attempts, err)
                if attempts >= self.max_attempts:
                    raise RecordFailedError("handle", err, attempts) from err
                if self._stopping.is_set():
                    raise _Abandoned from err  # nothing stored: the next owner handles it
                # Retried in its lane: this student's later records wait, nobody else's.
                await asyncio.sleep(self.retry_backoff * attempts)
                continue
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(self.agent.name).observe(elapsed)
            self.metrics.requests.labels(self.agent.name, "ok").inc()
            self.handled += 1
            return outcome, elapsed

    def _stage_failed(
        self, stage: str, envelope: Envelope[Any] | None, attempt: int, err: BaseException
    ) -> None:
        self.stage_failures[stage] = self.stage_failures.get(stage, 0) + 1
        log.warning(
            f"{stage} failed",
            extra={
                "agent": self.agent.name,
                "stage": stage,
                "trace_id": envelope.trace_id if envelope else None,
                "attempt": attempt,
                "error": repr(err)[:1000],
            },
        )

    async def _write_effects(self, batch: list[Effects]) -> list[list[OutboxRow] | ForeignQueryError | None]:
        # Rows published meanwhile are marked sent in this transaction (no one of their own).
        sent = self.marker.take() if self.marker is not None else []
        try:
            return await asyncio.to_thread(charged("effects", self.store.apply_effects), batch, sent=sent)
        except BaseException:
            if self.marker is not None:
                self.marker.give_back(sent)
            raise

    async def _store_stage(
        self, effects: Effects, envelope: Envelope[Any] | None, max_attempts: int | None = None
    ) -> list[OutboxRow] | None:
        """Store one record's effects (sharing a transaction with concurrent ones).

        Returns the outbox rows to publish (None: a duplicate, nothing written). While the
        store is unreachable this waits, with growing backoff, however long it takes; a
        failure of this record's effects is retried `max_attempts` times, then raised as
        RecordFailedError("store"). Raises _Abandoned when stopping meanwhile.
        """
        limit = self.max_attempts if max_attempts is None else max_attempts
        attempts = 0
        outage_wait = self.retry_backoff or 0.1
        while True:
            try:
                rows = await self._writer.submit(effects)
            except Exception as err:
                if is_outage(err):
                    self.store_failures += 1
                    if self._store_down_since is None:
                        self._store_down_since = time.monotonic()
                        log.error(
                            "store unreachable: records wait until it is back",
                            extra={"agent": self.agent.name, "error": repr(err)[:1000]},
                        )
                    self.metrics.errors.labels(self.agent.name, "store_unavailable").inc()
                    if self._stopping.is_set():
                        raise _Abandoned from err
                    await self._pause(outage_wait)
                    if self._stopping.is_set():
                        raise _Abandoned from err
                    outage_wait = min(outage_wait * 2, MAX_OUTAGE_BACKOFF)
                    continue
                attempts += 1
                self.metrics.errors.labels(self.agent.name, "store").inc()
                self._stage_failed("store", envelope, attempts, err)
                if isinstance(err, ForeignQueryError):
                    attempts = limit  # the query's owner does not change: no retry helps
                if attempts >= limit:
                    raise RecordFailedError("store", err, attempts) from err
                if self._stopping.is_set():
                    raise _Abandoned from err
                await asyncio.sleep(self.retry_backoff * attempts)
                continue
            if self._store_down_since is not None:
                log.warning(
                    "store reachable again",
                    extra={
                        "agent": self.agent.name,
                        "down_s": round(time.monotonic() - self._store_down_since, 1),
                    },
                )
                self._store_down_since = None
            return rows

    async def _publish_stage(
        self, rows: list[OutboxRow], envelope: Envelope[Any] | None, max_attempts: int | None = None
    ) -> None:
        """Publish stored rows now and mark them sent.

        While the broker is unreachable the rows are handed to the outbox relay (they are
        durable). Rows the broker refuses (too large, any non-retriable error) are retried
        `max_attempts` times; then each row is tried alone, those refused again are closed
        in the outbox (attempts and error kept, never retried by the relay) and
        RecordFailedError("publish") is raised.
        """
        limit = self.max_attempts if max_attempts is None else max_attempts
        attempts = 0
        while True:
            try:
                await self.bus.publish_many([(row.topic, row.key, row.value) for row in rows])
            except Exception as err:
                if is_outage(err):
                    await self._release(rows, err)
                    return
                attempts += 1
                self.metrics.errors.labels(self.agent.name, "publish").inc()
                self._stage_failed("publish", envelope, attempts, err)
                if attempts < limit and not self._stopping.is_set():
                    await asyncio.sleep(self.retry_backoff * attempts)
                    continue
                await self._publish_one_by_one(rows, err)
                raise RecordFailedError("publish", err, attempts) from err
            await self._mark_sent(rows)
            self.metrics.outbox_published.labels("direct").inc(len(rows))
            return

    async def _publish_one_by_one(self, rows: list[OutboxRow], first_error: BaseException) -> None:
        """After a refused publish: send what the broker takes, close what it refuses."""
        sent: list[OutboxRow] = []
        refused: list[OutboxRow] = []
        error: BaseException = first_error
        for row in rows:
            try:
                await self.bus.publish(row.topic, row.key, row.value)
            except Exception as err:
                if is_outage(err):
                    await self._release([row], err)
                else:
                    refused.append(row)
                    error = err
            else:
                sent.append(row)
        if sent:
            await self._mark_sent(sent)
        if refused:
            ids = [row.id for row in refused]
            log.error(
                "outbox events refused by the broker; closed without publishing",
                extra={"agent": self.agent.name, "outbox_ids": ids, "error": repr(error)[:1000]},
            )
            try:
                await asyncio.to_thread(self.store.release_outbox, ids, f"refused by the broker: {error!r}")
                await asyncio.to_thread(self.store.mark_sent, ids)
            except Exception as err:
                log.warning("could not close refused outbox events", extra={"ids": ids, "error": repr(err)})

    async def _release(self, rows: list[OutboxRow], err: BaseException) -> None:
        """Hand rows to the relay (broker unreachable); their lease expiring does the same."""
        log.warning("publish failed, relay will retry", extra={"events": len(rows), "error": repr(err)[:300]})
        try:
            await asyncio.to_thread(self.store.release_outbox, [row.id for row in rows], str(err))
        except Exception as again:
            log.warning("could not release outbox rows", extra={"error": repr(again)[:300]})

    async def _mark_sent(self, rows: list[OutboxRow]) -> None:
        ids = [row.id for row in rows]
        if self.marker is not None:
            self.marker.add(ids)
            return
        try:
            await asyncio.to_thread(charged("outbox", self.store.mark_sent), ids)
        except Exception as err:
            # Published: at worst the relay publishes them again once their lease expires.
            log.warning("could not mark outbox rows sent", extra={"error": repr(err)[:300]})

    async def _give_up(
        self,
        record: Record,
        envelope: Envelope[Any] | None,
        failure: RecordFailedError,
        *,
        stored_reply: bool = False,
    ) -> None:
        """Dead-letter a record whose stage failed for good, tell the student, move on.

        The dead letter is stored with an error reply and the query marked failed; if that
        cannot be stored (the query row is missing, say), without them; if nothing about
        the record can be stored, it is published straight to the dead-letter topic. An
        outage of the store meanwhile is waited out; stopping abandons the record.
        """
        error = str(failure)
        if failure.stage == "publish":
            # The effects (and their message id) are stored: the dead letter gets its own id,
            # and an error reply only if the agent's own reply is not what was stored.
            message_id = f"{envelope.message_id}:dead-letter" if envelope else None
            tell = not stored_reply
        else:
            message_id = None
            # A record naming another student's query tells no one: its error reply would
            # go to that query, and is refused for the same reason.
            tell = not isinstance(failure.error, ForeignQueryError)
        attempts = failure.attempts
        letter = self._dead_letter(record, error, attempts, envelope, message_id=message_id, tell=tell)
        try:
            rows = await self._store_stage(letter, envelope, max_attempts=1)
        except RecordFailedError as err:
            log.warning(
                "dead letter with a reply could not be stored; storing it alone",
                extra={"agent": self.agent.name, "error": str(err)[:1000]},
            )
            letter = self._dead_letter(
                record, error, attempts, envelope, message_id=message_id, tell=False, count=False
            )
            try:
                rows = await self._store_stage(letter, envelope, max_attempts=1)
            except RecordFailedError as again:
                log.error(
                    "dead letter could not be stored; publishing it directly",
                    extra={"agent": self.agent.name, "error": str(again)[:1000]},
                )
                await self._publish_directly(letter.events)
                return
        if rows:
            try:
                await self._publish_stage(rows, envelope, max_attempts=1)
            except RecordFailedError as err:
                log.error("dead letter refused by the broker", extra={"error": str(err)[:1000]})

    async def _publish_directly(self, events: list[Any]) -> None:
        """Publish unstored events, waiting out a broker outage (until stopping)."""
        wait = self.retry_backoff or 0.1
        while True:
            try:
                await self.bus.publish_many([(e.topic, e.key, e.value) for e in events])
                return
            except Exception as err:
                if not is_outage(err) or self._stopping.is_set():
                    log.error("dead letter lost", extra={"agent": self.agent.name, "error": repr(err)[:1000]})
                    return
                await self._pause(wait)
                wait = min(wait * 2, MAX_OUTAGE_BACKOFF)

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
        if status is None and reply is not None and not reply.is_helper:
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
            attempt=outcome.attempt,
            events=events,
            struggle_events=struggle_events,
        )

    def _dead_letter(
        self,
        record: Record,
        error: str,
        attempts: int,
        envelope: Envelope[Any] | None = None,
        *,
        message_id: str | None = None,
        tell: bool = True,
        count: bool = True,
    ) -> Effects:
        """Park a message that cannot be handled, and tell the student instead of going silent.

        `tell=False`: the dead letter only (no error reply, the query left as it is).
        """
        if count:
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
            raw=cut_raw(record.value),
            attempts=attempts,
        )
        events = [outbox_event(Topic.DEAD_LETTER, student, letter, trace)]
        query_id = query_id_of(envelope.payload) if envelope and tell else None
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
        if count:
            log.error(
                "message dead-lettered",
                extra={
                    "agent": self.agent.name,
                    "topic": record.topic,
                    "offset": record.offset,
                    "error": error[:300],
                },
            )
        if message_id is None:
            message_id = (
                str(envelope.message_id)
                if envelope
                else f"dead:{record.topic}:{record.partition}:{record.offset}"
            )
        return Effects(
            consumer_group=self.group,
            message_id=message_id,
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
            with stage("publish"):
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
