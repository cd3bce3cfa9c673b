"""The transactional outbox: events written with their cause, published by a relay."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnflow_agents import hot_path
from learnflow_agents.contracts import AGENT_REQUEST_TOPIC, Topic
from learnflow_agents.store import bulk
from learnflow_agents.store.base import StoreBase, chunks, utc_now
from learnflow_agents.store.records import OutboxEvent, OutboxRow, Redrive
from learnflow_agents.store.schema import outbox, queries


def drive_topics() -> tuple[str, ...]:
    """The events that move a query forward (to triage, to an agent): what a re-drive
    re-sends. Read when needed: installed tutors add their request topics at run time."""
    return tuple(sorted({str(Topic.STUDENT_QUERIES), *(str(t) for t in AGENT_REQUEST_TOPIC.values())}))


OPEN_STATUSES = ("pending", "routed")

MAX_ERROR = 4_000


def storable(text: str) -> str:
    """`text` without what no backend can store (error messages are free text from anywhere)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def insert_events(
    conn: Connection,
    groups: Sequence[Sequence[OutboxEvent]],
    now: datetime,
    lease_until: datetime,
    prefix: str = "",
    query_ids: Sequence[UUID | None] | None = None,
) -> list[list[OutboxRow]]:
    """Insert each group's events (leased: the caller publishes them right away) in order.

    Rows carry the writer's topic `prefix` (only a relay of that prefix publishes them)
    and, per group, the query they move forward. Returns the stored rows per group; ids
    ascend in the order given.
    """
    ids = list(query_ids) if query_ids is not None else [None] * len(groups)
    rows: list[dict[str, Any]] = [
        {
            "topic": e.topic,
            "key": e.key,
            "value": bytes(e.value),
            "created_at": now,
            "lease_until": lease_until,
            "attempts": 0,
            "topic_prefix": prefix,
            "query_id": query_id,
        }
        for group, query_id in zip(groups, ids, strict=True)
        for e in group
    ]
    stored: list[OutboxRow] = []
    if rows and bulk.applies(conn):
        ids = bulk.insert_returning(conn, outbox, rows, ("id",))
        stored = [
            OutboxRow(found[0], row["topic"], row["key"], row["value"])
            for found, row in zip(ids, rows, strict=True)
            if found is not None
        ]
    elif rows:
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


_MARK_SENT_ANY_SQL = (
    'UPDATE "outbox" SET "sent_at" = %s, "lease_until" = NULL WHERE "id" = ANY(%s) AND "sent_at" IS NULL'
)


_MARK_SENT_ONE = (
    'UPDATE "outbox" SET "sent_at" = ?, "lease_until" = NULL WHERE "id" = ? AND "sent_at" IS NULL'
)


def mark_sent_in(conn: Connection, ids: Sequence[int], now: datetime) -> int:
    """`mark_sent` inside a transaction the caller writes in anyway."""
    if not ids:
        return 0
    if conn.dialect.name == "postgresql" and not hot_path.legacy:
        # One statement text whatever the number of ids (an IN list is a new one each time),
        # as driver SQL: SQLAlchemy's compiled-statement machinery cost more than the update.
        return int(conn.exec_driver_sql(_MARK_SENT_ANY_SQL, (now, sorted(set(ids)))).rowcount)
    if bulk.applies(conn):
        # SQLite: one cached statement per id (no SQLAlchemy statement built per call).
        params = [(now, outbox_id) for outbox_id in sorted(set(ids))]
        return bulk.execute_many(conn, outbox, _MARK_SENT_ONE, ("sent_at", "id"), params)
    count = 0
    for part in chunks(sorted(set(ids))):
        count += conn.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(part), outbox.c.sent_at.is_(None))
            .values(sent_at=now, lease_until=None)
        ).rowcount
    return count


