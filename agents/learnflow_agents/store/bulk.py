"""Bulk INSERT ... RETURNING for the hot path: one statement text, SQLAlchemy left out.

SQLAlchemy runs an executemany INSERT ... RETURNING as one multi-row VALUES statement per
batch. Its text changes with the batch size and is longer than psycopg caches, so psycopg
parses every one anew, and SQLAlchemy builds and binds it row by row: together most of the
store's CPU per query (benchmarks/pipeline.py --profile, docs/performance.md). Here the
statement is one row's, written once per (table, columns, conflict, returning).

- PostgreSQL: psycopg's `executemany` sends all rows in pipeline mode (one round trip)
  and prepares the statement after a few uses; each row's RETURNING comes back as its own
  result (empty for a row ON CONFLICT DO NOTHING skipped).
- SQLite: the stdlib driver runs the cached statement once per row (no network: a row
  costs microseconds), with the values converted by the columns' own SQLAlchemy type
  processors, so what is stored is exactly what SQLAlchemy would store.
"""

import sqlite3
from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from learnflow_agents import hot_path


def applies(conn: Connection) -> bool:
    """Whether `insert_returning` serves this connection (not on the legacy path)."""
    return conn.dialect.name in ("postgresql", "sqlite") and not hot_path.legacy


@cache
def _json_columns(table: sa.Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, sa.JSON))


@cache
def _statement(
    table: sa.Table,
    columns: tuple[str, ...],
    conflict: str,
    returning: tuple[str, ...],
    mark: str = "%s",
) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    params = ", ".join([mark] * len(columns))
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({params})'
    if conflict:
        sql += " " + conflict
    if returning:
        sql += " RETURNING " + ", ".join(f'"{name}"' for name in returning)
    return sql


def insert_returning(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str] = (),
    *,
    skip_conflicts: bool = False,
    upsert: str = "",
) -> list[tuple[Any, ...] | None]:
    """Insert `rows` (all with the same keys) in order, in `conn`'s transaction.

    `skip_conflicts` adds ON CONFLICT DO NOTHING; `upsert` is an ON CONFLICT ... DO UPDATE
    clause instead (SQL both backends read alike).

    Returns, per row, its `returning` columns, or None for a row skipped as a conflict.
    Database errors come as SQLAlchemy's (IntegrityError, OperationalError, ...), as
    from `conn.execute`, so callers tell a bad row from an outage the same way.
    """
    if not rows:
        return []
    conflict = "ON CONFLICT DO NOTHING" if skip_conflicts else upsert
    if conn.dialect.name == "sqlite":
        return _sqlite_insert(conn, table, rows, tuple(returning), conflict)
    columns = tuple(rows[0])
    json = _json_columns(table)
    wrap = [name in json for name in columns]
    params = [
        tuple(
            Jsonb(row[name]) if is_json and row[name] is not None else row[name]
            for name, is_json in zip(columns, wrap, strict=True)
        )
        for row in rows
    ]
    sql = _statement(table, columns, conflict, tuple(returning))
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cur:
            if not returning:
                cur.executemany(sql, params)
                return [None] * len(rows)
            cur.executemany(sql, params, returning=True)
            results: list[tuple[Any, ...] | None] = []
            while True:
                found = cur.fetchone()
                results.append(tuple(found) if found is not None else None)
                if not cur.nextset():
                    break
    except psycopg.Error as err:
        raise sa_exc.DBAPIError.instance(sql, None, err, psycopg.Error, dialect=conn.dialect) from err
    if len(results) != len(rows):
        raise RuntimeError(f"expected {len(rows)} results from {table.name}, got {len(results)}")
    return results


@cache
def _processors(
    table: sa.Table, columns: tuple[str, ...], returning: tuple[str, ...], dialect: sa.Dialect
) -> tuple[list[Any], list[Any]]:
    """The columns' SQLAlchemy bind processors (values in) and result processors (RETURNING out)."""
    binds = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    results = [table.c[name].type._cached_result_processor(dialect, None) for name in returning]
    return binds, results


def _sqlite_insert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    returning: tuple[str, ...],
    conflict: str,
) -> list[tuple[Any, ...] | None]:
    columns = tuple(rows[0])
    binds, outs = _processors(table, columns, returning, conn.dialect)
    sql = _statement(table, columns, conflict, returning, "?")
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    results: list[tuple[Any, ...] | None] = []
    cur = raw.cursor()
    try:
        for row in rows:
            params = [
                value if bind is None else bind(value)
                for value, bind in zip((row[name] for name in columns), binds, strict=True)
            ]
            cur.execute(sql, params)
            if not returning:
                results.append(None)
                continue
            found = cur.fetchone()
            results.append(
                None
                if found is None
                else tuple(v if out is None else out(v) for v, out in zip(found, outs, strict=True))
            )
    except sqlite3.Error as err:
        raise sa_exc.DBAPIError.instance(sql, None, err, sqlite3.Error, dialect=conn.dialect) from err
    finally:
        cur.close()
    return results


def execute_many(
    conn: Connection, table: sa.Table, sql: str, names: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """Run `sql` once per row of values, in `conn`'s transaction: placeholders are written
    `?`, one per value, and each value is converted as `table`'s column of the same place
    in `names` (SQLite: by the column's SQLAlchemy processor; PostgreSQL: by psycopg,
    in pipeline mode)."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    try:
        if conn.dialect.name == "sqlite":
            assert isinstance(raw, sqlite3.Connection)
            binds, _ = _processors(table, names, (), conn.dialect)
            converted = [
                [value if bind is None else bind(value) for value, bind in zip(row, binds, strict=True)]
                for row in rows
            ]
            raw.executemany(sql, converted)
            return
        assert isinstance(raw, psycopg.Connection)
        json = _json_columns(table)
        wrap = [name in json for name in names]
        params = [
            tuple(Jsonb(v) if is_json and v is not None else v for v, is_json in zip(row, wrap, strict=True))
            for row in rows
        ]
        with raw.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), params)
    except (sqlite3.Error, psycopg.Error) as err:
        base = sqlite3.Error if isinstance(err, sqlite3.Error) else psycopg.Error
        raise sa_exc.DBAPIError.instance(sql, None, err, base, dialect=conn.dialect) from err
