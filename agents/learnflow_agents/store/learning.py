"""Learning records: mastery, exercise attempts, feedback on replies, struggle alerts."""

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from learnflow_agents.contracts import StruggleAlert
from learnflow_agents.store.base import StoreBase, utc_now
from learnflow_agents.store.effects import struggle_key, struggle_row, upsert_mastery_rows
from learnflow_agents.store.errors import FeedbackRejectedError, InvalidDataError
from learnflow_agents.store.records import AttemptRecord, StruggleRecord
from learnflow_agents.store.rows import check_row
from learnflow_agents.store.schema import exercise_attempts, feedback, mastery, replies, struggle_alerts

MAX_COMMENT = 4_000


class LearningMixin(StoreBase):
    def get_mastery(self, student_id: str) -> dict[str, float]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(mastery.c.topic, mastery.c.p_mastery).where(mastery.c.student_id == student_id)
            ).all()
        return dict(rows)

    def upsert_mastery(self, student_id: str, topic: str, p_mastery: float, evidence: int = 1) -> None:
        """Set the mastery estimate and add `evidence` to the topic's evidence count."""
        if not 0.0 <= p_mastery <= 1.0:
            raise InvalidDataError(f"p_mastery must be within [0, 1], got {p_mastery}")
        row = {
            "student_id": student_id,
            "topic": topic.strip(),
            "p_mastery": p_mastery,
            "evidence_count": evidence,
            "updated_at": utc_now(),
        }
        check_row(mastery, row)
        with self._write() as conn:
            upsert_mastery_rows(self, conn, [row])

    def record_attempt(
        self,
        student_id: str,
        exercise_id: str,
        topic: str,
        passed: bool,
        hints_used: int = 0,
        details: dict[str, Any] | None = None,
        source_id: str | None = None,
    ) -> int:
        """Store an attempt; returns its id. With `source_id` (what it was recorded from, e.g.
        the check reply's id) a second recording is a no-op that returns the first one's id."""
        row = {
            "student_id": student_id,
            "exercise_id": exercise_id,
            "topic": topic,
            "passed": passed,
            "hints_used": hints_used,
            "details": details or {},
            "created_at": utc_now(),
            "source_id": source_id,
        }
        check_row(exercise_attempts, row)
        ea = exercise_attempts
        with self._write() as conn:
            if source_id is None:
                return int(conn.execute(sa.insert(ea).returning(ea.c.id), row).scalar_one())
            stmt = self._insert(ea).on_conflict_do_nothing(index_elements=[ea.c.source_id]).returning(ea.c.id)
            inserted = conn.execute(stmt, row).scalar()
            if inserted is not None:
                return int(inserted)
            return int(conn.execute(sa.select(ea.c.id).where(ea.c.source_id == source_id)).scalar_one())

    def get_attempt(self, attempt_id: int) -> AttemptRecord:
        with self._read() as conn:
            row = conn.execute(sa.select(exercise_attempts).where(exercise_attempts.c.id == attempt_id)).one()
        return AttemptRecord(**row._asdict())

    def recent_attempts(
        self, student_id: str, topic: str | None = None, limit: int = 50
    ) -> list[AttemptRecord]:
        """The student's attempts, newest first."""
        stmt = sa.select(exercise_attempts).where(exercise_attempts.c.student_id == student_id)
        if topic is not None:
            stmt = stmt.where(exercise_attempts.c.topic == topic)
        stmt = stmt.order_by(exercise_attempts.c.created_at.desc(), exercise_attempts.c.id.desc()).limit(
            limit
        )
        with self._read() as conn:
            return [AttemptRecord(**r._asdict()) for r in conn.execute(stmt)]

    def record_feedback(
        self,
        reply_id: UUID,
        student_id: str,
        helpful: bool | None = None,
        rating: int | None = None,
        comment: str | None = None,
    ) -> int:
        """Store a student's feedback on one of their own replies; returns the feedback id."""
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidDataError(f"rating must be 1..5, got {rating}")
        if comment is not None and len(comment) > MAX_COMMENT:
            raise InvalidDataError(f"comment is longer than {MAX_COMMENT} characters")
        row = {
            "reply_id": reply_id,
            "student_id": student_id,
            "helpful": helpful,
            "rating": rating,
            "comment": comment,
            "created_at": utc_now(),
        }
        check_row(feedback, row)
        with self._write() as conn:
            owner = conn.execute(
                sa.select(replies.c.student_id).where(replies.c.reply_id == reply_id)
            ).scalar()
            # Same message whether the reply is missing or someone else's: ids are not probed.
            if owner != student_id:
                raise FeedbackRejectedError(f"no reply {reply_id} for student {student_id!r}")
            return int(conn.execute(sa.insert(feedback).returning(feedback.c.id), row).scalar_one())

    def record_struggle(self, student_id: str, alert: StruggleAlert, dedupe_key: str | None = None) -> bool:
        """Store an alert unless one with the same key exists; True if stored."""
        now = utc_now()
        row = struggle_row(student_id, alert, dedupe_key or struggle_key(student_id, alert, now), now)
        check_row(struggle_alerts, row)
        with self._write() as conn:
            stmt = self._insert(struggle_alerts).on_conflict_do_nothing().returning(struggle_alerts.c.id)
            return conn.execute(stmt, row).first() is not None

    def list_struggles(
        self, student_id: str | None = None, since: datetime | None = None, limit: int = 500
    ) -> list[StruggleRecord]:
        """Alerts, newest first, optionally for one student and/or since a time."""
        stmt = sa.select(struggle_alerts)
        if student_id is not None:
            stmt = stmt.where(struggle_alerts.c.student_id == student_id)
        if since is not None:
            stmt = stmt.where(struggle_alerts.c.created_at >= since)
        stmt = stmt.order_by(struggle_alerts.c.created_at.desc(), struggle_alerts.c.id.desc()).limit(limit)
        with self._read() as conn:
            return [StruggleRecord(**r._asdict()) for r in conn.execute(stmt)]
