"""Storing a student's query together with its outbox events, idempotently."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from learnflow_agents.contracts import StudentContext, StudentQuery
from learnflow_agents.store import bulk
from learnflow_agents.store.base import StoreBase, utc_now
from learnflow_agents.store.outbox import insert_events, mark_sent_in
from learnflow_agents.store.records import OutboxEvent, OutboxRow, Submission
from learnflow_agents.store.rows import check_event, check_row, json_text, query_row
from learnflow_agents.store.schema import queries, students

SubmissionTuple = tuple[str, str, StudentQuery, StudentContext | None, Sequence[OutboxEvent]]


# What the SQLAlchemy upsert below says, as SQL both backends read alike (store/bulk.py).
_STUDENT_UPSERT = (
    'ON CONFLICT ("id") DO UPDATE SET "context" = excluded."context", '
    '"course_id" = COALESCE(excluded."course_id", "students"."course_id"), '
    '"updated_at" = excluded."updated_at"'
)


class SubmitMixin(StoreBase):
    def submit_query(
        self,
        student_id: str,
        trace_id: str,
        query: StudentQuery,
        context: StudentContext | None = None,
        events: Sequence[OutboxEvent] = (),
        lease_seconds: float = 30,
    ) -> list[OutboxRow] | None:
        """Store the query (pending), its student's context and its events in one transaction.

        Returns the stored, leased outbox rows for the caller to publish and mark sent, or
        None when this query_id was already stored (nothing is written then).
        """
        item = Submission(student_id, trace_id, query, context, list(events))
        return self.submit_queries([item], lease_seconds)[0]

    def submit_queries(
        self,
        batch: Sequence[Submission | SubmissionTuple],
        lease_seconds: float = 30,
        sent: Sequence[int] = (),
    ) -> list[list[OutboxRow] | None]:
        """`submit_query` for many queries in one transaction, with bulk inserts.

        Items are Submissions or plain (student_id, trace_id, query, context, events) tuples.
        `sent`: outbox ids published meanwhile, marked sent in the same transaction
        (see `mark_sent`; the caller's marking costs no transaction of its own).
        """
        if not batch:
            return []
        items = [item if isinstance(item, Submission) else Submission(*item) for item in batch]
        now = utc_now()
        rows: list[dict[str, Any]] = []
        first: dict[Any, int] = {}
        for index, item in enumerate(items):
            row = query_row(item.student_id, item.trace_id, item.query, now)
            check_row(queries, row)
            for n, event in enumerate(item.events):
                check_event(event, f"submission {index} event {n}")
            if item.query.query_id not in first:
                first[item.query.query_id] = index
                rows.append(row)
        for row in _student_rows(items, now):
            check_row(students, row)

        with self._write() as conn:
            mark_sent_in(conn, sent, now)
            # The query goes in first: whether it is new decides whether anything else is
            # written (the student FK is deferred to commit for this).
            ordered = sorted(rows, key=lambda r: str(r["query_id"]))
            if bulk.applies(conn):
                found = bulk.insert_returning(conn, queries, ordered, ("query_id",), skip_conflicts=True)
                inserted = {r[0] for r in found if r is not None}
            else:
                inserted = set(
                    conn.execute(
                        self._insert(queries).on_conflict_do_nothing().returning(queries.c.query_id),
                        ordered,
                    ).scalars()
                )
            fresh = [
                i
                for i, item in enumerate(items)
                if first[item.query.query_id] == i and item.query.query_id in inserted
            ]
            self._upsert_students(conn, [items[i] for i in fresh], now)
            stored = insert_events(
                conn,
                [items[i].events for i in fresh],
                now,
                now + timedelta(seconds=lease_seconds),
                self.outbox_prefix,
                [items[i].query.query_id for i in fresh],
            )
        result: list[list[OutboxRow] | None] = [None] * len(items)
        for i, rows_for_item in zip(fresh, stored, strict=True):
            result[i] = rows_for_item
        return result

    def _upsert_students(self, conn: sa.Connection, fresh: list[Submission], now: datetime) -> None:
        explicit = {item.student_id for item in fresh if item.context is not None}
        # Sorted so concurrent batches lock students in one order (no deadlocks).
        rows = sorted(_student_rows(fresh, now), key=lambda r: r["id"])
        replace = [r for r in rows if r["id"] in explicit]
        keep = [r for r in rows if r["id"] not in explicit]
        if replace and bulk.applies(conn):
            bulk.insert_returning(conn, students, replace, upsert=_STUDENT_UPSERT)
        elif replace:
            stmt = self._insert(students)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[students.c.id],
                    set_={
                        "context": stmt.excluded.context,
                        "course_id": sa.func.coalesce(stmt.excluded.course_id, students.c.course_id),
                        "updated_at": stmt.excluded.updated_at,
                    },
                ),
                replace,
            )
        if keep and bulk.applies(conn):
            bulk.insert_returning(conn, students, keep, skip_conflicts=True)
        elif keep:
            conn.execute(self._insert(students).on_conflict_do_nothing(), keep)


def _student_rows(batch: Sequence[Submission], now: datetime) -> list[dict[str, Any]]:
    """One row per student: the last explicit context in the batch, else the query's own."""
    rows: dict[str, dict[str, Any]] = {}
    for item in batch:
        previous = rows.get(item.student_id)
        if item.context is None and previous is not None:
            continue
        context = item.context if item.context is not None else item.query.context
        rows[item.student_id] = {
            "id": item.student_id,
            "context": json_text(context, lambda c=context: c.model_dump(mode="json")),
            "course_id": item.query.course_id,
            "created_at": now,
            "updated_at": now,
        }
    return list(rows.values())
