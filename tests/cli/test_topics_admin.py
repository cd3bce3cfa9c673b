"""`topics create` on existing topics: `--raise-partitions` and retention.

The Tansu broker these tests run refuses CreatePartitions and AlterConfigs, so against it
we check that the command says so (exit 1, the broker's error per topic, nothing silently
kept). The reconciling logic itself (what is raised, never lowered, what is re-configured
and with which other settings kept) runs against `FakeAdmin`, a stand-in for aiokafka's
admin client: a fake because no broker on this machine can perform these two requests.
"""

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.admin import NewPartitions
from learnflow_agents.bus.topic_admin import Wanted, reconcile
from learnflow_agents.cli import main


def topics_create(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["topics", "create", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


# -- against the real broker -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_raise_partitions_refused_by_the_broker_is_reported(
    kafka_broker, kafka_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix]
    code, first, _ = await asyncio.to_thread(topics_create, capsys, *argv, "--partitions", "2")
    assert code == 0 and len(first["created"]) == 11 and not first["errors"]

    code, again, _ = await asyncio.to_thread(topics_create, capsys, *argv, "--partitions", "2")
    assert code == 0 and again["created"] == [] and not again["raised"] and not again["reconfigured"]

    # Without --raise-partitions the short topics are named, not silently kept.
    code, short, _ = await asyncio.to_thread(topics_create, capsys, *argv, "--partitions", "4")
    assert code == 0
    assert short["fewer_partitions"]["student-queries"] == {"partitions": 2, "asked": 4}

    code, raised, err = await asyncio.to_thread(
        topics_create, capsys, *argv, "--partitions", "4", "--raise-partitions"
    )
    assert code == 1
    assert raised["raised"] == {}
    assert "raising partitions 2 -> 4 refused" in raised["errors"]["student-queries"]
    assert "topic student-queries: raising partitions 2 -> 4 refused" in err


@pytest.mark.asyncio
async def test_retention_change_refused_by_the_broker_is_reported(
    kafka_broker, kafka_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix, "--partitions", "1"]
    code, _, _ = await asyncio.to_thread(topics_create, capsys, *argv)
    assert code == 0
    code, report, err = await asyncio.to_thread(topics_create, capsys, *argv, "--retention-ms", "60000")
    assert code == 1
    assert report["reconfigured"] == {}
    assert set(report["errors"]) == {
        "student-queries", "triage-routing", "concepts-requests", "code-review-requests",
        "debug-requests", "exercise-requests", "progress-requests", "agent-responses",
        "agent-logs", "student-struggle", "dead-letter",
    }  # fmt: skip
    assert report["errors"]["dead-letter"].startswith(
        "setting retention.ms=60000 refused: IncompatibleBrokerVersion"
    )
    assert "topic dead-letter: setting retention.ms=60000 refused" in err


# -- the logic, on a fake admin client ---------------------------------------------------------


class FakeAdmin:
    """What aiokafka's admin client answers for describe_topics / create_partitions /
    describe_configs / alter_configs, with topics held in memory (see the module doc: the
    broker here cannot raise partitions or alter configs)."""

    def __init__(self, topics: dict[str, int], configs: dict[str, dict[str, str]]) -> None:
        self.partitions = dict(topics)
        self.configs = {name: dict(c) for name, c in configs.items()}
        self.refuse: set[str] = set()
        self.altered: list[tuple[str, dict[str, str]]] = []

    async def describe_topics(self, names: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "topic": n,
                "error_code": 0 if n in self.partitions else 3,
                "partitions": [{}] * self.partitions.get(n, 0),
            }
            for n in names
        ]

    async def create_partitions(self, asked: dict[str, NewPartitions], timeout_ms: int) -> Any:
        errors = []
        for name, new in asked.items():
            if new.total_count <= self.partitions[name]:
                errors.append((name, 37, "can only increase"))  # InvalidPartitionsError
            else:
                self.partitions[name] = new.total_count
                errors.append((name, 0, None))
        return SimpleNamespace(topic_errors=errors)

    async def describe_configs(self, resources: list[Any]) -> list[Any]:
        rows = []
        for r in resources:
            dynamic = self.configs[r.name]
            entries = [(k, v, False, 1, False, []) for k, v in dynamic.items()]
            if "retention.ms" not in dynamic:
                entries.append(("retention.ms", "604800000", False, 5, False, []))  # broker default
            entries.append(("cleanup.policy", "delete", False, 5, False, []))
            rows.append((0, None, 2, r.name, entries))
        return [SimpleNamespace(resources=rows)]

    async def alter_configs(self, resources: list[Any]) -> list[Any]:
        rows = []
        for r in resources:
            if r.name in self.refuse:
                rows.append((44, "policy says no", 2, r.name))  # PolicyViolationError
                continue
            self.configs[r.name] = dict(r.configs)  # AlterConfigs replaces the whole set
            self.altered.append((r.name, dict(r.configs)))
            rows.append((0, None, 2, r.name))
        return [SimpleNamespace(resources=rows)]


