"""The hot path's `= ANY(ids)` statements keep finding rows by index as their tables grow.

psycopg prepares a statement after a few uses, and PostgreSQL then settles on one generic
plan for it. Prepared while a fresh deployment's tables hold a handful of rows, that plan
is a sequential scan, and it stays one (until autovacuum analyzes the table): every batch
then read the whole `queries` table, a cost that grew with every query answered
(`benchmarks/pipeline.py --windows`: 13.7 million rows scanned for 12,000 queries in 40 s).
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from learnflow_agents.store import Store, bulk
from learnflow_agents.store.effects import _ANSWERED_ANY
from learnflow_agents.store.outbox import mark_sent_in
from learnflow_agents.store.schema import queries

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 8, tzinfo=UTC)


@pytest.fixture
def store(postgres_schema_url: str) -> Iterator[Store]:
    opened = Store.open(postgres_schema_url)
    try:
        yield opened
    finally:
        opened.close()


def add_queries(conn: sa.Connection, count: int) -> list[object]:
    rows = conn.exec_driver_sql(
        "INSERT INTO queries (query_id, student_id, trace_id, text, variables, source, status, created_at) "
        "SELECT gen_random_uuid(), 's', 't', 'q', '{}', 'jupyter', 'pending', now() "
        "FROM generate_series(1, %s) RETURNING query_id",
        (count,),
    )
    return [row[0] for row in rows]


def add_outbox(conn: sa.Connection, count: int) -> list[int]:
    rows = conn.exec_driver_sql(
        "INSERT INTO outbox (topic, value, created_at) SELECT 'student-queries', '\\x00', now() "
        "FROM generate_series(1, %s) RETURNING id",
        (count,),
    )
    return [row[0] for row in rows]


def hot_statements(conn: sa.Connection, query_ids: list[object], outbox_ids: list[int]) -> None:
    """What each batch runs by id: the effects' owner lookup and status update, marking
    outbox rows sent."""
    bulk.select_where_in(conn, queries, "query_id", query_ids, ("query_id", "student_id"))
    conn.exec_driver_sql(_ANSWERED_ANY, ("answered", NOW, query_ids))
    mark_sent_in(conn, outbox_ids, NOW)


def test_statements_prepared_on_young_tables_do_not_scan_them_once_grown(store: Store) -> None:
    with store._engine.connect() as conn:
        with conn.begin():
            conn.exec_driver_sql(
                "INSERT INTO students (id, context, created_at, updated_at) VALUES ('s', '{}', now(), now())"
            )
            young_queries, young_outbox = add_queries(conn, 2), add_outbox(conn, 2)
        # A fresh deployment's first batches: psycopg prepares, PostgreSQL picks its plans.
        for _ in range(20):
            with conn.begin():
                hot_statements(conn, young_queries, young_outbox)
        with conn.begin():
            grown_queries, grown_outbox = add_queries(conn, 5_000), add_outbox(conn, 5_000)
            # What this backend counted so far is flushed when it goes idle, so the counts
            # read below are the next transaction's alone.
            conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        with conn.begin():
            hot_statements(conn, grown_queries[:3], grown_outbox[:3])
            scans = dict(
                conn.exec_driver_sql(
                    "SELECT relname, seq_tup_read FROM pg_stat_xact_user_tables "
                    "WHERE relname IN ('queries', 'outbox')"
                ).all()
            )
    assert scans == {"queries": 0, "outbox": 0}


def test_a_plan_cache_mode_in_the_urls_options_is_left_as_it_is(postgres_schema_url: str) -> None:
    url = sa.make_url(postgres_schema_url)
    options = f"{url.query['options']} -c plan_cache_mode=force_generic_plan"
    chosen = Store.open(url.update_query_dict({"options": options}).render_as_string(hide_password=False))
    default = Store.open(postgres_schema_url)
    try:
        with chosen._engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_generic_plan"
        with default._engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_custom_plan"
    finally:
        chosen.close()
        default.close()
