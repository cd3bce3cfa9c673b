"""Fault injection: queries through Kafka (Tansu) + PostgreSQL while things break.

The stack is the cluster's: the agents (triage + concepts) run as two `learnflow-agents
run` processes (replicas of one consumer group) on a Tansu broker reached through a TCP
proxy, with a fresh PostgreSQL database; this process submits like the gateway does (an
`Engine` without agents: outbox, relay, sweeper) and keeps the agents running like an
orchestrator (a process that exits is started again after a second).

One phase per fault; each submits its share of the queries at a fixed rate and injects
its fault about a third of the way in:

- none:                 the baseline.
- kill -9:              SIGKILL one agent process; the "orchestrator" restarts it.
- broker cut:           the proxy drops every connection and refuses new ones for a while
                        (submissions go to the outbox, agents lose the broker), then restores.
- broker restart:       the broker is killed and started again; Tansu keeps its data in
                        memory, so every record and committed offset is gone: what was
                        acknowledged but not yet consumed is lost on the bus, which is the
                        sweeper's case (a query stays pending/routed until it is re-driven).
- poison (undecodable): records that are not envelopes (garbage bytes, wrong JSON) on the
                        agents' topics, among the real queries.
- poison (no query row): a well-formed request whose query_id has no row in `queries`
                        (issue 13's pill: storing its reply violates a foreign key).

Per phase it prints answered / lost / duplicated: lost = no reply stored by the end of the
settle time; duplicated = a query with more than one stored reply, or whose reply reached
the bus (agent-responses) more than once. Also the sweeper's re-drives, the agents'
restarts and the dead letters. It prints figures and asserts nothing.

    python benchmarks/faults.py [--queries 2000] [--rate 100] [--settle 90] [--quick]
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from learnflow_agents.contracts import (  # noqa: E402
    AgentRequest,
    RoutingDecision,
    StudentQuery,
    Topic,
    decode,
    encode,
    make_envelope,
)
from learnflow_agents.runtime.engine import Engine  # noqa: E402
from learnflow_agents.settings import Settings  # noqa: E402
from learnflow_agents.store import normalize_url  # noqa: E402
from learnflow_agents.store.schema import queries, replies  # noqa: E402

from tests.fixtures.kafka_broker import KafkaBroker, broker_binary, free_port  # noqa: E402
from tests.fixtures.tcp_proxy import TcpProxy  # noqa: E402

POSTGRES_SERVER = normalize_url(
    os.environ.get("LEARNFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
POSTGRES_ADMIN = POSTGRES_SERVER.set(database="postgres")
# The broker restart comes last: consumers left ahead of the emptied log skip records
# until it catches up, which would be charged to the phases after it.
FAULTS = (
    "none",
    "kill -9",
    "broker cut",
    "poison (undecodable)",
    "poison (no query row)",
    "broker restart",
)
TOPICS = (
    "for loops",
    "while loops",
    "list comprehensions",
    "dictionaries",
    "recursion",
    "classes",
    "decorators",
    "generators",
    "exceptions",
    "f-strings",
)
# Consumer-group timings: a killed replica's partitions move on within a few seconds.
GROUP_OPTIONS = {"session_timeout": "3", "heartbeat_interval": "0.5", "rebalance_timeout": "3"}


@dataclass
class PhaseResult:
    fault: str
    queries: int
    answered: int = 0
    lost: int = 0
    dup_stored: int = 0
    dup_bus: int = 0
    redriven: int = 0
    restarts: int = 0
    dead_letters: int = 0
    seconds: float = 0.0
    lost_by_status: Counter[str] = field(default_factory=Counter)


@dataclass
class Agents:
    """Two replicas of `learnflow-agents run --agent triage --agent concepts`, kept running."""

    argv: list[str]
    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen[bytes] | None] = field(default_factory=lambda: [None, None])
    restarts: int = 0
    exits: Counter[int] = field(default_factory=Counter)
    held: set[int] = field(default_factory=set)  # replicas the fault keeps down for now

    def start(self, i: int) -> None:
        log = (self.log_dir / f"agent-{i}.log").open("ab")
        self.processes[i] = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, stdin=subprocess.DEVNULL
        )
        log.close()

    def kill(self, i: int) -> None:
        process = self.processes[i]
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    async def supervise(self) -> None:
        """The orchestrator: a replica that exited is started again after a second."""
        while True:
            for i, process in enumerate(self.processes):
                if process is not None and process.poll() is not None and i not in self.held:
                    self.exits[process.returncode] += 1
                    await asyncio.sleep(1.0)
                    self.start(i)
                    self.restarts += 1
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Audit:
    """Reads agent-responses and dead-letter from the start: duplicates on the bus."""

    def __init__(self, engine: Engine) -> None:
        assert engine.bus is not None
        self.consumer = engine.bus.consumer(
            f"faults-audit-{uuid.uuid4().hex[:8]}",
            [Topic.AGENT_RESPONSES.value, Topic.DEAD_LETTER.value],
            "earliest",
        )
        self.replies: Counter[str] = Counter()
        self.dead_letters = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                records = await self.consumer.getmany(timeout=1.0, max_records=1000)
            except Exception:
                await asyncio.sleep(0.5)  # the broker is cut off: read again later
                continue
            for record in records:
                if record.topic == Topic.DEAD_LETTER.value:
                    self.dead_letters += 1
                    continue
                with contextlib.suppress(Exception):
                    self.replies[str(decode(record.topic, record.value).payload.query_id)] += 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.consumer.stop()


def lost_statuses(db_url: str, ids: list[uuid.UUID]) -> Counter[str]:
    """Where the unanswered queries stand: status and re-drives."""
    engine = sa.create_engine(normalize_url(db_url))
    found: Counter[str] = Counter()
    try:
        with engine.connect() as conn:
            for start in range(0, len(ids), 1000):
                rows = conn.execute(
                    sa.select(queries.c.status, queries.c.redrives).where(
                        queries.c.query_id.in_(ids[start : start + 1000])
                    )
                )
                found.update(f"{status} after {n} re-drives" for status, n in rows)
    finally:
        engine.dispose()
    return found


def counts(db_url: str, ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, int], int]:
    """Stored replies per query, and the phase's re-drives."""
    engine = sa.create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            stored: dict[uuid.UUID, int] = {}
            redriven = 0
            for start in range(0, len(ids), 1000):
                part = ids[start : start + 1000]
                rows = conn.execute(
                    sa.select(replies.c.query_id, sa.func.count())
                    .where(replies.c.query_id.in_(part))
                    .group_by(replies.c.query_id)
                )
                stored.update({qid: int(n) for qid, n in rows})
                redriven += int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.sum(queries.c.redrives), 0)).where(
                            queries.c.query_id.in_(part)
                        )
                    ).scalar_one()
                )
    finally:
        engine.dispose()
    return stored, redriven


