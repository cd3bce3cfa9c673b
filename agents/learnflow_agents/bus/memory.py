"""`memory://`: an in-process broker with Kafka's semantics.

Used by the embedded engine (kernel or Jupyter server) and by tests. It behaves like
the Kafka bus on purpose, so code proven here holds on a cluster:

- a topic has N partitions; a key goes to the partition Kafka's default partitioner
  picks (murmur2), so one student's records stay in order;
- consumer groups spread partitions round-robin over their live members and rebalance
  when a member starts or stops; a partition that changes hands is read by its new
  owner from the group's committed offset, so nothing uncommitted is lost;
- offsets are committed per group, explicitly; `seek` rewinds one partition;
- a group with nothing committed starts at the log start ("earliest") or end ("latest").

State lives in one `MemoryBus` object: every component of a process must share the
same instance (two instances are two separate brokers).

Memory stays bounded in a long-running server: records every interested group has
committed past are dropped, and a partition never holds more than
`max_records_per_partition` records (the oldest go first, like Kafka's retention).
"""

import asyncio
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from learnflow_agents.bus.base import Bus, Consumer, Record, TopicPartition
from learnflow_agents.bus.partitioner import partition_for
from learnflow_agents.contracts.topics import topic_specs

log = logging.getLogger("learnflow.bus.memory")

OFFSET_RESETS = ("earliest", "latest")


@dataclass(slots=True)
class _Log:
    """One partition: records from offset `base` on (earlier ones were trimmed)."""

    base: int = 0
    records: list[Record] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.base + len(self.records)

    def drop_before(self, offset: int) -> None:
        count = min(offset, self.end) - self.base
        if count > 0:
            del self.records[:count]
            self.base += count


@dataclass(slots=True)
class _Group:
    name: str
    members: list["MemoryConsumer"] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    topics: set[str] = field(default_factory=set)
    owners: dict[TopicPartition, "MemoryConsumer"] = field(default_factory=dict)
    # A group that would re-read from the log start keeps its uncommitted records alive.
    reads_from_start: bool = False


