"""`learnflow-agents run` as a real process on the real broker and PostgreSQL."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from learnflow_agents.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return 0, ""


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_run_serves_health_answers_over_kafka_and_stops_gracefully(
    kafka_broker, kafka_prefix: str, store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bus = kafka_broker.bus_url()
    connection = ["--bus", bus, "--prefix", kafka_prefix, "--db", store_url]
    assert main(["db", "upgrade", "--db", store_url]) == 0
    assert main(["topics", "create", "--bus", bus, "--prefix", kafka_prefix]) == 0
    port = free_port()
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "learnflow_agents",
            "run",
            "--agent",
            "all",
            "--metrics-port",
            str(port),
            *connection,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"{base}/ready")[0] != 200:
            assert service.poll() is None, (tmp_path / "service.log").read_text()
            assert time.monotonic() < deadline, "service never became ready"
            time.sleep(0.2)
        assert get(f"{base}/health") == (200, '{"status": "ok"}')
        assert get(f"{base}/nope")[0] == 404

        capsys.readouterr()
        assert main(["ask", "what is a while loop?", "--timeout", "60", *connection]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert answer["routing"]["target_agent"] == "concepts"
        assert answer["reply"]["agent"] == "concepts"

        status, metrics = get(f"{base}/metrics")
        assert status == 200
        assert 'learnflow_agent_requests_total{agent="triage",outcome="ok"} 1.0' in metrics
        assert 'learnflow_agent_requests_total{agent="concepts",outcome="ok"} 1.0' in metrics
        assert "learnflow_agent_latency_seconds_bucket" in metrics

        everyone = {"triage", "concepts", "code-review", "debug", "exercise", "progress"}
        deadline = time.monotonic() + 30
        while True:
            healthy = main(["health", "--db", store_url]) == 0
            report = json.loads(capsys.readouterr().out)
            if (
                healthy and {a["agent"] for a in report["agents"]} == everyone
            ) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert healthy, report
        assert {a["agent"] for a in report["agents"]} == everyone
        # Each agent's heartbeat says how student code is isolated where it runs (strong in CI).
        assert set(report["sandbox"]) == everyone
        assert all(isolation["strong"] for isolation in report["sandbox"].values()), report["sandbox"]
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            code = service.wait(timeout=60)
        finally:
            if service.poll() is None:
                service.kill()
        log.close()
    output = (tmp_path / "service.log").read_text()
    assert code == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line["msg"] == "stopping: finishing in-flight messages" for line in lines)
