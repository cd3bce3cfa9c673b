"""Applying a handled message's effects exactly once (the idempotent-consumer inbox)."""

import hashlib
import logging
from collections.abc import Container, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnflow_agents.contracts import StruggleAlert
from learnflow_agents.store import bulk
from learnflow_agents.store.base import StoreBase, chunks, utc_now
from learnflow_agents.store.columns import UTCDateTime
from learnflow_agents.store.errors import ForeignQueryError, InvalidDataError
from learnflow_agents.store.outbox import insert_events, mark_sent_in
from learnflow_agents.store.records import Effects, OutboxEvent, OutboxRow
from learnflow_agents.store.rows import check_event, check_row, reply_row
from learnflow_agents.store.schema import (
    exercise_attempts,
    mastery,
    processed_messages,
    queries,
    replies,
    struggle_alerts,
)

log = logging.getLogger("learnflow.store")

ROUTING_COLUMNS = ("routed_to", "confidence", "reasoning", "secondary_agent", "router")
# A status only moves forward; "answered" may follow "failed" (a retry that worked).
STATUS_FROM: dict[str, tuple[str, ...]] = {
    "routed": ("pending",),
    "failed": ("pending", "routed"),
    "answered": ("pending", "routed", "failed"),
}


def _status_in(statuses: tuple[str, ...]) -> sa.ColumnElement[bool]:
    # Inline constants: an expanding IN parameter cannot be used in an executemany UPDATE.
    return sa.or_(*(queries.c.status == sa.literal_column(f"'{s}'") for s in statuses))


def _status_sql(statuses: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"\"status\" = '{s}'" for s in statuses) + ")"


# The status updates below as SQL both backends read alike (store/bulk.py), for the hot path.
_SET_STATUS = 'UPDATE "queries" SET "status" = ? WHERE "query_id" = ? AND {allowed}'
_ANSWERED = (
    'UPDATE "queries" SET "status" = ?, "answered_at" = COALESCE("answered_at", ?) '
    'WHERE "query_id" = ? AND ' + _status_sql(STATUS_FROM["answered"])
)

_SET_STATUS_ANY = 'UPDATE "queries" SET "status" = %s WHERE "query_id" = ANY(%s) AND {allowed}'
_ANSWERED_ANY = (
    'UPDATE "queries" SET "status" = %s, "answered_at" = COALESCE("answered_at", %s) '
    'WHERE "query_id" = ANY(%s) AND ' + _status_sql(STATUS_FROM["answered"])
)


def struggle_key(student_id: str, alert: StruggleAlert, now: datetime) -> str:
    """Default dedupe key: one alert per student, topic and level per UTC day."""
    key = f"{student_id}|{alert.topic}|{alert.struggle_level.value}|{now.date().isoformat()}"
    return key if len(key) <= 255 else hashlib.sha256(key.encode()).hexdigest()


def struggle_row(student_id: str, alert: StruggleAlert, key: str, now: datetime) -> dict[str, Any]:
    return {
        "student_id": student_id,
        "topic": alert.topic,
        "level": alert.struggle_level.value,
        "score": alert.score,
        "evidence": list(alert.evidence),
        "recommendation": alert.recommendation,
        "dedupe_key": key,
        "created_at": now,
    }


def _query_id(item: Effects) -> UUID | None:
    ids = {item.query_id} - {None}
    if item.reply is not None:
        ids.add(item.reply.query_id)
    if item.routing is not None:
        ids.add(item.routing.query_id)
    if len(ids) > 1:
        raise InvalidDataError(
            f"effects of message {item.message_id} name different query ids: {sorted(map(str, ids))}"
        )
    return ids.pop() if ids else None


def _implied_status(item: Effects) -> str | None:
    # A reply alone implies nothing: a saga helper's reply does not answer the query.
    return "routed" if item.routing is not None else None


