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

import json
import re
import sqlite3
from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from learnflow_agents import hot_path
from learnflow_agents.store.rows import JSONText


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
    if not hot_path.per_row_postgres_inserts:
        unnested = _pg_insert_unnest(conn, table, rows, columns, tuple(returning), skip_conflicts, upsert)
        if unnested is not None:
            return unnested
    json = _json_columns(table)
    wrap = [name in json for name in columns]
    params = [
        tuple(
            _jsonb(row[name]) if is_json and row[name] is not None else row[name]
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


_TYPE_ARGS = re.compile(r"\(.*?\)")
_PG = postgresql.dialect()


@cache
def _pg_array_types(table: sa.Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Each column's PostgreSQL type, without its length: a cast to VARCHAR(n) would cut a
    value silently, where the insert's own assignment refuses one too long."""
    return tuple(_TYPE_ARGS.sub("", table.c[name].type.compile(dialect=_PG)) for name in columns)


@cache
def _unnest_statement(
    table: sa.Table, columns: tuple[str, ...], conflict: str, returning: tuple[str, ...]
) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    arrays = ", ".join(f"%b::{kind}[]" for kind in _pg_array_types(table, columns))
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # ORDER BY the position: rows go in (and take their sequence ids) in the order given.
    sql = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {aliases} FROM unnest({arrays}) '
        f"WITH ORDINALITY AS r({aliases}, n) ORDER BY n"
    )
    if conflict:
        sql += " " + conflict
    if returning:
        sql += " RETURNING " + ", ".join(f'"{name}"' for name in returning)
    return sql


def _json_param(value: Any) -> Any:
    if value is None or type(value) is JSONText:
        return value  # NULL, or a document encoded once already
    return json.dumps(value)


def _pg_insert_unnest(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    columns: tuple[str, ...],
    returning: tuple[str, ...],
    skip_conflicts: bool,
    upsert: str,
) -> list[tuple[Any, ...] | None] | None:
    """PostgreSQL: the whole batch as ONE statement, each column an array (`unnest`): one
    statement text whatever the batch size (psycopg prepares it), one execution on the
    server, instead of a pipelined statement per row. None when the rows' results cannot
    be told apart this way (the caller then inserts row by row).

    Which row a RETURNING row belongs to: by the returned values when they are all
    columns given (a skipped conflict returns nothing); when a server-made id is returned
    and nothing can be skipped, by order (ids are taken in the ORDER BY order).
    """
    given = set(columns)
    by_value = bool(returning) and given.issuperset(returning)
    in_order = bool(returning) and not by_value and not skip_conflicts and not upsert
    if returning and not (by_value or in_order):
        return None
    if by_value and len({tuple(row[name] for name in returning) for row in rows}) != len(rows):
        return None  # two rows, one key: which one went in only a row-by-row insert tells
    json = _json_columns(table)
    arrays = [
        [_json_param(row[name]) for row in rows] if name in json else [row[name] for row in rows]
        for name in columns
    ]
    conflict = "ON CONFLICT DO NOTHING" if skip_conflicts else upsert
    sql = _unnest_statement(table, columns, conflict, returning)
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cur:
            cur.execute(sql, arrays)
            found = [tuple(r) for r in cur.fetchall()] if returning else []
    except psycopg.Error as err:
        raise sa_exc.DBAPIError.instance(sql, None, err, psycopg.Error, dialect=conn.dialect) from err
    if not returning:
        return [None] * len(rows)
    if in_order:
        if len(found) != len(rows):
            raise RuntimeError(f"expected {len(rows)} rows back from {table.name}, got {len(found)}")
        return sorted(found)
    stored = set(found)
    results: list[tuple[Any, ...] | None] = []
    for row in rows:
        key = tuple(row[name] for name in returning)
        results.append(key if key in stored else None)
    return results


def _as_is(text: str) -> str:
    return text


def _jsonb(value: Any) -> Jsonb:
    # A document the row check already encoded goes as it is (encoded once).
    return Jsonb(value, dumps=_as_is) if isinstance(value, JSONText) else Jsonb(value)


@cache
def _processors(
    table: sa.Table, columns: tuple[str, ...], returning: tuple[str, ...], dialect: sa.Dialect
) -> tuple[list[Any], list[Any]]:
    """The columns' SQLAlchemy bind processors (values in) and result processors (RETURNING out)."""
    binds = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    results = [table.c[name].type._cached_result_processor(dialect, None) for name in returning]
    return binds, results


class _Converter:
    """The columns' bind processors for a batch of rows, SQLite side: a document the row
    check encoded (JSONText) goes as it is, and a value seen in the row before (the
    batch's one timestamp) is converted once. Only the columns with a processor are
    visited."""

    __slots__ = ("active", "last")

    def __init__(self, table: sa.Table, columns: tuple[str, ...], dialect: sa.Dialect) -> None:
        binds, _ = _processors(table, columns, (), dialect)
        json = _json_columns(table)
        self.active = [
            (i, bind, name in json)
            for i, (name, bind) in enumerate(zip(columns, binds, strict=True))
            if bind is not None
        ]
        self.last: list[tuple[Any, Any]] = [(_UNSEEN, None)] * len(columns)

    def __call__(self, values: Sequence[Any]) -> list[Any]:
        # A list is converted in place (the callers build it for this call alone).
        out = values if type(values) is list else list(values)
        last = self.last
        for i, bind, is_json in self.active:
            value = out[i]
            if is_json and type(value) is JSONText:
                continue
            seen, converted = last[i]
            if value is not seen:
                converted = bind(value)
                last[i] = (value, converted)
            out[i] = converted
        return out


_UNSEEN = object()


def _sqlite_insert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    returning: tuple[str, ...],
    conflict: str,
) -> list[tuple[Any, ...] | None]:
    columns = tuple(rows[0])
    convert = _Converter(table, columns, conn.dialect)
    _, outs = _processors(table, (), returning, conn.dialect)
    sql = _statement(table, columns, conflict, returning, "?")
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    cur = raw.cursor()
    try:
        if not returning:
            cur.executemany(sql, [convert([row[name] for name in columns]) for row in rows])
            return [None] * len(rows)
        results: list[tuple[Any, ...] | None] = []
        for row in rows:
            cur.execute(sql, convert([row[name] for name in columns]))
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
) -> int:
    """Run `sql` once per row of values, in `conn`'s transaction: placeholders are written
    `?`, one per value, and each value is converted as `table`'s column of the same place
    in `names` (SQLite: by the column's SQLAlchemy processor; PostgreSQL: by psycopg,
    in pipeline mode). Returns the rows changed, in all."""
    if not rows:
        return 0
    raw = conn.connection.driver_connection
    try:
        if conn.dialect.name == "sqlite":
            assert isinstance(raw, sqlite3.Connection)
            convert = _Converter(table, names, conn.dialect)
            return raw.executemany(sql, [convert(row) for row in rows]).rowcount
        assert isinstance(raw, psycopg.Connection)
        json = _json_columns(table)
        wrap = [name in json for name in names]
        params = [
            tuple(_jsonb(v) if is_json and v is not None else v for v, is_json in zip(row, wrap, strict=True))
            for row in rows
        ]
        with raw.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), params)
            return cur.rowcount
    except (sqlite3.Error, psycopg.Error) as err:
        base = sqlite3.Error if isinstance(err, sqlite3.Error) else psycopg.Error
        raise sa_exc.DBAPIError.instance(sql, None, err, base, dialect=conn.dialect) from err


