"""Students keep their preferences: `students.preferences`.

What the student chose (skill level, learning style, auto-capture, topics they declare
known), written by `PUT /learnflow/api/preferences` and `%learnflow config` alike; NULL
until they first save some (the defaults apply). Kept apart from `context`, which every
submitted query may overwrite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("students", sa.Column("preferences", JSONDoc))


def downgrade() -> None:
    op.drop_column("students", "preferences")
