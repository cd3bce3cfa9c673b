"""The tables, as SQLAlchemy Core metadata.

The migrations in `migrations/versions` are the source of truth for the database; this
module mirrors them for queries, and a test checks both agree (alembic compare_metadata).
Full-text search objects (PostgreSQL GIN expression index, SQLite FTS5 table and
triggers) exist only in the migrations: see SEARCH_OBJECTS.
"""

import sqlalchemy as sa

from learnflow_agents.store.columns import BigId, JSONDoc, UTCDateTime

metadata = sa.MetaData()

# Created by the migrations per dialect, invisible to SQLAlchemy's reflection model.
SEARCH_INDEX = "ix_queries_search"
SEARCH_TABLE = "queries_fts"

QUERY_STATUSES = ("pending", "routed", "answered", "failed")
STRUGGLE_LEVELS = ("low", "medium", "high")

StudentId = sa.String(128)
AgentCol = sa.String(64)

students = sa.Table(
    "students",
    metadata,
    sa.Column("id", StudentId, primary_key=True),
    sa.Column("context", JSONDoc, nullable=False),
    sa.Column("course_id", sa.String(128)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    # What the student chose (the preferences API); NULL until they first save some.
    sa.Column("preferences", JSONDoc),
    sa.Index("ix_students_course", "course_id", "id"),
)

queries = sa.Table(
    "queries",
    metadata,
    sa.Column("query_id", sa.Uuid(), primary_key=True),
    sa.Column(
        "student_id",
        StudentId,
        # Deferred so a submit can insert the query first (idempotency check) and the
        # student after, writing nothing at all for a duplicate.
        sa.ForeignKey("students.id", name="fk_queries_student", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    sa.Column("trace_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("code", sa.Text()),
    sa.Column("traceback", sa.Text()),
    sa.Column("variables", JSONDoc, nullable=False),
    sa.Column("target_agent", AgentCol),
    sa.Column("course_id", sa.String(128)),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("routed_to", AgentCol),
    sa.Column("confidence", sa.Float()),
    sa.Column("reasoning", sa.Text()),
    sa.Column("secondary_agent", AgentCol),
    sa.Column("router", sa.String(64)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("answered_at", UTCDateTime()),
    # How often (and when last) the sweeper re-drove the query because no reply came.
    sa.Column("redrives", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("redriven_at", UTCDateTime()),
    sa.CheckConstraint(f"status IN {QUERY_STATUSES!r}", name="ck_queries_status"),
    sa.Index("ix_queries_student_created", "student_id", "created_at"),
    sa.Index("ix_queries_created_at", "created_at"),
    # The sweeper's scan: only queries still waiting for a reply.
    sa.Index(
        "ix_queries_open",
        "created_at",
        postgresql_where=sa.text("status IN ('pending', 'routed')"),
        sqlite_where=sa.text("status IN ('pending', 'routed')"),
    ),
)

replies = sa.Table(
    "replies",
    metadata,
    sa.Column("reply_id", sa.Uuid(), primary_key=True),
    sa.Column(
        "query_id",
        sa.Uuid(),
        sa.ForeignKey("queries.query_id", name="fk_replies_query", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("agent", AgentCol, nullable=False),
    sa.Column("student_id", StudentId, nullable=False),
    sa.Column("reply", JSONDoc, nullable=False),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("latency_ms", sa.Float(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("query_id", "agent", name="uq_replies_query_agent"),
    sa.Index("ix_replies_student_created", "student_id", "created_at"),
    sa.Index("ix_replies_agent_created", "agent", "created_at"),
)

mastery = sa.Table(
    "mastery",
    metadata,
    sa.Column("student_id", StudentId, primary_key=True),
    sa.Column("topic", sa.String(128), primary_key=True),
    sa.Column("p_mastery", sa.Float(), nullable=False),
    sa.Column("evidence_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("p_mastery >= 0 AND p_mastery <= 1", name="ck_mastery_p"),
)

exercise_attempts = sa.Table(
    "exercise_attempts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("student_id", StudentId, nullable=False),
    sa.Column("exercise_id", sa.String(128), nullable=False),
    sa.Column("topic", sa.String(128), nullable=False),
    sa.Column("passed", sa.Boolean(), nullable=False),
    sa.Column("hints_used", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("details", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # What the attempt was recorded from (the check reply's id): recorded at most once.
    sa.Column("source_id", sa.String(64)),
    sa.Index("ix_attempts_student_created", "student_id", "created_at"),
    sa.Index("ux_attempts_source", "source_id", unique=True),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "reply_id",
        sa.Uuid(),
        sa.ForeignKey("replies.reply_id", name="fk_feedback_reply", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("student_id", StudentId, nullable=False),
    sa.Column("helpful", sa.Boolean()),
    sa.Column("rating", sa.SmallInteger()),
    sa.Column("comment", sa.Text()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="ck_feedback_rating"),
    sa.Index("ix_feedback_reply", "reply_id"),
)

struggle_alerts = sa.Table(
    "struggle_alerts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("student_id", StudentId, nullable=False),
    sa.Column("topic", sa.String(128), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("score", sa.Float(), nullable=False),
    sa.Column("evidence", JSONDoc, nullable=False),
    sa.Column("recommendation", sa.Text(), nullable=False),
    sa.Column("dedupe_key", sa.String(255), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(f"level IN {STRUGGLE_LEVELS!r}", name="ck_struggle_level"),
    sa.UniqueConstraint("dedupe_key", name="uq_struggle_dedupe"),
    sa.Index("ix_struggle_student_created", "student_id", "created_at"),
    sa.Index("ix_struggle_created_at", "created_at"),
)

agent_heartbeats = sa.Table(
    "agent_heartbeats",
    metadata,
    sa.Column("agent", AgentCol, primary_key=True),
    sa.Column("instance", sa.String(128), primary_key=True),
    sa.Column("stats", JSONDoc, nullable=False),
    sa.Column("seen_at", UTCDateTime(), nullable=False),
)

llm_cache = sa.Table(
    "llm_cache",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("agent", AgentCol, nullable=False),
    sa.Column("value", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("hits", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Index("ix_llm_cache_expires", "expires_at"),
)

# The idempotent-consumer inbox: one row per (group, message) whose effects are stored.
processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("consumer_group", sa.String(128), primary_key=True),
    sa.Column("message_id", sa.String(255), primary_key=True),
    sa.Column("processed_at", UTCDateTime(), nullable=False),
    sa.Index("ix_processed_at", "processed_at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("key", sa.String(255)),
    sa.Column("value", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("lease_until", UTCDateTime()),
    sa.Column("sent_at", UTCDateTime()),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", sa.Text()),
    # The bus prefix of the deployment that wrote the row: its relay publishes only these.
    sa.Column("topic_prefix", sa.String(255), nullable=False, server_default=sa.text("''")),
    # The query the event moves forward (None for events written before revision 0004).
    sa.Column("query_id", sa.Uuid()),
    sa.CheckConstraint("topic <> ''", name="ck_outbox_topic"),
    # The relay's scan: only its prefix's unsent rows, in id order; stays small however
    # long the table.
    sa.Index(
        "ix_outbox_pending",
        "topic_prefix",
        "id",
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    ),
    sa.Index("ix_outbox_sent_at", "sent_at"),
    sa.Index("ix_outbox_query", "query_id"),
)

# LLM usage per UTC day, course, student, agent, provider and model: what the budgets are
# checked against across processes and replicas, and what instructors see. Counters only
# grow (one upsert per provider call). `course_id` is '' for a query filed under no course
# (a key column cannot be NULL). `asked`: the student asked for this call, so it counts
# against their own budget (routing their question does not; it counts for the course).
llm_usage = sa.Table(
    "llm_usage",
    metadata,
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("course_id", sa.String(128), primary_key=True),
    sa.Column("student_id", StudentId, primary_key=True),
    sa.Column("agent", AgentCol, primary_key=True),
    sa.Column("provider", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(128), primary_key=True),
    sa.Column("asked", sa.Boolean(), nullable=False),
    sa.Column("requests", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("input_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("output_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_llm_usage_student_day", "student_id", "day"),
)