class MemoryBus(Bus):
    def __init__(
        self,
        url: str = "memory://",
        prefix: str = "",
        partitions: int = 12,
        *,
        max_records_per_partition: int = 10_000,
    ) -> None:
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        if max_records_per_partition < 1:
            raise ValueError("max_records_per_partition must be at least 1")
        self.url = url
        self.prefix = prefix
        self.partitions = partitions
        self.max_records_per_partition = max_records_per_partition
        self._spec_partitions = {t.value: s.partitions for t, s in topic_specs(partitions).items()}
        self._logs: dict[str, list[_Log]] = {}  # keyed by the prefixed name
        self._groups: dict[str, _Group] = {}
        self._consumers: list[MemoryConsumer] = []
        self._round_robin = itertools.count()  # partition choice for records without a key
        self._capped: set[tuple[str, int]] = set()
        self._stopped = False

    # -- Bus ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._stopped:
            raise RuntimeError("a stopped MemoryBus cannot be restarted; create a new one")

    async def stop(self) -> None:
        """Stop every consumer of this bus: without the broker they have nothing to read."""
        self._stopped = True
        for consumer in list(self._consumers):
            await consumer.stop()

    async def publish(self, topic: str, key: str | None, value: bytes) -> None:
        self._append(topic, key, value)

    async def publish_many(self, records: Sequence[tuple[str, str | None, bytes]]) -> None:
        for topic, key, value in records:
            self._append(topic, key, value)

    def consumer(self, group: str, topics: Sequence[str], offset_reset: str = "earliest") -> "MemoryConsumer":
        if offset_reset not in OFFSET_RESETS:
            raise ValueError(f"offset_reset must be 'earliest' or 'latest', got {offset_reset!r}")
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        return MemoryConsumer(self, group, list(dict.fromkeys(topics)), offset_reset)

    async def create_topics(self, partitions: int | None = None) -> list[str]:
        """Create the LearnFlow topics not used yet; other topics appear on first use.

        `partitions` only applies to topics created by this call, as on a broker.
        """
        created = []
        for topic, spec in topic_specs(partitions or self.partitions).items():
            name = self.prefix + topic.value
            if name not in self._logs:
                self._logs[name] = [_Log() for _ in range(spec.partitions)]
                created.append(topic.value)
        return created

    async def lag(self, group: str) -> int:
        """Records after the group's committed offsets (from the log start where none)."""
        state = self._groups.get(group)
        if state is None:
            return 0
        total = 0
        for topic in state.topics:
            for partition, plog in enumerate(self._partitions(topic)):
                committed = state.committed.get(TopicPartition(topic, partition))
                total += max(0, plog.end - max(plog.base, committed if committed is not None else 0))
        return total

    # -- introspection (tests, diagnostics) --------------------------------------------

    def retained(self, topic: str) -> int:
        """How many records of `topic` are held in memory right now."""
        return sum(len(plog.records) for plog in self._logs.get(self.prefix + topic, []))

    def end_offsets(self, topic: str) -> list[int]:
        return [plog.end for plog in self._partitions(topic)]

    # -- internals ---------------------------------------------------------------------

    def _partitions(self, topic: str) -> list[_Log]:
        name = self.prefix + topic
        logs = self._logs.get(name)
        if logs is None:
            # Topics exist implicitly, like a broker with auto-creation, sized as
            # `create_topics` would size them.
            count = self._spec_partitions.get(topic, self.partitions)
            logs = self._logs[name] = [_Log() for _ in range(count)]
        return logs

    def _log(self, tp: TopicPartition) -> _Log:
        return self._partitions(tp.topic)[tp.partition]

    def _append(self, topic: str, key: str | None, value: bytes) -> None:
        if self._stopped:
            raise RuntimeError("MemoryBus is stopped")
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"record value must be bytes, got {type(value).__name__}")
        logs = self._partitions(topic)
        # Keyless records are spread round-robin (Kafka picks any partition for them).
        partition = next(self._round_robin) % len(logs) if key is None else partition_for(key, len(logs))
        plog = logs[partition]
        plog.records.append(Record(topic, partition, plog.end, key, bytes(value)))
        if len(plog.records) > self.max_records_per_partition:
            self._warn_capped(topic, partition)
            plog.drop_before(plog.end - self.max_records_per_partition)
        tp = TopicPartition(topic, partition)
        for group in self._groups.values():
            owner = group.owners.get(tp)
            if owner is not None:
                owner._wakeup.set()

    def _warn_capped(self, topic: str, partition: int) -> None:
        if (topic, partition) not in self._capped:
            self._capped.add((topic, partition))
            log.warning(
                "partition full: dropping its oldest records",
                extra={"topic": topic, "partition": partition, "limit": self.max_records_per_partition},
            )

    def _join(self, member: "MemoryConsumer") -> None:
        if self._stopped:
            raise RuntimeError("MemoryBus is stopped")
        group = self._groups.get(member.group)
        if group is None:
            group = self._groups[member.group] = _Group(member.group)
        group.members.append(member)
        group.topics.update(member.topics)
        group.reads_from_start |= member.offset_reset == "earliest"
        for topic in member.topics:
            self._partitions(topic)
        self._consumers.append(member)
        self._rebalance(group)

    def _leave(self, member: "MemoryConsumer") -> None:
        group = self._groups[member.group]
        group.members.remove(member)
        self._consumers.remove(member)
        self._rebalance(group)

    def _rebalance(self, group: _Group) -> None:
        """Round-robin over all the group's partitions, as Kafka's RoundRobinAssignor does."""
        assignment: dict[MemoryConsumer, set[TopicPartition]] = {m: set() for m in group.members}
        if group.members:
            members = itertools.cycle(group.members)
            topics = sorted({t for m in group.members for t in m.topics})
            for topic in topics:
                for partition in range(len(self._partitions(topic))):
                    owner = next(members)
                    while topic not in owner.topics:
                        owner = next(members)
                    assignment[owner].add(TopicPartition(topic, partition))
        group.owners = {tp: member for member, tps in assignment.items() for tp in tps}
        for member, tps in assignment.items():
            member._assign(tps)

    def _start_offset(self, member: "MemoryConsumer", tp: TopicPartition) -> int:
        plog = self._log(tp)
        committed = self._groups[member.group].committed.get(tp)
        if committed is not None:
            return max(committed, plog.base)
        return plog.base if member.offset_reset == "earliest" else plog.end

    def _commit(self, group_name: str, tp: TopicPartition, offset: int) -> None:
        self._groups[group_name].committed[tp] = offset
        self._trim(tp)

    def _trim(self, tp: TopicPartition) -> None:
        """Drop the records every group interested in the topic has committed past."""
        floor: int | None = None
        for group in self._groups.values():
            if tp.topic not in group.topics:
                continue
            committed = group.committed.get(tp)
            if committed is None:
                if group.reads_from_start:
                    return  # it would read this partition from the start: keep everything
                continue  # a "latest" group never goes back: it pins nothing
            floor = committed if floor is None else min(floor, committed)
        if floor is not None:
            self._log(tp).drop_before(floor)


