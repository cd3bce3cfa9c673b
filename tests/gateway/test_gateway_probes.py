"""The gateway's probes on the real thing: `/ready` means "can serve" (the hub API, the
database and the bus producer answer), `/health` means "the event loop turns".

Real parts: JupyterHub with the gateway as a managed service on PostgreSQL and the Tansu
broker (tests/gateway/conftest.py), and a second gateway process whose hub API goes
through a TCP proxy the test cuts, as in test_secrets_and_http.py.
"""

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from learnflow_agents.gateway.readiness import Readiness

from tests.gateway.hub import Hub, gateway_behind_cuttable_hub, wait_until


def probe(url: str) -> tuple[int, dict[str, Any]]:
    r = requests.get(url, timeout=5)
    return r.status_code, r.json()


@pytest.mark.kafka
@pytest.mark.postgres
def test_the_hub_gateway_is_ready_on_kafka_and_postgresql(hub: Hub) -> None:
    status = wait_until(lambda: probe(hub.gateway + "ready")[0] == 200, "the gateway ready")
    assert status
    code, body = probe(hub.gateway + "ready")
    assert (code, body) == (200, {"ready": True, "problems": {}})
    assert probe(hub.gateway + "health") == (200, {"ok": True})


@pytest.mark.kafka
@pytest.mark.postgres
def test_ready_is_503_while_the_hub_is_cut_off_and_200_after(hub: Hub, tmp_path: Path) -> None:
    with gateway_behind_cuttable_hub(hub, tmp_path, ready="ready") as (base, proxy, log):
        proxy.cut()
        wait_until(lambda: probe(base + "ready")[0] == 503, "ready to fail", timeout=30, log=log)
        code, body = probe(base + "ready")
        assert code == 503 and body["ready"] is False
        assert set(body["problems"]) == {"hub"}, body  # the database and the bus still answer
        # Liveness is not readiness: a hub outage must not get the gateway restarted.
        assert probe(base + "health") == (200, {"ok": True})

        proxy.restore()
        wait_until(lambda: probe(base + "ready")[0] == 200, "ready again", timeout=30, log=log)
        assert probe(base + "ready") == (200, {"ready": True, "problems": {}})


@pytest.mark.asyncio
async def test_a_stalled_event_loop_fails_liveness_and_readiness() -> None:
    """The LoopWatch the agents use, wired into the gateway's probes (in process: a real
    gateway cannot be made to block its own loop from outside)."""
    engine = SimpleNamespace(store=None, bus=None)
    readiness = Readiness(engine, "http://127.0.0.1:9/hub/api", interval=0.05, stall_after=0.2)  # type: ignore[arg-type]
    readiness.start()
    try:
        await asyncio.sleep(0.1)
        assert readiness.alive() is None
        time.sleep(0.5)  # the loop is blocked: no beat
        assert "has not turned" in (readiness.alive() or "")
        assert "loop" in readiness.ready()
        await asyncio.sleep(0.2)
        assert readiness.alive() is None
        problems = readiness.ready()
        assert set(problems) == {"hub", "database", "bus"}  # nothing is there in this test
    finally:
        await readiness.stop()
