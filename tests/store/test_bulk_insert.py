"""The store's hot write path (store/bulk.py on PostgreSQL and SQLite, the fast row check, mark_sent
with ANY) against the path it replaced (learnflow_agents.hot_path.legacy): both write the
same rows, skip the same duplicates and refuse the same bad values, on both backends."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from learnflow_agents import hot_path
from learnflow_agents.contracts import AgentReply, Provenance, StudentContext, StudentQuery
from learnflow_agents.store import Effects, InvalidDataError, OutboxEvent, Store, Submission, bulk
from learnflow_agents.store.schema import outbox, processed_messages, queries, replies, students


@pytest.fixture(params=["current", "per-row", "legacy"])
def path(request: pytest.FixtureRequest) -> Iterator[bool]:
    """The current path (PostgreSQL: one `unnest` insert per batch), the same with
    PostgreSQL's inserts a pipelined statement per row (what a batch with a repeated key
    still takes), and the legacy path."""
    before = hot_path.legacy, hot_path.per_row_postgres_inserts
    hot_path.legacy = request.param == "legacy"
    hot_path.per_row_postgres_inserts = request.param == "per-row"
    try:
        yield hot_path.legacy
    finally:
        hot_path.legacy, hot_path.per_row_postgres_inserts = before


def submission(student: str, text: str, events: int = 1, query: StudentQuery | None = None) -> Submission:
    query = query or StudentQuery(text=text)
    return Submission(
        student,
        "trace",
        query,
        StudentContext(skill_level="beginner") if student == "bob" else None,
        [OutboxEvent("student-queries", student, f"{text} #{n}".encode()) for n in range(events)],
    )


def answer(query: StudentQuery, message_id: str, student: str = "alice") -> Effects:
    reply = AgentReply(
        query_id=query.query_id,
        agent="debug",
        summary=f"answer to {query.text}",
        provenance=Provenance(agent="debug", provider="offline", latency_ms=3.0),
    )
    return Effects(
        consumer_group="learnflow-debug",
        message_id=message_id,
        student_id=student,
        query_id=query.query_id,
        reply=reply,
        query_status="answered",
        events=[OutboxEvent("agent-responses", student, f"reply {message_id}".encode())],
    )


def outbox_rows(store: Store) -> list[tuple[object, ...]]:
    with store._engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.query_id).order_by(
                outbox.c.id
            )
        ).all()
    return [tuple(r) for r in rows]


def test_submissions_store_new_queries_and_skip_duplicates(store: Store, path: bool) -> None:
    old = submission("alice", "stored before")
    assert store.submit_queries([old])[0] is not None
    twice = StudentQuery(text="sent twice")
    batch = [
        submission("alice", "first", events=2),
        submission("bob", "twice a", query=twice),
        submission("bob", "twice b", query=twice),
        submission("carol", "stored before", query=old.query),
    ]
    first, dup_a, dup_b, again = store.submit_queries(batch)
    assert first is not None and [r.value for r in first] == [b"first #0", b"first #1"]
    assert first[0].id < first[1].id
    assert dup_a is not None and [r.value for r in dup_a] == [b"twice a #0"]
    assert dup_b is None and again is None
    stored = {row[1:] for row in outbox_rows(store)}
    assert ("student-queries", "alice", b"first #1", batch[0].query.query_id) in stored
    assert not any(value == b"twice b #0" for _, _, value, _ in stored)
    record = store.get_query(twice.query_id)
    assert record is not None and record.student_id == "bob" and record.status == "pending"
    # Sent once: the count says how many were still unsent.
    ids = [r.id for r in first]
    assert store.mark_sent(ids) == 2
    assert store.mark_sent([*ids, dup_a[0].id]) == 1
    assert store.claim_outbox(lease_seconds=0) == []


def test_effects_are_applied_once(store: Store, path: bool) -> None:
    q1, q2 = StudentQuery(text="one"), StudentQuery(text="two")
    store.submit_queries([submission("alice", "one", query=q1), submission("alice", "two", query=q2)])
    [done] = store.apply_effects([answer(q1, "m1")])
    assert done is not None
    same_message, fresh, same_reply, fresh_twice = store.apply_effects(
        [answer(q1, "m1"), answer(q2, "m2"), answer(q1, "m3"), answer(q2, "m2")]
    )
    assert same_message is None and same_reply is None and fresh_twice is None
    assert fresh is not None and [r.value for r in fresh] == [b"reply m2"]
    assert [r.summary for r in store.get_replies(q2.query_id)] == ["answer to two"]
    record = store.get_query(q2.query_id)
    assert record is not None and record.status == "answered"
    with store._engine.connect() as conn:
        inbox = set(conn.execute(sa.select(processed_messages.c.message_id)).scalars())
    # m3 is handled (its message is marked processed) but a second reply to q1 is not stored.
    assert inbox == {"m1", "m2", "m3"}


def test_bad_values_are_refused_whole(store: Store, path: bool) -> None:
    bad_trace = submission("alice", "bad")
    bad_trace.trace_id = "trace\x00"
    with pytest.raises(InvalidDataError, match=r"queries\.trace_id contains a NUL"):
        store.submit_queries([submission("alice", "ok"), bad_trace])
    with pytest.raises(InvalidDataError, match="longer than 128"):
        store.submit_queries([submission("a" * 200, "too long a student id")])
    query = StudentQuery(text="fine")
    store.submit_queries([submission("alice", "fine", query=query)])
    bad = answer(query, "m1")
    assert bad.reply is not None
    bad.reply.summary = "\ud800"
    with pytest.raises(InvalidDataError, match=r"replies\.reply\.summary contains"):
        store.apply_effects([bad])
    with store._engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(queries)).scalar_one() == 1


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "data", [{"v": {"\ud800": 1}}, {"v": _nested(300)}], ids=["lone-surrogate-key", "nested-300-deep"]
)
def test_a_reply_document_no_encoder_can_write_is_refused_by_name(
    store: Store, path: bool, data: dict[str, object]
) -> None:
    """A reply's `data` neither JSON path can encode got a bare UnicodeEncodeError/ValueError
    from the encoder: the record was retried and dead-lettered with no reason given. It is
    the store's InvalidDataError now, and nothing of the batch is written."""
    query = StudentQuery(text="fine")
    store.submit_queries([submission("alice", "fine", query=query)])
    bad = answer(query, "m1")
    assert bad.reply is not None
    bad.reply.data = data
    with pytest.raises(InvalidDataError, match="cannot be stored"):
        store.apply_effects([bad])
    assert store.get_replies(query.query_id) == []


