"""`learnflow-agents run --workers 2` on the real broker and PostgreSQL: the two worker
processes join one consumer group, split its partitions, and every query is answered
exactly once."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from learnflow_agents.cli import main
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

QUERIES = 48


def two_free_ports() -> int:
    """A port p with p and p + 1 free (worker i serves metrics on p + i)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two consecutive free ports")


def get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return 0, ""


def handled(metrics: str) -> float:
    found = re.search(r'learnflow_agent_requests_total\{agent="concepts",outcome="ok"\} (\S+)', metrics)
    return float(found.group(1)) if found else 0.0


async def group_members(bootstrap: str, group: str) -> tuple[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([group])
        # (error_code, group_id, state, protocol_type, protocol, members[, authorized_operations])
        [entry] = described.groups
        return entry[2], len(entry[5])
    finally:
        await admin.close()


async def ask_all(settings: Settings) -> list[str]:
    async with Engine(settings, run_agents=False) as engine:
        ids = await engine.submit_many(
            [
                (f"student-{i}", StudentQuery(text=f"what is a list? ({i})", target_agent="concepts"))
                for i in range(QUERIES)
            ]
        )
        replies = await asyncio.gather(*(engine.wait(qid, timeout=60) for qid in ids))
        assert [r.query_id for r in replies] == ids
        stored = [await engine.replies(qid) for qid in ids]
    assert all(len(r) == 1 and r[0].agent == "concepts" for r in stored), stored
    return [str(qid) for qid in ids]


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_workers_split_the_partitions_and_answer_each_query_once(
    kafka_broker, kafka_prefix: str, store_url: str, tmp_path: Path
) -> None:
    bus = kafka_broker.bus_url()
    connection = ["--bus", bus, "--prefix", kafka_prefix, "--db", store_url]
    assert main(["db", "upgrade", "--db", store_url]) == 0
    assert main(["topics", "create", "--bus", bus, "--prefix", kafka_prefix]) == 0
    port = two_free_ports()
    log_path = tmp_path / "workers.log"
    log = log_path.open("w")
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "learnflow_agents",
            "run",
            "--workers",
            "2",
            "--agent",
            "concepts",
            "--metrics-port",
            str(port),
            *connection,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    workers = [f"http://127.0.0.1:{port + i}" for i in range(2)]
    try:
        deadline = time.monotonic() + 90
        while not all(get(f"{w}/ready")[0] == 200 for w in workers):
            assert supervisor.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the workers never became ready: " + log_path.read_text()
            time.sleep(0.2)
        # Both in the group and the partitions handed out, before any query: a rebalance
        # while answering would redeliver (idempotently) and blur the count below.
        group = f"{kafka_prefix}learnflow-concepts"
        while asyncio.run(group_members(kafka_broker.bootstrap, group)) != ("Stable", 2):
            assert time.monotonic() < deadline, asyncio.run(group_members(kafka_broker.bootstrap, group))
            time.sleep(0.3)

        settings = Settings(bus_url=bus, db_url=store_url, topic_prefix=kafka_prefix)
        asyncio.run(ask_all(settings))

        counts = [handled(get(f"{w}/metrics")[1]) for w in workers]
        assert all(count > 0 for count in counts), counts  # both took a share of the partitions
        assert sum(counts) == QUERIES, counts  # and no query was handled twice
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            code = supervisor.wait(timeout=60)
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
        log.close()
    assert code == 0, log_path.read_text()
    # The workers are gone with the supervisor: nothing serves their ports any more.
    assert [get(f"{w}/health")[0] for w in workers] == [0, 0]


def test_workers_refuse_the_in_process_bus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--workers", "2", "--bus", "memory://", "--allow-memory-bus"]) == 2
    assert "--workers needs a shared bus" in capsys.readouterr().err