class _Prepared:
    """One item's rows, built and checked before the transaction starts."""

    def __init__(self, item: Effects, index: int, now: datetime) -> None:
        self.item = item
        self.query_id = _query_id(item)
        self.status = item.query_status or _implied_status(item)
        if self.status is not None and self.status not in STATUS_FROM:
            raise InvalidDataError(f"query_status {self.status!r} is not one of {sorted(STATUS_FROM)}")
        self.inbox = {
            "consumer_group": item.consumer_group,
            "message_id": item.message_id,
            "processed_at": now,
        }
        self.reply: dict[str, Any] | None = None
        if item.reply is not None:
            self.reply = reply_row(item.reply, item.student_id, now)
        self.struggle: dict[str, Any] | None = None
        if item.struggle is not None:
            key = item.struggle_key or struggle_key(item.student_id, item.struggle, now)
            self.struggle = struggle_row(item.student_id, item.struggle, key, now)
        self.mastery: list[dict[str, Any]] = []
        for topic, p in (item.mastery or {}).items():
            if not 0.0 <= p <= 1.0:
                raise InvalidDataError(f"mastery for {topic!r} must be within [0, 1], got {p}")
            self.mastery.append({"student_id": item.student_id, "topic": topic.strip(), "p": p})
        self.attempt: dict[str, Any] | None = None
        if item.attempt is not None:
            a = item.attempt
            self.attempt = {
                "student_id": item.student_id,
                "exercise_id": a.exercise_id,
                "topic": a.topic,
                "passed": a.passed,
                "hints_used": a.hints_used,
                "details": a.details,
                "created_at": a.created_at,
                "source_id": a.source_id,
            }
            check_row(exercise_attempts, self.attempt)
        check_row(processed_messages, self.inbox)
        if self.reply:
            check_row(replies, self.reply)
        if self.struggle:
            check_row(struggle_alerts, self.struggle)
        for row in self.mastery:
            check_row(mastery, {"student_id": row["student_id"], "topic": row["topic"]})
        if item.routing is not None:
            check_row(
                queries,
                {
                    "reasoning": item.routing.reasoning,
                    "routed_to": item.routing.target_agent,
                    "secondary_agent": item.routing.secondary_agent,
                    "router": item.routing.router,
                },
            )
        for n, event in enumerate([*item.events, *item.struggle_events]):
            check_event(event, f"effects {index} event {n}")


