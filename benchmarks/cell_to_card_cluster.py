"""What a student waits for in cluster mode: a failing cell's end to its complete card,
through the gateway on Kafka + PostgreSQL, with other students' load in the background.

The stack, each part its own process as in a cluster: Tansu (Kafka protocol, memory
storage), a fresh PostgreSQL schema at $LEARNFLOW_TEST_POSTGRES_URL (default
127.0.0.1:5432/test), all six agents as `learnflow-agents run --agent all` (offline
tutors), a real JupyterHub (configurable-http-proxy from build/chp) running the gateway as
its managed service, and the student's own `jupyter server` in cluster mode (the shipped
config, LEARNFLOW_GATEWAY_URL and the student's hub token) with the LearnFlow kernel. The
stack is started with the gateway tests' own code (tests/gateway/hub.py, conftest,
test_cluster_server.start_student_server).

Background: `--load` queries/s (default 100) from 200 other students, submitted straight to
the bus and store by an engine of this process (like benchmarks/pipeline.py's driver), a
mix of concept questions and failing code for the real agents. The same 50 errors as
cell_to_card.py are then run in the student's kernel and timed the same way (both instants
in the kernel). With `--single-user` (the default) cell_to_card.py's embedded run is done
first in the same run, and both are printed side by side.

    python benchmarks/cell_to_card_cluster.py [--cases 50] [--load 100] [--no-single-user] [--list]

Target (issue 19): p95 <= 300 ms in cluster mode at 100 queries/s background load.
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import requests  # noqa: E402
from cell_to_card import jupyter_server, measure, percentile, pick_cases  # noqa: E402
from learnflow_agents.contracts import StudentQuery  # noqa: E402
from learnflow_agents.runtime.engine import Engine, QueryTimeoutError  # noqa: E402
from learnflow_agents.settings import Settings  # noqa: E402
from learnflow_agents.store import Store  # noqa: E402
from psycopg import sql  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.fixtures.databases import _admin_connect, postgres_url  # noqa: E402
from tests.fixtures.kafka_broker import KafkaBroker, broker_binary, free_port  # noqa: E402
from tests.gateway.hub import Hub, Process, clean_env, start_hub, wait_until  # noqa: E402
from tests.gateway.test_cluster_server import start_student_server  # noqa: E402

TARGET_P95_MS = 300.0
STUDENT = "alice"
# Other students' traffic: questions and failing code, so triage, concepts and debug all work.
# Kwargs, not queries: each submission must be a new query (its own query_id).
BACKGROUND: list[dict[str, str]] = [
    {"text": "what is a for loop?"},
    {"text": "how do dictionaries work in python?"},
    {
        "text": "why does this fail?",
        "code": "x = [1, 2, 3]\nprint(x[3])",
        "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2\n'
        "IndexError: list index out of range",
    },
    {
        "text": "help",
        "code": "total = 0\nfor n in numbers:\n    total += n",
        "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2\n'
        "NameError: name 'numbers' is not defined",
    },
    {"text": "what is the difference between a list and a tuple?"},
]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh migrated schema of its own, dropped afterwards (as the gateway tests' classroom_db)."""
    base = postgres_url()
    schema = f"lf_c2c_{uuid.uuid4().hex[:12]}"
    with _admin_connect(base) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        Store.open(rendered, upgrade=True).close()
        yield rendered
    finally:
        with _admin_connect(base) as admin:
            admin.execute("SET lock_timeout = '30s'")
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def broker(tmp: Path) -> Iterator[KafkaBroker]:
    kafka = KafkaBroker(broker_binary(), free_port(), tmp / "tansu.log")
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()


@contextmanager
def stopping(process: Process) -> Iterator[Process]:
    try:
        yield process
    finally:
        process.stop()


@contextmanager
def classroom(tmp: Path, db: str, bus: str, prefix: str) -> Iterator[tuple[Hub, Process]]:
    """The agents process and the hub with the gateway (the arguments tests/gateway/conftest.py uses)."""
    argv = [sys.executable, "-m", "learnflow_agents", "run", "--agent", "all", "--bus", bus]
    argv += ["--prefix", prefix, "--db", db, "--metrics-port", "0", "--log-level", "WARNING"]
    (tmp / "agents").mkdir()
    with stopping(Process(argv, tmp / "agents.log", clean_env(), tmp / "agents").start()) as agents:
        ports = {name: free_port() for name in ("public", "hub", "proxy_api", "gateway")}
        gateway = [sys.executable, "-m", "learnflow_agents.gateway", "--ip", "127.0.0.1"]
        gateway += ["--port", str(ports["gateway"]), "--bus", bus, "--prefix", prefix, "--db", db]
        gateway += ["--log-level", "WARNING"]
        (tmp / "hub").mkdir()
        hub = start_hub(tmp / "hub", ports, gateway)
        with stopping(hub.process):
            hub.admin("POST", "users", {"usernames": [STUDENT]})
            hub.tokens[STUDENT] = hub.new_token(STUDENT)
            yield hub, agents


