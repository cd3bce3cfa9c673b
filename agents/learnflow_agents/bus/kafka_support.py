"""Shared by the Kafka bus and its consumers: error triage and URL tuning options."""

import logging
import random
import types
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiokafka.errors as kafka_errors
from aiokafka.client import AIOKafkaClient, ConnectionGroup
from aiokafka.cluster import ClusterMetadata
from aiokafka.protocol.metadata import MetadataRequest

log = logging.getLogger("learnflow.bus.kafka")

OFFSET_RESETS = ("earliest", "latest")

# Errors that mean "the broker is not there (yet)" rather than "this request is wrong".
UNAVAILABLE = (
    TimeoutError,
    OSError,
    kafka_errors.KafkaConnectionError,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.NodeNotReadyError,
    kafka_errors.RequestTimedOutError,
    kafka_errors.NoBrokersAvailable,
    # "An unexpected server error": transient as far as a caller can tell; retry later.
    kafka_errors.UnknownError,
)

# A commit these reject only means the partitions moved to another member.
REASSIGNED = (
    kafka_errors.CommitFailedError,
    kafka_errors.IllegalStateError,
    kafka_errors.RebalanceInProgressError,
    kafka_errors.IllegalGenerationError,
    kafka_errors.UnknownMemberIdError,
)


def is_unavailable(err: BaseException) -> bool:
    return isinstance(err, UNAVAILABLE) or (isinstance(err, kafka_errors.KafkaError) and err.retriable)


def forbid_auto_create(client: AIOKafkaClient) -> AIOKafkaClient:
    """Make `client`'s metadata requests say `allow_auto_topic_creation=false`.

    aiokafka always asks the broker to create a topic it requests metadata for, so a
    producer's first send or a consumer's subscription creates a missing topic with the
    broker's default partition count (Tansu: 3 or 4; Kafka: `num.partitions`) rather
    than the configured one. A topic's partition count decides which partition a
    student's records go to and cannot be fixed afterwards (Kafka never shrinks a
    topic, and growing one moves keys), so the bus creates its topics itself
    (`KafkaBus.create_topics`) and its clients only ever ask. Like the Java consumer's
    `allow.auto.create.topics=false`, for the producer and admin clients too. Brokers
    older than Metadata v4 ignore the flag (their `auto.create.topics.enable` decides).
    """

    async def _metadata_update(
        self: AIOKafkaClient, cluster_metadata: ClusterMetadata, topics: Iterable[str]
    ) -> bool:
        # aiokafka's AIOKafkaClient._metadata_update (0.11 - 0.14), with the flag set.
        request = MetadataRequest(list(topics) if topics else None, allow_auto_topic_creation=False)
        nodeids = [b.nodeId for b in self.cluster.brokers()]
        bootstrap_id = ("bootstrap", ConnectionGroup.DEFAULT)
        if bootstrap_id in self._conns:
            nodeids.append("bootstrap")
        random.shuffle(nodeids)
        for node_id in nodeids:
            conn = await self._get_conn(node_id)
            if conn is None:
                continue
            try:
                metadata = await conn.send(request)
            except (kafka_errors.KafkaError, TimeoutError) as err:
                log.debug("metadata request failed", extra={"node": node_id, "error": repr(err)})
                continue
            if not metadata.brokers:
                return False
            cluster_metadata.update_metadata(metadata)
            if bootstrap_id in self._conns and len(self.cluster.brokers()):
                self._conns.pop(bootstrap_id).close()
            break
        else:
            cluster_metadata.failed_update(None)
            return False
        return True

    client._metadata_update = types.MethodType(_metadata_update, client)  # type: ignore[method-assign]
    return client


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


_URL_OPTIONS: dict[str, Callable[[str], Any]] = {
    "replication_factor": int,
    "min_insync_replicas": int,
    "auto_create_topics": _parse_bool,
    "request_timeout": float,
    "session_timeout": float,
    "heartbeat_interval": float,
    "rebalance_timeout": float,
    "fetch_max_wait": float,
    "client_id": str,
    # Security (see kafka_security.py); the SASL password only ever comes from the environment.
    "security_protocol": str,
    "ssl_cafile": str,
    "ssl_certfile": str,
    "ssl_keyfile": str,
    "ssl_check_hostname": _parse_bool,
    "sasl_mechanism": str,
    "sasl_username": str,
}
_FACTORY_OPTIONS = {"prefix", "partitions"}  # consumed by create_bus
SECURITY_OPTIONS = frozenset(
    {"security_protocol", "ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_check_hostname"}
    | {"sasl_mechanism", "sasl_username"}
)


def url_options(url: str) -> dict[str, Any]:
    """The tuning options in `url`'s query string, typed; unknown names are an error."""
    options: dict[str, Any] = {}
    for name, values in parse_qs(urlsplit(url).query).items():
        if name in _FACTORY_OPTIONS:
            continue
        parse = _URL_OPTIONS.get(name)
        if parse is None:
            known = ", ".join(sorted(_URL_OPTIONS | dict.fromkeys(_FACTORY_OPTIONS)))
            raise ValueError(f"unknown kafka URL option {name!r} (known: {known})")
        try:
            options[name] = parse(values[-1])
        except ValueError as err:
            raise ValueError(f"kafka URL option {name}={values[-1]!r}: {err}") from err
    return options