async def inject_poison(engine: Engine, kind: str, count: int) -> None:
    assert engine.bus is not None
    records: list[tuple[str, str | None, bytes]] = []
    for i in range(count):
        student = f"poisoner-{i % 7}"
        if kind == "undecodable":
            records.append((Topic.STUDENT_QUERIES.value, student, b"\x00\xffnot an envelope"))
            records.append((Topic.CONCEPTS_REQUESTS.value, student, b'{"schema_version": 1, "payload": 7}'))
        else:
            query = StudentQuery(text="a query that was never stored")
            routing = RoutingDecision(
                query_id=query.query_id, target_agent="concepts", confidence=1.0, reasoning="poison"
            )
            payload = AgentRequest(query=query, routing=routing)
            envelope = make_envelope(Topic.CONCEPTS_REQUESTS, student, payload, "poison")
            records.append((Topic.CONCEPTS_REQUESTS.value, student, encode(envelope)))
    with contextlib.suppress(Exception):
        await engine.bus.publish_many(records)


async def run_phase(
    fault: str,
    n: int,
    rate: float,
    settle: float,
    engine: Engine,
    agents: Agents,
    proxy: TcpProxy,
    broker: KafkaBroker,
    partitions: int,
    audit: Audit,
    db_url: str,
    students: int,
) -> PhaseResult:
    result = PhaseResult(fault, n)
    restarts_before, dead_before = agents.restarts, audit.dead_letters
    ids: list[uuid.UUID] = []
    tasks: list[asyncio.Task[list[uuid.UUID]]] = []
    begin = time.perf_counter()
    inject_at, recover_at = int(n * 0.3), int(n * 0.6)
    per_tick = max(1, round(rate * 0.05))
    sent = 0
    run = uuid.uuid4().hex[:4]
    while sent < n:
        batch = [
            (
                f"student-{run}-{(sent + i) % students}",
                StudentQuery(text=f"can you explain {TOPICS[(sent + i) % 10]}?"),
            )
            for i in range(min(per_tick, n - sent))
        ]
        tasks.append(asyncio.create_task(engine.submit_many(batch)))
        before, sent = sent, sent + len(batch)
        if before < inject_at <= sent:
            if fault == "kill -9":
                agents.kill(0)  # the orchestrator restarts it
            elif fault == "broker cut":
                proxy.cut()
            elif fault == "broker restart":
                assert engine.bus is not None
                await asyncio.to_thread(broker.restart)
                with contextlib.suppress(Exception):
                    await engine.bus.create_topics(partitions)  # the new broker has none
            elif fault == "poison (undecodable)":
                await inject_poison(engine, "undecodable", 10)
            elif fault == "poison (no query row)":
                await inject_poison(engine, "no-row", 1)
        if before < recover_at <= sent and fault == "broker cut":
            await asyncio.sleep(5.0)  # the outage lasts a few seconds past the submissions
            proxy.restore()
        await asyncio.sleep(max(0.0, begin + sent / rate - time.perf_counter()))
    for task in tasks:
        try:
            ids.extend(await task)
        except Exception as err:  # a submit that failed outright is a lost query too
            print(f"  submit failed: {err!r}", file=sys.stderr)
    result.queries = n
    deadline = time.monotonic() + settle
    stored: dict[uuid.UUID, int] = {}
    while time.monotonic() < deadline:
        stored, _ = await asyncio.to_thread(counts, db_url, ids)
        if len(stored) >= len(ids):
            break
        await asyncio.sleep(1.0)
    result.seconds = time.perf_counter() - begin
    await asyncio.sleep(3.0)  # late duplicates
    stored, result.redriven = await asyncio.to_thread(counts, db_url, ids)
    result.answered = len(stored)
    result.lost = n - result.answered
    unanswered = [qid for qid in ids if qid not in stored]
    if unanswered:
        result.lost_by_status = await asyncio.to_thread(lost_statuses, db_url, unanswered)
    result.dup_stored = sum(1 for c in stored.values() if c > 1)
    result.dup_bus = sum(1 for qid in ids if audit.replies.get(str(qid), 0) > 1)
    result.restarts = agents.restarts - restarts_before
    result.dead_letters = audit.dead_letters - dead_before
    return result


