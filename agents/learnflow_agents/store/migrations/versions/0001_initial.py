"""Initial schema: students, queries (+ full-text search), replies, learning records, outbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types at this revision (never import the live schema here).
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


PG_SEARCH_INDEX = (
    "CREATE INDEX ix_queries_search ON queries "
    "USING gin (to_tsvector('english', text || ' ' || coalesce(code, '')))"
)

# External-content FTS5 over queries(text, code), kept in sync by triggers. Porter
# stemming roughly matches PostgreSQL's 'english' configuration.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE queries_fts USING fts5(text, code, content='queries', tokenize='porter unicode61')",
    "CREATE TRIGGER queries_fts_ai AFTER INSERT ON queries BEGIN "
    "INSERT INTO queries_fts(rowid, text, code) VALUES (new.rowid, new.text, new.code); END",
    "CREATE TRIGGER queries_fts_ad AFTER DELETE ON queries BEGIN "
    "INSERT INTO queries_fts(queries_fts, rowid, text, code) "
    "VALUES ('delete', old.rowid, old.text, old.code); END",
    "CREATE TRIGGER queries_fts_au AFTER UPDATE OF text, code ON queries BEGIN "
    "INSERT INTO queries_fts(queries_fts, rowid, text, code) "
    "VALUES ('delete', old.rowid, old.text, old.code); "
    "INSERT INTO queries_fts(rowid, text, code) VALUES (new.rowid, new.text, new.code); END",
]


def upgrade() -> None:
    op.create_table(
        "students",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("context", JSONDoc, nullable=False),
        sa.Column("course_id", sa.String(128)),
        ts("created_at"),
        ts("updated_at"),
    )
    op.create_table(
        "queries",
        sa.Column("query_id", sa.Uuid(), primary_key=True),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("trace_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("code", sa.Text()),
        sa.Column("traceback", sa.Text()),
        sa.Column("variables", JSONDoc, nullable=False),
        sa.Column("target_agent", sa.String(64)),
        sa.Column("course_id", sa.String(128)),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("routed_to", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("reasoning", sa.Text()),
        sa.Column("secondary_agent", sa.String(64)),
        sa.Column("router", sa.String(64)),
        ts("created_at"),
        ts("answered_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name="fk_queries_student",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.CheckConstraint("status IN ('pending', 'routed', 'answered', 'failed')", name="ck_queries_status"),
    )
    op.create_index("ix_queries_student_created", "queries", ["student_id", "created_at"])
    op.create_index("ix_queries_created_at", "queries", ["created_at"])

    op.create_table(
        "replies",
        sa.Column("reply_id", sa.Uuid(), primary_key=True),
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("reply", JSONDoc, nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        ts("created_at"),
        sa.ForeignKeyConstraint(
            ["query_id"], ["queries.query_id"], name="fk_replies_query", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("query_id", "agent", name="uq_replies_query_agent"),
    )
    op.create_index("ix_replies_student_created", "replies", ["student_id", "created_at"])

    op.create_table(
        "mastery",
        sa.Column("student_id", sa.String(128), primary_key=True),
        sa.Column("topic", sa.String(128), primary_key=True),
        sa.Column("p_mastery", sa.Float(), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        ts("updated_at"),
        sa.CheckConstraint("p_mastery >= 0 AND p_mastery <= 1", name="ck_mastery_p"),
    )

    op.create_table(
        "exercise_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("exercise_id", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("hints_used", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("details", JSONDoc, nullable=False),
        ts("created_at"),
    )
    op.create_index("ix_attempts_student_created", "exercise_attempts", ["student_id", "created_at"])

    op.create_table(
        "feedback",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("reply_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("helpful", sa.Boolean()),
        sa.Column("rating", sa.SmallInteger()),
        sa.Column("comment", sa.Text()),
        ts("created_at"),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.reply_id"], name="fk_feedback_reply", ondelete="CASCADE"
        ),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="ck_feedback_rating"),
    )
    op.create_index("ix_feedback_reply", "feedback", ["reply_id"])

    op.create_table(
        "struggle_alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", JSONDoc, nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        ts("created_at"),
        sa.CheckConstraint("level IN ('low', 'medium', 'high')", name="ck_struggle_level"),
        sa.UniqueConstraint("dedupe_key", name="uq_struggle_dedupe"),
    )
    op.create_index("ix_struggle_student_created", "struggle_alerts", ["student_id", "created_at"])
    op.create_index("ix_struggle_created_at", "struggle_alerts", ["created_at"])

    op.create_table(
        "agent_heartbeats",
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("instance", sa.String(128), primary_key=True),
        sa.Column("stats", JSONDoc, nullable=False),
        ts("seen_at"),
    )

    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("value", JSONDoc, nullable=False),
        ts("created_at"),
        ts("expires_at", nullable=True),
        sa.Column("hits", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index("ix_llm_cache_expires", "llm_cache", ["expires_at"])

    op.create_table(
        "processed_messages",
        sa.Column("consumer_group", sa.String(128), primary_key=True),
        sa.Column("message_id", sa.String(255), primary_key=True),
        ts("processed_at"),
    )
    op.create_index("ix_processed_at", "processed_messages", ["processed_at"])

    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255)),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        ts("created_at"),
        ts("lease_until", nullable=True),
        ts("sent_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text()),
        sa.CheckConstraint("topic <> ''", name="ck_outbox_topic"),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_SEARCH_INDEX)
    elif dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("queries_fts_ai", "queries_fts_ad", "queries_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS queries_fts")
    for table in (
        "outbox",
        "processed_messages",
        "llm_cache",
        "agent_heartbeats",
        "struggle_alerts",
        "feedback",
        "exercise_attempts",
        "mastery",
        "replies",
        "queries",
        "students",
    ):
        op.drop_table(table)
