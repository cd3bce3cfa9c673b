"""Delivery across deployments and losses: the prefix-separated outbox and the sweeper.

Each test runs on SQLite and on PostgreSQL; the end-to-end ones also on memory:// and
on the real Kafka-protocol broker.
"""

import asyncio
import time
import uuid

import pytest
import sqlalchemy as sa
from learnflow_agents.bus.memory import MemoryBus
from learnflow_agents.contracts import AgentLog, LogStatus, StudentQuery, Topic, decode
from learnflow_agents.runtime.engine import Engine, first_query_fields
from learnflow_agents.runtime.publishing import outbox_event
from learnflow_agents.runtime.relay import OutboxRelay
from learnflow_agents.runtime.sweeper import QuerySweeper
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store, Submission
from learnflow_agents.store.schema import outbox

from tests.fixtures.echo_agent import EchoAgent


def submission(student: str, text: str) -> Submission:
    query = StudentQuery(text=text)
    topic, payload = first_query_fields(query)
    return Submission(student, uuid.uuid4().hex, query, None, [outbox_event(topic, student, payload, "t")])


async def read_all(bus: MemoryBus, topic: Topic, timeout: float = 2.0) -> list[str]:
    consumer = bus.consumer(f"reader-{uuid.uuid4().hex[:6]}", [topic.value], "earliest")
    await consumer.start()
    texts: list[str] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            records = await consumer.getmany(timeout=0.2)
            texts.extend(decode(r.topic, r.value).payload.text for r in records)
    finally:
        await consumer.stop()
    return texts


# -- the outbox, separated by prefix ---------------------------------------------------


@pytest.mark.asyncio
async def test_two_relays_with_different_prefixes_publish_only_their_own_rows(store_url: str) -> None:
    """Two deployments on one database (the cause of 28 of 2,000 lost queries)."""
    first = Store.open(store_url, outbox_prefix="course-a.")
    second = Store(store_url, outbox_prefix="course-b.")
    legacy = Store(store_url)  # rows written before revision 0004 have the empty prefix
    try:
        # lease 0: nobody published them directly, so only a relay can.
        await asyncio.to_thread(first.submit_queries, [submission("s1", f"a{i}") for i in range(30)], 0)
        await asyncio.to_thread(second.submit_queries, [submission("s2", f"b{i}") for i in range(20)], 0)
        await asyncio.to_thread(legacy.submit_queries, [submission("s3", "old")], 0)
        assert first.outbox_pending_count() == 51
        assert first.outbox_pending_count("course-a.") == 30

        bus_a, bus_b = MemoryBus(prefix="course-a."), MemoryBus(prefix="course-b.")
        relay_a, relay_b = OutboxRelay(bus_a, first, batch_size=7), OutboxRelay(bus_b, second, batch_size=7)
        assert (relay_a.prefix, relay_b.prefix) == ("course-a.", "course-b.")
        # Interleaved, as two relays polling one table would be.
        sent_a = sent_b = 0
        while True:
            a, b = await relay_a.drain_once(), await relay_b.drain_once()
            sent_a, sent_b = sent_a + a, sent_b + b
            if not (a or b):
                break
        assert (sent_a, sent_b) == (30, 20)
        assert sorted(await read_all(bus_a, Topic.STUDENT_QUERIES)) == sorted(f"a{i}" for i in range(30))
        assert sorted(await read_all(bus_b, Topic.STUDENT_QUERIES)) == sorted(f"b{i}" for i in range(20))
        # The default deployment's row is left for a relay of the empty prefix.
        assert first.outbox_pending_count() == 1
        assert [r.value for r in legacy.claim_outbox()] != []
    finally:
        first.close()
        second.close()
        legacy.close()


def test_migration_0004_backfills_existing_rows_with_the_empty_prefix(store_url: str) -> None:
    store = Store(store_url)
    try:
        store.upgrade("0003")
        with store._write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO outbox (topic, key, value, created_at, attempts) VALUES (:t, :k, :v, :c, 0)"
                ),
                {"t": "student-queries", "k": "s1", "v": b"x", "c": "2026-01-01 00:00:00+00:00"},
            )
        store.upgrade()
        with store._read() as conn:
            row = conn.execute(sa.select(outbox.c.topic_prefix, outbox.c.query_id)).one()
        assert (row.topic_prefix, row.query_id) == ("", None)
        assert [r.key for r in store.claim_outbox(prefix="")] == ["s1"]
        assert store.claim_outbox(prefix="other.") == []
        assert store.schema_diff() == []
    finally:
        store.close()


def test_redrive_takes_only_its_own_prefixs_stale_queries(store_url: str) -> None:
    mine = Store.open(store_url, outbox_prefix="a.")
    theirs = Store(store_url, outbox_prefix="b.")
    try:
        ours = mine.submit_queries([submission("s1", "lost")], 0)[0]
        other = theirs.submit_queries([submission("s2", "theirs")], 0)[0]
        assert ours and other
        assert mine.redrive_stale_queries(0.001, 3) == []  # unsent: still the relay's job
        mine.mark_sent([r.id for r in ours + other])
        time.sleep(0.05)  # idle for longer than the 1 ms the sweep asks for
        found = mine.redrive_stale_queries(0.001, 3)
        assert [(r.student_id, r.redrives, r.gave_up) for r in found] == [("s1", 1, False)]
        # Its forward event is unsent again, for this prefix's relay only.
        assert [r.id for r in mine.claim_outbox()] == [ours[0].id]
        record = mine.get_query(found[0].query_id)
        assert record is not None and record.status == "retrying" and record.redrives == 1
        # Re-published just now: not stale again until another idle period passes.
        mine.mark_sent([ours[0].id])
        assert mine.redrive_stale_queries(3600, 3) == []
        time.sleep(0.05)
        assert theirs.redrive_stale_queries(0.001, 3)[0].student_id == "s2"
    finally:
        mine.close()
        theirs.close()


