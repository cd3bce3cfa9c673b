"""One member of a Kafka consumer group, behind the bus's `Consumer` interface."""

import asyncio
import logging
from typing import TYPE_CHECKING

import aiokafka.errors as kafka_errors
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition as KafkaTP

from learnflow_agents.bus.base import BusUnavailable, Consumer, Record, TopicPartition
from learnflow_agents.bus.kafka_support import REASSIGNED, is_unavailable

if TYPE_CHECKING:
    from learnflow_agents.bus.kafka import KafkaBus

log = logging.getLogger("learnflow.bus.kafka")


class KafkaConsumer(Consumer):
    def __init__(self, bus: "KafkaBus", group: str, topics: list[str], offset_reset: str) -> None:
        self.group = group
        self.topics = topics
        self.offset_reset = offset_reset
        self._bus = bus
        self._consumer: AIOKafkaConsumer | None = None
        self._state = "new"
        self._positioned: set[KafkaTP] = set()

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError("a consumer can be started once; create a new one")
        bus = self._bus
        if bus._stopped:
            raise RuntimeError("KafkaBus is stopped")
        # Subscribing makes some brokers auto-create missing topics with their own
        # defaults; create them properly first.
        await bus._ensure_topics()
        consumer = AIOKafkaConsumer(**bus._consumer_options(self.group, self.offset_reset))
        try:
            # Without topics, start() only connects; given topics it would also wait
            # for the first group join, which takes seconds (a broker's initial
            # rebalance delay) and would serialise the start of every agent.
            await asyncio.wait_for(consumer.start(), bus.request_timeout)
        except Exception as err:
            bus._close_in_background(consumer.stop)
            if is_unavailable(err):
                raise BusUnavailable(await bus._why_unreachable(err)) from err
            raise
        consumer.subscribe(topics=[bus.prefix + topic for topic in self.topics])  # joins in the background
        self._consumer = consumer
        self._state = "running"
        bus._consumers.add(self)

    async def stop(self) -> None:
        consumer, state = self._consumer, self._state
        self._state = "stopped"
        if state != "running" or consumer is None:
            return
        self._bus._consumers.discard(self)
        try:
            # Leaves the group without committing (auto-commit is off).
            await asyncio.wait_for(consumer.stop(), self._bus.request_timeout)
        except Exception as err:  # the broker may be gone; nothing to save
            log.warning("consumer did not stop cleanly", extra={"group": self.group, "error": repr(err)})

    async def getmany(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        if self._state == "new":
            raise RuntimeError("consumer is not started")
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        consumer = self._consumer
        if self._state != "running" or consumer is None:
            return []
        try:
            await self._resolve_positions(consumer, timeout)
            batches = await consumer.getmany(timeout_ms=max(0, int(timeout * 1000)), max_records=max_records)
        except kafka_errors.ConsumerStoppedError:
            return []
        prefix_len = len(self._bus.prefix)
        return [
            Record(
                topic=tp.topic[prefix_len:],
                partition=msg.partition,
                offset=msg.offset,
                key=msg.key.decode("utf-8", "replace") if msg.key is not None else None,
                value=msg.value if msg.value is not None else b"",
            )
            for tp, messages in batches.items()
            for msg in messages
        ]

    async def _resolve_positions(self, consumer: AIOKafkaConsumer, timeout: float) -> None:
        """Fix the start position of newly assigned partitions now, not at some later fetch.

        aiokafka looks up a "latest" position lazily; resolving it here gives the same
        rule as the in-process bus: once `getmany` has returned with a partition
        assigned, every record published afterwards is delivered.
        """
        assigned = consumer.assignment()
        fresh = assigned - self._positioned
        self._positioned = set(assigned)
        if not fresh:
            return
        try:
            await asyncio.wait_for(
                asyncio.gather(*(consumer.position(tp) for tp in fresh)), max(timeout, 0.1)
            )
        except (TimeoutError, kafka_errors.KafkaError) as err:
            # Revoked meanwhile or broker gone: the next rebalance resolves them again.
            self._positioned -= fresh
            log.debug("positions not resolved yet", extra={"group": self.group, "error": repr(err)})

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit exactly `offsets`; see `Consumer.commit` for when one is dropped."""
        consumer = self._consumer
        if self._state != "running" or consumer is None or not offsets:
            return
        assigned = consumer.assignment()
        wanted = {
            KafkaTP(self._bus.prefix + tp.topic, tp.partition): offset for tp, offset in offsets.items()
        }
        owned = {tp: offset for tp, offset in wanted.items() if tp in assigned}
        if len(owned) < len(wanted):
            log.info("commit skipped for reassigned partitions", extra={"group": self.group})
        if not owned:
            return
        try:
            await asyncio.wait_for(consumer.commit(owned), self._bus.request_timeout)
        except REASSIGNED as err:
            log.info("commit rejected after a rebalance", extra={"group": self.group, "error": repr(err)})
        except Exception as err:
            if not is_unavailable(err):
                raise
            log.warning("commit failed: broker unreachable", extra={"group": self.group, "error": repr(err)})

    async def seek(self, tp: TopicPartition, offset: int) -> None:
        if offset < 0:
            raise ValueError("offset must be >= 0")
        consumer = self._consumer
        if self._state != "running" or consumer is None:
            return
        kafka_tp = KafkaTP(self._bus.prefix + tp.topic, tp.partition)
        if kafka_tp in consumer.assignment():  # a revoked partition is re-read by its new owner anyway
            consumer.seek(kafka_tp, offset)

    async def wait_positioned(self, timeout: float) -> bool:
        # The group join runs in the background and `getmany` (the owner's poll loop)
        # resolves positions; this only watches for both to have happened.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            consumer = self._consumer
            if self._state != "running" or consumer is None:
                return False
            assigned = consumer.assignment()
            if assigned and assigned <= self._positioned:
                return True
            await asyncio.sleep(0.05)
        return False

    def assignment(self) -> set[TopicPartition]:
        consumer = self._consumer
        if self._state != "running" or consumer is None:
            return set()
        prefix = self._bus.prefix
        return {
            TopicPartition(tp.topic[len(prefix) :], tp.partition)
            for tp in consumer.assignment()
            if tp.topic.startswith(prefix)
        }