@pytest.mark.asyncio
async def test_fake_admin_raises_short_topics_and_never_lowers() -> None:
    admin = FakeAdmin({"a": 3, "b": 12, "c": 20}, {n: {"retention.ms": "1000"} for n in "abc"})
    wanted = {n: Wanted(12, 1000) for n in "abc"}
    result = await reconcile(admin, wanted, raise_partitions_=True, timeout_ms=1000)
    assert result.raised == {"a": {"from": 3, "to": 12}}
    assert result.kept_more_partitions == {"c": {"partitions": 20, "asked": 12}}
    assert admin.partitions == {"a": 12, "b": 12, "c": 20}
    assert not result.errors and not result.reconfigured

    # Without the flag nothing changes, and the short topic is reported.
    admin.partitions["a"] = 3
    result = await reconcile(admin, wanted, raise_partitions_=False, timeout_ms=1000)
    assert result.raised == {} and result.fewer_partitions == {"a": {"partitions": 3, "asked": 12}}
    assert admin.partitions["a"] == 3


@pytest.mark.asyncio
async def test_fake_admin_applies_retention_and_keeps_other_dynamic_settings() -> None:
    admin = FakeAdmin(
        {"a": 1, "b": 1, "c": 1},
        {"a": {"retention.ms": "5", "min.insync.replicas": "2"}, "b": {"retention.ms": "9"}, "c": {}},
    )
    wanted = {"a": Wanted(1, 9), "b": Wanted(1, 9), "c": Wanted(1, 9)}
    result = await reconcile(admin, wanted, raise_partitions_=False, timeout_ms=1000)
    assert result.reconfigured == {
        "a": {"retention.ms": {"from": "5", "to": 9}},
        "c": {"retention.ms": {"from": "604800000", "to": 9}},  # was the broker default
    }
    # min.insync.replicas survives the whole-config replace; cleanup.policy (a default) is not pinned.
    assert admin.configs["a"] == {"retention.ms": "9", "min.insync.replicas": "2"}
    assert admin.configs["c"] == {"retention.ms": "9"}
    assert [name for name, _ in admin.altered] == ["a", "c"]  # b already had it


@pytest.mark.asyncio
async def test_fake_admin_refusals_are_errors_not_silence() -> None:
    admin = FakeAdmin({"a": 1, "b": 1}, {"a": {"retention.ms": "5"}, "b": {"retention.ms": "5"}})
    admin.refuse.add("b")
    result = await reconcile(admin, {"a": Wanted(1, 9), "b": Wanted(1, 9), "gone": Wanted(1, 9)},
                             raise_partitions_=True, timeout_ms=1000)  # fmt: skip
    assert list(result.reconfigured) == ["a"]
    assert result.errors["b"] == "setting retention.ms=9 refused: PolicyViolationError: policy says no"
    assert result.errors["gone"] == "cannot read its partition count"
