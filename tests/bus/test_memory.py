"""What only the in-process bus has to get right: waking, rebalancing, bounded memory."""

import asyncio

import pytest
from aiokafka.partitioner import DefaultPartitioner
from learnflow_agents.bus import TopicPartition, create_bus
from learnflow_agents.bus.memory import MemoryBus
from learnflow_agents.bus.partitioner import partition_for
from learnflow_agents.contracts.topics import Topic, topic_specs

TOPIC = Topic.STUDENT_QUERIES.value


def test_keys_land_where_kafkas_default_partitioner_puts_them() -> None:
    partitioner = DefaultPartitioner()
    for count in (1, 6, 12, 13):
        partitions = list(range(count))
        for i in range(500):
            key = f"student-{i}-é"
            assert partition_for(key, count) == partitioner(key.encode("utf-8"), partitions, partitions)


@pytest.mark.asyncio
async def test_a_waiting_getmany_returns_as_soon_as_a_record_is_published() -> None:
    bus = MemoryBus()
    consumer = bus.consumer("g", [TOPIC])
    await consumer.start()
    waiting = asyncio.create_task(consumer.getmany(timeout=3600))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiting.done(), "getmany returned before anything was published"

    await bus.publish(TOPIC, "ana", b"hi")
    for _ in range(3):  # a few loop turns, no clock: an event wakes it, polling would not
        await asyncio.sleep(0)

    assert waiting.done()
    assert [r.value for r in waiting.result()] == [b"hi"]
    await bus.stop()


@pytest.mark.asyncio
async def test_getmany_gives_up_after_its_timeout_and_respects_max_records() -> None:
    bus = MemoryBus()
    consumer = bus.consumer("g", [TOPIC])
    await consumer.start()
    assert await consumer.getmany(timeout=0.01) == []
    await bus.publish_many([(TOPIC, "ana", b"%d" % i) for i in range(7)])
    first = await consumer.getmany(timeout=0, max_records=5)
    rest = await consumer.getmany(timeout=0, max_records=5)
    assert [r.value for r in first + rest] == [b"%d" % i for i in range(7)]
    assert (len(first), len(rest)) == (5, 2)
    await bus.stop()


@pytest.mark.asyncio
async def test_stopping_a_consumer_releases_its_waiting_getmany() -> None:
    bus = MemoryBus()
    consumer = bus.consumer("g", [TOPIC])
    await consumer.start()
    waiting = asyncio.create_task(consumer.getmany(timeout=3600))
    await asyncio.sleep(0)
    await consumer.stop()
    assert await asyncio.wait_for(waiting, 5) == []
    assert consumer.assignment() == set()


@pytest.mark.asyncio
async def test_partitions_are_spread_over_members_and_rebalanced_as_they_come_and_go() -> None:
    bus = MemoryBus(partitions=12)
    members = [bus.consumer("g", [TOPIC]) for _ in range(3)]
    for member in members:
        await member.start()
    held = [m.assignment() for m in members]
    assert [len(h) for h in held] == [4, 4, 4]
    assert set().union(*held) == {TopicPartition(TOPIC, p) for p in range(12)}

    await members[1].stop()
    assert [len(members[0].assignment()), len(members[2].assignment())] == [6, 6]
    await bus.stop()
    assert all(m.assignment() == set() for m in members)


@pytest.mark.asyncio
async def test_a_commit_for_a_partition_the_member_lost_is_ignored() -> None:
    bus = MemoryBus(partitions=2)
    first = bus.consumer("g", ["t"])
    await first.start()
    await bus.publish_many([("t", None, b"a"), ("t", None, b"b")])
    records = await first.getmany(timeout=0)
    assert len(records) == 2
    second = bus.consumer("g", ["t"])
    await second.start()
    lost = second.assignment()
    assert len(lost) == 1

    await first.commit({r.tp: r.offset + 1 for r in records})

    assert [r.tp for r in await second.getmany(timeout=0)] == list(lost), "its record comes again"
    assert await bus.lag("g") == 1
    await bus.stop()


@pytest.mark.asyncio
async def test_records_every_group_committed_past_are_dropped_from_memory() -> None:
    bus = MemoryBus(partitions=1)
    agent = bus.consumer("agent", ["t"])
    feed = bus.consumer("feed", ["t"], "latest")  # never commits, never re-reads: pins nothing
    await agent.start()
    await feed.start()
    await bus.publish_many([("t", "ana", b"%d" % i) for i in range(100)])
    records = await agent.getmany(timeout=0, max_records=1000)
    assert len(records) == 100

    await agent.commit({records[59].tp: 60})
    assert bus.retained("t") == 40

    # A group that would start from the log start keeps the rest until it commits.
    late = bus.consumer("late", ["t"])
    await late.start()
    await agent.commit({records[99].tp: 100})
    assert bus.retained("t") == 40
    seen = await late.getmany(timeout=0, max_records=1000)
    assert [r.offset for r in seen] == list(range(60, 100))
    await late.commit({seen[-1].tp: 100})
    assert bus.retained("t") == 0
    assert bus.end_offsets("t") == [100]  # offsets keep counting after a trim
    await bus.stop()


@pytest.mark.asyncio
async def test_a_partition_never_holds_more_than_its_cap() -> None:
    bus = MemoryBus(partitions=1, max_records_per_partition=10)
    await bus.publish_many([("t", "ana", b"%d" % i) for i in range(25)])
    assert bus.retained("t") == 10
    reader = bus.consumer("r", ["t"])
    await reader.start()
    got = await reader.getmany(timeout=0, max_records=100)
    assert [r.offset for r in got] == list(range(15, 25))
    await bus.stop()


@pytest.mark.asyncio
async def test_the_prefix_is_internal_and_records_carry_the_logical_topic() -> None:
    bus = create_bus("memory://?prefix=course-1.")
    assert bus.prefix == "course-1."
    consumer = bus.consumer("g", [TOPIC])
    await consumer.start()
    await bus.publish(TOPIC, "ana", b"x")
    [record] = await consumer.getmany(timeout=0)
    assert record.topic == TOPIC
    assert consumer.assignment() == {TopicPartition(TOPIC, p) for p in range(12)}
    await bus.stop()


@pytest.mark.asyncio
async def test_create_topics_uses_the_topic_specs_and_is_idempotent() -> None:
    bus = MemoryBus(partitions=12)
    assert await bus.create_topics(8) == [t.value for t in Topic]
    assert await bus.create_topics(8) == []
    specs = topic_specs(8)
    for topic in Topic:
        assert len(bus.end_offsets(topic.value)) == specs[topic].partitions
    # Implicitly created topics are sized like create_topics would size them.
    implicit = MemoryBus(partitions=12)
    await implicit.publish(Topic.AGENT_LOGS.value, "ana", b"x")
    assert len(implicit.end_offsets(Topic.AGENT_LOGS.value)) == topic_specs(12)[Topic.AGENT_LOGS].partitions


@pytest.mark.asyncio
async def test_misuse_is_refused_with_a_clear_error() -> None:
    bus = MemoryBus()
    with pytest.raises(ValueError, match="offset_reset"):
        bus.consumer("g", [TOPIC], "newest")
    consumer = bus.consumer("g", [TOPIC])
    with pytest.raises(RuntimeError, match="not started"):
        await consumer.getmany()
    with pytest.raises(TypeError, match="bytes"):
        await bus.publish(TOPIC, "ana", "text")  # type: ignore[arg-type]
    assert await bus.lag("unknown-group") == 0
    await bus.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        await bus.publish(TOPIC, "ana", b"x")
