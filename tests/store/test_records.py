"""Reads, full-text search, feedback, attempts, the LLM cache, heartbeats and purge."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from learnflow_agents.contracts import (
    AgentReply,
    Provenance,
    StruggleAlert,
    StruggleLevel,
    StudentContext,
    StudentQuery,
)
from learnflow_agents.store import (
    Effects,
    FeedbackRejectedError,
    InvalidDataError,
    OutboxEvent,
    Store,
    UsageCall,
)
from learnflow_agents.store.schema import (
    agent_heartbeats,
    feedback,
    llm_cache,
    outbox,
    processed_messages,
    queries,
    replies,
    struggle_alerts,
)

PURGED = (
    "feedback",
    "replies",
    "queries",
    "outbox",
    "processed_messages",
    "llm_cache",
    "agent_heartbeats",
    "struggle_alerts",
    "llm_usage",
)


def submit(store: Store, student: str, text: str, code: str | None = None) -> UUID:
    query = StudentQuery(text=text, code=code)
    assert store.submit_query(student, "trace", query, None, [OutboxEvent("student-queries", student, b"q")])
    qid: UUID = query.query_id
    return qid


def answered(store: Store, student: str, qid: UUID, message_id: str) -> UUID:
    reply = AgentReply(query_id=qid, agent="concepts", summary="ok", provenance=Provenance(agent="concepts"))
    store.apply_effects([Effects("concepts", message_id, student, qid, reply=reply, query_status="answered")])
    reply_id: UUID = reply.reply_id
    return reply_id


def age(store: Store, table: sa.Table, column: str, days: int, where: sa.ColumnElement[bool]) -> None:
    """Move rows into the past (the store itself only ever writes 'now')."""
    with store._engine.begin() as conn:
        when = datetime.now(UTC) - timedelta(days=days)
        conn.execute(sa.update(table).where(where).values({column: when}))


def count(store: Store, table: sa.Table) -> int:
    with store._engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_recent_queries_and_context(store: Store) -> None:
    ids = [submit(store, "alice", f"question {n}") for n in range(5)]
    submit(store, "bob", "someone else's")
    recent = store.recent_queries("alice", limit=3)
    assert [r.query_id for r in recent] == ids[::-1][:3]
    assert {r.student_id for r in store.recent_queries("alice")} == {"alice"}
    assert store.get_query(uuid4()) is None and store.get_replies(uuid4()) == []
    assert store.get_student_context("nobody") is None
    # The progress agent's mastery overlays what the client last sent.
    store.submit_query(
        "alice", "t", StudentQuery(text="x"), StudentContext(mastery={"loops": 0.1, "lists": 0.9}), []
    )
    store.upsert_mastery("alice", "loops", 0.7)
    context = store.get_student_context("alice")
    assert context is not None and context.mastery == {"loops": 0.7, "lists": 0.9}
    with pytest.raises(InvalidDataError):
        store.upsert_mastery("alice", "loops", 1.2)


def test_search_finds_by_words_only_in_own_history(store: Store) -> None:
    loops = submit(store, "alice", "How do for loops work in Python?")
    fib = submit(store, "alice", "my function is slow", code="def fibonacci(n):\n    return fibonacci(n - 1)")
    submit(store, "alice", "what is a dictionary")
    bobs = submit(store, "bob", "loops and list comprehension")

    assert [r.query_id for r in store.search_queries("alice", "loops")] == [loops]
    assert [r.query_id for r in store.search_queries("alice", "fibonacci")] == [fib]  # found in the code
    assert [r.query_id for r in store.search_queries("alice", "loop")] == [loops]  # stemmed on both
    assert [r.query_id for r in store.search_queries("bob", "loops")] == [bobs]
    assert store.search_queries("bob", "fibonacci") == []
    assert store.search_queries("alice", "comprehension") == []  # bob's words, not alice's
    assert store.search_queries("alice", "loops dictionary") == []  # every word must match
    # Search syntax in the input is inert, never an error.
    assert store.search_queries("alice", '"loops* (') == [store.get_query(loops)]
    assert store.search_queries("alice", "loops OR dictionary") == []  # OR is a word, not an operator
    assert store.search_queries("alice", "!!! ???") == []
    assert len(store.search_queries("alice", "is", limit=1)) <= 1


def test_feedback_only_on_own_replies(store: Store) -> None:
    qid = submit(store, "alice", "what is a tuple")
    reply_id = answered(store, "alice", qid, "m1")
    assert store.record_feedback(reply_id, "alice", helpful=True, rating=5, comment="clear") > 0
    with pytest.raises(FeedbackRejectedError):
        store.record_feedback(reply_id, "bob", helpful=False, rating=1)
    with pytest.raises(FeedbackRejectedError):
        store.record_feedback(uuid4(), "alice", helpful=True)
    with pytest.raises(InvalidDataError):
        store.record_feedback(reply_id, "alice", rating=6)
    with store._engine.connect() as conn:
        rows = conn.execute(sa.select(feedback.c.student_id, feedback.c.helpful, feedback.c.rating)).all()
    assert [tuple(r) for r in rows] == [("alice", True, 5)]


def test_attempts(store: Store) -> None:
    first = store.record_attempt(
        "alice", "ex-loops-1", "loops", passed=False, hints_used=2, details={"failed": 3}
    )
    second = store.record_attempt("alice", "ex-loops-1", "loops", passed=True)
    store.record_attempt("alice", "ex-lists-1", "lists", passed=True)
    attempts = store.recent_attempts("alice", topic="loops")
    assert [a.id for a in attempts] == [second, first]
    assert (attempts[1].passed, attempts[1].hints_used, attempts[1].details) == (False, 2, {"failed": 3})
    assert store.recent_attempts("bob") == []


def test_an_attempt_is_recorded_once_per_source(store: Store) -> None:
    first = store.record_attempt("alice", "ex-1", "loops", passed=False, source_id="reply-1")
    again = store.record_attempt("alice", "ex-1", "loops", passed=False, source_id="reply-1")
    other = store.record_attempt("alice", "ex-1", "loops", passed=True, source_id="reply-2")
    assert first == again != other
    assert [a.source_id for a in store.recent_attempts("alice")] == ["reply-2", "reply-1"]
    assert store.get_attempt(first).source_id == "reply-1"


def test_concurrent_recordings_of_one_source_store_one_attempt(store: Store) -> None:
    """The race the old look-up-then-insert had: both writers get the same attempt back."""
    barrier = threading.Barrier(4)

    def record(_: int) -> int:
        barrier.wait()
        return store.record_attempt("alice", "ex-1", "loops", passed=True, source_id="reply-race")

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(record, range(4)))
    assert len(ids) == 1 and len(store.recent_attempts("alice")) == 1


def test_cache_expiry_hits_and_stats(store: Store) -> None:
    store.cache_put("k-live", "concepts", {"summary": "loops"}, ttl_seconds=3600)
    store.cache_put("k-forever", "debug", {"summary": "fix"}, ttl_seconds=None)
    store.cache_put("k-gone", "concepts", {"summary": "old"}, ttl_seconds=0)
    assert store.cache_get("k-live") == {"summary": "loops"}
    assert store.cache_get("k-live") == {"summary": "loops"}
    assert store.cache_get("k-forever") == {"summary": "fix"}
    assert store.cache_get("k-gone") is None
    assert store.cache_get("missing") is None
    assert store.cache_stats() == {"entries": 3, "live": 2, "expired": 1, "hits": 3}
    # Replacing a value starts its hit count again.
    store.cache_put("k-live", "concepts", {"summary": "new"}, ttl_seconds=3600)
    assert store.cache_get("k-live") == {"summary": "new"}
    assert store.cache_stats()["hits"] == 2


def test_heartbeats(store: Store) -> None:
    store.heartbeat("debug", "pod-a", {"handled": 1})
    store.heartbeat("debug", "pod-a", {"handled": 2})
    store.heartbeat("concepts", "pod-b", {})
    beats = store.list_heartbeats()
    assert [(b.agent, b.instance, b.stats) for b in beats] == [
        ("concepts", "pod-b", {}),
        ("debug", "pod-a", {"handled": 2}),
    ]
    assert all(b.seen_at.tzinfo is not None for b in beats)


def test_purge_counts(store: Store) -> None:
    old_q = submit(store, "alice", "an old question about loops")
    new_q = submit(store, "alice", "a new question about loops")
    old_reply = answered(store, "alice", old_q, "m-old")
    answered(store, "alice", new_q, "m-new")
    store.record_feedback(old_reply, "alice", helpful=True)
    alert = StruggleAlert(topic="loops", struggle_level=StruggleLevel.LOW, score=0.2, recommendation="r")
    store.record_struggle("alice", alert, dedupe_key="old")
    store.record_struggle("alice", alert, dedupe_key="new")
    store.heartbeat("debug", "old-pod", {})
    store.heartbeat("debug", "new-pod", {})
    store.cache_put("expired", "debug", {}, ttl_seconds=0)
    store.cache_put("live", "debug", {}, ttl_seconds=3600)
    today = datetime.now(UTC).date()
    for day in (today - timedelta(days=100), today):
        store.record_llm_usage(UsageCall(day, None, "alice", "debug", "anthropic", "m", True, 10, 5, 0.001))
    rows = store.submit_query(
        "alice", "t", StudentQuery(text="pending"), None, [OutboxEvent("x", None, b"p")]
    )
    assert rows is not None
    with store._engine.connect() as conn:
        all_ids = list(conn.execute(sa.select(outbox.c.id).order_by(outbox.c.id)).scalars())
    store.mark_sent(all_ids[:2])  # the two submits' events; the pending one stays

    age(store, queries, "created_at", 100, queries.c.query_id == old_q)
    age(store, struggle_alerts, "created_at", 100, struggle_alerts.c.dedupe_key == "old")
    age(store, agent_heartbeats, "seen_at", 100, agent_heartbeats.c.instance == "old-pod")
    age(store, processed_messages, "processed_at", 100, processed_messages.c.message_id == "m-old")
    age(store, outbox, "sent_at", 100, outbox.c.id == all_ids[0])
    age(store, outbox, "created_at", 100, outbox.c.id == rows[0].id)  # old but unsent: kept

    counts = store.purge(older_than_days=90)
    assert counts == dict.fromkeys(PURGED, 1)
    assert store.get_query(old_q) is None and store.get_query(new_q) is not None
    assert len(store.get_replies(new_q)) == 1
    assert [r.query_id for r in store.search_queries("alice", "loops")] == [new_q]
    assert count(store, outbox) == len(all_ids) - 1 and store.outbox_pending_count() == 1
    assert count(store, replies) == 1 and count(store, llm_cache) == 1
    assert [s.dedupe_key for s in store.list_struggles()] == ["new"]
    assert [u.asked.requests for u in store.llm_usage_by_student(today)] == [1]
    assert store.purge(older_than_days=90) == dict.fromkeys(PURGED, 0)
    with pytest.raises(ValueError):
        store.purge(-1)
