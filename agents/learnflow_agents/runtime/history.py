"""A student's history, read-only, for handlers: what they may know without the store.

The runner owns the store (it writes a message's effects in one transaction with the
inbox); a handler that needs history (progress) reads it here, through its context, and
returns what must be stored as effects on its Outcome (mastery, an alert, an attempt).
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from learnflow_agents.store import AttemptRecord, Store


class StudentHistory:
    def __init__(self, store: "Store", student_id: str) -> None:
        self._store = store
        self.student_id = student_id

    def attempts(self, limit: int = 50) -> "list[AttemptRecord]":
        """The newest exercise attempts, newest first."""
        return self._store.recent_attempts(self.student_id, limit=limit)

    def reply_facts(self, limit: int = 1_000) -> Sequence[Any]:
        """What the student's stored replies were evidence of (store.analytics)."""
        from learnflow_agents.store.analytics import student_reply_facts

        return student_reply_facts(self._store, self.student_id, limit=limit)

    def mastery(self) -> dict[str, float]:
        return self._store.get_mastery(self.student_id)

    def activity_days(self) -> "list[date]":
        from learnflow_agents.store.analytics import student_activity_days

        return student_activity_days(self._store, self.student_id)

    def struggles(self, since: datetime | None = None) -> list[Any]:
        """Stored struggle alerts (their dedupe keys tell which were already raised)."""
        return self._store.list_struggles(self.student_id, since=since)
