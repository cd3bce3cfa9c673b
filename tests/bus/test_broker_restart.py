"""A broker that restarts without its log (Tansu with memory storage): nothing is lost.

After such a restart every topic, record and committed offset is gone, while the
clients still hold positions (and the runners commit points) in the old, longer logs.
Consumers must not wait at those positions nor commit them over the new log, and
nothing may create the topics with the broker's default partition count. What the
broker acknowledged and then lost is the sweeper's (`redrive_after`).

Each test restarts a real Tansu broker (the process is killed and a fresh one started
on the same port) under running clients.
"""

import asyncio
import time
import uuid

import pytest
from aiokafka.client import AIOKafkaClient
from learnflow_agents.bus.kafka import KafkaBus
from learnflow_agents.bus.kafka_offsets import log_bounds, partitions_of
from learnflow_agents.contracts import StudentQuery, Topic
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

from tests.fixtures.echo_agent import EchoAgent
from tests.fixtures.kafka_broker import KafkaBroker

PARTITIONS = 6


async def broker_partitions(broker: KafkaBroker, names: list[str]) -> dict[str, int]:
    """How many partitions the broker has for each of `names` (0: no such topic)."""
    client = AIOKafkaClient(bootstrap_servers=broker.bootstrap)
    await client.bootstrap()
    try:
        cluster = await client.fetch_all_metadata()
        return {name: len(cluster.partitions_for_topic(name) or ()) for name in names}
    finally:
        await client.close()


async def committed_past_the_end(bus: KafkaBus, group: str, topics: list[str]) -> dict[str, tuple[int, int]]:
    """Partitions where `group`'s committed offset is beyond the log end: {tp: (committed, end)}."""

    async def measure(inspector):  # type: ignore[no-untyped-def]
        cluster = await inspector.client.fetch_all_metadata()
        tps = partitions_of(cluster, [bus.prefix + t for t in topics])
        committed = await inspector.admin.list_consumer_group_offsets(bus.prefix + group, partitions=tps)
        bounds = await log_bounds(inspector.client, cluster, tps)
        return {
            f"{tp.topic}[{tp.partition}]": (meta.offset, bounds[tp][1])
            for tp, meta in committed.items()
            if meta is not None and meta.offset > bounds[tp][1]
        }

    return await bus._inspect(measure)


# -- the bus ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_consumer_left_past_the_end_of_a_lost_log_reads_the_new_one(
    fresh_kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    broker = fresh_kafka_broker
    bus = KafkaBus(broker.bus_url(kafka_prefix), broker.bootstrap, prefix=kafka_prefix, partitions=PARTITIONS)
    await bus.start()
    try:
        topic = Topic.STUDENT_QUERIES.value
        consumer = bus.consumer("restart-reader", [topic])
        await consumer.start()
        # One key, one partition: 60 records read and committed.
        await bus.publish_many([(topic, "alice", f"old {i}".encode()) for i in range(60)])
        seen: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(seen) < 60 and time.monotonic() < deadline:
            records = await consumer.getmany(timeout=0.5)
            seen += [r.value for r in records]
            if records:
                await consumer.commit({records[-1].tp: records[-1].offset + 1})
        assert len(seen) == 60
        partition = records[-1].partition

        await asyncio.to_thread(broker.restart)  # every topic, record and offset is gone

        # The first publish after the restart finds the topic missing and creates it,
        # with the configured partitions, not the broker's default.
        deadline = time.monotonic() + 30
        while True:
            try:
                await bus.publish_many([(topic, "alice", f"new {i}".encode()) for i in range(5)])
                break
            except ConnectionError:
                assert time.monotonic() < deadline, "the bus did not publish again after the restart"
                await asyncio.sleep(0.5)
        counts = await broker_partitions(broker, [kafka_prefix + t.value for t in Topic])
        assert set(counts.values()) == {PARTITIONS}, counts

        # The consumer still stands at offset 60 of a log that now ends at 5: it must
        # move to the start of the new log, not wait for it to grow past 60.
        fresh: list[bytes] = []
        deadline = time.monotonic() + 40
        while len(set(fresh)) < 5 and time.monotonic() < deadline:
            records = await consumer.getmany(timeout=0.5)
            fresh += [r.value for r in records]
            for record in records:
                assert record.partition == partition
            if records:
                await consumer.commit({records[-1].tp: records[-1].offset + 1})
        # (At least once: Tansu keeps records sent to a topic it lost, so a copy may come twice.)
        assert list(dict.fromkeys(fresh)) == [f"new {i}".encode() for i in range(5)]
        # And it never commits an offset of the old log over the new one.
        assert await committed_past_the_end(bus, "restart-reader", [topic]) == {}
        await consumer.stop()
    finally:
        await bus.stop()


