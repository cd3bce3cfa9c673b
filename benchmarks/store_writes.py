"""The store's share of a query: CPU of submit_queries, apply_effects and mark_sent per query.

Both write paths side by side in one run, on SQLite and on PostgreSQL: the current one
(store/bulk.py) and the one it replaced (SQLAlchemy statements; hot_path.legacy), in
alternating rounds so a burst of other work on the machine hits both alike. CPU is this
thread's (the store runs in worker threads in the pipeline); the database server's own
CPU is not included.

    python benchmarks/store_writes.py [--batch 10] [--rounds 200]
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents import hot_path  # noqa: E402
from learnflow_agents.contracts import AgentReply, Provenance, StudentQuery, Topic  # noqa: E402
from learnflow_agents.runtime.publishing import outbox_event  # noqa: E402
from learnflow_agents.store import Effects, Store, Submission, normalize_url  # noqa: E402

POSTGRES_SERVER = normalize_url(
    os.environ.get("LEARNFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)


def submissions(batch: int) -> list[Submission]:
    items = []
    for i in range(batch):
        query = StudentQuery(text=f"query {i}")
        student = f"student-{i % 200}"
        event = outbox_event(Topic.STUDENT_QUERIES, student, query, "trace")
        items.append(Submission(student, uuid.uuid4().hex, query, query.context, [event]))
    return items


def effects(items: list[Submission]) -> list[Effects]:
    out = []
    for item in items:
        reply = AgentReply(
            query_id=item.query.query_id,
            agent="debug",
            summary="x",
            provenance=Provenance(agent="debug", provider="echo"),
        )
        out.append(
            Effects(
                consumer_group="learnflow-debug",
                message_id=str(uuid.uuid4()),
                student_id=item.student_id,
                query_id=item.query.query_id,
                reply=reply,
                query_status="answered",
                events=[outbox_event(Topic.AGENT_RESPONSES, item.student_id, reply, "trace")],
            )
        )
    return out


def one_round(store: Store, batch: int) -> tuple[int, int, int]:
    """Thread CPU ns of: submit, effects, marking (in the next write's transaction, as the
    runtime does; the legacy path marks in a transaction of its own)."""
    items = submissions(batch)
    work = effects(items)
    start = time.thread_time_ns()
    rows = store.submit_queries(items)
    submitted = time.thread_time_ns()
    ids = [row.id for written in rows if written for row in written]
    if hot_path.legacy:
        marked_at = time.thread_time_ns()
        store.mark_sent(ids)
        mark = time.thread_time_ns() - marked_at
        effect_start = time.thread_time_ns()
        store.apply_effects(work)
    else:
        effect_start = time.thread_time_ns()
        store.apply_effects(work, sent=ids)
        mark = 0
    done = time.thread_time_ns()
    return submitted - start, done - effect_start, mark


def measure(url: str, batch: int, rounds: int) -> dict[bool, list[float]]:
    store = Store.open(url, True)
    totals = {True: [0, 0, 0], False: [0, 0, 0]}
    try:
        for legacy in (True, False, True, False):  # warm both paths up
            hot_path.legacy = legacy
            one_round(store, batch)
        for n in range(rounds * 2):
            legacy = n % 2 == 0
            hot_path.legacy = legacy
            for i, ns in enumerate(one_round(store, batch)):
                totals[legacy][i] += ns
    finally:
        hot_path.legacy = False
        store.close()
    queries = batch * rounds
    return {legacy: [ns / 1000 / queries for ns in t] for legacy, t in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=10, help="queries per transaction (default 10)")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    name = f"learnflow_store_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_SERVER.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results["SQLite"] = measure(f"sqlite:///{tmp}/bench.sqlite3", args.batch, args.rounds)
        pg = POSTGRES_SERVER.set(database=name).render_as_string(hide_password=False)
        results["PostgreSQL"] = measure(pg, args.batch, args.rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(
        f"\nstore CPU per query, µs (this thread), {args.batch} queries a transaction, {args.rounds} rounds"
    )
    print(f"{'backend':<12}{'path':<8}{'submit':>10}{'effects':>10}{'marking':>10}{'total':>10}")
    for backend, paths in results.items():
        for legacy, label in ((True, "before"), (False, "after")):
            s, e, m = paths[legacy]
            print(f"{backend:<12}{label:<8}{s:>10.1f}{e:>10.1f}{m:>10.1f}{s + e + m:>10.1f}")
        print(f"{backend}: after / before x{sum(paths[False]) / sum(paths[True]):.2f}")


if __name__ == "__main__":
    main()
