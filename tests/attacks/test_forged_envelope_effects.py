"""An envelope on the bus that names mallory but carries bob's stored query id (a record forged
by anyone with broker access: a leaked agent credential, a compromised agent pod) is applied
to bob's query: `EffectsMixin._update_queries` updates routing and status by query_id alone,
and `_insert_replies` stores a reply under the envelope's student for any query id. Seen:
bob's row `routed_to/confidence/reasoning` overwritten by mallory's triage; with code-review
running, a code-review reply to *mallory's* code is stored on bob's query (student_id
mallory), so bob's `GET /queries/<id>` shows it. Defence in depth: effects whose student is not
the query's owner are refused (ForeignQueryError -> dead letter, no error reply), checked
with one lookup in the same grouped transaction; the batch's other records are applied.
"""

import asyncio
from uuid import UUID

import pytest
import sqlalchemy as sa
from learnflow_agents.contracts import (
    AgentReply,
    AgentRequest,
    Provenance,
    RoutingDecision,
    StudentQuery,
    Topic,
    encode,
    make_envelope,
)
from learnflow_agents.settings import Settings
from learnflow_agents.store import Effects, ForeignQueryError, OutboxEvent, Store
from learnflow_agents.store.schema import outbox, processed_messages, queries, replies

from tests.attacks.test_query_path_attacks import STUDENTS, failing_cell, started, table


@pytest.mark.asyncio
async def test_an_envelope_naming_mallory_with_bobs_query_changes_nothing_of_bobs(settings: Settings) -> None:
    engine = await started(settings, "triage", "debug", "code-review")
    bus, store = engine.bus, engine.store
    assert bus is not None and store is not None
    try:
        bob_query = failing_cell("bob", 1, "debug")
        bob_id = await engine.submit("bob", bob_query)
        bob_answer = await engine.wait(bob_id, timeout=120)
        before = table(settings.db_url, queries, queries.c.query_id == bob_id)
        # Forged on the bus, in one burst with honest work so they share grouped writes:
        # mallory's envelope carrying bob's query id with her own text, straight to debug
        # and through triage.
        forged_query = StudentQuery(query_id=bob_id, text="mallory was here", code="print(mallory_secret)\n")
        forged = [
            (
                Topic.DEBUG_REQUESTS,
                make_envelope(Topic.DEBUG_REQUESTS, "mallory", AgentRequest(query=forged_query)),
            ),
            (Topic.STUDENT_QUERIES, make_envelope(Topic.STUDENT_QUERIES, "mallory", forged_query)),
        ]
        honest = [(s, failing_cell(s, 7)) for s in STUDENTS]
        for topic, envelope in forged:
            await bus.publish(topic.value, "mallory", encode(envelope))
        ids = await engine.submit_many(honest)
        await asyncio.wait_for(asyncio.gather(*(engine.wait(q, timeout=120) for q in ids)), 180)
        await asyncio.sleep(2)  # the forged records are handled by now (same runners, earlier)
        bobs = store.get_replies(bob_id)
        assert [r.summary for r in bobs] == [bob_answer.summary]
        assert all("mallory" not in r.summary + r.explanation for r in bobs)
        stored = table(settings.db_url, replies, replies.c.query_id == bob_id)
        assert {r["student_id"] for r in stored} == {"bob"}
        after = table(settings.db_url, queries, queries.c.query_id == bob_id)
        changed = {k: (before[0][k], after[0][k]) for k in before[0] if before[0][k] != after[0][k]}
        assert after == before, f"bob's query row was changed by mallory's envelope: {changed}"
    finally:
        await engine.stop()


def _submitted(store: Store, student: str) -> UUID:
    query = StudentQuery(text=f"{student}'s question")
    assert store.submit_query(student, "trace", query, None, []) is not None
    qid: UUID = query.query_id
    return qid


def _reply(query_id: UUID, agent: str, summary: str) -> AgentReply:
    provenance = Provenance(agent=agent, provider="offline")
    return AgentReply(query_id=query_id, agent=agent, summary=summary, provenance=provenance)


def test_the_store_refuses_effects_on_another_students_query_and_applies_the_rest(store: Store) -> None:
    bob_1, bob_2, mine = _submitted(store, "bob"), _submitted(store, "bob"), _submitted(store, "mallory")
    before = {q: store.get_query(q) for q in (bob_1, bob_2)}
    routing = RoutingDecision(
        query_id=bob_2, target_agent="code-review", confidence=0.99, reasoning="mallory was here"
    )
    event = OutboxEvent("agent-responses", "mallory", b"forged")
    bobs_answer, mallorys_answer = (
        _reply(bob_1, "debug", "bob's answer"),
        _reply(mine, "debug", "mallory's own"),
    )
    batch = [
        Effects("debug", "bob-1", "bob", bob_1, reply=bobs_answer, query_status="answered"),
        # Forged: mallory's envelopes with bob's query ids (a reply, a routing, a status).
        Effects("code-review", "m-1", "mallory", bob_1, reply=_reply(bob_1, "code-review", "mallory")),
        Effects("triage", "m-2", "mallory", bob_2, routing=routing, mastery={"lists": 0.1}, events=[event]),
        Effects("debug", "m-3", "mallory", bob_2, query_status="failed"),
        Effects("debug", "m-4", "mallory", mine, reply=mallorys_answer, query_status="answered"),
    ]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(store._engine, "before_cursor_execute", seen)
    try:
        result = store.apply_effects(batch)
    finally:
        sa.event.remove(store._engine, "before_cursor_execute", seen)
    assert [isinstance(r, ForeignQueryError) for r in result] == [False, True, True, True, False]
    assert result[0] is not None and result[4] is not None
    # One ownership lookup for the whole batch, not one per record.
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "queries" in s]
    assert len(lookups) == 1, lookups
    # Nothing of the forged items is written, not even their message ids (their dead
    # letters are stored under them), while the honest items of the batch are applied.
    assert [r.summary for r in store.get_replies(bob_1)] == ["bob's answer"]
    assert store.get_replies(bob_2) == []
    assert store.get_query(bob_2) == before[bob_2]
    assert [r.summary for r in store.get_replies(mine)] == ["mallory's own"]
    with store._engine.connect() as conn:
        claimed = set(conn.execute(sa.select(processed_messages.c.message_id)).scalars())
        forged_events = conn.execute(sa.select(outbox.c.id).where(outbox.c.value == b"forged")).all()
    assert claimed == {"bob-1", "m-4"}
    assert forged_events == []
    assert store.get_mastery("mallory") == {}
