"""Erasure: delete everything the store holds about one student, in one transaction.

For erasure requests (`learnflow-agents forget --student ID`). Every table keyed by a
student goes: the student row, their queries (SQLite's full-text index follows through its
trigger), the replies to them and the feedback on those, exercise attempts, mastery,
struggle alerts, their LLM usage rows (a course's usage that day drops by theirs), the
outbox events keyed by the student or carrying their id (as a JSON string) or one of their
queries, and LLM cache entries whose stored value contains the id. Agent heartbeats and
the consumer inbox (`processed_messages`: group + message id) hold no student data.

What the store cannot reach: records already published to Kafka stay until the topics'
retention drops them, and backups keep what they kept.
"""

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnflow_agents.store.base import StoreBase
from learnflow_agents.store.engine import WRITE_OPTION
from learnflow_agents.store.schema import (
    exercise_attempts,
    feedback,
    llm_cache,
    llm_usage,
    mastery,
    outbox,
    queries,
    replies,
    struggle_alerts,
    students,
)

# Report order: children before parents, as the deletes run.
ERASED_TABLES = (
    "feedback",
    "replies",
    "outbox",
    "queries",
    "exercise_attempts",
    "mastery",
    "struggle_alerts",
    "llm_cache",
    "llm_usage",
    "students",
)


def _quoted(student_id: str) -> list[str]:
    """The id as it appears inside JSON text (ASCII-escaped or not)."""
    return list(dict.fromkeys([json.dumps(student_id), json.dumps(student_id, ensure_ascii=False)]))


def _contains(
    conn: Connection, column: sa.ColumnElement[object], needle: str | bytes
) -> sa.ColumnElement[bool]:
    """`column` (JSON/text or bytes) contains `needle`, without LIKE wildcards."""
    if conn.dialect.name == "postgresql":
        if isinstance(needle, bytes):
            return sa.func.position(sa.literal(needle, sa.LargeBinary()).op("IN")(column)) > 0
        return sa.func.strpos(sa.cast(column, sa.Text()), needle) > 0
    # SQLite: instr works on text and (blob, blob) alike.
    literal = sa.literal(needle, sa.LargeBinary()) if isinstance(needle, bytes) else sa.literal(needle)
    return sa.func.instr(column, literal) > 0


def _deletes(conn: Connection, student_id: str) -> dict[str, sa.Delete]:
    their_queries = sa.select(queries.c.query_id).where(queries.c.student_id == student_id)
    their_replies = sa.select(replies.c.reply_id).where(
        sa.or_(replies.c.student_id == student_id, replies.c.query_id.in_(their_queries))
    )
    quoted = _quoted(student_id)
    in_outbox_value = [_contains(conn, outbox.c.value, q.encode()) for q in quoted]
    # A cached reply may quote the id anywhere in its prose; a cache entry dropped by a
    # coincidental match only costs one cache miss.
    in_cache_value = _contains(conn, llm_cache.c.value, student_id)
    deletes = {
        "feedback": sa.delete(feedback).where(
            sa.or_(feedback.c.student_id == student_id, feedback.c.reply_id.in_(their_replies))
        ),
        "replies": sa.delete(replies).where(
            sa.or_(replies.c.student_id == student_id, replies.c.query_id.in_(their_queries))
        ),
        "outbox": sa.delete(outbox).where(
            sa.or_(outbox.c.key == student_id, outbox.c.query_id.in_(their_queries), *in_outbox_value)
        ),
        "queries": sa.delete(queries).where(queries.c.student_id == student_id),
        "exercise_attempts": sa.delete(exercise_attempts).where(exercise_attempts.c.student_id == student_id),
        "mastery": sa.delete(mastery).where(mastery.c.student_id == student_id),
        "struggle_alerts": sa.delete(struggle_alerts).where(struggle_alerts.c.student_id == student_id),
        "llm_cache": sa.delete(llm_cache).where(in_cache_value),
        "llm_usage": sa.delete(llm_usage).where(llm_usage.c.student_id == student_id),
        "students": sa.delete(students).where(students.c.id == student_id),
    }
    assert tuple(deletes) == ERASED_TABLES
    return deletes


def forget_student(store: StoreBase, student_id: str, *, dry_run: bool = False) -> dict[str, int]:
    """Delete every row about `student_id`; returns rows deleted per table.

    One transaction: all of it or nothing. `dry_run` counts the same rows and rolls back.
    """
    if not student_id or not student_id.strip():
        raise ValueError("a student id is required")
    with store._engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        transaction = conn.begin()
        try:
            counts = {
                table: conn.execute(stmt).rowcount for table, stmt in _deletes(conn, student_id).items()
            }
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return counts
