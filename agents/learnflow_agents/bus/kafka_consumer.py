"""One member of a Kafka consumer group, behind the bus's `Consumer` interface.

A broker that lost its log (Tansu with memory storage after a restart, a topic deleted
and created again, an unclean leader election) leaves a consumer's position, and maybe
the group's committed offset, past the end of the new, short log. Kafka answers a fetch
there with OFFSET_OUT_OF_RANGE and aiokafka applies `auto_offset_reset`; Tansu answers
with no records, no error and the (lower) high watermark, so aiokafka would wait at the
old position until the new log grew past it, skipping everything before. This consumer
therefore checks every assigned partition's position against the high watermark of the
last fetch and moves a position past it to the start of the log (every record there was
written after the loss), and never commits an offset past the high watermark. Partitions
revoked by a rebalance, or moved like that, are reported by `take_revoked`, so callers
drop what they tracked about them.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

import aiokafka.errors as kafka_errors
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.structs import TopicPartition as KafkaTP

from learnflow_agents.bus.base import BusUnavailable, Consumer, Record, TopicPartition
from learnflow_agents.bus.kafka_support import REASSIGNED, forbid_auto_create, is_unavailable

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
        self._revoked: set[TopicPartition] = set()
        self.resets = 0  # positions found past the log end and moved to its start
        self._metadata_asked = float("-inf")

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
        forbid_auto_create(consumer._client)
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
        # Joins in the background.
        consumer.subscribe(topics=[bus.prefix + topic for topic in self.topics], listener=_Listener(self))
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
            await self._reset_past_end(consumer)
            batches = await consumer.getmany(timeout_ms=max(0, int(timeout * 1000)), max_records=max_records)
        except kafka_errors.ConsumerStoppedError:
            return []
        self._check_topics(consumer)
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

    async def _reset_past_end(self, consumer: AIOKafkaConsumer) -> None:
        """Move a position past its partition's high watermark to the log start."""
        past_end: list[KafkaTP] = []
        subscription = consumer._subscription.subscription
        if subscription is None or subscription.assignment is None:
            return
        for tp in consumer.assignment():
            high_watermark = consumer.highwater(tp)
            if high_watermark is None:
                continue  # not fetched since it was assigned
            state = subscription.assignment.state_value(tp)
            if state is None or not state.has_valid_position:
                continue  # being reset or looked up: aiokafka is on it
            if state.position > high_watermark:
                past_end.append(tp)
        if not past_end:
            return
        prefix_len = len(self._bus.prefix)
        log.warning(
            "positions past the log end (the broker lost records): reading from the log start",
            extra={
                "group": self.group,
                "partitions": [
                    f"{tp.topic[prefix_len:]}[{tp.partition}] at {consumer.highwater(tp)}" for tp in past_end
                ],
            },
        )
        self.resets += len(past_end)
        self._revoked.update(TopicPartition(tp.topic[prefix_len:], tp.partition) for tp in past_end)
        try:
            # Requests the reset and waits for it (bounded: the next turn fetches anyway).
            await asyncio.wait_for(consumer.seek_to_beginning(*past_end), self._bus.request_timeout)
        except (kafka_errors.IllegalStateError, AssertionError):
            pass  # revoked meanwhile: the new owner reads from the committed offset
        except (TimeoutError, kafka_errors.KafkaError) as err:
            log.debug("reset to the log start not confirmed yet", extra={"error": repr(err)})

    def _check_topics(self, consumer: AIOKafkaConsumer) -> None:
        """A subscribed topic missing from the broker's metadata (it lost it): have the
        bus create it again, with its configured partitions, rather than wait forever,
        and look again every second (aiokafka alone would only after
        `metadata_max_age`, five minutes, and then join the group without it)."""
        cluster = consumer._client.cluster
        if not cluster.brokers():
            return
        known = cluster.topics()
        prefix = self._bus.prefix
        if all(prefix + topic in known for topic in self.topics):
            return
        self._bus.restore_topics_soon()
        now = asyncio.get_running_loop().time()
        if now - self._metadata_asked >= 1.0:
            self._metadata_asked = now
            consumer._client.force_metadata_update()

    def take_revoked(self) -> set[TopicPartition]:
        """Partitions taken from this member since the last call (a rebalance, maybe one
        that gave them back; or a log the broker lost, re-read from its start): what a
        caller tracked about them (fetched offsets, commit points) no longer holds, and
        their records come again from the group's committed offset (or the log start).
        Records of them still being handled may finish; their offsets must not be
        committed. (The runner reads this; `Consumer` in base.py does not declare it yet.)"""
        revoked, self._revoked = self._revoked, set()
        return revoked

    def _on_revoked(self, revoked: set[KafkaTP]) -> None:
        prefix_len = len(self._bus.prefix)
        self._revoked.update(TopicPartition(tp.topic[prefix_len:], tp.partition) for tp in revoked)
        # Their position is looked up again when they come back.
        self._positioned -= set(revoked)

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
        # Never past the log end: an offset above the high watermark belongs to a log the
        # broker no longer has, and committing it would make the group skip the new one.
        beyond = {tp: offset for tp, offset in owned.items() if _past_end(offset, consumer.highwater(tp))}
        if beyond:
            log.warning(
                "commit skipped: offsets past the log end",
                extra={
                    "group": self.group,
                    "offsets": {f"{tp.topic}[{tp.partition}]": o for tp, o in beyond.items()},
                },
            )
            owned = {tp: offset for tp, offset in owned.items() if tp not in beyond}
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


def _past_end(offset: int, high_watermark: int | None) -> bool:
    # No high watermark yet: nothing fetched under this assignment, nothing to compare.
    return high_watermark is not None and offset > high_watermark


class _Listener(ConsumerRebalanceListener):
    """Tells the consumer which partitions a rebalance took away (maybe to give back)."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer

    def on_partitions_revoked(self, revoked: set[KafkaTP]) -> None:
        self._consumer._on_revoked(set(revoked))

    def on_partitions_assigned(self, assigned: set[KafkaTP]) -> None:
        pass
