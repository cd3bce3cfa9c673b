"""`learnflow-agents run` refuses to serve nobody, and its liveness tells the truth.

- memory:// is refused for `run` unless asked for (it would serve only that process);
- `/health` fails while the event loop does not turn, and recovers;
- a runner task that dies ends the process with a non-zero code, so it is restarted;
- `/ready` says whether the agents consume (not while their database is cut off) and
  recovers.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from learnflow_agents.cli import main
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.service import EXIT_RUNNER_DIED, run_service
from learnflow_agents.settings import Settings
from learnflow_agents.store import normalize_url

from tests.cli.test_run_service import free_port, get
from tests.fixtures.echo_agent import EchoAgent
from tests.fixtures.tcp_proxy import TcpProxy


def clean_env(home: Path) -> dict[str, str]:
    """No LEARNFLOW_* settings at all: what a user gets who just types `learnflow-agents run`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNFLOW_")}
    return {**env, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "PYTHONUNBUFFERED": "1"}


def test_run_without_a_bus_refuses_memory_and_touches_no_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "learnflow_agents", "run", "--metrics-port", "0"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "needs a shared bus" in done.stderr and "--allow-memory-bus" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.rglob("*.sqlite3"))  # the user's SQLite file was never created


def test_run_on_memory_when_asked_explicitly_serves_and_stops(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'explicit.sqlite3'}"
    argv = ["run", "--allow-memory-bus", "--agent", "triage", "--metrics-port", str(port), "--db", db]
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen(
        [sys.executable, "-m", "learnflow_agents", *argv],
        env=clean_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while get(f"http://127.0.0.1:{port}/ready")[0] != 200:
            assert service.poll() is None, (tmp_path / "service.log").read_text()
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.2)
        assert get(f"http://127.0.0.1:{port}/health") == (200, '{"status": "ok"}')
    finally:
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "service.log").read_text()


async def _serving(port: int) -> None:
    deadline = time.monotonic() + 30
    while (await asyncio.to_thread(get, f"http://127.0.0.1:{port}/ready"))[0] != 200:
        assert time.monotonic() < deadline, "never ready"
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_health_fails_while_the_event_loop_is_stuck_and_recovers(sqlite_url: str) -> None:
    port = free_port()
    settings = Settings(bus_url="memory://", db_url=sqlite_url, metrics_port=port, log_level="WARNING")
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, stop, agents=[EchoAgent()], loop_stall_after=1.0))
    try:
        await _serving(port)
        seen: dict[str, tuple[int, str]] = {}

        def probe() -> None:
            time.sleep(2.5)  # while the loop is blocked below
            seen["health"] = get(f"http://127.0.0.1:{port}/health")
            seen["ready"] = get(f"http://127.0.0.1:{port}/ready")

        prober = threading.Thread(target=probe)
        prober.start()
        time.sleep(3.5)  # a handler stuck in a blocking call: the loop does not turn
        prober.join()
        status, body = seen["health"]
        assert status == 503, body
        assert json.loads(body)["status"] == "failing" and "event loop" in json.loads(body)["reason"]
        assert seen["ready"][0] == 503
        await asyncio.sleep(1.5)
        assert await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health") == (200, '{"status": "ok"}')
        assert (await asyncio.to_thread(get, f"http://127.0.0.1:{port}/ready"))[0] == 200
    finally:
        stop.set()
        assert await service == 0


@pytest.mark.asyncio
async def test_a_runner_task_that_dies_ends_the_service_with_an_error(sqlite_url: str) -> None:
    port = free_port()
    settings = Settings(bus_url="memory://", db_url=sqlite_url, metrics_port=port, log_level="WARNING")
    service = asyncio.create_task(run_service(settings, agents=[EchoAgent()]))
    await _serving(port)
    (runner_task,) = [t for t in asyncio.all_tasks() if t.get_name().startswith("learnflow-runner-")]
    runner_task.cancel()  # dies without anybody stopping the service
    code = await asyncio.wait_for(service, 30)
    assert code == EXIT_RUNNER_DIED


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_run_is_unready_while_its_database_is_cut_off_and_recovers(
    kafka_broker, kafka_prefix: str, store_url: str, tmp_path: Path
) -> None:
    """The real process, its PostgreSQL behind a proxy that cuts it off: /ready says it is
    not consuming (503) while /health stays 200 (restarting would not help), and both
    are 200 again, with the query answered, once the database is back."""
    bus = kafka_broker.bus_url()
    assert main(["db", "upgrade", "--db", store_url]) == 0
    assert main(["topics", "create", "--bus", bus, "--prefix", kafka_prefix]) == 0
    direct = normalize_url(store_url)
    proxy = TcpProxy(free_port(), direct.port or 5432)
    proxy.start()
    proxied = direct.set(host="127.0.0.1", port=proxy.listen_port).render_as_string(hide_password=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "service.log"
    log = log_path.open("w")
    argv = ["run", "--agent", "triage", "--agent", "concepts", "--metrics-port", str(port)]
    argv += ["--bus", bus, "--prefix", kafka_prefix, "--db", proxied]
    service = subprocess.Popen(
        [sys.executable, "-m", "learnflow_agents", *argv],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def until(what: str, check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not check():
            assert service.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"{what}: {log_path.read_text()[-3000:]}"
            time.sleep(0.2)

    async def ask(engine: Engine, text: str) -> str:
        qid = await engine.submit("cut-off", StudentQuery(text=text))
        return (await engine.wait(qid, timeout=90)).agent

    try:
        until("ready", lambda: get(f"{base}/ready")[0] == 200)
        settings = Settings(bus_url=bus, topic_prefix=kafka_prefix, db_url=store_url)

        async def scenario() -> str:
            async with Engine(settings, run_agents=False) as client:
                proxy.cut()  # the agents' database connections drop, new ones are refused
                waiting = asyncio.create_task(ask(client, "can you explain for loops?"))
                await asyncio.to_thread(until, "unready", lambda: get(f"{base}/ready")[0] == 503)
                assert await asyncio.to_thread(get, f"{base}/health") == (200, '{"status": "ok"}')
                proxy.restore()
                await asyncio.to_thread(until, "ready again", lambda: get(f"{base}/ready")[0] == 200)
                return await waiting

        assert asyncio.run(scenario()) == "concepts"
        assert get(f"{base}/health") == (200, '{"status": "ok"}')
    finally:
        proxy.restore()
        service.send_signal(signal.SIGTERM)
        try:
            code = service.wait(timeout=60)
        finally:
            if service.poll() is None:
                service.kill()
            log.close()
            proxy.close()
    assert code == 0, log_path.read_text()


def test_a_runner_whose_loop_stopped_turning_counts_as_wedged() -> None:
    from types import SimpleNamespace

    from learnflow_agents.runtime.service import _wedged_runner

    fresh = SimpleNamespace(ready=True, last_turn=time.monotonic(), agent=SimpleNamespace(name="triage"))
    stuck = SimpleNamespace(ready=True, last_turn=time.monotonic() - 30, agent=SimpleNamespace(name="debug"))
    assert _wedged_runner([fresh], 10.0) is None  # type: ignore[list-item]
    found = _wedged_runner([fresh, stuck], 10.0)  # type: ignore[list-item]
    assert found is not None and found[0] is stuck and found[1] >= 30
