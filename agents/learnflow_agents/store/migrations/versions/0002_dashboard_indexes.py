"""Indexes for the instructor dashboard queries (store/analytics.py).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A course's students, in id order: the mastery matrix pages and course filters.
    op.create_index("ix_students_course", "students", ["course_id", "id"])
    # One agent's replies in a time range: "most frequent errors this week" reads only the
    # debug agent's recent replies instead of the whole table.
    op.create_index("ix_replies_agent_created", "replies", ["agent", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_replies_agent_created", table_name="replies")
    op.drop_index("ix_students_course", table_name="students")
