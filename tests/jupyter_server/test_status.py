"""`GET status`: what `%learnflow status` and the labextension show."""

from pathlib import Path
from typing import Any

from learnflow_agents.settings import Settings

from learnflow_ext.server.host import EngineHost
from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import body

AGENTS = {"triage", "concepts", "code-review", "debug", "exercise", "progress"}


async def test_status_reports_mode_storage_agents_and_provider(jp_fetch: Any, db_url: str) -> None:
    status = body(await jp_fetch("learnflow", "api", "status"))
    assert status["mode"] == "jupyter-server"
    assert status["student_id"] == OWNER
    assert status["provider"] == "offline"
    assert status["bus"] == "memory://"
    assert status["db"] == db_url.removeprefix("sqlite:///")
    assert Path(status["db"]).exists()
    assert status["engine"] == "running"
    assert {a["agent"] for a in status["agents"]} == AGENTS
    assert all(a["running"] for a in status["agents"])
    assert isinstance(status["heartbeats"], list)
    assert status["outbox_pending"] == 0
    assert status["error"] is None
    assert status["sandbox"]["strong"] is True
    assert {"namespaces", "no-network", "seccomp"} <= set(status["sandbox"]["layers"])


def test_status_never_shows_database_or_broker_passwords() -> None:
    host = EngineHost(
        Settings(
            db_url="postgresql+psycopg://tutor:s3cret@db:5432/learnflow", bus_url="kafka://u:pw@broker:9092"
        )
    )
    assert "s3cret" not in host.db_display()
    assert host.db_display().endswith("@db:5432/learnflow")
    assert host.bus_display() == "kafka://***@broker:9092"