# -- the sweeper, end to end -----------------------------------------------------------


def lose_first_publish_of(engine: Engine, topic: Topic, times: int = 1) -> list[int]:
    """The broker acknowledges `topic`'s records but keeps none of them, `times` times."""
    assert engine.bus is not None
    bus = engine.bus
    real = bus.publish_many
    lost = [0]

    async def publish_many(records):  # type: ignore[no-untyped-def]
        kept = []
        for record in records:
            if record[0] == topic.value and lost[0] < times:
                lost[0] += 1
                continue
            kept.append(record)
        if kept:
            await real(kept)

    bus.publish_many = publish_many  # type: ignore[method-assign]
    return lost


async def started(settings: Settings, agent: EchoAgent) -> Engine:
    engine = Engine(settings, agents=[agent])
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics(settings.partitions)
    return engine


@pytest.mark.asyncio
async def test_a_query_the_broker_lost_is_redriven_and_answered_exactly_once(settings: Settings) -> None:
    agent = EchoAgent()
    settings = settings.model_copy(update={"redrive_after": 1.0, "max_redrives": 3})
    engine = await started(settings, agent)
    try:
        assert engine.sweeper is not None and engine.store is not None
        lost = lose_first_publish_of(engine, Topic.STUDENT_QUERIES)
        events = engine.events("lost-student")
        notices: list[AgentLog] = []

        async def watch() -> None:
            async for envelope in events:  # endless: cancelled below
                if isinstance(envelope.payload, AgentLog):
                    notices.append(envelope.payload)  # noqa: PERF401

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.2)
        qid = await engine.submit("lost-student", StudentQuery(text="where did it go"))
        # A neighbour's query is not lost and must not be re-driven.
        other = await engine.submit("other-student", StudentQuery(text="fine"))
        assert lost == [1]
        reply = await engine.wait(qid, timeout=30)
        assert reply.summary == "og ti did erehw"
        assert (await engine.wait(other, timeout=30)).summary == "enif"
        await asyncio.sleep(2.5)  # another idle period: nothing more may happen
        watcher.cancel()

        assert len(engine.store.get_replies(qid)) == 1
        assert agent.calls[str(qid)] == 1 and agent.calls[str(other)] == 1
        record = engine.store.get_query(qid)
        assert record is not None and record.status == "answered" and record.redrives == 1
        other_record = engine.store.get_query(other)
        assert other_record is not None and other_record.redrives == 0
        assert engine.sweeper.redriven == 1 and engine.sweeper.gave_up == 0
        assert (
            engine.metrics.registry.get_sample_value(
                "learnflow_query_redrives_total", {"outcome": "redriven"}
            )
            == 1.0
        )
        retrying = [n for n in notices if n.query_id == qid and "retrying" in n.message]
        assert retrying and retrying[0].status == LogStatus.PROCESSING
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_the_sweeper_gives_up_after_its_attempts_and_says_so(settings: Settings) -> None:
    settings = settings.model_copy(update={"redrive_after": 0.5, "max_redrives": 2})
    engine = await started(settings, EchoAgent())
    try:
        assert engine.sweeper is not None and engine.store is not None
        lose_first_publish_of(engine, Topic.STUDENT_QUERIES, times=10**6)
        qid = await engine.submit("unlucky", StudentQuery(text="never arrives"))
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            record = engine.store.get_query(qid)
            assert record is not None
            if record.status == "failed" or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert record.status == "failed" and record.redrives == 2
        assert (engine.sweeper.redriven, engine.sweeper.gave_up) == (2, 1)
        assert engine.store.get_replies(qid) == []
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_a_redriven_query_that_was_only_slow_is_still_answered_once(settings: Settings) -> None:
    """Re-sent while the agent is still on it: the inbox drops the second copy's effects."""
    release = asyncio.Event()

    class SlowAgent(EchoAgent):
        async def handle(self, request, ctx):  # type: ignore[no-untyped-def]
            await release.wait()
            return await super().handle(request, ctx)

    agent = SlowAgent()
    settings = settings.model_copy(update={"redrive_after": 0.5, "max_redrives": 3})
    engine = await started(settings, agent)
    try:
        assert engine.sweeper is not None and engine.store is not None
        qid = await engine.submit("patient", StudentQuery(text="slow one"))
        while engine.sweeper.redriven < 1:
            await asyncio.sleep(0.1)
        release.set()
        assert (await engine.wait(qid, timeout=30)).summary == "eno wols"
        await asyncio.sleep(1.5)
        assert len(engine.store.get_replies(qid)) == 1
        record = engine.store.get_query(qid)
        assert record is not None and record.status == "answered"
    finally:
        await engine.stop()


def test_sweeper_refuses_nonsense_bounds(sqlite_url: str) -> None:
    with Store(sqlite_url) as store, pytest.raises(ValueError):
        QuerySweeper(MemoryBus(), store, idle_seconds=0)
