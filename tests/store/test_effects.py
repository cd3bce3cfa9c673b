"""apply_effects: each handled message's effects are stored exactly once, atomically."""

from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from learnflow_agents.contracts import (
    AgentReply,
    Provenance,
    RoutingDecision,
    StruggleAlert,
    StruggleLevel,
    StudentQuery,
)
from learnflow_agents.store import Effects, InvalidDataError, OutboxEvent, Store
from learnflow_agents.store.schema import mastery, outbox, processed_messages


def submitted(store: Store, student: str = "alice", text: str = "what is a list?") -> UUID:
    query = StudentQuery(text=text)
    assert store.submit_query(student, "trace", query, None, []) is not None
    qid: UUID = query.query_id
    return qid


def reply(query_id: UUID, agent: str = "concepts", summary: str = "A list holds items.") -> AgentReply:
    return AgentReply(
        query_id=query_id,
        agent=agent,
        summary=summary,
        provenance=Provenance(agent=agent, provider="offline", latency_ms=12.5),
    )


def answer(query_id: UUID, message_id: str, agent: str = "concepts", **fields: object) -> Effects:
    return Effects(
        consumer_group=agent,
        message_id=message_id,
        student_id="alice",
        query_id=query_id,
        reply=reply(query_id, agent),
        query_status="answered",
        events=[OutboxEvent("agent-responses", "alice", f"reply to {message_id}".encode())],
        **fields,  # type: ignore[arg-type]
    )


def count(store: Store, table: sa.Table) -> int:
    with store._engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_effects_are_stored_with_their_events(store: Store) -> None:
    qid = submitted(store)
    [rows] = store.apply_effects([answer(qid, "m1")])
    assert rows is not None and [r.value for r in rows] == [b"reply to m1"]
    assert store.claim_outbox() == []  # leased to the caller, who publishes them
    [stored] = store.get_replies(qid)
    assert stored.summary == "A list holds items." and stored.provenance.latency_ms == 12.5
    record = store.get_query(qid)
    assert record is not None and record.status == "answered" and record.answered_at is not None


def test_duplicate_message_writes_nothing(store: Store) -> None:
    qid = submitted(store)
    first = store.apply_effects([answer(qid, "m1")])
    # Redelivered (the consumer died before committing): same group, same message id.
    second = store.apply_effects([answer(qid, "m1")])
    assert first[0] is not None and second == [None]
    assert len(store.get_replies(qid)) == 1
    assert count(store, outbox) == 1
    # Another consumer group handling the same message is a different consumer.
    other = Effects("progress", "m1", "alice", qid, mastery={"lists": 0.3})
    assert store.apply_effects([other]) == [[]]


def test_duplicates_inside_one_batch(store: Store) -> None:
    qid = submitted(store)
    result = store.apply_effects([answer(qid, "m1"), answer(qid, "m1")])
    assert result[0] is not None and result[1] is None
    assert len(store.get_replies(qid)) == 1 and count(store, outbox) == 1


def test_one_reply_per_query_and_agent(store: Store) -> None:
    qid = submitted(store)
    # Two different messages (e.g. the request was published twice) answering the same query.
    result = store.apply_effects([answer(qid, "m1")]) + store.apply_effects([answer(qid, "m2")])
    assert result[0] is not None and result[1] is None
    assert len(store.get_replies(qid)) == 1 and count(store, outbox) == 1
    # A different agent may answer the same query too (debug asking concepts, a saga).
    [debug] = store.apply_effects([answer(qid, "m3", agent="debug")])
    assert debug is not None
    assert sorted(r.agent for r in store.get_replies(qid)) == ["concepts", "debug"]


def test_routing_and_status_only_move_forward(store: Store) -> None:
    qid = submitted(store)
    routing = RoutingDecision(query_id=qid, target_agent="debug", confidence=0.9, reasoning="traceback")
    store.apply_effects([Effects("triage", "m1", "alice", qid, routing=routing)])
    record = store.get_query(qid)
    assert record is not None and record.status == "routed"
    assert record.routing == routing

    store.apply_effects([Effects("debug", "m2", "alice", qid, query_status="failed")])
    assert store.get_query(qid).status == "failed"  # type: ignore[union-attr]
    store.apply_effects([answer(qid, "m3", agent="debug")])
    answered = store.get_query(qid)
    assert answered is not None and answered.status == "answered"
    # Late routing or failure never takes an answered query backwards; the first answer time stays.
    store.apply_effects([Effects("triage", "m4", "alice", qid, routing=routing)])
    store.apply_effects([Effects("x", "m5", "alice", qid, query_status="failed")])
    store.apply_effects([answer(qid, "m6", agent="concepts")])
    final = store.get_query(qid)
    assert final is not None and final.status == "answered" and final.answered_at == answered.answered_at


