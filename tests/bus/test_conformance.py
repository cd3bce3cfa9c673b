"""One behaviour, two buses: every test runs on `memory://` and on the real broker."""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable

import pytest
import pytest_asyncio
from learnflow_agents.bus import Bus, Consumer, Record, TopicPartition, create_bus
from learnflow_agents.bus.partitioner import partition_for
from learnflow_agents.contracts.topics import Topic

from tests.fixtures.kafka_broker import KafkaBroker

TOPIC = Topic.STUDENT_QUERIES.value  # 12 partitions on both buses
PARTITIONS = 12
ALL_TPS = {TopicPartition(TOPIC, p) for p in range(PARTITIONS)}
GIVE_UP = 30.0  # seconds before a wait is declared a failure instead of hanging


@pytest.fixture(params=["memory", "kafka"])
def bus_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    broker: KafkaBroker = request.getfixturevalue("kafka_broker")
    prefix: str = request.getfixturevalue("kafka_prefix")
    return broker.bus_url(prefix)


@pytest_asyncio.fixture
async def bus(bus_url: str) -> AsyncIterator[Bus]:
    instance = create_bus(bus_url, partitions=PARTITIONS)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


def group_name() -> str:
    return f"g-{uuid.uuid4().hex[:8]}"


def ids(records: Iterable[Record]) -> set[tuple[TopicPartition, int]]:
    return {(r.tp, r.offset) for r in records}


async def drain(consumer: Consumer, count: int) -> list[Record]:
    """Read until `count` records arrived, then make sure nothing else is pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GIVE_UP
    records: list[Record] = []
    while len(records) < count and loop.time() < deadline:
        records += await consumer.getmany(timeout=0.5)
    records += await consumer.getmany(timeout=0.3)
    return records


async def settle(consumers: list[Consumer], tps: set[TopicPartition]) -> None:
    """Wait until the live members split `tps` between them, each holding some."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GIVE_UP
    while loop.time() < deadline:
        held = [c.assignment() for c in consumers]
        disjoint = sum(len(h) for h in held) == len(set().union(*held))
        if all(held) and disjoint and set().union(*held) == tps:
            for consumer in consumers:  # positions are fixed once a getmany returned
                assert await consumer.getmany(timeout=0.1) == []
            return
        for consumer in consumers:
            assert await consumer.getmany(timeout=0.1) == [], "no records were published yet"
    pytest.fail(f"group never settled: {[sorted(c.assignment(), key=str) for c in consumers]}")