def test_a_constraint_failure_is_sqlalchemys_integrity_error(store: Store, path: bool) -> None:
    # The runner tells a bad record from an outage by SQLAlchemy's exception classes.
    query = StudentQuery(text="x")
    store.submit_queries([submission("alice", "x", query=query)])
    orphan = answer(StudentQuery(text="never submitted"), "m9")
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_effects([orphan])


def test_a_write_marks_published_rows_sent_in_its_own_transaction(store: Store, path: bool) -> None:
    [first] = store.submit_queries([submission("alice", "one", events=2)])
    assert first is not None
    ids = [row.id for row in first]
    # A failed write marks nothing: its transaction is rolled back, the ids go back to the marker.
    orphan = answer(StudentQuery(text="never submitted"), "m0")
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_effects([orphan], sent=ids)
    assert store.claim_outbox(lease_seconds=0) == []  # still leased, and still unsent:
    with store._engine.connect() as conn:
        unsent = conn.execute(sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))).scalar_one()
    assert unsent == 2
    [second] = store.submit_queries([submission("bob", "two")], sent=ids)
    assert second is not None
    assert store.mark_sent(ids) == 0  # the submission's transaction marked them
    assert store.mark_sent([second[0].id]) == 1


def test_a_students_context_is_replaced_and_its_course_kept(store: Store, path: bool) -> None:
    first = StudentQuery(text="one", course_id="py101")
    store.submit_queries([Submission("dana", "t", first, StudentContext(skill_level="beginner"), [])])
    second = StudentQuery(text="two")  # no course named this time
    store.submit_queries([Submission("dana", "t", second, StudentContext(skill_level="advanced"), [])])
    context = store.get_student_context("dana")
    assert context is not None and context.skill_level == "advanced"
    third = StudentQuery(text="three", course_id="py102")
    store.submit_queries([Submission("erin", "t", third, None, [])])  # a new student, kept as is
    store.submit_queries([Submission("erin", "t", StudentQuery(text="four"), None, [])])
    with store._engine.connect() as conn:
        courses = dict(conn.execute(sa.select(students.c.id, students.c.course_id)).all())
    assert courses == {"dana": "py101", "erin": "py102"}


