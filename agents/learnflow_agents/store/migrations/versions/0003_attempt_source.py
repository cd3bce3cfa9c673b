"""A unique source for each recorded exercise attempt (the check reply it came from).

Recording an attempt becomes an idempotent insert: a redelivered or concurrently handled
check reply cannot record the same attempt twice.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the table at this revision (never import the live schema here).
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
attempts = sa.table(
    "exercise_attempts",
    sa.column("id", sa.BigInteger()),
    sa.column("details", JSONDoc),
    sa.column("source_id", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("exercise_attempts") as batch:
        batch.add_column(sa.Column("source_id", sa.String(64)))
    # Existing attempts keep the reply id they were recorded from; of duplicates (the race
    # this revision closes) the first keeps it and the others stay without a source.
    reply_id = attempts.c.details["reply_id"].as_string()
    first = (
        sa.select(sa.func.min(attempts.c.id)).where(reply_id.is_not(None)).group_by(reply_id).scalar_subquery()
    )
    op.execute(
        sa.update(attempts)
        .where(attempts.c.id.in_(first))
        .values(source_id=sa.func.substr(reply_id, 1, 64))
    )
    op.create_index("ux_attempts_source", "exercise_attempts", ["source_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_attempts_source", table_name="exercise_attempts")
    with op.batch_alter_table("exercise_attempts") as batch:
        batch.drop_column("source_id")