def next_offsets(records: Iterable[Record]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        offsets[r.tp] = max(offsets.get(r.tp, 0), r.offset + 1)
    return offsets


@pytest.mark.asyncio
async def test_round_trip_keeps_topic_key_value_and_uses_kafkas_partitioner(bus: Bus) -> None:
    consumer = bus.consumer(group_name(), [TOPIC])
    await consumer.start()
    await bus.publish(TOPIC, "ana", b"first")
    await bus.publish(TOPIC, "bob", b"second")
    await bus.publish(TOPIC, "ana", "dritte ü".encode())

    records = await drain(consumer, 3)

    assert sorted((r.key, r.value) for r in records) == sorted(
        [("ana", b"first"), ("bob", b"second"), ("ana", "dritte ü".encode())]
    )
    assert {r.topic for r in records} == {TOPIC}  # the prefix never leaks
    for r in records:
        assert r.key is not None
        assert r.partition == partition_for(r.key, PARTITIONS)
    ana = [r for r in records if r.key == "ana"]
    assert [r.value for r in sorted(ana, key=lambda r: r.offset)] == [b"first", "dritte ü".encode()]
    await consumer.stop()


@pytest.mark.asyncio
async def test_each_students_records_arrive_in_order_across_12_partitions(bus: Bus) -> None:
    students = [f"student-{i}" for i in range(50)]
    # Interleaved, as concurrent students would send them.
    batch = [(TOPIC, s, f"{s}:{seq}".encode()) for seq in range(20) for s in students]
    consumer = bus.consumer(group_name(), [TOPIC])
    await consumer.start()
    await bus.publish_many(batch)

    records = await drain(consumer, len(batch))

    assert len(records) == len(batch)
    sequences: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for r in records:
        student, seq = r.value.decode().split(":")
        assert r.key == student
        sequences[student].append(int(seq))
        partitions[student].add(r.partition)
    assert all(sequences[s] == list(range(20)) for s in students), "a student's messages were reordered"
    assert all(len(p) == 1 for p in partitions.values()), "one student's messages spread over partitions"
    assert {r.partition for r in records} == set(range(PARTITIONS))
    await consumer.stop()


@pytest.mark.asyncio
async def test_a_group_shares_partitions_and_the_survivor_takes_over_uncommitted_records(bus: Bus) -> None:
    group = group_name()
    first = bus.consumer(group, [TOPIC])
    second = bus.consumer(group, [TOPIC])
    await first.start()
    await second.start()
    await settle([first, second], ALL_TPS)
    held_first, held_second = first.assignment(), second.assignment()

    await bus.publish_many([(TOPIC, f"student-{i % 40}", f"m{i}".encode()) for i in range(120)])
    got_first: list[Record] = []
    got_second: list[Record] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GIVE_UP
    while len(got_first) + len(got_second) < 120 and loop.time() < deadline:
        got_first += await first.getmany(timeout=0.2)
        got_second += await second.getmany(timeout=0.2)

    assert len(got_first) + len(got_second) == 120
    assert got_first and got_second, "both members must get work"
    assert {r.tp for r in got_first} <= held_first
    assert {r.tp for r in got_second} <= held_second

    await first.commit(next_offsets(got_first))
    await second.stop()  # dies without committing anything

    redelivered = await drain(first, len(got_second))

    assert first.assignment() == ALL_TPS
    assert ids(redelivered) == ids(got_second)
    assert len(redelivered) == len(got_second), "duplicates, or committed records read again"
    await first.stop()


@pytest.mark.asyncio
async def test_every_group_gets_every_record(bus: Bus) -> None:
    readers = [bus.consumer(group_name(), [TOPIC]) for _ in range(2)]
    for reader in readers:
        await reader.start()
    await bus.publish_many([(TOPIC, f"s{i % 7}", f"v{i}".encode()) for i in range(40)])

    results = [await drain(reader, 40) for reader in readers]

    assert len(results[0]) == len(results[1]) == 40
    assert ids(results[0]) == ids(results[1])
    for reader in readers:
        await reader.stop()


@pytest.mark.asyncio
async def test_a_new_member_resumes_after_the_committed_offsets(bus: Bus) -> None:
    group = group_name()
    first = bus.consumer(group, [TOPIC])
    await first.start()
    await bus.publish_many([(TOPIC, f"s{i % 10}", f"v{i}".encode()) for i in range(40)])
    records = await drain(first, 40)
    assert len(records) == 40
    by_tp: dict[TopicPartition, list[Record]] = defaultdict(list)
    for r in records:
        by_tp[r.tp].append(r)
    # Commit the first half of each partition: "the next record to read" is the middle one.
    committed = {tp: recs[len(recs) // 2].offset for tp, recs in by_tp.items()}
    await first.commit(committed)
    await first.stop()

    second = bus.consumer(group, [TOPIC])
    await second.start()
    expected = {(r.tp, r.offset) for r in records if r.offset >= committed[r.tp]}
    resumed = await drain(second, len(expected))

    assert ids(resumed) == expected
    assert len(resumed) == len(expected)
    await second.stop()


@pytest.mark.asyncio
async def test_seek_delivers_a_partition_again_from_an_offset(bus: Bus) -> None:
    consumer = bus.consumer(group_name(), [TOPIC])
    await consumer.start()
    await bus.publish_many([(TOPIC, "ana", f"v{i}".encode()) for i in range(10)])
    records = await drain(consumer, 10)
    assert [r.value for r in records] == [f"v{i}".encode() for i in range(10)]

    await consumer.seek(records[3].tp, records[3].offset)
    again = await drain(consumer, 7)

    assert [r.value for r in again] == [f"v{i}".encode() for i in range(3, 10)]
    assert [r.offset for r in again] == [r.offset for r in records[3:]]
    await consumer.stop()


@pytest.mark.asyncio
async def test_offset_reset_earliest_reads_history_and_latest_only_new_records(bus: Bus) -> None:
    # One publish per record: Tansu answers "latest" with the last batch's base
    # offset + 1, so a multi-record batch would leak into a "latest" reader there.
    for i in range(5):
        await bus.publish(TOPIC, f"s{i}", f"old{i}".encode())
    earliest = bus.consumer(group_name(), [TOPIC], "earliest")
    latest = bus.consumer(group_name(), [TOPIC], "latest")
    await latest.start()
    await settle([latest], ALL_TPS)
    await earliest.start()

    await bus.publish_many([(TOPIC, f"s{i}", f"new{i}".encode()) for i in range(3)])

    from_start = await drain(earliest, 8)
    from_now = await drain(latest, 3)
    assert sorted(r.value for r in from_start) == sorted(
        [f"old{i}".encode() for i in range(5)] + [f"new{i}".encode() for i in range(3)]
    )
    assert sorted(r.value for r in from_now) == [b"new0", b"new1", b"new2"]
    await earliest.stop()
    await latest.stop()


@pytest.mark.asyncio
async def test_lag_counts_what_the_group_has_not_committed(bus: Bus) -> None:
    group = group_name()
    consumer = bus.consumer(group, [TOPIC])
    await consumer.start()
    # One batch: Kafka's answer must be exact even for multi-record batches.
    await bus.publish_many([(TOPIC, f"s{i % 10}", f"v{i}".encode()) for i in range(30)])

    assert await bus.lag(group) == 30
    records = await drain(consumer, 30)
    assert len(records) == 30
    offsets = next_offsets(records)
    some = dict(sorted(offsets.items(), key=lambda item: item[0].partition)[:2])
    await consumer.commit(some)
    assert await bus.lag(group) == 30 - sum(1 for r in records if r.tp in some)

    await consumer.commit(offsets)
    assert await bus.lag(group) == 0
    await consumer.stop()


@pytest.mark.asyncio
async def test_a_positioned_latest_reader_gets_everything_published_afterwards(bus: Bus) -> None:
    """What the engine's event feed relies on: once positioned, nothing published is missed."""
    consumer = bus.consumer(group_name(), [TOPIC], "latest")
    await consumer.start()
    received: list[Record] = []

    async def poll() -> None:  # the owner's loop, as the engine's feed runs it
        while True:
            received.extend(await consumer.getmany(timeout=0.2))

    polling = asyncio.create_task(poll())
    try:
        assert await consumer.wait_positioned(GIVE_UP)
        assert consumer.assignment() == ALL_TPS
        await bus.publish_many([(TOPIC, f"student-{i}", b"after") for i in range(24)])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GIVE_UP
        while len(received) < 24 and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert len(received) == 24 and {r.value for r in received} == {b"after"}
    finally:
        polling.cancel()
        await consumer.stop()
