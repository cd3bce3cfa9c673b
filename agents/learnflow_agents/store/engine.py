"""Database URLs and engines: psycopg 3 for PostgreSQL, the stdlib driver for SQLite."""

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

# Execution option naming a connection whose transaction writes (see _sqlite_begin).
WRITE_OPTION = "learnflow_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str | URL) -> URL:
    """Parse `url`, pinning PostgreSQL to psycopg 3; reject what the store cannot serve."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            text = "postgresql+psycopg://" + text[len(plain) :]
    parsed = make_url(text)
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            raise ValueError(f"unsupported PostgreSQL driver in {shown!r}: use postgresql+psycopg://")
    elif backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise ValueError(f"unsupported SQLite driver in {shown!r}: use sqlite:///path")
        db = parsed.database or ""
        # Each pooled connection would get its own private in-memory database.
        if db in ("", ":memory:") or db.startswith("file:") or parsed.query.get("mode") == "memory":
            raise ValueError(f"in-memory SQLite is not supported ({shown!r}): give a file path")
    else:
        raise ValueError(f"unsupported database URL {shown!r}: use sqlite:///path or postgresql://...")
    return parsed


def create_store_engine(url: str | URL, *, pool_size: int = 10, echo: bool = False) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    engine = sa.create_engine(
        parsed,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10},
    )
    # An operator's own plan_cache_mode (libpq options in the URL) is left as it is.
    if "plan_cache_mode" not in str(parsed.query.get("options", "")):
        sa.event.listen(engine, "connect", _postgres_connect)
    return engine


def _postgres_connect(dbapi_conn: Any, _record: Any) -> None:
    # psycopg prepares a statement after a few uses, and PostgreSQL then keeps one generic
    # plan for it, chosen with the table as it was: on a fresh deployment's near-empty
    # tables a sequential scan, kept until autovacuum analyzes the table, so each batch's
    # `= ANY(ids)` read all of `queries`, more with every query stored. Planning each
    # execution for its own values costs little; the parse is still saved.
    # (tests/store/test_plan_cache.py; docs/performance.md, "p99 over a long run")
    with dbapi_conn.cursor() as cur:
        cur.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_conn.commit()  # a SET in a transaction rolled back would be undone with it


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    assert url.database is not None
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        echo=echo,
        # Callers run the store from worker threads (asyncio.to_thread); the pool hands
        # each thread its own connection, so sharing across threads is only a hand-off.
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
    )
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from the stdlib driver (which defers BEGIN until the
    # first DML and so breaks transactional DDL and savepoints); _sqlite_begin emits it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cur)
        cur.execute("PRAGMA foreign_keys = ON")
        # WAL + NORMAL: durable across process crashes; only an OS crash may lose the tail.
        cur.execute("PRAGMA synchronous = NORMAL")
    finally:
        cur.close()


def _enable_wal(cur: sqlite3.Cursor) -> None:
    # WAL is stored in the file, so only the first connection to a new database switches
    # it. The switch needs an exclusive lock and SQLite can answer SQLITE_BUSY to it without
    # calling the busy handler when processes open a new file together, so retry here.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that upgrades from
    # read to write can fail with SQLITE_BUSY without waiting. Readers stay deferred so
    # WAL lets them run beside a writer.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
