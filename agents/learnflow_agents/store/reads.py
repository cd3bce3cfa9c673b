"""Reading queries, replies and a student's context back, searching query history, and the
student's preferences (read and written here: one small document per student)."""

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from learnflow_agents.contracts import AgentReply, StudentContext
from learnflow_agents.store.base import StoreBase, chunks, utc_now
from learnflow_agents.store.records import QueryRecord
from learnflow_agents.store.rows import query_record
from learnflow_agents.store.schema import SEARCH_TABLE, mastery, queries, replies, students

MAX_SEARCH_WORDS = 32

# Must repeat the migration's index expression exactly, or PostgreSQL will not use the index.
PG_MATCH = sa.text(
    "to_tsvector('english', queries.text || ' ' || coalesce(queries.code, '')) "
    "@@ plainto_tsquery('english', :words)"
)
SQLITE_MATCH = sa.text(
    f"queries.rowid IN (SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :words)"
)


def fts5_query(words: str) -> str | None:
    """Every word must occur; each is quoted so FTS5 operators in the input are inert."""
    tokens = re.findall(r"\w+", words)[:MAX_SEARCH_WORDS]
    return " ".join(f'"{t}"' for t in tokens) or None


class ReadMixin(StoreBase):
    def get_query(self, query_id: UUID) -> QueryRecord | None:
        with self._read() as conn:
            row = conn.execute(sa.select(queries).where(queries.c.query_id == query_id)).first()
        return query_record(row) if row else None

    def get_replies(self, query_id: UUID) -> list[AgentReply]:
        """The query's replies, oldest first."""
        with self._read() as conn:
            docs = conn.execute(
                sa.select(replies.c.reply)
                .where(replies.c.query_id == query_id)
                .order_by(replies.c.created_at, replies.c.agent)
            ).scalars()
            return [AgentReply.model_validate(doc) for doc in docs]

    def get_replies_many(self, query_ids: Sequence[UUID]) -> dict[UUID, list[AgentReply]]:
        """`get_replies` for many queries in one read (queries with none are left out)."""
        found: dict[UUID, list[AgentReply]] = {}
        with self._read() as conn:
            for part in chunks(list(dict.fromkeys(query_ids))):
                rows = conn.execute(
                    sa.select(replies.c.query_id, replies.c.reply)
                    .where(replies.c.query_id.in_(part))
                    .order_by(replies.c.created_at, replies.c.agent)
                )
                for query_id, doc in rows:
                    found.setdefault(query_id, []).append(AgentReply.model_validate(doc))
        return found

    def recent_queries(self, student_id: str, limit: int = 20) -> list[QueryRecord]:
        """The student's queries, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(queries)
                .where(queries.c.student_id == student_id)
                .order_by(queries.c.created_at.desc())
                .limit(limit)
            ).all()
        return [query_record(r) for r in rows]

    def search_queries(self, student_id: str, words: str, limit: int = 20) -> list[QueryRecord]:
        """The student's own queries whose text or code contains all `words`, newest first."""
        stmt = sa.select(queries).where(queries.c.student_id == student_id)
        if self.dialect == "postgresql":
            if not re.search(r"\w", words):
                return []
            stmt = stmt.where(PG_MATCH.bindparams(words=words[:2_000]))
        else:
            match = fts5_query(words)
            if match is None:
                return []
            stmt = stmt.where(SQLITE_MATCH.bindparams(words=match))
        with self._read() as conn:
            rows = conn.execute(stmt.order_by(queries.c.created_at.desc()).limit(limit)).all()
        return [query_record(r) for r in rows]

    def get_student_context(self, student_id: str) -> StudentContext | None:
        """The stored context, its mastery overlaid with the mastery table's current values."""
        with self._read() as conn:
            doc = conn.execute(sa.select(students.c.context).where(students.c.id == student_id)).scalar()
            if doc is None:
                return None
            levels = conn.execute(
                sa.select(mastery.c.topic, mastery.c.p_mastery).where(mastery.c.student_id == student_id)
            ).all()
        context = StudentContext.model_validate(doc)
        context.mastery.update(dict(levels))
        return context

    def get_preferences(self, student_id: str) -> dict[str, Any] | None:
        """What the student saved with `set_preferences`, or None if they never did."""
        with self._read() as conn:
            doc = conn.execute(sa.select(students.c.preferences).where(students.c.id == student_id)).scalar()
        return dict(doc) if isinstance(doc, dict) else None

    def set_preferences(self, student_id: str, preferences: dict[str, Any]) -> None:
        """Replace the student's preferences (a student not seen before is created)."""
        now = utc_now()
        stmt = self._insert(students).values(
            id=student_id,
            context=StudentContext().model_dump(mode="json"),
            preferences=preferences,
            created_at=now,
            updated_at=now,
        )
        with self._write() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[students.c.id],
                    set_={"preferences": stmt.excluded.preferences, "updated_at": stmt.excluded.updated_at},
                )
            )