def test_struggle_alerts_are_deduplicated_with_their_events(store: Store) -> None:
    alert = StruggleAlert(
        topic="loops",
        struggle_level=StruggleLevel.HIGH,
        score=0.8,
        evidence=["3 errors"],
        recommendation="review",
    )
    struggle_event = OutboxEvent("student-struggle", "alice", b"alert")

    def detect(message_id: str) -> Effects:
        return Effects(
            "progress", message_id, "alice", None, struggle=alert, struggle_events=[struggle_event]
        )

    first, again = store.apply_effects([detect("m1"), detect("m2")])
    assert first is not None and [r.value for r in first] == [b"alert"]
    assert again == []  # handled (not a duplicate message) but the alert exists: no second event
    [stored] = store.list_struggles("alice")
    assert (stored.topic, stored.level, stored.score, stored.evidence) == ("loops", "high", 0.8, ["3 errors"])
    assert store.list_struggles("bob") == []
    explicit = Effects("progress", "m3", "alice", None, struggle=alert, struggle_key="alice-loops-2")
    assert store.apply_effects([explicit]) == [[]]
    assert len(store.list_struggles()) == 2


def test_mastery_upserts_accumulate_evidence(store: Store) -> None:
    store.apply_effects(
        [
            Effects("progress", "m1", "alice", None, mastery={"loops": 0.2, "lists": 0.5}),
            Effects("progress", "m2", "alice", None, mastery={"loops": 0.4}),
        ]
    )
    store.apply_effects([Effects("progress", "m3", "alice", None, mastery={"loops": 0.6})])
    assert store.get_mastery("alice") == {"loops": 0.6, "lists": 0.5}
    with store._engine.connect() as conn:
        evidence = dict(conn.execute(sa.select(mastery.c.topic, mastery.c.evidence_count)).all())
    assert evidence == {"loops": 3, "lists": 1}


def test_a_failing_item_rolls_back_the_whole_batch(store: Store) -> None:
    qid = submitted(store)
    good = answer(qid, "m1")
    broken = Effects(
        "progress", "m2", "alice", qid, mastery={"loops": 0.5}, events=[OutboxEvent("", None, b"x")]
    )
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_effects([good, broken])
    assert store.get_replies(qid) == []
    assert count(store, processed_messages) == 0 and count(store, outbox) == 0
    assert store.get_mastery("alice") == {}
    assert store.get_query(qid).status == "pending"  # type: ignore[union-attr]
    # Not recorded as processed, so the redelivered message is applied normally.
    assert store.apply_effects([good]) != [None]


def test_invalid_effects_are_refused_before_writing(store: Store) -> None:
    qid = submitted(store)
    nul = answer(qid, "m1")
    assert nul.reply is not None
    nul.reply.explanation = "binary\x00junk"
    with pytest.raises(InvalidDataError, match="NUL"):
        store.apply_effects([nul])
    mixed = answer(qid, "m2")
    mixed.query_id = uuid4()
    with pytest.raises(InvalidDataError, match="different query ids"):
        store.apply_effects([mixed])
    with pytest.raises(InvalidDataError, match="within"):
        store.apply_effects([Effects("progress", "m3", "alice", None, mastery={"loops": 1.5})])
    assert count(store, processed_messages) == 0 and store.get_replies(qid) == []


def test_reply_for_an_unknown_query_is_rejected_atomically(store: Store) -> None:
    stray = answer(uuid4(), "m1")
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_effects([stray])
    assert count(store, processed_messages) == 0


def test_large_batch_of_routings_and_answers(store: Store) -> None:
    ids = [submitted(store, f"s{n % 9}", f"question {n}") for n in range(200)]
    routings = [
        Effects(
            "triage",
            f"r{n}",
            f"s{n % 9}",
            qid,
            routing=RoutingDecision(query_id=qid, target_agent="concepts", confidence=0.5, reasoning="words"),
            events=[OutboxEvent("concepts-requests", f"s{n % 9}", b"req")],
        )
        for n, qid in enumerate(ids)
    ]
    assert all(r is not None and len(r) == 1 for r in store.apply_effects(routings))
    assert {store.get_query(q).status for q in ids} == {"routed"}  # type: ignore[union-attr]
    answers = [answer(qid, f"a{n}") for n, qid in enumerate(ids)]
    for a, n in zip(answers, range(200), strict=True):
        a.student_id = f"s{n % 9}"
    results = store.apply_effects(answers)
    assert all(r is not None and len(r) == 1 for r in results)
    records = [store.get_query(q) for q in ids]
    assert all(r is not None and r.status == "answered" and r.answered_at for r in records)
    assert all(
        r is not None and r.routing is not None and r.routing.target_agent == "concepts" for r in records
    )
    assert store.apply_effects(answers) == [None] * 200
    assert count(store, outbox) == 400
