"""Shared by the Kafka bus and its consumers: error triage and URL tuning options."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiokafka.errors as kafka_errors

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
