"""Outbox rows carry their deployment's topic prefix and their query; queries count re-drives.

- `outbox.topic_prefix`: the bus prefix of the deployment that wrote the row. A relay
  claims only its own prefix's rows, so two deployments sharing one database no longer
  publish each other's events (under the wrong prefix). Existing rows get the empty
  prefix (the default deployment).
- `outbox.query_id`: the query a row moves forward, so the sweeper can re-publish the
  events of a query the broker lost (rows written before this revision have none and are
  never re-driven).
- `queries.redrives` / `queries.redriven_at`: how often, and when last, the sweeper
  re-drove a query that got no reply.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('pending', 'routed')")
UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    # ADD COLUMN with a constant default: existing rows are backfilled by the database
    # (the empty prefix, zero re-drives) without rewriting the table on either backend.
    op.add_column(
        "outbox", sa.Column("topic_prefix", sa.String(255), nullable=False, server_default=sa.text("''"))
    )
    op.add_column("outbox", sa.Column("query_id", sa.Uuid()))
    op.add_column("queries", sa.Column("redrives", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("queries", sa.Column("redriven_at", sa.DateTime(timezone=True)))
    # The relay's scan is now per prefix.
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index(
        "ix_outbox_pending", "outbox", ["topic_prefix", "id"], postgresql_where=UNSENT, sqlite_where=UNSENT
    )
    op.create_index("ix_outbox_query", "outbox", ["query_id"])
    # The sweeper's scan: only queries still waiting for a reply.
    op.create_index("ix_queries_open", "queries", ["created_at"], postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade() -> None:
    op.drop_index("ix_queries_open", table_name="queries")
    op.drop_index("ix_outbox_query", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["id"], postgresql_where=UNSENT, sqlite_where=UNSENT)
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of `queries` would drop its
    # full-text triggers.
    for table, column in (
        ("queries", "redriven_at"),
        ("queries", "redrives"),
        ("outbox", "query_id"),
        ("outbox", "topic_prefix"),
    ):
        op.drop_column(table, column)
