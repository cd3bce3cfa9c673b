"""The store: SQLAlchemy 2 over PostgreSQL (psycopg 3) or SQLite, with Alembic migrations,
a transactional outbox and an idempotent-consumer inbox. See store.Store."""

from learnflow_agents.store.engine import normalize_url
from learnflow_agents.store.errors import (
    FeedbackRejectedError,
    ForeignQueryError,
    InvalidDataError,
    StoreError,
)
from learnflow_agents.store.records import (
    AttemptRecord,
    Effects,
    Heartbeat,
    OutboxEvent,
    OutboxRow,
    QueryRecord,
    QueryStatus,
    Redrive,
    StruggleRecord,
    Submission,
)
from learnflow_agents.store.store import Store
from learnflow_agents.store.usage import StudentUsage, UsageCall, UsageTotals

__all__ = [
    "AttemptRecord",
    "Effects",
    "FeedbackRejectedError",
    "ForeignQueryError",
    "Heartbeat",
    "InvalidDataError",
    "OutboxEvent",
    "OutboxRow",
    "QueryRecord",
    "QueryStatus",
    "Redrive",
    "Store",
    "StoreError",
    "StruggleRecord",
    "StudentUsage",
    "Submission",
    "UsageCall",
    "UsageTotals",
    "normalize_url",
]