def answered_through_gateway(hub: Hub, agents: Process) -> None:
    """One debug query through the gateway answered: agents joined, topics and groups settled."""
    headers = {"Authorization": f"token {hub.tokens[STUDENT]}"}
    query = BACKGROUND[2]

    def answered() -> bool:
        assert agents.alive(), agents.log.read_text(errors="replace")[-4000:]
        r = requests.post(f"{hub.gateway}api/queries", json=query, headers=headers, timeout=30)
        r.raise_for_status()
        view = requests.get(
            f"{hub.gateway}api/queries/{r.json()['query_id']}",
            params={"wait": "30"},
            headers=headers,
            timeout=60,
        ).json()
        return bool(view["status"] == "answered")

    wait_until(answered, "a query answered through the gateway", timeout=180, log=agents.log)


class Background:
    """`rate` queries/s from 200 other students, straight to the bus and store, in a thread
    of the `--serve-load` process (LoadProcess)."""

    def __init__(self, settings: Settings, rate: int) -> None:
        self.settings, self.rate = settings, rate
        self.latencies: list[float] = []
        self.sent = self.late = 0
        self.seconds = 0.0
        self._stop = threading.Event()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="background-load", daemon=True)

    def __enter__(self) -> "Background":
        self._thread.start()
        self._started.wait(120)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(120)
        if self._error is not None and exc[0] is None:
            raise self._error

    def _run(self) -> None:
        try:
            asyncio.run(self._drive())
        except BaseException as err:  # reported by __enter__/__exit__ in the main thread
            self._error = err
            self._started.set()

    async def _drive(self) -> None:
        engine = Engine(self.settings, agents=[])
        await engine.start()
        pending: list[asyncio.Task[None]] = []

        async def one(student: str, query: StudentQuery) -> None:
            started = time.perf_counter()
            [query_id] = await engine.submit_many([(student, query)])
            try:
                await engine.wait(query_id, timeout=60)
            except QueryTimeoutError:
                self.late += 1
                return
            self.latencies.append(time.perf_counter() - started)

        try:
            await engine.ask("background-warmup", StudentQuery(text="warm up"), timeout=120)
            self._started.set()
            begin = time.perf_counter()
            while not self._stop.is_set():
                n = self.sent
                pending.append(
                    asyncio.create_task(
                        one(f"student-{n % 200}", StudentQuery(**BACKGROUND[n % len(BACKGROUND)]))
                    )
                )
                self.sent += 1
                await asyncio.sleep(max(0.0, begin + self.sent / self.rate - time.perf_counter()))
            self.seconds = time.perf_counter() - begin
            await asyncio.gather(*pending)
        finally:
            await engine.stop()


class LoadProcess:
    """Background in a process of its own: in the measuring process its thread starved the
    kernel client's heartbeat thread (the GIL), which then took the kernel for dead."""

    def __init__(self, bus: str, prefix: str, db: str, rate: int, log: Path) -> None:
        argv = [sys.executable, __file__, "--serve-load", bus, prefix, db, str(rate)]
        with log.open("ab") as err:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True
            )
        self.sent = self.late = 0
        self.seconds = 0.0
        self.latencies: list[float] = []

    def __enter__(self) -> "LoadProcess":
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            sys.exit("the background load did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        out, _ = self.process.communicate(timeout=180)  # closing stdin stops it
        if exc[0] is None:
            report = json.loads(out.strip().splitlines()[-1])
            self.sent, self.late, self.seconds = report["sent"], report["late"], report["seconds"]
            self.latencies = report["latencies"]


def serve_load(bus: str, prefix: str, db: str, rate: str) -> None:
    settings = Settings(bus_url=bus, topic_prefix=prefix, db_url=db, metrics_port=0, log_level="WARNING")
    load = Background(settings, int(rate))
    with load:
        print("ready", flush=True)
        sys.stdin.read()
    report = {"sent": load.sent, "late": load.late, "seconds": load.seconds, "latencies": load.latencies}
    print(json.dumps(report), flush=True)


def summary(timings: list[tuple[str, float, float]]) -> dict[str, float]:
    values = [ms for _, ms, _ in timings]
    agent = [own for _, _, own in timings]
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": percentile(values, 0.95),
        "max": max(values),
        "agent p50": statistics.median(agent),
    }


