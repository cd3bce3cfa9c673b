"""The transactional outbox: events written with their cause, published by a relay."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnflow_agents.store.base import StoreBase, chunks, utc_now
from learnflow_agents.store.records import OutboxEvent, OutboxRow
from learnflow_agents.store.schema import outbox

MAX_ERROR = 4_000


def storable(text: str) -> str:
    """`text` without what no backend can store (error messages are free text from anywhere)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def insert_events(
    conn: Connection, groups: Sequence[Sequence[OutboxEvent]], now: datetime, lease_until: datetime
) -> list[list[OutboxRow]]:
    """Insert each group's events (leased: the caller publishes them right away) in order.

    Returns the stored rows per group; ids ascend in the order given.
    """
    rows: list[dict[str, Any]] = [
        {
            "topic": e.topic,
            "key": e.key,
            "value": bytes(e.value),
            "created_at": now,
            "lease_until": lease_until,
            "attempts": 0,
        }
        for group in groups
        for e in group
    ]
    stored: list[OutboxRow] = []
    if rows:
        stmt = sa.insert(outbox).returning(
            outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, sort_by_parameter_order=True
        )
        stored = [OutboxRow(r.id, r.topic, r.key, bytes(r.value)) for r in conn.execute(stmt, rows)]
    result: list[list[OutboxRow]] = []
    start = 0
    for group in groups:
        result.append(stored[start : start + len(group)])
        start += len(group)
    return result


class OutboxMixin(StoreBase):
    def claim_outbox(self, limit: int = 500, lease_seconds: float = 30) -> list[OutboxRow]:
        """Lease up to `limit` unsent rows whose lease is free or expired, oldest first.

        Concurrent claimers never get the same row: PostgreSQL skips rows another claimer
        has locked (FOR UPDATE SKIP LOCKED); SQLite runs write transactions one at a time.
        """
        now = utc_now()
        due = (
            sa.select(outbox.c.id)
            .where(outbox.c.sent_at.is_(None))
            .where(sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now))
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            sa.update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(lease_until=now + timedelta(seconds=lease_seconds))
            .returning(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
        )
        with self._write() as conn:
            rows = conn.execute(stmt).all()
        return sorted((OutboxRow(r.id, r.topic, r.key, bytes(r.value)) for r in rows), key=lambda r: r.id)

    def mark_sent(self, ids: Sequence[int]) -> int:
        """Mark rows published; returns how many were still unsent."""
        now = utc_now()
        count = 0
        with self._write() as conn:
            for part in chunks(sorted(set(ids))):
                count += conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id.in_(part), outbox.c.sent_at.is_(None))
                    .values(sent_at=now, lease_until=None)
                ).rowcount
        return count

    def release_outbox(self, ids: Sequence[int], error: str, retry_after_seconds: float = 0.0) -> int:
        """Give rows back after a failed publish: attempts += 1, error kept.

        With `retry_after_seconds` the rows stay leased that long, which is the relay's backoff.
        """
        now = utc_now()
        lease = now + timedelta(seconds=retry_after_seconds) if retry_after_seconds > 0 else None
        count = 0
        with self._write() as conn:
            for part in chunks(sorted(set(ids))):
                count += conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id.in_(part), outbox.c.sent_at.is_(None))
                    .values(
                        lease_until=lease,
                        attempts=outbox.c.attempts + 1,
                        last_error=storable(error)[:MAX_ERROR],
                    )
                ).rowcount
        return count

    def outbox_pending_count(self) -> int:
        with self._read() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        return int(count)