class MemoryConsumer(Consumer):
    def __init__(self, bus: MemoryBus, group: str, topics: list[str], offset_reset: str) -> None:
        self.group = group
        self.topics = topics
        self.offset_reset = offset_reset
        self._bus = bus
        self._positions: dict[TopicPartition, int] = {}
        self._wakeup = asyncio.Event()
        self._state = "new"
        self._next_partition = 0  # where the next getmany starts, so no partition starves
        self._revoked: set[TopicPartition] = set()

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError("a consumer can be started once; create a new one")
        self._bus._join(self)
        self._state = "running"

    async def stop(self) -> None:
        if self._state != "running":
            self._state = "stopped"
            return
        self._state = "stopped"
        self._bus._leave(self)
        self._positions = {}
        self._wakeup.set()  # a getmany waiting right now returns at once

    async def getmany(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        if self._state == "new":
            raise RuntimeError("consumer is not started")
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            # Cleared before taking: a publish that lands after the take sets it again.
            self._wakeup.clear()
            records = self._take(max_records)
            if records or self._state != "running":
                return records
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                async with asyncio.timeout(remaining):
                    await self._wakeup.wait()
            except TimeoutError:
                return self._take(max_records) if self._state == "running" else []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit; offsets of partitions this member no longer owns are dropped.

        Their new owner reads them from the group's last committed offset, exactly as
        Kafka rejects a commit from a member whose partitions were reassigned.
        """
        for tp, offset in offsets.items():
            if tp in self._positions:
                self._bus._commit(self.group, tp, offset)

    async def seek(self, tp: TopicPartition, offset: int) -> None:
        if offset < 0:
            raise ValueError("offset must be >= 0")
        if tp in self._positions:  # a revoked partition is re-read by its new owner anyway
            self._positions[tp] = offset
            self._wakeup.set()

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    def take_revoked(self) -> set[TopicPartition]:
        """Partitions taken from this member since the last call (a rebalance, maybe one
        that gave them back; or a log the broker lost, re-read from its start): what a
        caller tracked about them (fetched offsets, commit points) no longer holds, and
        their records come again from the group's committed offset (or the log start).
        Records of them still being handled may finish; their offsets must not be
        committed."""
        revoked, self._revoked = self._revoked, set()
        return revoked

    # -- called by the bus -------------------------------------------------------------

    def _assign(self, tps: set[TopicPartition]) -> None:
        # A partition kept through a rebalance keeps its position (no needless
        # redelivery); a new one starts from the group's committed offset.
        old = self._positions
        self._revoked |= set(old) - tps
        self._positions = {
            tp: old[tp] if tp in old else self._bus._start_offset(self, tp)
            for tp in sorted(tps, key=lambda tp: (tp.topic, tp.partition))
        }
        self._wakeup.set()

    def _take(self, max_records: int) -> list[Record]:
        tps = list(self._positions)
        if not tps:
            return []
        out: list[Record] = []
        start = self._next_partition % len(tps)
        self._next_partition = start + 1
        for tp in itertools.islice(itertools.cycle(tps), start, start + len(tps)):
            room = max_records - len(out)
            if room <= 0:
                break
            plog = self._bus._log(tp)
            position = max(self._positions[tp], plog.base)  # the oldest may have been capped away
            index = position - plog.base
            chunk = plog.records[index : index + room]
            if chunk:
                out.extend(chunk)
                self._positions[tp] = position + len(chunk)
        return out
