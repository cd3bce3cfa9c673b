"""`topics create --replication-factor N --min-insync-replicas M`: the settings reach the
CreateTopics request (aiokafka's NewTopic) and are reported; replication 1 works on the
one-node test broker (Tansu accepts larger factors without having the replicas, so
anything above 1 is checked at the NewTopic level only)."""

import asyncio
import json
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from learnflow_agents.cli import main


@pytest.fixture
def sent_topics(monkeypatch: pytest.MonkeyPatch) -> list[NewTopic]:
    """Every NewTopic the bus asks the broker to create (the request still goes out)."""
    sent: list[NewTopic] = []
    real = AIOKafkaAdminClient.create_topics

    async def spy(self: AIOKafkaAdminClient, new_topics: list[NewTopic], *args: Any, **kwargs: Any) -> Any:
        sent.extend(new_topics)
        return await real(self, new_topics, *args, **kwargs)

    monkeypatch.setattr(AIOKafkaAdminClient, "create_topics", spy)
    return sent


def topics_create(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["topics", "create", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


@pytest.mark.asyncio
async def test_replication_one_works_on_the_broker_and_is_reported(
    kafka_broker, kafka_prefix: str, sent_topics: list[NewTopic], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix, "--partitions", "3"]
    code, report, _ = await asyncio.to_thread(
        topics_create, capsys, *argv, "--replication-factor", "1", "--min-insync-replicas", "1"
    )
    assert code == 0
    assert report["replication_factor"] == 1 and report["min_insync_replicas"] == 1
    assert len(report["created"]) == 11 and report["partitions"] == 3
    assert {t.name for t in sent_topics} == {kafka_prefix + name for name in report["created"]}
    for topic in sent_topics:
        assert topic.replication_factor == 1
        assert topic.topic_configs["min.insync.replicas"] == "1"
        assert "retention.ms" in topic.topic_configs

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([f"{kafka_prefix}student-queries"])
        assert len(described[0]["partitions"]) == 3
        assert all(len(p["replicas"]) == 1 for p in described[0]["partitions"])
    finally:
        await admin.close()


@pytest.mark.asyncio
async def test_production_settings_reach_new_topic(
    kafka_broker, kafka_prefix: str, sent_topics: list[NewTopic], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix, "--partitions", "2"]
    code, report, _ = await asyncio.to_thread(
        topics_create, capsys, *argv, "--replication-factor", "3", "--min-insync-replicas", "2"
    )
    assert code == 0
    assert report["replication_factor"] == 3 and report["min_insync_replicas"] == 2
    assert len(sent_topics) == 11
    assert {(t.replication_factor, t.topic_configs["min.insync.replicas"]) for t in sent_topics} == {(3, "2")}


@pytest.mark.asyncio
async def test_default_replication_follows_the_cluster_size(
    kafka_broker, kafka_prefix: str, sent_topics: list[NewTopic], capsys: pytest.CaptureFixture[str]
) -> None:
    """No flags: min(3, brokers) replicas (1 here) and no min.insync.replicas override."""
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix, "--partitions", "1"]
    code, report, _ = await asyncio.to_thread(topics_create, capsys, *argv)
    assert code == 0
    assert report["replication_factor"] == 1 and report["min_insync_replicas"] is None
    assert sent_topics and all(t.replication_factor == 1 for t in sent_topics)
    assert all("min.insync.replicas" not in t.topic_configs for t in sent_topics)


@pytest.mark.asyncio
async def test_min_insync_above_replication_is_refused_before_creating(
    kafka_broker, kafka_prefix: str, sent_topics: list[NewTopic], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--bus", kafka_broker.url, "--prefix", kafka_prefix]
    code, _, err = await asyncio.to_thread(
        topics_create, capsys, *argv, "--replication-factor", "1", "--min-insync-replicas", "2"
    )
    assert code == 2
    assert "min_insync_replicas (2) exceeds the replication factor (1)" in err
    assert sent_topics == []


def test_non_positive_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["topics", "create", "--replication-factor", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
