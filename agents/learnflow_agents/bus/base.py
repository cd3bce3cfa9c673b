"""The bus interface both implementations honour.

Semantics are Kafka's, so code tested in-process behaves the same on a cluster:
records are keyed by student id and ordered per key (one partition per key), each
consumer group sees every record once per group, offsets are committed explicitly
and only after the consumer's effects are stored, and anything not committed is
delivered again after a restart, a rebalance or a `seek`.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


class BusUnavailable(ConnectionError):  # noqa: N818 - reads as a state, like TimeoutError's peers
    """The broker cannot be reached; callers keep their outbox and retry later."""


@dataclass(frozen=True, slots=True)
class TopicPartition:
    topic: str  # logical topic name, without the configured prefix
    partition: int


@dataclass(frozen=True, slots=True)
class Record:
    topic: str  # logical topic name, without the configured prefix
    partition: int
    offset: int
    key: str | None
    value: bytes

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


class Consumer(ABC):
    """One member of a consumer group."""

    group: str

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None:
        """Leave the group without committing anything further."""

    @abstractmethod
    async def getmany(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        """Records from the assigned partitions, in offset order per partition."""

    @abstractmethod
    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit `offsets` (the offset of the next record to read, as in Kafka).

        A commit that cannot be made is dropped (logged), never raised: for a partition
        reassigned to another member (its new owner re-reads from the last committed
        offset) or while the broker is unreachable (a later commit covers it, or the
        records are delivered again). At-least-once consumers tolerate both.
        """

    @abstractmethod
    async def seek(self, tp: TopicPartition, offset: int) -> None:
        """Read `tp` again from `offset` (used to redeliver a record whose handler failed).

        Ignored for a partition this member no longer owns: its new owner reads it from
        the group's committed offset anyway.
        """

    @abstractmethod
    def assignment(self) -> set[TopicPartition]: ...

    def take_revoked(self) -> set[TopicPartition]:
        """Partitions taken from this member since the last call (a rebalance, maybe one
        that gave them back; or a log the broker lost, re-read from its start): what a
        caller tracked about them (fetched offsets, commit points) no longer holds. Records
        of them still being handled may finish; their offsets must not be committed.

        A consumer that cannot tell reports nothing.
        """
        return set()

    async def wait_positioned(self, timeout: float) -> bool:
        """Wait until this member has partitions and knows where it reads each from, so
        every record published afterwards reaches it (what a "latest" reader needs before
        it can promise anything). False if that took longer than `timeout` seconds.

        In-process consumers are positioned as soon as they start.
        """
        return True


class Bus(ABC):
    """A connection to the broker (or the in-process stand-in)."""

    url: str
    prefix: str

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def publish(self, topic: str, key: str | None, value: bytes) -> None:
        """Publish one record and wait for the broker's acknowledgement (acks=all)."""

    async def publish_many(self, records: Sequence[tuple[str, str | None, bytes]]) -> None:
        """Publish several records; returns once all are acknowledged."""
        for topic, key, value in records:
            await self.publish(topic, key, value)

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str], offset_reset: str = "earliest") -> Consumer:
        """A new, not yet started, member of consumer group `group`.

        `offset_reset` ("earliest" or "latest") applies where the group has no committed
        offset yet: agents read from the earliest, live-feed listeners from the latest.
        """

    @abstractmethod
    async def create_topics(self, partitions: int | None = None) -> list[str]:
        """Create every LearnFlow topic that does not exist yet; returns those created."""

    @abstractmethod
    async def lag(self, group: str) -> int:
        """Records not yet committed by `group`, summed over its topics' partitions."""
