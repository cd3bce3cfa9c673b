"""The long-running processes that own an engine settle their garbage collector once started.

The engine's owner (the cluster's gateway, the Jupyter server with the extension) is where
students' queries are submitted and their replies fanned out. With Python's defaults its
full collections walked every object start-up imported and every reply it holds, a few
times every ten seconds at 1,000 queries/s, each longer as the heap grew
(`benchmarks/pipeline.py --windows --driver-gc both`). `learnflow-agents run` settled its
own collector already; these two did not. A kernel's engine must not (the student's).
"""

from pathlib import Path

import pytest
from learnflow_agents.gateway.app import serve_gateway
from learnflow_agents.gateway.config import GatewayConfig
from learnflow_agents.runtime import engine as engine_module
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

from learnflow_ext.server.host import EngineHost


@pytest.fixture
def settles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each call the engine makes to settle the process's collector (not settled for real:
    gc.freeze would last for the rest of the test session)."""
    calls: list[str] = []
    monkeypatch.setattr(engine_module, "settle_gc", lambda: calls.append("settle"))
    return calls


def settings(tmp_path: Path) -> Settings:
    return Settings(bus_url="memory://", db_url=f"sqlite:///{tmp_path / 'lf.sqlite3'}", metrics_port=0)


@pytest.mark.asyncio
async def test_the_jupyter_server_extensions_engine_settles_the_collector(
    tmp_path: Path, settles: list[str]
) -> None:
    host = EngineHost(settings(tmp_path), run_agents=False)
    await host.get()
    try:
        assert settles == ["settle"]
    finally:
        await host.stop()


@pytest.mark.asyncio
async def test_the_gateways_engine_settles_the_collector(tmp_path: Path, settles: list[str]) -> None:
    config = GatewayConfig(hub_api_url="http://127.0.0.1:9/hub/api/", api_token="t")
    server, engine, readiness = await serve_gateway(settings(tmp_path), config, port=0, ip="127.0.0.1")
    try:
        assert settles == ["settle"]
    finally:
        server.stop()
        await readiness.stop()
        await engine.stop()


@pytest.mark.asyncio
async def test_an_engine_leaves_the_collector_alone_unless_its_owner_asks(
    tmp_path: Path, settles: list[str]
) -> None:
    """The kernel's embedded client starts a plain Engine: the student's collector."""
    engine = await Engine(settings(tmp_path), run_agents=False).start()
    try:
        assert settles == []
    finally:
        await engine.stop()