class EffectsMixin(StoreBase):
    def apply_effects(
        self, batch: Sequence[Effects], lease_seconds: float = 30, sent: Sequence[int] = ()
    ) -> list[list[OutboxRow] | ForeignQueryError | None]:
        """Apply every item's effects in ONE transaction; returns per item the stored (leased)
        outbox rows to publish, or None for a duplicate, of which nothing is written.

        An item is a duplicate when its (consumer_group, message_id) was processed before
        (or earlier in this batch), or when its reply's (query_id, agent) is already stored:
        a query never gets two replies from one agent, nor their events twice. `sent`:
        outbox ids published meanwhile, marked sent in the same transaction.

        An item whose student is not the stored owner of its query (an envelope naming
        mallory with bob's query id) is refused whole: nothing of it is written, not even
        its message id, and its place in the result holds a ForeignQueryError (returned,
        not raised: the other items are applied). One lookup per batch decides it.
        """
        if not batch:
            return []
        now = utc_now()
        prepared = [_Prepared(item, i, now) for i, item in enumerate(batch)]
        result: list[list[OutboxRow] | ForeignQueryError | None] = [None] * len(batch)
        with self._write() as conn:
            mark_sent_in(conn, sent, now)
            refused = self._foreign_items(conn, prepared)
            live = self._claim_messages(conn, prepared, skip=refused)
            live = self._insert_replies(conn, prepared, live)
            self._update_queries(conn, [prepared[i] for i in live], now)
            stored_alerts = self._insert_struggles(conn, prepared, live)
            self._upsert_mastery(conn, [prepared[i] for i in live], now)
            self._insert_attempts(conn, [prepared[i] for i in live])
            groups: list[list[OutboxEvent]] = []
            for i in live:
                p = prepared[i]
                events = list(p.item.events)
                if i in stored_alerts:
                    events += p.item.struggle_events
                groups.append(events)
            stored = insert_events(
                conn,
                groups,
                now,
                now + timedelta(seconds=lease_seconds),
                self.outbox_prefix,
                [prepared[i].query_id for i in live],
            )
        for i, err in refused.items():
            result[i] = err
        for i, rows in zip(live, stored, strict=True):
            result[i] = rows
        return result

    def _foreign_items(self, conn: Connection, prepared: list[_Prepared]) -> dict[int, ForeignQueryError]:
        """The items naming a query whose stored owner is another student (one lookup).

        A query id with no stored row is left to the writes (a reply to it fails its
        foreign key; a routing or status update of it changes nothing).
        """
        ids = sorted({p.query_id for p in prepared if p.query_id is not None}, key=str)
        if not ids:
            return {}
        owners: dict[UUID, str] = {}
        for part in chunks(ids):
            if bulk.applies(conn):
                # The batch's one read: SQLAlchemy's expanding IN cost more CPU than the rest
                # of the effects' statements together (profile in docs/performance.md).
                found = bulk.select_where_in(conn, queries, "query_id", part, ("query_id", "student_id"))
            else:
                select = sa.select(queries.c.query_id, queries.c.student_id).where(
                    queries.c.query_id.in_(part)
                )
                found = list(conn.execute(select))
            owners.update((qid, owner) for qid, owner in found)
        refused: dict[int, ForeignQueryError] = {}
        for i, p in enumerate(prepared):
            owner = owners.get(p.query_id) if p.query_id is not None else None
            if owner is None or owner == p.item.student_id:
                continue
            log.warning(
                "effects refused: the message's student does not own its query",
                extra={
                    "consumer_group": p.item.consumer_group,
                    "message_id": p.item.message_id,
                    "student_id": p.item.student_id,
                    "query_id": str(p.query_id),
                },
            )
            refused[i] = ForeignQueryError(
                f"message {p.item.message_id} of student {p.item.student_id!r} names query "
                f"{p.query_id}, which another student owns; its effects are refused"
            )
        return refused

    def _claim_messages(
        self, conn: Connection, prepared: list[_Prepared], skip: Container[int] = ()
    ) -> list[int]:
        first: dict[tuple[str, str], int] = {}
        for i, p in enumerate(prepared):
            if i not in skip:
                first.setdefault((p.item.consumer_group, p.item.message_id), i)
        rows = sorted(
            (prepared[i].inbox for i in first.values()), key=lambda r: (r["consumer_group"], r["message_id"])
        )
        if bulk.applies(conn):
            found = bulk.insert_returning(
                conn, processed_messages, rows, ("consumer_group", "message_id"), skip_conflicts=True
            )
            new = {(r[0], r[1]) for r in found if r is not None}
        else:
            stmt = (
                self._insert(processed_messages)
                .on_conflict_do_nothing()
                .returning(processed_messages.c.consumer_group, processed_messages.c.message_id)
            )
            new = {(r.consumer_group, r.message_id) for r in conn.execute(stmt, rows)}
        return sorted(i for key, i in first.items() if key in new)

    def _insert_replies(self, conn: Connection, prepared: list[_Prepared], live: list[int]) -> list[int]:
        """Insert new replies; drops the items whose (query, agent) already has one."""
        first: dict[tuple[Any, str], tuple[int, dict[str, Any]]] = {}
        for i in live:
            reply = prepared[i].reply
            if reply is not None:
                first.setdefault((reply["query_id"], reply["agent"]), (i, reply))
        if not first:
            return live
        rows = [
            row for _, row in sorted(first.values(), key=lambda e: (str(e[1]["query_id"]), e[1]["agent"]))
        ]
        if bulk.applies(conn):
            found = bulk.insert_returning(conn, replies, rows, ("reply_id",), skip_conflicts=True)
            stored = {r[0] for r in found if r is not None}
        else:
            stmt = self._insert(replies).on_conflict_do_nothing().returning(replies.c.reply_id)
            stored = set(conn.execute(stmt, rows).scalars())
        keep = {i for i, row in first.values() if row["reply_id"] in stored}
        return [i for i in live if prepared[i].reply is None or i in keep]

    def _update_queries(self, conn: Connection, live: list[_Prepared], now: datetime) -> None:
        routing = sorted(
            (
                {
                    "qid": p.query_id,
                    "b_routed_to": p.item.routing.target_agent,
                    "b_confidence": p.item.routing.confidence,
                    "b_reasoning": p.item.routing.reasoning,
                    "b_secondary_agent": p.item.routing.secondary_agent,
                    "b_router": p.item.routing.router,
                }
                for p in live
                if p.item.routing is not None and p.query_id is not None
            ),
            key=lambda r: str(r["qid"]),
        )
        if routing:
            conn.execute(
                sa.update(queries)
                .where(queries.c.query_id == sa.bindparam("qid"))
                # Bind names must differ from column names in an executemany UPDATE.
                .values({k: sa.bindparam(f"b_{k}") for k in ROUTING_COLUMNS}),
                routing,
            )
        by_status: dict[str, list[dict[str, Any]]] = {}
        for p in live:
            status = p.status
            if status is None or p.query_id is None:
                continue
            by_status.setdefault(status, []).append({"qid": p.query_id})
        if bulk.applies(conn) and conn.dialect.name == "postgresql":
            # One statement per status whatever the count (`= ANY`: its index scan takes
            # the rows in key order, as the sorted row-by-row updates did).
            for status, rows in by_status.items():
                ids = sorted({r["qid"] for r in rows}, key=str)
                if status == "answered":
                    conn.exec_driver_sql(_ANSWERED_ANY, (status, now, ids))
                else:
                    allowed = _status_sql(STATUS_FROM[status])
                    conn.exec_driver_sql(_SET_STATUS_ANY.format(allowed=allowed), (status, ids))
            return
        if bulk.applies(conn):
            for status, rows in by_status.items():
                ordered = [r["qid"] for r in sorted(rows, key=lambda r: str(r["qid"]))]
                if status == "answered":
                    names: tuple[str, ...] = ("status", "answered_at", "query_id")
                    params: list[tuple[Any, ...]] = [(status, now, qid) for qid in ordered]
                    bulk.execute_many(conn, queries, _ANSWERED, names, params)
                else:
                    sql = _SET_STATUS.format(allowed=_status_sql(STATUS_FROM[status]))
                    params = [(status, qid) for qid in ordered]
                    bulk.execute_many(conn, queries, sql, ("status", "query_id"), params)
            return
        for status, rows in by_status.items():
            values: dict[str, Any] = {"status": status}
            if status == "answered":
                values["answered_at"] = sa.func.coalesce(
                    queries.c.answered_at, sa.literal(now, UTCDateTime())
                )
            conn.execute(
                sa.update(queries)
                .where(queries.c.query_id == sa.bindparam("qid"), _status_in(STATUS_FROM[status]))
                .values(values),
                sorted(rows, key=lambda r: str(r["qid"])),
            )

    def _insert_struggles(self, conn: Connection, prepared: list[_Prepared], live: list[int]) -> set[int]:
        """Insert new alerts; returns the items whose alert was stored (first per key)."""
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        for i in live:
            alert = prepared[i].struggle
            if alert is not None:
                first.setdefault(alert["dedupe_key"], (i, alert))
        if not first:
            return set()
        stmt = self._insert(struggle_alerts).on_conflict_do_nothing().returning(struggle_alerts.c.dedupe_key)
        stored = set(conn.execute(stmt, [first[key][1] for key in sorted(first)]).scalars())
        return {i for key, (i, _) in first.items() if key in stored}

    def _insert_attempts(self, conn: Connection, live: list[_Prepared]) -> None:
        """Record attempts; one per source (a check reply seen twice records one attempt)."""
        rows = [p.attempt for p in live if p.attempt is not None]
        first = {r["source_id"]: r for r in reversed(rows) if r["source_id"] is not None}
        if first:
            stmt = self._insert(exercise_attempts).on_conflict_do_nothing(
                index_elements=[exercise_attempts.c.source_id]
            )
            conn.execute(stmt, [first[key] for key in sorted(first)])
        if any(r["source_id"] is None for r in rows):
            conn.execute(sa.insert(exercise_attempts), [r for r in rows if r["source_id"] is None])

    def _upsert_mastery(self, conn: Connection, live: list[_Prepared], now: datetime) -> None:
        # One row per (student, topic): PostgreSQL refuses to upsert a row twice in one statement.
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for p in live:
            for m in p.mastery:
                key = (m["student_id"], m["topic"])
                count = merged[key]["evidence_count"] + 1 if key in merged else 1
                merged[key] = {
                    "student_id": key[0],
                    "topic": key[1],
                    "p_mastery": m["p"],
                    "evidence_count": count,
                    "updated_at": now,
                }
        if merged:
            upsert_mastery_rows(self, conn, [merged[k] for k in sorted(merged)])


def upsert_mastery_rows(store: StoreBase, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Set p_mastery and add evidence_count to the stored count."""
    stmt = store._insert(mastery)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[mastery.c.student_id, mastery.c.topic],
            set_={
                "p_mastery": stmt.excluded.p_mastery,
                "evidence_count": mastery.c.evidence_count + stmt.excluded.evidence_count,
                "updated_at": stmt.excluded.updated_at,
            },
        ),
        rows,
    )