@cache
def _select_in(table: sa.Table, key: str, columns: tuple[str, ...], count: int) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join(["?"] * count)
    return f'SELECT {names} FROM "{table.name}" WHERE "{key}" IN ({marks})'


@cache
def _select_any(table: sa.Table, key: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    return f'SELECT {names} FROM "{table.name}" WHERE "{key}" = ANY(%s)'


def select_where_in(
    conn: Connection, table: sa.Table, key: str, values: Sequence[Any], columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """`columns` of `table`'s rows whose `key` is one of `values` (at most CHUNK of them),
    in `conn`'s transaction, converted as SQLAlchemy would. PostgreSQL: one statement
    text whatever the count (`= ANY(array)`), prepared by psycopg after a few uses;
    SQLite: the stdlib driver's cached statement for that many values. Run as driver SQL
    through the connection, so SQLAlchemy's statement events still see the read."""
    if not values:
        return []
    wanted = tuple(columns)
    if conn.dialect.name == "sqlite":
        (bind,), outs = _processors(table, (key,), wanted, conn.dialect)
        params = tuple(bind(v) for v in values) if bind is not None else tuple(values)
        found = conn.exec_driver_sql(_select_in(table, key, wanted, len(params)), params).fetchall()
        return [
            tuple(v if out is None else out(v) for v, out in zip(row, outs, strict=True)) for row in found
        ]
    found = conn.exec_driver_sql(_select_any(table, key, wanted), (list(values),)).fetchall()
    return [tuple(row) for row in found]
