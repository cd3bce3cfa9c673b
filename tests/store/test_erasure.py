"""`forget`: one student's data erased from every table, on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from learnflow_agents.cli import main
from learnflow_agents.contracts import (
    AgentReply,
    Provenance,
    StruggleAlert,
    StruggleLevel,
    StudentContext,
    StudentQuery,
)
from learnflow_agents.store import Effects, OutboxEvent, Store, UsageCall
from learnflow_agents.store.erasure import ERASED_TABLES, forget_student
from learnflow_agents.store.schema import outbox

GONE = "erase-me-7f3a"
KEPT = "keep-me-91c2"


def seed(store: Store, student: str) -> None:
    """Every kind of row the store keeps about a student, each mentioning them."""
    context = StudentContext(topics_covered=["loops"], mastery={"loops": 0.4})
    query = StudentQuery(
        text=f"why does my loop fail ({student})", code=f"name = '{student}'\nfor i in 3: pass"
    )
    envelope = json.dumps({"student_id": student, "payload": {"x": 1}}).encode()
    events = [OutboxEvent("student-queries", student, envelope)]
    assert store.submit_query(student, "trace", query, context, events)
    # An event keyed by nobody and tied to no query, yet carrying the id: goes too.
    with store._engine.begin() as conn:
        conn.execute(
            sa.insert(outbox).values(
                topic="agent-logs", key=None, value=envelope, created_at=datetime.now(UTC)
            )
        )
    qid: UUID = query.query_id
    reply = AgentReply(
        query_id=qid,
        agent="debug",
        summary=f"{student}: iterate over range(3)",
        provenance=Provenance(agent="debug"),
    )
    store.apply_effects([Effects("debug", str(uuid4()), student, qid, reply=reply, query_status="answered")])
    store.record_feedback(reply.reply_id, student, helpful=True, rating=5, comment=f"thanks from {student}")
    store.record_attempt(student, "ex-loops-1", "loops", passed=False, details={"who": student})
    store.upsert_mastery(student, "loops", 0.4)
    alert = StruggleAlert(
        topic="loops", struggle_level=StruggleLevel.HIGH, score=0.9, evidence=[student], recommendation="r"
    )
    assert store.record_struggle(student, alert)
    store.cache_put(f"cache-{student}", "debug", {"reply": {"summary": f"for {student}"}}, ttl_seconds=None)
    store.heartbeat("debug", "pod-1", {"handled": 1})
    usage = UsageCall(
        datetime.now(UTC).date(), "py101", student, "debug", "anthropic", "m", True, 10, 5, 0.001
    )
    store.record_llm_usage(usage)


def mentions(store: Store, student: str) -> dict[str, int]:
    """Rows per table (every table in the database) with `student` in any column."""
    found: dict[str, int] = {}
    inspector = sa.inspect(store._engine)
    with store._engine.connect() as conn:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                if any(_has(value, student) for value in row):
                    found[table] = found.get(table, 0) + 1
    return found


def _has(value: Any, needle: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | bytearray | memoryview):
        return needle.encode() in bytes(value)
    if isinstance(value, dict | list):
        return needle in json.dumps(value, ensure_ascii=False)
    return needle in str(value)


def test_forget_erases_one_student_everywhere_and_keeps_the_others(store: Store) -> None:
    seed(store, GONE)
    seed(store, KEPT)
    before_kept = mentions(store, KEPT)
    assert set(mentions(store, GONE)) >= {
        "students",
        "queries",
        "replies",
        "feedback",
        "exercise_attempts",
        "mastery",
        "struggle_alerts",
        "outbox",
        "llm_cache",
        "llm_usage",
    }

    counts = forget_student(store, GONE)

    assert tuple(counts) == ERASED_TABLES
    for table in ERASED_TABLES:
        assert counts[table] >= 1, (table, counts)
    assert mentions(store, GONE) == {}
    assert mentions(store, KEPT) == before_kept
    assert store.get_mastery(KEPT) == {"loops": 0.4}
    assert forget_student(store, GONE) == dict.fromkeys(ERASED_TABLES, 0)


def test_dry_run_counts_and_changes_nothing(store: Store) -> None:
    seed(store, GONE)
    before = mentions(store, GONE)
    counts = forget_student(store, GONE, dry_run=True)
    assert counts["queries"] == 1 and counts["students"] == 1 and counts["outbox"] == 2
    assert mentions(store, GONE) == before


def test_forget_refuses_an_empty_id(store: Store) -> None:
    with pytest.raises(ValueError):
        forget_student(store, " ")


def test_cli_forget(store: Store, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(store, GONE)
    seed(store, KEPT)

    assert main(["forget", "--student", GONE, "--db", store_url]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] is True and dry["student"] == GONE and dry["deleted"]["queries"] == 1
    assert mentions(store, GONE) != {}

    assert main(["forget", "--student", GONE, "--db", store_url, "--yes"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["dry_run"] is False and done["deleted"]["students"] == 1
    assert mentions(store, GONE) == {}
    assert mentions(store, KEPT) != {}
