"""The embedded engine: bus, store, relay and agents in one process.

Kernel-only and single-user Jupyter modes run this; the cluster runs the same
runners as separate processes (`learnflow-agents run`).
"""

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from learnflow_agents import hot_path
from learnflow_agents.bus import Bus, Consumer, create_bus
from learnflow_agents.contracts import (
    AGENT_REQUEST_TOPIC,
    AgentReply,
    AgentRequest,
    ContractError,
    Envelope,
    RoutingDecision,
    StudentContext,
    StudentQuery,
    Topic,
    decode,
)
from learnflow_agents.privacy import scrub_query
from learnflow_agents.runtime.batching import GroupCommit, SentMarker
from learnflow_agents.runtime.cpu_account import charged, stage
from learnflow_agents.runtime.gc_tuning import settle as settle_gc
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.runtime.metrics import Metrics
from learnflow_agents.runtime.publishing import outbox_event, publish_rows
from learnflow_agents.runtime.relay import OutboxRelay
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.runtime.sweeper import QuerySweeper
from learnflow_agents.settings import Settings
from learnflow_agents.store import InvalidDataError, Store, Submission

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor

log = logging.getLogger("learnflow.engine")

RECENT_REPLIES = 10_000
# A wait the feed has not answered within this long is looked up in the store (and again
# every this long); one read serves at most MAX_STORE_READ waits, the oldest first.
STORE_READ_AFTER = 0.5
MAX_STORE_READ = 2_000
FEED_TOPICS = (Topic.TRIAGE_ROUTING, Topic.AGENT_RESPONSES, Topic.AGENT_LOGS, Topic.STUDENT_STRUGGLE)
# How long start() waits for the event feed to join its group (a broker's initial
# rebalance delay is a few seconds); past it, start() goes on and says so.
FEED_READY_TIMEOUT = 20.0


# Up to this many characters a batch is scrubbed on the event loop: at most ~3 ms of CPU even
# for the scrubber's worst shapes (~3 µs a character), under the interpreter's 5 ms switch
# interval, so a thread would not let the loop run any sooner; it would only add a hand-off
# (a future, a wake-up, a thread switch) to every submission.
INLINE_SCRUB_CHARS = 1_000


def _scrubbed_size(query: StudentQuery) -> int:
    size = len(query.text) + len(query.code or "") + len(query.traceback or "")
    return size + sum(len(v.name) + len(v.repr or "") for v in query.variables)


class QueryTimeoutError(TimeoutError):
    """No reply within the time asked for; the query is kept and may still be answered."""


def explicit_routing(query_id: UUID, target_agent: str) -> RoutingDecision:
    """The routing of a query whose student named the agent (triage is skipped)."""
    return RoutingDecision(
        query_id=query_id,
        target_agent=str(target_agent),
        confidence=1.0,
        reasoning=f"asked for the {target_agent} agent directly",
        router="explicit",
    )


def first_query_fields(query: StudentQuery) -> tuple[Topic, Any]:
    """Where a new query goes: straight to its agent when named, else to triage."""
    if query.target_agent:
        routing = explicit_routing(query.query_id, query.target_agent)
        # The built-ins' topics, or an installed tutor's from its declaration (runtime/registry.py).
        return AGENT_REQUEST_TOPIC[query.target_agent], AgentRequest(query=query, routing=routing)
    return Topic.STUDENT_QUERIES, query