class OutboxMixin(StoreBase):
    def claim_outbox(
        self, limit: int = 500, lease_seconds: float = 30, prefix: str | None = None
    ) -> list[OutboxRow]:
        """Lease up to `limit` unsent rows of `prefix` (default: this store's
        `outbox_prefix`) whose lease is free or expired, oldest first.

        Another deployment's rows (another prefix) are never claimed: published under this
        deployment's prefix they would reach nobody who waits for them.
        Concurrent claimers never get the same row: PostgreSQL skips rows another claimer
        has locked (FOR UPDATE SKIP LOCKED); SQLite runs write transactions one at a time.
        """
        now = utc_now()
        mine = self.outbox_prefix if prefix is None else prefix
        due = (
            sa.select(outbox.c.id)
            .where(outbox.c.topic_prefix == mine)
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
        with self._write() as conn:
            return mark_sent_in(conn, ids, utc_now())

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

    def outbox_pending_count(self, prefix: str | None = None) -> int:
        """Unsent rows: of every deployment, or of one `prefix`."""
        stmt = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        if prefix is not None:
            stmt = stmt.where(outbox.c.topic_prefix == prefix)
        with self._read() as conn:
            count = conn.execute(stmt).scalar_one()
        return int(count)

    def redrive_stale_queries(
        self,
        idle_seconds: float,
        max_redrives: int,
        limit: int = 100,
        prefix: str | None = None,
    ) -> list[Redrive]:
        """Re-send the queries that made no progress for `idle_seconds`; give up on some.

        A query is stale when it is still pending or routed, this deployment (`prefix`)
        wrote events for it, none of its events is unsent, and none was sent (nor the
        query re-driven) within `idle_seconds`: the broker lost what was published, or
        an agent dropped it. Re-driving marks its forward events (to triage, to an agent)
        unsent again, so the relay publishes them again with their original message
        ids: a consumer that did handle one finds it in its inbox and changes nothing.
        At most `limit` queries per call; a query re-driven `max_redrives` times is
        marked failed instead (`gave_up`). Concurrent sweepers never take the same query.
        """
        now = utc_now()
        cutoff = now - timedelta(seconds=idle_seconds)
        mine = self.outbox_prefix if prefix is None else prefix
        ours = (
            sa.select(sa.literal(1))
            .select_from(outbox)
            .where(outbox.c.query_id == queries.c.query_id, outbox.c.topic_prefix == mine)
            .exists()
        )
        moving = (
            sa.select(sa.literal(1))
            .select_from(outbox)
            .where(
                outbox.c.query_id == queries.c.query_id,
                sa.or_(outbox.c.sent_at.is_(None), outbox.c.sent_at > cutoff),
            )
            .exists()
        )
        stale = (
            sa.select(
                queries.c.query_id,
                queries.c.student_id,
                queries.c.trace_id,
                queries.c.redrives,
                sa.func.coalesce(queries.c.routed_to, queries.c.target_agent).label("agent"),
            )
            .where(sa.or_(*(queries.c.status == sa.literal_column(f"'{s}'") for s in OPEN_STATUSES)))
            .where(queries.c.created_at <= cutoff)
            .where(sa.or_(queries.c.redriven_at.is_(None), queries.c.redriven_at <= cutoff))
            .where(ours, ~moving)
            .order_by(queries.c.created_at)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            stale = stale.with_for_update(skip_locked=True, of=queries)
        result: list[Redrive] = []
        with self._write() as conn:
            found = conn.execute(stale).all()
            again = sorted((r for r in found if r.redrives < max_redrives), key=lambda r: str(r.query_id))
            done = sorted((r for r in found if r.redrives >= max_redrives), key=lambda r: str(r.query_id))
            for part in chunks([r.query_id for r in again]):
                conn.execute(
                    sa.update(queries)
                    .where(queries.c.query_id.in_(part))
                    .values(redrives=queries.c.redrives + 1, redriven_at=now)
                )
                conn.execute(
                    sa.update(outbox)
                    .where(
                        outbox.c.query_id.in_(part),
                        outbox.c.topic_prefix == mine,
                        outbox.c.topic.in_(drive_topics()),
                    )
                    .values(sent_at=None, lease_until=None)
                )
            for part in chunks([r.query_id for r in done]):
                conn.execute(
                    sa.update(queries)
                    .where(
                        queries.c.query_id.in_(part),
                        sa.or_(*(queries.c.status == sa.literal_column(f"'{s}'") for s in OPEN_STATUSES)),
                    )
                    .values(status="failed", redriven_at=now)
                )
        result += [Redrive(r.query_id, r.student_id, r.trace_id, r.redrives + 1, r.agent) for r in again]
        result += [Redrive(r.query_id, r.student_id, r.trace_id, r.redrives, r.agent, True) for r in done]
        return result
