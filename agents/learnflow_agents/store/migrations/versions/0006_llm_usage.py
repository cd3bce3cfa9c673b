"""LLM usage per day, course, student, agent, provider and model: `llm_usage`.

The daily budgets (per student, per course) are checked against these rows before a model
is asked and the call is added after it, so every process and replica sharing the
database enforces the same budgets, and a restart does not reset them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0"))


def upgrade() -> None:
    op.create_table(
        "llm_usage",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("course_id", sa.String(128), primary_key=True),
        sa.Column("student_id", sa.String(128), primary_key=True),
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("provider", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("asked", sa.Boolean(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False, server_default=sa.text("0")),
        _counter("input_tokens"),
        _counter("cache_read_tokens"),
        _counter("cache_write_tokens"),
        _counter("output_tokens"),
        sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_llm_usage_student_day", "llm_usage", ["student_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_llm_usage_student_day", table_name="llm_usage")
    op.drop_table("llm_usage")
