"""`topics create` on topics that already exist: raise partitions, apply retention.

`KafkaBus.create_topics` creates the missing topics; this module brings the existing ones
to what was asked, through an aiokafka admin client (or anything with its methods):

- partitions: with `raise_partitions`, a topic with fewer partitions than asked gets
  more (CreatePartitions). Kafka can never lower a topic's partition count: a topic with
  more than asked is kept as it is and reported as such.
- retention: each existing topic's `retention.ms` is set to the one asked (the seed's
  per-topic retention, or `--retention-ms`) when it differs (AlterConfigs). The legacy
  AlterConfigs request replaces a topic's whole dynamic config, so the topic's other
  dynamic settings (e.g. `min.insync.replicas`) are read first and sent back with it.

Nothing is silently kept: every refusal by the broker is collected per topic and the
caller exits non-zero with the broker's error.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import errors as kafka_errors
from aiokafka.admin import NewPartitions
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

RETENTION = "retention.ms"
DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs v1+ config_source


@dataclass(frozen=True)
class Wanted:
    partitions: int
    retention_ms: int


@dataclass
class Reconciled:
    """What happened to each existing topic (by full name)."""

    raised: dict[str, dict[str, int]] = field(default_factory=dict)
    reconfigured: dict[str, dict[str, Any]] = field(default_factory=dict)
    kept_more_partitions: dict[str, dict[str, int]] = field(default_factory=dict)
    fewer_partitions: dict[str, dict[str, int]] = field(default_factory=dict)  # not asked to raise
    errors: dict[str, str] = field(default_factory=dict)


def _error(code: int, message: str | None) -> str:
    name = kafka_errors.for_code(code).__name__
    return f"{name}: {message}" if message else name


def _dynamic(entry: tuple[Any, ...]) -> bool:
    """Whether a DescribeConfigs entry is set on the topic itself (v0 and v1+ layouts)."""
    if len(entry) >= 6:  # name, value, read_only, config_source, is_sensitive, synonyms
        return entry[3] == DYNAMIC_TOPIC_CONFIG
    return not entry[3]  # v0: name, value, read_only, is_default, is_sensitive


async def _partition_counts(admin: Any, names: list[str]) -> dict[str, int]:
    counts = {}
    for topic in await admin.describe_topics(names):
        if not topic.get("error_code"):
            counts[topic["topic"]] = len(topic["partitions"])
    return counts


async def check_partitions(
    admin: Any, wanted: Mapping[str, Wanted], timeout_ms: int, result: Reconciled, *, grow_them: bool
) -> None:
    """Compare partition counts with those asked; with `grow_them`, raise the short ones."""
    counts = await _partition_counts(admin, list(wanted))
    grow = {}
    for name, want in wanted.items():
        have = counts.get(name)
        if have is None:
            result.errors[name] = "cannot read its partition count"
        elif have < want.partitions:
            grow[name] = (have, want.partitions)
        elif have > want.partitions:
            result.kept_more_partitions[name] = {"partitions": have, "asked": want.partitions}
    if not grow_them:
        for name, (have, total) in grow.items():
            result.fewer_partitions[name] = {"partitions": have, "asked": total}
        return
    for name, (have, total) in grow.items():
        try:
            response = await admin.create_partitions({name: NewPartitions(total)}, timeout_ms=timeout_ms)
        except kafka_errors.KafkaError as err:  # aiokafka raises on a topic error
            result.errors[name] = f"raising partitions {have} -> {total} refused: {type(err).__name__}: {err}"
            continue
        problem = next((_error(code, msg) for _, code, msg in response.topic_errors if code), None)
        if problem:
            result.errors[name] = f"raising partitions {have} -> {total} refused: {problem}"
        else:
            result.raised[name] = {"from": have, "to": total}


async def apply_retention(admin: Any, wanted: Mapping[str, Wanted], result: Reconciled) -> None:
    names = [n for n in wanted if n not in result.errors]
    if not names:
        return
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    except kafka_errors.KafkaError as err:
        for name in names:
            result.errors[name] = f"reading its config refused: {type(err).__name__}: {err}"
        return
    current: dict[str, dict[str, str]] = {}
    for response in described:
        for code, message, _type, name, entries, *_ in response.resources:
            if code:
                result.errors[name] = f"reading its config refused: {_error(code, message)}"
                continue
            current[name] = {e[0]: e[1] for e in entries if _dynamic(e) and e[1] is not None}
            # A broker default is not dynamic but still tells the retention in force.
            for e in entries:
                if e[0] == RETENTION:
                    current[name].setdefault(f"effective:{RETENTION}", e[1])
    for name in names:
        if name in result.errors:
            continue
        if name not in current:
            result.errors[name] = "the broker did not describe its config"
            continue
        configs = current[name]
        effective = configs.pop(f"effective:{RETENTION}", configs.get(RETENTION))
        asked = str(wanted[name].retention_ms)
        if effective == asked:
            continue
        try:
            altered = await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name, {**configs, RETENTION: asked})]
            )
        except kafka_errors.KafkaError as err:  # e.g. a broker without AlterConfigs at all
            result.errors[name] = f"setting {RETENTION}={asked} refused: {type(err).__name__}: {err}"
            continue
        problem = next(
            (
                _error(code, message)
                for response in altered
                for code, message, _type, resource, *_ in response.resources
                if code and resource == name
            ),
            None,
        )
        if problem:
            result.errors[name] = f"setting {RETENTION}={asked} refused: {problem}"
        else:
            result.reconfigured[name] = {RETENTION: {"from": effective, "to": int(asked)}}


async def reconcile(
    admin: Any,
    wanted: Mapping[str, Wanted],
    *,
    raise_partitions_: bool,
    timeout_ms: int,
) -> Reconciled:
    """Bring the existing topics in `wanted` to their partitions (if asked) and retention."""
    result = Reconciled()
    if not wanted:
        return result
    await check_partitions(admin, wanted, timeout_ms, result, grow_them=raise_partitions_)
    await apply_retention(admin, wanted, result)
    return result
