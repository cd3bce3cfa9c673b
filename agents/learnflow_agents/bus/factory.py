"""Pick the bus implementation from its URL."""

from urllib.parse import parse_qs, urlsplit

from learnflow_agents.bus.base import Bus


def create_bus(url: str, prefix: str = "", partitions: int = 12) -> Bus:
    """`memory://` (in-process) or `kafka://host:port[,host:port]` (aiokafka).

    Query parameters override the keyword arguments: `?prefix=lf.&partitions=6`.
    """
    parts = urlsplit(url)
    params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    prefix = params.get("prefix", prefix)
    partitions = int(params.get("partitions", partitions))
    if parts.scheme == "memory":
        from learnflow_agents.bus.memory import MemoryBus

        return MemoryBus(url=url, prefix=prefix, partitions=partitions)
    if parts.scheme == "kafka":
        from learnflow_agents.bus.kafka import KafkaBus

        if not parts.netloc:
            raise ValueError(f"kafka URL needs host:port, got {url!r}")
        return KafkaBus(url=url, bootstrap=parts.netloc, prefix=prefix, partitions=partitions)
    raise ValueError(f"unsupported bus URL {url!r}: use memory:// or kafka://host:port[,host:port]")