class Engine:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        agents: Sequence[Agent] | None = None,
        run_agents: bool = True,
        tune_gc: bool = False,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.metrics = metrics or Metrics()
        self._agents = agents
        self.run_agents = run_agents
        # Only for a process that is the engine's own (a gateway, a benchmark): in a kernel
        # the garbage collector is the student's (runtime/gc_tuning.py).
        self.tune_gc = tune_gc
        self.bus: Bus | None = None
        self.store: Store | None = None
        self.relay: OutboxRelay | None = None
        self.sweeper: QuerySweeper | None = None
        self.runners: list[AgentRunner] = []
        self._feed: Consumer | None = None
        self.llm: LLMTutor | None = None
        self._submitter: GroupCommit[Submission, object] | None = None
        self.marker: SentMarker | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self._feed_offsets: dict[Any, int] = {}  # read by the feed, not committed yet
        # Keyed by (query id, whether the reply is a helper's): see `wait`.
        self._waiters: dict[tuple[UUID, bool], list[asyncio.Future[AgentReply]]] = defaultdict(list)
        # Replies seen on the feed lately, so a wait that starts after its reply arrived
        # does not need the database. Bounded: oldest entries are dropped first.
        self._recent: OrderedDict[tuple[UUID, bool], AgentReply] = OrderedDict()
        self._subscribers: dict[str, set[asyncio.Queue[Envelope[Any]]]] = defaultdict(set)
        # Open waits by key, since when (loop time): what the store reader looks up.
        self._waiting_since: dict[tuple[UUID, bool], float] = {}
        self._store_reader: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> "Engine":
        s = self.settings
        # Installed tutors' request topics join the topic map here too, where no agent may
        # run (a gateway submits queries for agents that run elsewhere).
        from learnflow_agents.runtime.registry import tutors

        await asyncio.to_thread(tutors)
        self.store = await asyncio.to_thread(Store.open, s.db_url, s.auto_upgrade)
        self.bus = create_bus(s.bus_url, prefix=s.topic_prefix, partitions=s.partitions)
        # Outbox rows carry this deployment's prefix; its relay publishes only those.
        self.store.outbox_prefix = self.bus.prefix
        with stage("publish"):  # the producer's background sending is publishing
            await self.bus.start()
        self.marker = SentMarker(self._mark_sent)
        self._submitter = GroupCommit(self._write_submissions)
        self.relay = OutboxRelay(self.bus, self.store, self.metrics)
        await self.relay.start()
        # Re-sends queries that got no reply (the broker lost them) after `redrive_after`.
        self.sweeper = QuerySweeper(
            self.bus,
            self.store,
            self.relay,
            self.metrics,
            idle_seconds=s.redrive_after,
            max_redrives=s.max_redrives,
        )
        await self.sweeper.start()
        # A private group reading from "now": each engine (or gateway replica) sees every event.
        self._feed = self.bus.consumer(f"learnflow-feed-{uuid.uuid4().hex[:12]}", FEED_TOPICS, "latest")
        with stage("consume"):  # the consumer's background fetching is consuming
            await self._feed.start()
        self._feed_task = asyncio.create_task(self._dispatch_feed(), name="learnflow-feed")
        # Until the feed has joined its group and fixed its "latest" positions, events would
        # slip past it: a client that subscribes right after start() must not miss them.
        if not await self._feed.wait_positioned(FEED_READY_TIMEOUT):
            log.warning("the event feed is not positioned yet; events may be missed until it is")
        if self.run_agents:
            if self._agents is None:
                from learnflow_agents.llm import build_llm

                self.llm = build_llm(s)
            for agent in self._agents if self._agents is not None else load_agents(s.agents, self.llm):
                runner = AgentRunner(
                    agent,
                    self.bus,
                    self.store,
                    metrics=self.metrics,
                    emit_logs=s.emit_logs,
                    marker=self.marker,
                    extra_stats=self._heartbeat_extras,
                )
                await runner.start()
                self.runners.append(runner)
        if self.tune_gc:
            settle_gc()
        return self

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.stop()
        self.runners.clear()
        if self._store_reader is not None:
            self._store_reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._store_reader
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feed_task
        if self._feed is not None:
            await self._feed.stop()
        if self._submitter is not None:
            await self._submitter.close()
        if self.marker is not None:
            await self.marker.close()
        if self.sweeper is not None:
            await self.sweeper.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.llm is not None:
            await self.llm.aclose()
        if self.bus is not None:
            await self.bus.stop()
        if self.store is not None:
            self.store.close()

    async def __aenter__(self) -> "Engine":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- asking ----------------------------------------------------------------------

    async def submit(self, student_id: str, query: StudentQuery, trace_id: str | None = None) -> UUID:
        """Store the query and its outbox event in one transaction, then publish."""
        return (await self.submit_many([(student_id, query)], trace_id))[0]

    async def submit_many(
        self, items: Iterable[tuple[str, StudentQuery]], trace_id: str | None = None
    ) -> list[UUID]:
        """Store queries with their outbox events (transactionally), then publish them.

        Concurrent callers share transactions (group commit); one caller's bad input
        fails only that caller. Every query is scrubbed of secrets first: this is the
        common door (server extension, gateway, CLI, embedded client), so nothing is
        stored, published or sent to a model unmasked, whoever called.
        """
        self._require()
        with stage("submit"):
            items = list(items)
            if not hot_path.legacy and sum(_scrubbed_size(raw) for _, raw in items) <= INLINE_SCRUB_CHARS:
                scrubbed = [scrub_query(raw) for _, raw in items]
            else:
                # Off the event loop: scrubbing a maximal query costs about a second of CPU,
                # which on the loop would stall every other caller (a gateway's students).
                scrubbed = await asyncio.to_thread(
                    charged("submit", lambda: [scrub_query(raw) for _, raw in items])
                )
            batch = []
            for (student_id, _), query in zip(items, scrubbed, strict=True):
                topic, payload = first_query_fields(query)
                trace = trace_id or uuid.uuid4().hex
                event = outbox_event(topic, student_id, payload, trace)
                batch.append(Submission(student_id, trace, query, query.context, [event]))
            assert self._submitter is not None
            await self._submitter.submit_many(batch)
            return [item.query.query_id for item in batch]

    async def _write_submissions(self, batch: list[Submission]) -> list[object]:
        store, bus = self._require()
        relay = self.relay
        assert relay is not None
        # While the broker is known to be down, don't make the student wait for a timeout:
        # the rows are durable and the relay delivers them when the broker is back.
        lease = 0.0 if relay.failures else 30.0
        results: list[object] = [None] * len(batch)
        assert self.marker is not None
        # Rows published meanwhile are marked sent in this transaction (no one of their own).
        sent = self.marker.take()
        try:
            inserted = await asyncio.to_thread(
                charged("outbox", store.submit_queries), batch, lease, sent=sent
            )
        except InvalidDataError:
            self.marker.give_back(sent)
            # Find the culprit(s) one by one so the other students' queries still go in.
            inserted = []
            for i, item in enumerate(batch):
                try:
                    inserted.extend(await asyncio.to_thread(store.submit_queries, [item], lease))
                except InvalidDataError as err:
                    inserted.append(None)
                    results[i] = err
        except BaseException:
            self.marker.give_back(sent)  # not marked: the marker's own flush does it
            raise
        rows = [row for written in inserted if written for row in written]
        with stage("publish"):
            published = not relay.failures and await publish_rows(bus, store, rows, self.marker)
        if not published:
            relay.wake()
        return results

    async def wait(self, query_id: UUID, timeout: float = 30.0, *, helper: bool = False) -> AgentReply:
        """The answering agent's reply, as soon as it is stored; with `helper`, the first reply
        of a helper for it instead (one whose `helps` is set, announced by the answer's
        `follow_up`). Raises QueryTimeoutError after `timeout` seconds."""
        store, _ = self._require()
        loop = asyncio.get_running_loop()
        key = (query_id, helper)
        seen = self._recent.get(key)
        if seen is not None:
            return seen
        future: asyncio.Future[AgentReply] = loop.create_future()
        self._waiters[key].append(future)
        try:
            if hot_path.legacy:
                return await self._wait_polling(store, key, future, timeout)
            # The live feed answers almost every wait; the store is read only when the feed
            # is slow (a consumer still joining its group, a reply older than this engine):
            # by one reader for every wait older than STORE_READ_AFTER, so waits that pile
            # up under load do not each add a read of their own.
            self._waiting_since.setdefault(key, loop.time())
            self._wake_store_reader()
            # The future is this wait's own: a timer ends it, rather than wait_for around a
            # shield (two more futures and their callbacks for every query).
            expiry = loop.call_later(timeout, _expire, future, query_id, helper, timeout)
            try:
                return await future
            finally:
                expiry.cancel()
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                with contextlib.suppress(ValueError):
                    waiters.remove(future)
                if not waiters:
                    del self._waiters[key]
                    self._waiting_since.pop(key, None)

    async def _wait_polling(
        self, store: Store, key: tuple[UUID, bool], future: "asyncio.Future[AgentReply]", timeout: float
    ) -> AgentReply:
        """The wait this tree replaced (hot_path.legacy): each wait reads the store itself."""
        loop = asyncio.get_running_loop()
        query_id, helper = key
        deadline = loop.time() + timeout
        poll = 0.5
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = "helper reply" if helper else "reply"
                raise QueryTimeoutError(f"no {what} to query {query_id} within {timeout:g}s")
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(future), min(remaining, poll))
            for reply in await asyncio.to_thread(store.get_replies, query_id):
                if reply.is_helper == helper:
                    return reply
            poll = min(poll * 2, 2.0)

    def _wake_store_reader(self) -> None:
        if self._store_reader is None or self._store_reader.done():
            self._store_reader = asyncio.create_task(
                self._read_store_for_waits(), name="learnflow-wait-reader"
            )

    async def _read_store_for_waits(self) -> None:
        """While waits are open: every STORE_READ_AFTER, one store read for the replies of
        all waits older than that (the oldest MAX_STORE_READ first)."""
        store, _ = self._require()
        loop = asyncio.get_running_loop()
        while self._waiting_since:
            await asyncio.sleep(STORE_READ_AFTER)
            cutoff = loop.time() - STORE_READ_AFTER
            # By time only: ties (a tick's waits start together) would compare query ids.
            due = sorted(
                ((since, key) for key, since in self._waiting_since.items() if since <= cutoff),
                key=_first,
            )
            keys = [key for _, key in due[:MAX_STORE_READ]]
            if not keys:
                continue
            try:
                found = await asyncio.to_thread(store.get_replies_many, [qid for qid, _ in keys])
            except Exception as err:  # the store is down: the feed may still answer
                log.warning("could not read replies for waiting callers", extra={"error": repr(err)[:300]})
                continue
            for query_id, helper in keys:
                reply = next((r for r in found.get(query_id, []) if r.is_helper == helper), None)
                if reply is None:
                    continue
                for future in self._waiters.get((query_id, helper), []):
                    if not future.done():
                        future.set_result(reply)
            # Read again later, not at every turn: a wait just read goes to the back.
            now = loop.time()
            for key in keys:
                if key in self._waiting_since:
                    self._waiting_since[key] = now

    async def ask(self, student_id: str, query: StudentQuery, timeout: float = 30.0) -> AgentReply:
        return await self.wait(await self.submit(student_id, query), timeout)

    async def replies(self, query_id: UUID) -> list[AgentReply]:
        store, _ = self._require()
        return await asyncio.to_thread(store.get_replies, query_id)

    async def events(self, student_id: str) -> AsyncIterator[Envelope[Any]]:
        """Live routing decisions, activity logs, replies and alerts for one student."""
        queue: asyncio.Queue[Envelope[Any]] = asyncio.Queue(maxsize=1000)
        self._subscribers[student_id].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers[student_id].discard(queue)

    def student_context(self, student_id: str) -> StudentContext | None:
        store, _ = self._require()
        return store.get_student_context(student_id)

    def llm_stats(self) -> dict[str, Any] | None:
        """The model provider's figures (time to first token, cache hit rate, tokens, cost,
        fallbacks), or None when the tutors run offline."""
        return self.llm.stats.snapshot() if self.llm is not None else None

    async def with_learning_record(self, student_id: str, query: StudentQuery) -> StudentQuery:
        """The query with what the student has learnt (topics covered, mastery) from the store.

        Clients know a student's preferences (level, style); only the store knows their
        history, which agents need, e.g. to pick an exercise whose prerequisites are met.
        A store that cannot be read leaves the query as it is: an answer still comes.
        """
        try:
            store, _ = self._require()
            stored, preferences = await asyncio.to_thread(
                lambda: (store.get_student_context(student_id), store.get_preferences(student_id))
            )
        except Exception:
            log.exception("could not read the student's learning record", extra={"student": student_id})
            return query
        if stored is None:
            return query
        # Declared topics are what the student declares now: the query's and their saved
        # preferences', never an earlier query's context (stored.topics_covered), or a topic
        # once declared could not be taken back with `known_topics-=`.
        saved = (preferences or {}).get("known_topics")
        declared = [*query.context.topics_covered, *(saved if isinstance(saved, list) else [])]
        covered = list(dict.fromkeys(declared))
        context = query.context.model_copy(update={"topics_covered": covered, "mastery": stored.mastery})
        return query.model_copy(update={"context": context})

    # -- internals -------------------------------------------------------------------

    def sandbox_status(self) -> dict[str, Any]:
        """The isolation student code gets on this machine (learnflow_agents.sandbox)."""
        from learnflow_agents.sandbox import detect_isolation

        return detect_isolation().as_dict()

    def _heartbeat_extras(self) -> dict[str, Any]:
        from learnflow_agents.runtime.health import heartbeat_extras

        return heartbeat_extras(self.llm)

    async def _mark_sent(self, ids: list[int]) -> None:
        store, _ = self._require()
        await asyncio.to_thread(charged("outbox", store.mark_sent), ids)

    def _require(self) -> tuple[Store, Bus]:
        if self.store is None or self.bus is None:
            raise RuntimeError(
                "engine is not started: use `await engine.start()` or `async with Engine(...)`"
            )
        return self.store, self.bus

    async def _dispatch_feed(self) -> None:
        assert self._feed is not None
        committing: asyncio.Task[None] | None = None
        try:
            while True:
                with stage("consume"):
                    records = await self._feed.getmany(timeout=1.0, max_records=500)
                # The waiters first: a reply is not held back by the commit's round trip.
                with stage("feed"):
                    self._feed_records(records)
                if not records:
                    continue
                # Committing lets the in-process bus trim what every group has read. The
                # feed's group is this engine's own and reads from "latest", so nothing is
                # re-read from these offsets: committed in the background, one commit at a
                # time carrying the newest offsets, so a broker round trip does not delay
                # the next fetch.
                for record in records:
                    self._feed_offsets[record.tp] = record.offset + 1
                if committing is None or committing.done():
                    with stage("commit"):
                        committing = asyncio.create_task(self._commit_feed(), name="learnflow-feed-commit")
        finally:
            if committing is not None and not committing.done():
                committing.cancel()

    async def _commit_feed(self) -> None:
        assert self._feed is not None
        while self._feed_offsets:
            offsets, self._feed_offsets = self._feed_offsets, {}
            with contextlib.suppress(Exception):
                await self._feed.commit(offsets)

    def _feed_records(self, records: list[Any]) -> None:
        """Wake the waiters of replies and the subscribers of students on the feed."""
        for record in records:
            # Activity logs matter only to a student someone is watching: skip the decode.
            if record.topic == Topic.AGENT_LOGS and not self._subscribers.get(record.key or ""):
                continue
            try:
                with stage("decode"):
                    envelope = decode(record.topic, record.value)
            except ContractError:
                continue  # the owning agent dead-letters it; the feed just skips
            payload = envelope.payload
            if isinstance(payload, AgentReply):
                key = (payload.query_id, payload.is_helper)
                self._recent.setdefault(key, payload)  # the first one, as `wait` reads the store
                if len(self._recent) > RECENT_REPLIES:
                    self._recent.popitem(last=False)
                for future in self._waiters.get(key, []):
                    if not future.done():
                        future.set_result(payload)
            for queue in list(self._subscribers.get(envelope.student_id, ())):
                if queue.full():
                    queue.get_nowait()  # a slow reader loses the oldest event, not the newest
                queue.put_nowait(envelope)


def _expire(future: "asyncio.Future[AgentReply]", query_id: UUID, helper: bool, timeout: float) -> None:
    if not future.done():
        what = "helper reply" if helper else "reply"
        future.set_exception(QueryTimeoutError(f"no {what} to query {query_id} within {timeout:g}s"))


def _first(pair: tuple[float, Any]) -> float:
    return pair[0]


def load_agents(names: Iterable[str], llm: "LLMTutor | None" = None) -> list[Agent]:
    from learnflow_agents.runtime.registry import build_agents

    return build_agents(names, llm)
