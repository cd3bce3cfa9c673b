"""`learnflow-agents` commands, run in-process through `main(argv)`."""

import json
from pathlib import Path

import pytest
from learnflow_agents.cli import main
from learnflow_agents.contracts import schemas


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schemas_check_passes_on_the_checked_in_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "schemas", "export", "--check")[0] == 0


def test_schemas_check_fails_on_drift_and_export_repairs_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "schemas", "export", "--check", "--out", str(tmp_path))
    assert code == 1 and "missing" in err
    assert run(capsys, "schemas", "export", "--out", str(tmp_path))[0] == 0
    assert run(capsys, "schemas", "export", "--check", "--out", str(tmp_path))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(schemas.schema_documents())


def test_db_upgrade_and_current(capsys: pytest.CaptureFixture[str], store_url: str) -> None:
    code, out, _ = run(capsys, "db", "current", "--db", store_url)
    assert code == 0 and "empty" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", store_url)
    assert code == 0 and "database at revision" in out
    revision = out.split()[-1]
    assert run(capsys, "db", "current", "--db", store_url)[1].strip() == revision


def test_purge_reports_counts_and_rejects_nonsense(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path}/p.sqlite3"
    assert run(capsys, "db", "upgrade", "--db", db)[0] == 0
    code, out, _ = run(capsys, "purge", "--older-than", "90", "--db", db)
    assert code == 0 and "queries" in json.loads(out)
    code, _, err = run(capsys, "purge", "--older-than", "0", "--db", db)
    assert code == 2 and "at least 1 day" in err


def test_health_is_unhealthy_when_no_agent_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path}/h.sqlite3"
    run(capsys, "db", "upgrade", "--db", db)
    code, out, _ = run(capsys, "health", "--db", db)
    assert code == 1
    assert json.loads(out)["reason"] == "no agent has reported"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask"], "give a question"),
        (["ask", "hi", "--agent", "wizard"], "target_agent 'wizard' is not one of"),
        (["ask", "   "], "query is empty"),
        (["ask", "--code", "/nonexistent/file.py"], "cannot read /nonexistent/file.py"),
        (["run", "--agent", "wizard", "--db", "sqlite:////tmp/x.sqlite3"], "unknown agent 'wizard'"),
        (["ask", "hi", "--db", "mysql://nope"], "unsupported database URL"),
        (["ask", "hi", "--bus", "amqp://nope", "--db", "sqlite:////tmp/x.sqlite3"], "unsupported bus URL"),
    ],
)
def test_usage_errors_are_clear(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_unknown_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "usage: learnflow-agents" in capsys.readouterr().err


@pytest.mark.asyncio
async def test_topics_create_makes_every_topic_with_the_partitions(kafka_broker, kafka_prefix: str) -> None:
    import asyncio

    code = await asyncio.to_thread(
        main, ["topics", "create", "--bus", kafka_broker.url, "--prefix", kafka_prefix, "--partitions", "6"]
    )
    assert code == 0
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(kafka_prefix)]
        assert len(names) == 11
        described = await admin.describe_topics([f"{kafka_prefix}student-queries"])
        assert len(described[0]["partitions"]) == 6
    finally:
        await admin.close()
