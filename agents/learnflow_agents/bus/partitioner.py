"""Key -> partition, exactly as Kafka's default partitioner does it.

The in-process bus uses this so a student's records land in the same partition
number on `memory://` as on a real cluster (murmur2 of the UTF-8 key, sign bit
cleared, modulo the partition count). aiokafka's implementation is reused rather
than copied so the two can never drift apart.
"""

from functools import lru_cache

from aiokafka.partitioner import murmur2


@lru_cache(maxsize=65_536)
def partition_for(key: str, partitions: int) -> int:
    # Cached because murmur2 is pure Python and student ids repeat constantly.
    return int(murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions
