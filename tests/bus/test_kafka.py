"""What only the Kafka bus does: topic creation, the wire format, broker outages."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition as KafkaTP
from learnflow_agents.bus import BusUnavailable, Record, create_bus
from learnflow_agents.bus.kafka import KafkaBus
from learnflow_agents.bus.partitioner import partition_for
from learnflow_agents.contracts.topics import Topic, topic_specs

from tests.fixtures.kafka_broker import KafkaBroker, free_port

pytestmark = pytest.mark.kafka


async def partition_counts(bootstrap: str, names: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {entry["topic"]: len(entry["partitions"]) for entry in described}


async def topic_names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def read_raw(
    bootstrap: str, topic: str, partition: int, count: int
) -> list[tuple[bytes | None, bytes]]:
    """Records as they are on the broker, read without a group or the bus."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = KafkaTP(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, 0)
        found: list[tuple[bytes | None, bytes]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(found) < count and loop.time() < deadline:
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                found += [(m.key, m.value) for m in messages]
        return found
    finally:
        await consumer.stop()


@pytest.mark.asyncio
async def test_create_topics_makes_the_eleven_topics_with_their_partitions_once(
    kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    bus = KafkaBus(
        url=kafka_broker.url, bootstrap=kafka_broker.bootstrap, prefix=kafka_prefix, auto_create_topics=False
    )
    try:
        await bus.start()
        assert not {n for n in await topic_names(kafka_broker.bootstrap) if n.startswith(kafka_prefix)}

        created = await bus.create_topics(8)

        assert created == [t.value for t in Topic]
        assert len(created) == 11
        names = [kafka_prefix + t.value for t in Topic]
        counts = await partition_counts(kafka_broker.bootstrap, names)
        assert counts == {kafka_prefix + t.value: spec.partitions for t, spec in topic_specs(8).items()}
        assert counts[kafka_prefix + Topic.STUDENT_QUERIES.value] == 8
        assert counts[kafka_prefix + Topic.AGENT_LOGS.value] == 6
        assert await bus.create_topics(8) == []
    finally:
        await bus.stop()


@pytest.mark.asyncio
async def test_start_creates_the_topics_with_the_bus_partitions(
    kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    bus = create_bus(kafka_broker.url, prefix=kafka_prefix, partitions=12)
    try:
        await bus.start()
        counts = await partition_counts(kafka_broker.bootstrap, [kafka_prefix + t.value for t in Topic])
        assert counts[kafka_prefix + Topic.DEBUG_REQUESTS.value] == 12
        assert await bus.create_topics() == []
    finally:
        await bus.stop()


@pytest.mark.asyncio
async def test_records_on_the_broker_have_the_prefix_and_the_utf8_student_key(
    kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    bus = create_bus(kafka_broker.url, prefix=kafka_prefix)
    student = "élève-7"
    try:
        await bus.start()
        await bus.publish(Topic.STUDENT_QUERIES.value, student, b'{"hello": 1}')
        await bus.publish_many([(Topic.STUDENT_QUERIES.value, student, b"two")])
    finally:
        await bus.stop()

    partition = partition_for(student, 12)
    found = await read_raw(kafka_broker.bootstrap, kafka_prefix + Topic.STUDENT_QUERIES.value, partition, 2)
    assert found == [(student.encode("utf-8"), b'{"hello": 1}'), (student.encode("utf-8"), b"two")]


@pytest.mark.asyncio
async def test_lag_of_a_group_another_process_runs_counts_its_committed_partitions(
    kafka_broker: KafkaBroker, kafka_prefix: str
) -> None:
    url = kafka_broker.bus_url(kafka_prefix)
    worker_bus, observer_bus = create_bus(url), create_bus(url)
    try:
        await worker_bus.start()
        await observer_bus.start()
        topic = Topic.DEBUG_REQUESTS.value
        await worker_bus.publish_many([(topic, "ana", f"v{i}".encode()) for i in range(6)])
        worker = worker_bus.consumer("debug", [topic])
        await worker.start()
        records: list[Record] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(records) < 6 and loop.time() < deadline:
            records += await worker.getmany(timeout=0.5)
        assert len(records) == 6
        await worker.commit({records[0].tp: records[1].offset + 1})

        # The observer made no consumer for "debug": it finds its topics by their commits.
        assert await observer_bus.lag("debug") == 4
        assert await observer_bus.lag("nobody") == 0
    finally:
        await worker_bus.stop()
        await observer_bus.stop()


@pytest.mark.asyncio
async def test_an_unreachable_broker_raises_bus_unavailable_quickly_and_clearly() -> None:
    port = free_port()  # nothing listens here
    bus = create_bus(f"kafka://127.0.0.1:{port}?request_timeout=1")
    with pytest.raises(BusUnavailable, match=f"127.0.0.1:{port}"):
        await bus.start()
    with pytest.raises(BusUnavailable):
        await bus.publish(Topic.STUDENT_QUERIES.value, "ana", b"x")
    with pytest.raises(BusUnavailable):
        await bus.publish_many([(Topic.STUDENT_QUERIES.value, "ana", b"x")])
    with pytest.raises(BusUnavailable):
        await bus.consumer("g", [Topic.STUDENT_QUERIES.value]).start()
    with pytest.raises(BusUnavailable):
        await bus.lag("g")
    await bus.stop()


@pytest.mark.asyncio
async def test_publish_works_again_after_the_broker_restarts(fresh_kafka_broker: KafkaBroker) -> None:
    prefix = f"r{uuid.uuid4().hex[:6]}."
    topic = Topic.STUDENT_QUERIES.value
    bus = create_bus(fresh_kafka_broker.bus_url(prefix, request_timeout="2"))
    try:
        await bus.start()
        await bus.publish(topic, "ana", b"before")

        fresh_kafka_broker.stop()
        with pytest.raises(BusUnavailable):
            await bus.publish(topic, "ana", b"during")
        with pytest.raises(BusUnavailable):  # fails fast now: the producer was dropped
            await bus.publish_many([(topic, "bob", b"during")])

        fresh_kafka_broker.start()
        await bus.publish(topic, "ana", b"after")

        # The broker lost its topics (memory storage); the bus created them again, properly.
        counts = await partition_counts(fresh_kafka_broker.bootstrap, [prefix + topic])
        assert counts == {prefix + topic: 12}
        reader = bus.consumer("reader", [topic])
        await reader.start()
        got: list[Record] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not got and loop.time() < deadline:
            got += await reader.getmany(timeout=0.5)
        assert [(r.key, r.value) for r in got] == [("ana", b"after")]
    finally:
        await bus.stop()


def test_tuning_options_come_from_the_url_and_typos_are_rejected() -> None:
    bus = create_bus(
        "kafka://a:1,b:2?prefix=lf.&partitions=6&session_timeout=6&heartbeat_interval=0.5&auto_create_topics=no"
    )
    assert isinstance(bus, KafkaBus)
    assert (bus.prefix, bus.partitions, bus.session_timeout, bus.heartbeat_interval) == ("lf.", 6, 6.0, 0.5)
    assert bus.auto_create_topics is False
    assert bus.bootstrap == "a:1,b:2"
    with pytest.raises(ValueError, match="sesion_timeout"):
        create_bus("kafka://a:1?sesion_timeout=6")
    with pytest.raises(ValueError, match="heartbeat_interval"):
        create_bus("kafka://a:1?session_timeout=1&heartbeat_interval=2")
    with pytest.raises(ValueError, match="request_timeout"):
        create_bus("kafka://a:1?request_timeout=soon")