def test_documents_are_stored_as_documents_and_a_nul_inside_is_refused_by_name(
    store: Store, path: bool
) -> None:
    # The hot path encodes a query's variables, a student's context and a reply once
    # (store/rows.py JSONText) and hands the text to the database: what is stored must be
    # the document itself (an object or a list), never a JSON string holding it.
    query = StudentQuery(
        text="vars",
        variables=[{"name": "xs", "type": "list", "length": 3, "repr": "[1, 2, 'é']"}],
    )
    context = StudentContext(skill_level="advanced", topics_covered=["loops"], mastery={"loops": 0.5})
    store.submit_queries([Submission("fay", "t", query, context, [])])
    [done] = store.apply_effects([answer(query, "m1", student="fay")])
    assert done is not None
    with store._engine.connect() as conn:
        variables = conn.execute(sa.select(queries.c.variables)).scalar_one()
        stored_context = conn.execute(
            sa.select(students.c.context).where(students.c.id == "fay")
        ).scalar_one()
        reply = conn.execute(sa.select(replies.c.reply)).scalar_one()
    assert variables == [v.model_dump(mode="json") for v in query.variables]
    assert stored_context == context.model_dump(mode="json")
    assert isinstance(reply, dict) and reply["summary"] == "answer to vars"
    [read] = store.get_replies(query.query_id)
    assert read.summary == "answer to vars" and read.provenance.latency_ms == 3.0
    # A NUL inside a document: refused before the transaction, naming the field.
    later = StudentQuery(text="later")
    store.submit_queries([submission("fay", "later", query=later)])
    bad = answer(later, "m2", student="fay")
    assert bad.reply is not None
    bad.reply.summary = "nul \x00 here"
    with pytest.raises(InvalidDataError, match=r"replies\.reply\.summary contains a NUL"):
        store.apply_effects([bad])


@pytest.mark.parametrize("per_row", [False, True], ids=["one-statement", "per-row"])
def test_a_batch_insert_gives_each_row_its_own_result_in_place(store: Store, per_row: bool) -> None:
    hot_path.per_row_postgres_inserts = per_row
    try:
        check_results_in_place(store)
    finally:
        hot_path.per_row_postgres_inserts = False


def check_results_in_place(store: Store) -> None:
    with store._write() as conn:
        rows = [{"consumer_group": "g", "message_id": m, "processed_at": bulk_now()} for m in ("a", "b", "c")]
        assert bulk.insert_returning(conn, processed_messages, rows[1:2], ("message_id",)) == [("b",)]
        # b is there already: skipped, and its place says so; a and c go in around it.
        found = bulk.insert_returning(
            conn, processed_messages, rows, ("consumer_group", "message_id"), skip_conflicts=True
        )
        assert found == [("g", "a"), None, ("g", "c")]
        # Server-made ids come back in the order the rows were given, ascending.
        events = [
            {"topic": "t", "key": k, "value": k.encode(), "created_at": bulk_now(), "attempts": 0}
            for k in ("z", "y", "x", "w")
        ]
        ids = [r[0] for r in bulk.insert_returning(conn, outbox, events, ("id",)) if r is not None]
        assert ids == sorted(ids) and len(set(ids)) == 4
        keys = dict(conn.execute(sa.select(outbox.c.id, outbox.c.key).where(outbox.c.id.in_(ids))).all())
        assert [keys[i] for i in ids] == ["z", "y", "x", "w"]


@pytest.mark.postgres
def test_postgres_batch_insert_refuses_a_value_too_long_rather_than_cutting_it(
    postgres_schema_url: str,
) -> None:
    # The one-statement insert casts each column's array to its type without a length: a
    # cast to VARCHAR(128) would cut a longer value silently where the insert refuses it.
    store = Store.open(postgres_schema_url)
    try:
        for per_row in (False, True):
            hot_path.per_row_postgres_inserts = per_row
            row = {"id": "s" * 129, "context": "{}", "created_at": bulk_now(), "updated_at": bulk_now()}
            with pytest.raises(sa.exc.DataError), store._write() as conn:
                bulk.insert_returning(conn, students, [row], skip_conflicts=True)
        with store._engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(students)).scalar_one() == 0
    finally:
        hot_path.per_row_postgres_inserts = False
        store.close()


def bulk_now() -> datetime:
    return datetime.now(UTC)
