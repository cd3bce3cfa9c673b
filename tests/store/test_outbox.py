"""Submitting queries with their outbox events, and the relay's claim/lease/send cycle."""

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from learnflow_agents.contracts import SkillLevel, StudentContext, StudentQuery
from learnflow_agents.store import InvalidDataError, OutboxEvent, Store, Submission
from learnflow_agents.store.schema import outbox
from sqlalchemy.engine import make_url


def ask(text: str = "why does my loop never stop?", **fields: object) -> StudentQuery:
    return StudentQuery.model_validate({"text": text, **fields})


def event(n: int = 0, key: str | None = "alice") -> OutboxEvent:
    return OutboxEvent("student-queries", key, f"payload-{n}".encode())


def outbox_rows(store: Store) -> list[sa.Row[Any]]:
    with store._engine.connect() as conn:
        return list(conn.execute(sa.select(outbox).order_by(outbox.c.id)))


def test_submit_writes_query_student_and_leased_events(store: Store) -> None:
    query = ask(code="while True:\n    pass")
    context = StudentContext(skill_level=SkillLevel.INTERMEDIATE, topics_covered=["loops"])
    rows = store.submit_query("alice", "trace-1", query, context, [event(1), event(2, key=None)])

    assert rows is not None
    assert [(r.topic, r.key, r.value) for r in rows] == [
        ("student-queries", "alice", b"payload-1"),
        ("student-queries", None, b"payload-2"),
    ]
    assert rows[0].id < rows[1].id
    record = store.get_query(query.query_id)
    assert record is not None
    assert (record.student_id, record.trace_id, record.status, record.routing) == (
        "alice",
        "trace-1",
        "pending",
        None,
    )
    assert record.code == "while True:\n    pass"
    assert record.created_at.utcoffset() == timedelta(0)
    stored_context = store.get_student_context("alice")
    assert stored_context is not None and stored_context.skill_level is SkillLevel.INTERMEDIATE
    # Leased to the submitter, who publishes them right away: the relay must not take them.
    assert store.outbox_pending_count() == 2
    assert store.claim_outbox() == []


def test_submit_is_idempotent_on_query_id(store: Store) -> None:
    query = ask()
    first = store.submit_query(
        "alice", "t1", query, StudentContext(skill_level=SkillLevel.BEGINNER), [event()]
    )
    again = store.submit_query(
        "alice", "t2", query, StudentContext(skill_level=SkillLevel.ADVANCED), [event(1), event(2)]
    )
    assert first is not None and again is None
    assert len(outbox_rows(store)) == 1
    record = store.get_query(query.query_id)
    assert record is not None and record.trace_id == "t1"
    context = store.get_student_context("alice")
    assert context is not None and context.skill_level is SkillLevel.BEGINNER


def test_context_none_keeps_the_stored_context(store: Store) -> None:
    store.submit_query("alice", "t", ask(), StudentContext(skill_level=SkillLevel.ADVANCED), [])
    store.submit_query("alice", "t", ask(context=StudentContext(skill_level=SkillLevel.BEGINNER)), None, [])
    context = store.get_student_context("alice")
    assert context is not None and context.skill_level is SkillLevel.ADVANCED
    # A new student without an explicit context starts from the query's own.
    store.submit_query("bob", "t", ask(context=StudentContext(skill_level=SkillLevel.INTERMEDIATE)), None, [])
    bob = store.get_student_context("bob")
    assert bob is not None and bob.skill_level is SkillLevel.INTERMEDIATE


def test_failure_mid_transaction_leaves_nothing(store: Store) -> None:
    good, bad = ask("first"), ask("second")
    batch = [
        Submission("alice", "t", good, None, [event(1)]),
        # The CHECK on outbox.topic fails inside the transaction, after the queries, the
        # students and the first events were already inserted.
        Submission("bob", "t", bad, None, [event(2), OutboxEvent("", "bob", b"x")]),
    ]
    with pytest.raises(sa.exc.IntegrityError):
        store.submit_queries(batch)
    assert store.get_query(good.query_id) is None
    assert store.get_query(bad.query_id) is None
    assert store.get_student_context("alice") is None
    assert store.get_student_context("bob") is None
    assert outbox_rows(store) == []
    # Nothing half-done blocks a clean retry.
    assert store.submit_queries(batch[:1]) != [None]


def test_unstorable_text_is_refused_before_writing(store: Store) -> None:
    with pytest.raises(ValueError, match="NUL"):
        StudentQuery(text="bad\x00bytes")  # the contract refuses it already
    sneaky = ask(traceback="Traceback\x00(most recent call last)")  # tracebacks are not checked there
    with pytest.raises(InvalidDataError, match=r"queries\.traceback"):
        store.submit_query("alice", "t", sneaky, None, [event()])
    with pytest.raises(InvalidDataError, match="bytes"):
        store.submit_query("alice", "t", ask(), None, [OutboxEvent("t", "k", "text")])  # type: ignore[arg-type]
    with pytest.raises(InvalidDataError, match="longer than 64"):
        store.submit_query("alice", "t" * 65, ask(), None, [])
    assert store.get_query(sneaky.query_id) is None
    assert store.get_student_context("alice") is None
    assert outbox_rows(store) == []