@pytest.mark.asyncio
async def test_commits_past_the_log_end_are_refused(
    fresh_kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    broker = fresh_kafka_broker
    bus = KafkaBus(broker.bus_url(kafka_prefix), broker.bootstrap, prefix=kafka_prefix, partitions=PARTITIONS)
    await bus.start()
    try:
        topic = Topic.STUDENT_QUERIES.value
        consumer = bus.consumer("commit-guard", [topic])
        await consumer.start()
        await bus.publish_many([(topic, "bob", f"r{i}".encode()) for i in range(3)])
        records = []
        deadline = time.monotonic() + 30
        while len(records) < 3 and time.monotonic() < deadline:
            records += await consumer.getmany(timeout=0.5)
        tp = records[-1].tp
        await consumer.commit({tp: 1000})  # beyond the high watermark (3)
        assert await committed_past_the_end(bus, "commit-guard", [topic]) == {}
        await consumer.commit({tp: 3})
        committed = await bus.lag("commit-guard")
        assert committed == 0
        await consumer.stop()
    finally:
        await bus.stop()


# -- the engine ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_query_is_answered_once_across_a_broker_restart(
    fresh_kafka_broker: KafkaBroker, store_url: str
) -> None:
    """Two runner replicas (one group) and a submitter on Kafka + the store; the broker
    restarts, losing its log, with queries in flight; queries are submitted before and
    after. Every query gets exactly one reply (the sweeper re-drives the lost ones)."""
    broker = fresh_kafka_broker
    prefix = f"r{uuid.uuid4().hex[:6]}."
    settings = Settings(
        bus_url=broker.bus_url(),
        db_url=store_url,
        auto_upgrade=True,
        topic_prefix=prefix,
        partitions=PARTITIONS,
        redrive_after=3.0,
        max_redrives=3,
    )
    engines = [Engine(settings, agents=[EchoAgent()]), Engine(settings, agents=[EchoAgent()])]
    first = engines[0]
    try:
        for engine in engines:
            await engine.start()
        assert first.bus is not None and first.store is not None

        async def submit(texts: list[str]) -> list[uuid.UUID]:
            batch = [(f"student-{i % 30}", StudentQuery(text=t)) for i, t in enumerate(texts)]
            return await asyncio.wait_for(first.submit_many(batch), 60)

        async def answered(ids: list[uuid.UUID], timeout: float) -> dict[uuid.UUID, int]:
            deadline = time.monotonic() + timeout
            while True:
                counts = {qid: len(first.store.get_replies(qid)) for qid in ids}
                if all(counts.values()) or time.monotonic() > deadline:
                    return counts
                await asyncio.sleep(0.5)

        # Before: long logs, offsets committed far along every partition.
        before = [f"before {i}" for i in range(600)]
        before_ids: list[uuid.UUID] = []
        for start in range(0, len(before), 100):
            before_ids += await submit(before[start : start + 100])
        counts = await answered(before_ids, 90)
        assert sum(1 for n in counts.values() if n) == len(before_ids)

        # In flight at the restart: acknowledged, maybe not consumed yet, then lost.
        inflight = [f"in flight {i}" for i in range(40)]
        inflight_ids = await submit(inflight)
        await asyncio.to_thread(broker.restart)

        # After: a new log far shorter than where the consumers stood.
        after = [f"after {i}" for i in range(60)]
        after_ids: list[uuid.UUID] = []
        for start in range(0, len(after), 10):
            after_ids += await submit(after[start : start + 10])
            await asyncio.sleep(0.3)

        ids = before_ids + inflight_ids + after_ids
        texts = dict(zip(ids, before + inflight + after, strict=True))
        counts = await answered(ids, 120)
        missing = [texts[qid] for qid, n in counts.items() if n == 0]
        assert missing == [], f"{len(missing)} queries never answered: {missing[:10]}"
        twice = [texts[qid] for qid, n in counts.items() if n > 1]
        assert twice == [], f"answered more than once: {twice[:10]}"
        for qid in inflight_ids + after_ids:
            (reply,) = first.store.get_replies(qid)
            assert reply.summary == texts[qid][::-1]

        # The topics came back with the configured partitions, not the broker's default.
        counts_by_topic = await broker_partitions(broker, [prefix + t.value for t in Topic])
        assert set(counts_by_topic.values()) == {PARTITIONS}, counts_by_topic
        # No runner committed an offset of the lost logs over the new ones.
        group = f"learnflow-{EchoAgent.name}"
        topics = [t.value for t in EchoAgent.topics]
        deadline = time.monotonic() + 10
        while (
            past := await committed_past_the_end(first.bus, group, topics)
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert past == {}
    finally:
        for engine in engines:
            await engine.stop()