def cluster_run(
    tmp: Path, cases: list[dict[str, Any]], args: argparse.Namespace
) -> tuple[list[tuple[str, float, float]], LoadProcess]:
    with postgres_schema() as db, broker(tmp) as kafka:
        bus, prefix = kafka.bus_url(), f"c2c{uuid.uuid4().hex[:8]}."
        with classroom(tmp, db, bus, prefix) as (hub, agents):
            answered_through_gateway(hub, agents)
            server = start_student_server(tmp / "student", hub.gateway, hub.tokens[STUDENT])
            with stopping(server.process):
                with LoadProcess(bus, prefix, db, args.load, tmp / "load.log") as load:
                    timings = measure(
                        server.url,
                        tmp / "student" / "runtime",
                        cases,
                        args.warm_up,
                        args.cases,
                        server.token,
                    )
                assert agents.alive(), agents.log.read_text(errors="replace")[-4000:]
    return timings, load


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=50, help="different errors measured (default 50)")
    parser.add_argument("--warm-up", type=int, default=3, help="errors run first and not counted")
    parser.add_argument("--load", type=int, default=100, help="background queries/s (default 100)")
    parser.add_argument(
        "--no-single-user", dest="single_user", action="store_false", help="skip the embedded run"
    )
    parser.add_argument("--list", action="store_true", help="print every case's time in cluster mode")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (the logs)")
    parser.add_argument(
        "--serve-load", nargs=4, metavar=("BUS", "PREFIX", "DB", "RATE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve_load:
        serve_load(*args.serve_load)
        return 0
    # The student's server finds the LearnFlow kernel spec in the repository's kernels/.
    os.environ["JUPYTER_PATH"] = str(REPO)
    cases = pick_cases(args.cases + args.warm_up + 20)
    rows: list[tuple[str, dict[str, float]]] = []
    with contextlib.ExitStack() as scratch:
        if args.keep:
            tmp = Path(tempfile.mkdtemp(prefix="learnflow-c2c-cluster-"))
            print(f"logs kept in {tmp}", file=sys.stderr)
        else:
            tmp = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="learnflow-c2c-cluster-")))
        if args.single_user:
            (tmp / "single").mkdir()
            with jupyter_server(tmp / "single") as url:
                single = measure(url, tmp / "single" / "runtime", cases, args.warm_up, args.cases)
            rows.append(("single user, embedded", summary(single)))
        (tmp / "cluster").mkdir()
        clustered, load = cluster_run(tmp / "cluster", cases, args)
        rows.append((f"cluster, {args.load} q/s background", summary(clustered)))
    print(
        f"cell end -> complete card, {args.cases} different errors, LearnFlow kernel, offline tutors; "
        f"cluster: student's jupyter server -> JupyterHub -> gateway -> Kafka (Tansu) + PostgreSQL, "
        f"agents in their own process"
    )
    print(f"{'setup':<32} {'cases':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'agent p50':>10}")
    for name, r in rows:
        print(
            f"{name:<32} {r['n']:>5.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} "
            f"{r['agent p50']:>10.1f}"
        )
    if len(rows) == 2:
        a, b = rows[0][1], rows[1][1]
        print(f"cluster / single user: p50 x{b['p50'] / a['p50']:.2f}, p95 x{b['p95'] / a['p95']:.2f}")
    done = len(load.latencies)
    print(
        f"background: offered {args.load} q/s, sent {load.sent} in {load.seconds:.1f} s "
        f"({load.sent / max(load.seconds, 1e-9):.0f} q/s), answered {done}, late (> 60 s) {load.late}"
        + (
            f", p50 {statistics.median(load.latencies) * 1000:.0f} ms, "
            f"p95 {percentile(load.latencies, 0.95) * 1000:.0f} ms"
            if done
            else ""
        )
    )
    print(f"target: cluster p95 <= {TARGET_P95_MS:.0f} ms at 100 q/s background")
    if args.list:
        for name, ms, own in sorted(clustered, key=lambda t: -t[1]):
            print(f"  {ms:8.1f} ms  (agent {own:6.1f} ms)  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
