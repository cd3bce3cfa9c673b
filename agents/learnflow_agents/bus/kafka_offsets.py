"""Log start and end offsets of partitions, read straight from the partition leaders.

The end offset is the high watermark taken from a Fetch response, not only the
ListOffsets answer: some Kafka-protocol brokers (Tansu 0.6, used in the tests) answer
ListOffsets "latest" with the base offset of the last record batch plus one, which is
short by the batch's size. A short Fetch at that offset returns the true high
watermark on every broker and costs at most one batch.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterable

import aiokafka.errors as kafka_errors
from aiokafka.client import AIOKafkaClient
from aiokafka.cluster import ClusterMetadata
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.structs import TopicPartition as KafkaTP

EARLIEST = -2
LATEST = -1
READ_UNCOMMITTED = 0
FETCH_WAIT_MS = 10


def partitions_of(cluster: ClusterMetadata, topics: Iterable[str]) -> list[KafkaTP]:
    """The partitions of those `topics` that exist (missing topics are skipped)."""
    return [
        KafkaTP(topic, partition)
        for topic in topics
        for partition in sorted(cluster.partitions_for_topic(topic) or ())
    ]


async def log_bounds(
    client: AIOKafkaClient, cluster: ClusterMetadata, tps: list[KafkaTP]
) -> dict[KafkaTP, tuple[int, int]]:
    """(log start offset, end offset) of every partition in `tps`."""
    by_leader: dict[int, list[KafkaTP]] = defaultdict(list)
    for tp in tps:
        leader = cluster.leader_for_partition(tp)
        if leader is None or leader < 0:
            raise kafka_errors.LeaderNotAvailableError(f"no leader for {tp.topic}[{tp.partition}]")
        by_leader[leader].append(tp)
    parts = await asyncio.gather(*(_node_bounds(client, node, group) for node, group in by_leader.items()))
    return {tp: bounds for part in parts for tp, bounds in part.items()}


async def _node_bounds(
    client: AIOKafkaClient, node: int, tps: list[KafkaTP]
) -> dict[KafkaTP, tuple[int, int]]:
    starts = await _list_offsets(client, node, tps, EARLIEST)
    listed_ends = await _list_offsets(client, node, tps, LATEST)
    high_watermarks = await _high_watermarks(client, node, listed_ends)
    return {tp: (starts[tp], max(listed_ends[tp], high_watermarks.get(tp, -1))) for tp in tps}


def _by_topic(entries: Iterable[tuple[KafkaTP, tuple[int, ...]]]) -> list[tuple[str, list[tuple[int, ...]]]]:
    grouped: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    for tp, fields in entries:
        grouped[tp.topic].append((tp.partition, *fields))
    return list(grouped.items())


async def _list_offsets(
    client: AIOKafkaClient, node: int, tps: list[KafkaTP], timestamp: int
) -> dict[KafkaTP, int]:
    request = OffsetRequest(-1, READ_UNCOMMITTED, _by_topic((tp, (timestamp,)) for tp in tps))
    response = await client.send(node, request)
    offsets: dict[KafkaTP, int] = {}
    for topic, partitions in response.topics:
        for partition, error_code, *info in partitions:
            error = kafka_errors.for_code(error_code)
            if error is not kafka_errors.NoError:
                raise error(f"ListOffsets failed for {topic}[{partition}]")
            # v0 answers a list of offsets; v1+ answer (timestamp, offset[, leader epoch]).
            offset = (info[0][0] if info[0] else 0) if response.API_VERSION == 0 else info[1]
            offsets[KafkaTP(topic, partition)] = offset
    return offsets


async def _high_watermarks(
    client: AIOKafkaClient, node: int, positions: dict[KafkaTP, int]
) -> dict[KafkaTP, int]:
    # 1 byte per partition: the broker still sends the high watermark (and at most
    # the one batch holding `offset`). A short wait, not zero: Tansu answers a
    # zero-wait fetch with no partitions at all. Where the broker has nothing to
    # return, the listed end offset already is the high watermark.
    request = FetchRequest(
        FETCH_WAIT_MS,
        1,
        1 << 20,
        READ_UNCOMMITTED,
        _by_topic((tp, (off, 1)) for tp, off in positions.items()),
    )
    response = await client.send(node, request)
    marks: dict[KafkaTP, int] = {}
    for topic, partitions in response.topics:
        for partition, error_code, high_watermark, *_ in partitions:
            if error_code == 0 and high_watermark >= 0:
                marks[KafkaTP(topic, partition)] = high_watermark
    return marks