def test_batch_submit(store: Store) -> None:
    queries = [ask(f"question {n}") for n in range(300)]
    batch = [
        Submission(f"s{n % 7}", f"t{n}", q, None, [event(n, key=f"s{n % 7}")]) for n, q in enumerate(queries)
    ]
    batch.append(Submission("s0", "dup", queries[0], None, [event(999)]))  # same query twice in one batch
    result = store.submit_queries(batch)
    assert result[-1] is None
    assert all(r is not None and len(r) == 1 for r in result[:-1])
    assert [r[0].value for r in result[:-1] if r] == [f"payload-{n}".encode() for n in range(300)]
    assert store.outbox_pending_count() == 300
    assert store.submit_queries(batch) == [None] * len(batch)
    assert store.outbox_pending_count() == 300
    # Plain tuples are accepted too: (student_id, trace_id, query, context, events).
    [rows] = store.submit_queries([("carol", "t", ask("tuple"), None, [event(7, key="carol")])])
    assert rows is not None and rows[0].value == b"payload-7"


def test_claim_lease_mark_release(store: Store) -> None:
    rows = store.submit_query("alice", "t", ask(), None, [event(n) for n in range(5)], lease_seconds=0)
    assert rows is not None
    ids = [r.id for r in rows]

    claimed = store.claim_outbox(limit=3, lease_seconds=60)
    assert [r.id for r in claimed] == ids[:3]
    assert claimed[0].value == b"payload-0"
    # Leased rows are invisible to the next claim; the rest come in id order.
    assert [r.id for r in store.claim_outbox(limit=10, lease_seconds=60)] == ids[3:]
    assert store.claim_outbox() == []

    assert store.mark_sent(ids[:2]) == 2
    assert store.mark_sent(ids[:2]) == 0  # already sent
    assert store.release_outbox(ids[2:], "broker down") == 3
    assert store.outbox_pending_count() == 3
    again = store.claim_outbox(lease_seconds=0)
    assert [r.id for r in again] == ids[2:]
    by_id = {r.id: r for r in outbox_rows(store)}
    assert by_id[ids[2]].attempts == 1 and by_id[ids[2]].last_error == "broker down"
    assert by_id[ids[0]].sent_at is not None and by_id[ids[0]].attempts == 0

    # An expired lease (0 s) is claimable again; a backoff keeps rows away meanwhile.
    assert [r.id for r in store.claim_outbox(lease_seconds=60)] == ids[2:]
    store.release_outbox(ids[2:], "still down", retry_after_seconds=3600)
    assert store.claim_outbox() == []
    store.mark_sent(ids[2:])
    assert store.outbox_pending_count() == 0
    assert store.release_outbox(ids, "late") == 0  # sent rows are never released


def test_concurrent_claimers_never_share_a_row(store: Store) -> None:
    total = 400
    batch = [Submission("alice", "t", ask(f"q{n}"), None, [event(n)]) for n in range(total)]
    store.submit_queries(batch, lease_seconds=0)
    claims: dict[int, list[int]] = {0: [], 1: [], 2: [], 3: []}
    start = threading.Barrier(len(claims))
    errors: list[BaseException] = []

    def relay(n: int) -> None:
        try:
            start.wait()
            while rows := store.claim_outbox(limit=7, lease_seconds=600):
                claims[n].extend(r.id for r in rows)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=relay, args=(n,)) for n in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    every = [i for ids in claims.values() for i in ids]
    assert len(every) == len(set(every)) == total


@pytest.fixture
def pg_store(postgres_schema_url: str) -> Iterator[Store]:
    # A claim that waited on locked rows would fail fast instead of hanging the suite.
    url = make_url(postgres_schema_url)
    options = f"{url.query['options']} -clock_timeout=5000"
    store = Store.open(url.update_query_dict({"options": options}))
    try:
        yield store
    finally:
        store.close()


def test_claim_skips_rows_locked_by_another_relay(pg_store: Store, postgres_schema_url: str) -> None:
    rows = pg_store.submit_query("alice", "t", ask(), None, [event(n) for n in range(6)], lease_seconds=0)
    assert rows is not None
    ids = [r.id for r in rows]
    dsn = make_url(postgres_schema_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as other:  # a second relay, mid-claim, holding the first three
        other.execute("SELECT id FROM outbox WHERE id = ANY(%s) FOR UPDATE", (ids[:3],))
        assert [r.id for r in pg_store.claim_outbox(lease_seconds=60)] == ids[3:]
        other.rollback()
    assert [r.id for r in pg_store.claim_outbox(lease_seconds=60)] == ids[:3]


def test_thread_safe_submits(store: Store) -> None:
    errors: list[BaseException] = []
    ids: list[uuid.UUID] = []
    lock = threading.Lock()

    def student(n: int) -> None:
        try:
            for k in range(20):
                query = ask(f"student {n} question {k}")
                assert store.submit_query(f"s{n}", "t", query, None, [event(k, key=f"s{n}")]) is not None
                with lock:
                    ids.append(query.query_id)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 160 and store.outbox_pending_count() == 160
    assert all(store.get_query(i) is not None for i in ids)
