"""The topics hook passes kafka.replicationFactor / kafka.minInsyncReplicas to `topics create`."""

from typing import Any

import pytest

from tests.deploy.test_chart_render import DEFAULTS, RenderError, containers, render


def topics_args(values: dict[str, Any]) -> list[str]:
    docs = render(values)
    found = [c["args"] for name, c in containers(docs) if name.startswith("Job/learnflow-topics/")]
    assert len(found) == 1, [name for name, _ in containers(docs)]
    args: list[str] = found[0]
    return args


def with_kafka(**kafka: Any) -> dict[str, Any]:
    values = dict(DEFAULTS)
    values["kafka"] = {"bootstrapServers": "kafka:9092", **kafka}
    return values


def test_defaults_are_three_replicas_and_two_in_sync() -> None:
    args = topics_args(DEFAULTS)
    assert args[:2] == ["topics", "create"]
    assert args[args.index("--replication-factor") + 1] == "3"
    assert args[args.index("--min-insync-replicas") + 1] == "2"


def test_a_single_broker_cluster_sets_one_and_one() -> None:
    args = topics_args(with_kafka(replicationFactor=1, minInsyncReplicas=1))
    assert args[args.index("--replication-factor") + 1] == "1"
    assert args[args.index("--min-insync-replicas") + 1] == "1"


def test_null_leaves_the_settings_to_the_cluster() -> None:
    args = topics_args(with_kafka(replicationFactor=None, minInsyncReplicas=None))
    assert "--replication-factor" not in args and "--min-insync-replicas" not in args


@pytest.mark.parametrize(
    ("kafka", "message"),
    [
        ({"replicationFactor": 0}, "replicationFactor"),
        ({"minInsyncReplicas": "2"}, "minInsyncReplicas"),
        ({"replicationFactor": 2, "minInsyncReplicas": 3}, "must not exceed"),
    ],
)
def test_bad_values_are_refused(kafka: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message):
        render(with_kafka(**kafka))