def fresh_postgres_db() -> str:
    name = f"learnflow_faults_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def drop_postgres_db(name: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=2000, help="in all, shared by the fault phases")
    parser.add_argument("--rate", type=float, default=100.0, help="queries per second while submitting")
    parser.add_argument("--settle", type=float, default=90.0, help="seconds a phase waits for its replies")
    parser.add_argument("--redrive-after", type=float, default=15.0, help="the sweeper's idle deadline")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated subset, in order")
    parser.add_argument("--quick", action="store_true", help="500 queries, shorter waits (about 2 minutes)")
    parser.add_argument("--keep-logs", help="copy the broker and agent logs to this directory")
    args = parser.parse_args()
    if args.quick:
        args.queries, args.rate, args.settle, args.redrive_after = 500, 60.0, 30.0, 8.0
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    # The client library's own reconnect chatter during the outages is expected.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("learnflow").setLevel(logging.ERROR)
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}: choose from {', '.join(FAULTS)}")
    per_phase = max(1, args.queries // len(faults))

    database = fresh_postgres_db()
    db_url = POSTGRES_SERVER.set(database=database).render_as_string(hide_password=False)
    prefix = f"faults{uuid.uuid4().hex[:6]}."
    broker_port, proxy_port = free_port(), free_port()
    proxy = TcpProxy(proxy_port, broker_port)
    results: list[PhaseResult] = []
    started = time.perf_counter()
    with TemporaryDirectory() as tmp:
        log_dir = Path(args.keep_logs) if args.keep_logs else Path(tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        proxy.start()
        broker = KafkaBroker(broker_binary(), broker_port, log_dir / "tansu.log", advertised_port=proxy_port)
        broker.start()
        bus_url = f"kafka://127.0.0.1:{proxy_port}?{urlencode(GROUP_OPTIONS)}"
        settings = Settings(
            bus_url=bus_url,
            db_url=db_url,
            topic_prefix=prefix,
            partitions=args.partitions,
            auto_upgrade=True,
            redrive_after=args.redrive_after,
            log_level="WARNING",
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LEARNFLOW_")},
            "LEARNFLOW_REDRIVE_AFTER": str(args.redrive_after),
            "PYTHONUNBUFFERED": "1",
        }
        argv = [sys.executable, "-m", "learnflow_agents", "run", "--agent", "triage", "--agent", "concepts"]
        argv += ["--metrics-port", "0", "--log-level", "WARNING", "--bus", bus_url, "--prefix", prefix]
        argv += ["--db", db_url, "--partitions", str(args.partitions)]
        agents = Agents(argv, env, log_dir)
        engine = Engine(settings, run_agents=False)
        supervisor: asyncio.Task[None] | None = None
        audit: Audit | None = None
        try:
            await engine.start()
            assert engine.bus is not None
            await engine.bus.create_topics(args.partitions)
            agents.start(0)
            agents.start(1)
            supervisor = asyncio.create_task(agents.supervise())
            audit = Audit(engine)
            await audit.start()
            # Warm up: both replicas joined, a query answered end to end.
            await engine.ask("warmup", StudentQuery(text="can you explain for loops?"), timeout=90)
            for fault in faults:
                result = await run_phase(
                    fault,
                    per_phase,
                    args.rate,
                    args.settle,
                    engine,
                    agents,
                    proxy,
                    broker,
                    args.partitions,
                    audit,
                    db_url,
                    args.students,
                )
                results.append(result)
                print(
                    f"  {fault}: {result.answered}/{result.queries} answered, {result.lost} lost "
                    f"in {result.seconds:.0f}s",
                    file=sys.stderr,
                )
        finally:
            if supervisor is not None:
                supervisor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await supervisor
            if audit is not None:
                await audit.stop()
            agents.stop()
            # A client torn down after outages may raise anything, even CancelledError from
            # aiokafka's fetcher: the broker, the proxy and the database go regardless.
            with contextlib.suppress(Exception, asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(engine.stop(), 60)
            broker.stop()
            proxy.close()
            drop_postgres_db(database)

    total = time.perf_counter() - started
    print(
        f"\nfaults: {per_phase * len(faults)} queries ({per_phase} per fault) at {args.rate:g}/s through "
        f"Kafka (Tansu, {args.partitions} partitions) + PostgreSQL; agents: 2 x `learnflow-agents run "
        f"--agent triage --agent concepts`; sweeper after {args.redrive_after:g}s; {total:.0f}s in all"
    )
    header = (
        "fault",
        "queries",
        "answered",
        "lost",
        "dup stored",
        "dup bus",
        "re-driven",
        "restarts",
        "dead letters",
    )
    print(f"{header[0]:<24}" + "".join(f"{h:>13}" for h in header[1:]))
    for r in results:
        row = (r.queries, r.answered, r.lost, r.dup_stored, r.dup_bus, r.redriven, r.restarts, r.dead_letters)
        print(f"{r.fault:<24}" + "".join(f"{v:>13}" for v in row))
    for r in results:
        if r.lost_by_status:
            where = ", ".join(f"{n} {status}" for status, n in r.lost_by_status.most_common())
            print(f"lost in {r.fault}: {where}")
    exits = ", ".join(f"{code}: {n}" for code, n in sorted(agents.exits.items())) or "none"
    print(f"agent exits by code: {exits}")


if __name__ == "__main__":
    asyncio.run(main())
