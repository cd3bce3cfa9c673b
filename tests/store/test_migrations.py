"""Migrations from empty to head, idempotent upgrades, and models/migrations agreement."""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from learnflow_agents.store import Store, normalize_url
from learnflow_agents.store.engine import create_store_engine
from learnflow_agents.store.migrate import include_name
from learnflow_agents.store.reads import PG_MATCH
from learnflow_agents.store.schema import metadata

TABLES = {
    "students",
    "queries",
    "replies",
    "mastery",
    "exercise_attempts",
    "feedback",
    "struggle_alerts",
    "agent_heartbeats",
    "llm_cache",
    "llm_usage",
    "processed_messages",
    "outbox",
}


@pytest.fixture
def bare(store_url: str) -> Iterator[Store]:
    """A Store on an empty database, not migrated."""
    store = Store(store_url)
    try:
        yield store
    finally:
        store.close()


def table_names(store: Store) -> set[str]:
    with store._engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_empty_to_head(bare: Store) -> None:
    assert bare.current_revision() is None
    assert table_names(bare) == set()
    bare.upgrade()
    assert bare.current_revision() == Store.head_revision() == "0006"
    assert table_names(bare) >= TABLES


def test_second_upgrade_is_a_noop_and_keeps_data(bare: Store) -> None:
    bare.upgrade()
    bare.heartbeat("triage", "pod-1", {"handled": 3})
    bare.upgrade()
    assert bare.current_revision() == Store.head_revision()
    assert [(h.agent, h.stats) for h in bare.list_heartbeats()] == [("triage", {"handled": 3})]


def test_concurrent_upgrades_from_empty(store_url: str) -> None:
    """Agents starting together all migrate the same empty database without tripping."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    revisions: list[str | None] = []

    def agent() -> None:
        try:
            start.wait()
            with Store.open(store_url) as store:
                revisions.append(store.current_revision())
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=agent) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert revisions == [Store.head_revision()] * 4


RACER = """
import pathlib, sys, time
from learnflow_agents.store import Store
pathlib.Path(sys.argv[2]).touch()
go = pathlib.Path(sys.argv[3])
while not go.exists():
    time.sleep(0.002)
with Store.open(sys.argv[1]) as store:
    print(store.current_revision())
"""


def test_concurrent_upgrades_across_processes(store_url: str, tmp_path: Path) -> None:
    """Separate processes (agent pods) rely on the database's lock, not a Python one."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(8)]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, store_url, str(flag), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        while not all(flag.exists() for flag in ready):
            assert all(r.poll() is None for r in racers), "a racer exited before the start"
            time.sleep(0.01)
        go.touch()
        outcomes = [r.communicate(timeout=120) for r in racers]
    finally:
        for r in racers:
            r.kill()
    assert [r.returncode for r in racers] == [0] * 8, [err for _, err in outcomes]
    assert [out.strip() for out, _ in outcomes] == [Store.head_revision()] * 8


def test_downgrade_to_base_and_back(bare: Store) -> None:
    bare.upgrade()
    bare.downgrade("base")
    assert bare.current_revision() is None
    assert table_names(bare) & TABLES == set()
    bare.upgrade()
    assert table_names(bare) >= TABLES
    assert bare.schema_diff() == []


def test_0003_gives_existing_attempts_their_reply_as_source(bare: Store) -> None:
    bare.upgrade("0002")
    rows = [
        {"details": {"reply_id": "r1"}},
        {"details": {"reply_id": "r1"}},  # the duplicate the old look-up could let through
        {"details": {"reply_id": "r2"}},
        {"details": {}},
    ]
    attempts = sa.table(
        "exercise_attempts",
        *(sa.column(c) for c in ("student_id", "exercise_id", "topic", "passed", "hints_used", "created_at")),
        sa.column("details", sa.JSON()),
    )
    now = sa.func.now() if bare.dialect == "postgresql" else sa.literal("2025-01-01 00:00:00")
    with bare._engine.begin() as conn:
        for row in rows:
            conn.execute(
                sa.insert(attempts).values(
                    student_id="a",
                    exercise_id="e",
                    topic="t",
                    passed=False,
                    hints_used=0,
                    created_at=now,
                    **row,
                )
            )
    bare.upgrade()
    assert [a.source_id for a in sorted(bare.recent_attempts("a"), key=lambda a: a.id)] == [
        "r1",
        None,
        "r2",
        None,
    ]
    assert bare.schema_diff() == []


def test_models_and_migrations_agree(store: Store) -> None:
    assert store.schema_diff() == []


def test_drift_is_detected(store: Store) -> None:
    """The agreement check itself can fail: a changed model shows up as a difference."""
    drifted = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    sa.Table("queries", drifted, sa.Column("extra", sa.Text()), extend_existing=True)
    drifted.tables["replies"].c.agent.type = sa.String(32)
    with store._engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diffs = compare_metadata(ctx, drifted)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in diffs}
    assert "add_column" in kinds
    assert "modify_type" in kinds


def test_search_objects_exist(store: Store) -> None:
    with store._engine.connect() as conn:
        if store.dialect == "sqlite":
            names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
            assert {"queries_fts", "queries_fts_ai", "queries_fts_ad", "queries_fts_au"} <= names
        else:
            indexdef = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_queries_search' "
                "AND schemaname = current_schema()"
            ).scalar_one()
            assert "gin" in indexdef and "to_tsvector" in indexdef


def test_search_uses_the_index_on_postgresql(postgres_schema_url: str) -> None:
    """The store's search predicate must match the migration's index expression exactly."""
    with Store.open(postgres_schema_url) as store, store._engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        explain = sa.text(f"EXPLAIN SELECT query_id FROM queries WHERE {PG_MATCH.text}")
        plan = conn.execute(explain, {"words": "loops"}).scalars()
        assert "ix_queries_search" in "\n".join(plan)


def test_url_rewriting_and_rejections(tmp_path: Path) -> None:
    assert normalize_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    for bad in ("sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "postgresql+psycopg2://u@h/db"):
        with pytest.raises(ValueError):
            normalize_url(bad)
    # Missing parent directories of an embedded database are created.
    nested = tmp_path / "a" / "b" / "store.sqlite3"
    engine = create_store_engine(f"sqlite:///{nested}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    assert nested.exists()
