"""Dashboard queries (store.analytics) on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from learnflow_agents.contracts import (
    AgentReply,
    HelperRelation,
    Provenance,
    StruggleAlert,
    StruggleLevel,
    StudentQuery,
)
from learnflow_agents.store import Effects, Store
from learnflow_agents.store import analytics as an
from learnflow_agents.store.base import utc_now
from learnflow_agents.store.schema import queries, replies, struggle_alerts


def ask(store: Store, student: str, text: str = "help", course: str | None = "py101") -> UUID:
    query = StudentQuery(text=text, course_id=course)
    assert store.submit_query(student, "trace", query) is not None
    qid: UUID = query.query_id
    return qid


def answer(
    store: Store,
    student: str,
    qid: UUID,
    agent: str,
    concepts: list[str] | None = None,
    helps: str | None = None,
    **data: object,
) -> AgentReply:
    reply = AgentReply(
        query_id=qid,
        agent=agent,
        summary=f"{agent} says",
        concepts=concepts or [],
        provenance=Provenance(agent=agent),
        data=dict(data),
        helps=HelperRelation(agent=helps) if helps else None,
    )
    store.apply_effects([Effects(f"learnflow-{agent}", str(uuid.uuid4()), student, qid, reply=reply)])
    return reply


def debug_error(store: Store, student: str, error: str, course: str | None = "py101") -> None:
    answer(store, student, ask(store, student, course=course), "debug", ["lists"], error_type=error)


def alert(store: Store, student: str, topic: str, level: StruggleLevel, score: float = 0.5) -> None:
    assert store.record_struggle(
        student,
        StruggleAlert(
            topic=topic,
            struggle_level=level,
            score=score,
            evidence=[f"{topic} evidence"],
            recommendation=f"help with {topic}",
        ),
        dedupe_key=f"{student}|{topic}|{level.value}",
    )


def backdate(store: Store, table: sa.Table, student: str, days: float) -> None:
    with store._engine.begin() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.student_id == student)
            .values(created_at=utc_now() - timedelta(days=days))
        )


# -- class mastery matrix -------------------------------------------------------------------


def test_mastery_matrix_per_course_with_pages(store: Store) -> None:
    for i in range(5):
        ask(store, f"s{i}", course="py101" if i < 3 else "py202")
        store.upsert_mastery(f"s{i}", "loops", 0.1 * (i + 1))
        if i % 2 == 0:
            store.upsert_mastery(f"s{i}", "dicts", 0.9)
    matrix = an.class_mastery_matrix(store, "py101")
    assert matrix.students == ["s0", "s1", "s2"] and matrix.topics == ["dicts", "loops"]
    assert matrix.value("s1", "loops") == 0.2 and matrix.value("s1", "dicts") is None  # no evidence, not 0
    assert matrix.next_after is None
    first = an.class_mastery_matrix(store, limit=2)
    assert first.students == ["s0", "s1"] and first.next_after == "s1"
    second = an.class_mastery_matrix(store, limit=2, after=first.next_after)
    third = an.class_mastery_matrix(store, limit=2, after=second.next_after)
    assert second.students == ["s2", "s3"] and third.students == ["s4"] and third.next_after is None
    only = an.class_mastery_matrix(store, "py202", topics=["loops"])
    assert only.topics == ["loops"] and only.cells == {"s3": {"loops": 0.4}, "s4": {"loops": 0.5}}
    assert an.class_mastery_matrix(store, "nope").students == []


def test_topic_summary_weakest_first(store: Store) -> None:
    for i, (loops, dicts) in enumerate([(0.96, 0.2), (0.5, 0.4), (0.97, None)]):
        ask(store, f"s{i}", course="py101" if i < 2 else "other")
        store.upsert_mastery(f"s{i}", "loops", loops)
        if dicts is not None:
            store.upsert_mastery(f"s{i}", "dicts", dicts)
    summary = an.topic_summary(store)
    assert [(s.topic, s.students, s.mastered) for s in summary] == [("dicts", 2, 0), ("loops", 3, 2)]
    assert summary[1].mean == (0.96 + 0.5 + 0.97) / 3
    course = {s.topic: s for s in an.topic_summary(store, "py101")}
    assert (course["loops"].students, course["loops"].mastered) == (2, 1)


# -- most frequent errors -------------------------------------------------------------------


def test_most_frequent_errors_this_week(store: Store) -> None:
    for student, error in [("a", "IndexError"), ("a", "IndexError"), ("b", "IndexError"), ("b", "KeyError")]:
        debug_error(store, student, error)
    debug_error(store, "c", "NameError", course="py202")
    # Not errors: a concepts reply and a debug reply that found nothing to name.
    answer(store, "a", ask(store, "a"), "concepts", ["lists"])
    answer(store, "a", ask(store, "a"), "debug", [])
    # Last month's errors are not this week's.
    debug_error(store, "old", "TypeError")
    backdate(store, replies, "old", 30)
    top = an.frequent_errors(store)
    assert [(e.error_type, e.occurrences, e.students) for e in top] == [
        ("IndexError", 3, 2),
        ("KeyError", 1, 1),
        ("NameError", 1, 1),
    ]
    assert [e.error_type for e in an.frequent_errors(store, course_id="py202")] == ["NameError"]
    assert len(an.frequent_errors(store, limit=1)) == 1
    assert an.frequent_errors(store, since=utc_now() + timedelta(minutes=1)) == []
    assert "TypeError" in [
        e.error_type for e in an.frequent_errors(store, since=utc_now() - timedelta(days=31))
    ]


# -- students struggling now ------------------------------------------------------------------


def test_students_struggling_now_most_severe_first(store: Store) -> None:
    for student in ("amy", "ben", "cat", "dan"):
        ask(store, student, course="py202" if student == "dan" else "py101")
    alert(store, "amy", "loops", StruggleLevel.MEDIUM)
    alert(store, "amy", "dicts", StruggleLevel.LOW)
    alert(store, "ben", "recursion", StruggleLevel.HIGH, 0.9)
    alert(store, "cat", "sets", StruggleLevel.MEDIUM)
    alert(store, "dan", "files", StruggleLevel.HIGH)
    alert(store, "old", "loops", StruggleLevel.HIGH)
    backdate(store, struggle_alerts, "old", 2)
    now = an.struggling_now(store)
    # Level, then score (ben 0.9 over dan 0.5), then alert count (amy 2 over cat 1).
    assert [s.student_id for s in now] == ["ben", "dan", "amy", "cat"]
    amy = now[2]
    assert (amy.alerts, amy.level, sorted(amy.topics)) == (2, "medium", ["dicts", "loops"])
    assert amy.recommendation.startswith("help with") and amy.latest_at.tzinfo is not None
    # Every alert's evidence, not only the newest alert's.
    assert sorted(amy.evidence) == ["dicts evidence", "loops evidence"]
    assert now[0].score == 0.9
    assert [s.student_id for s in an.struggling_now(store, course_id="py202")] == ["dan"]
    assert [s.student_id for s in an.struggling_now(store, limit=1)] == ["ben"]
    week = an.struggling_now(store, since=utc_now() - timedelta(days=7))
    assert "old" in [s.student_id for s in week]


# -- a student's recent queries --------------------------------------------------------------


def test_a_students_recent_queries_with_their_replies(store: Store) -> None:
    first = ask(store, "amy", "first")
    answer(store, "amy", first, "debug", ["lists"], error_type="IndexError")
    answer(store, "amy", first, "concepts", ["lists"], helps="debug")
    second = ask(store, "amy", "second")
    ask(store, "ben", "not amy's")
    with store._engine.begin() as conn:
        # Distinct timestamps: SQLite's clock can hand two quick inserts the same one.
        conn.execute(
            sa.update(queries)
            .where(queries.c.query_id == first)
            .values(created_at=utc_now() - timedelta(minutes=5))
        )
    recent = an.student_recent_queries(store, "amy")
    assert [r.query.query_id for r in recent] == [second, first]
    assert recent[0].replies == []
    assert [r.agent for r in recent[1].replies] == ["debug", "concepts"]
    assert recent[1].replies[0].data["error_type"] == "IndexError"
    assert [r.query.text for r in an.student_recent_queries(store, "amy", limit=1)] == ["second"]
    assert an.student_recent_queries(store, "nobody") == []


# -- what the progress agent reads ------------------------------------------------------------


def test_reply_facts_read_only_the_fields_progress_needs(store: Store) -> None:
    qid = ask(store, "amy")
    debug = answer(store, "amy", qid, "debug", ["indexing", "lists"], error_type="IndexError")
    answer(store, "amy", qid, "concepts", ["indexing"], helps="debug")
    answer(store, "amy", ask(store, "amy"), "code-review", ["naming"])
    facts = an.student_reply_facts(store, "amy")
    by_agent = {f.agent: f for f in facts}
    assert set(by_agent) == {"debug", "concepts"}
    d = by_agent["debug"]
    assert (d.reply_id, d.status, d.concept, d.error_type, d.helps) == (
        str(debug.reply_id),
        "ok",
        "indexing",
        "IndexError",
        None,
    )
    assert by_agent["concepts"].helps == "debug" and by_agent["concepts"].error_type is None


def test_reply_facts_read_helpers_stored_by_1_0_agents(store: Store) -> None:
    qid = ask(store, "amy")
    helper = answer(store, "amy", qid, "concepts", ["indexing"])
    # A row written before 1.1: the helped agent in data.saga_of, no `helps`.
    doc = helper.model_dump(mode="json", exclude={"helps", "follow_up", "check", "progress"})
    doc["data"] = {"saga_of": "debug"}
    with store._engine.begin() as conn:
        conn.execute(sa.update(replies).where(replies.c.reply_id == helper.reply_id).values(reply=doc))
    (facts,) = an.student_reply_facts(store, "amy")
    assert (facts.reply_id, facts.helps) == (str(helper.reply_id), "debug")
    (read,) = an.student_recent_queries(store, "amy")[0].replies
    assert read.helps == HelperRelation(agent="debug") and "saga_of" not in read.data


def test_activity_days_are_utc_days(store: Store) -> None:
    for n in range(3):
        ask(store, "amy", f"q{n}")
    with store._engine.begin() as conn:
        ids = list(conn.execute(sa.select(queries.c.query_id).order_by(queries.c.query_id)).scalars())
        # 23:30 UTC is still the earlier day whatever the server's time zone.
        for qid, when in zip(
            ids,
            [
                datetime(2025, 3, 1, 23, 30, tzinfo=UTC),
                datetime(2025, 3, 2, 0, 30, tzinfo=UTC),
                datetime(2025, 3, 2, 12, 0, tzinfo=UTC),
            ],
            strict=True,
        ):
            conn.execute(sa.update(queries).where(queries.c.query_id == qid).values(created_at=when))
    assert an.student_activity_days(store, "amy") == [date(2025, 3, 1), date(2025, 3, 2)]
    since = datetime(2025, 3, 2, tzinfo=UTC)
    assert an.student_activity_days(store, "amy", since=since) == [date(2025, 3, 2)]
    assert an.student_activity_days(store, "nobody") == []


# -- visible courses (the gateway's per-instructor filter) ------------------------------------


def test_every_dashboard_query_keeps_to_the_visible_courses(store: Store) -> None:
    # a: py101, b: py202, c: no course; each with mastery, an error, an alert and an attempt.
    for student, course in (("a", "py101"), ("b", "py202"), ("c", None)):
        debug_error(store, student, f"{student.upper()}Error", course=course)
        alert(store, student, "loops", StruggleLevel.HIGH)
        store.upsert_mastery(student, "loops", 0.5)
        store.record_attempt(student, "sum-list", "loops", passed=False)

    def seen(within: an.Within) -> dict[str, set[str]]:
        return {
            "matrix": set(an.class_mastery_matrix(store, within=within).students),
            "errors": {e.error_type[0].lower() for e in an.frequent_errors(store, within=within)},
            "struggles": {s.student_id for s in an.struggling_now(store, within=within)},
            "summary": {str(t.students) for t in an.topic_summary(store, within=within)},
            "attempts": {str(r.students) for r in an.exercise_pass_rates(store, within=within)},
        }

    assert seen(["py101"]) == {
        "matrix": {"a"},
        "errors": {"a"},
        "struggles": {"a"},
        "summary": {"1"},
        "attempts": {"1"},
    }
    both = seen(["py101", None])
    assert both["matrix"] == both["errors"] == both["struggles"] == {"a", "c"}
    assert both["summary"] == both["attempts"] == {"2"}
    assert seen([])["matrix"] == set() and seen([])["errors"] == set()
    assert seen(None)["matrix"] == {"a", "b", "c"}
    # Members of the instructor's course groups count whatever course they are filed under.
    with_b = seen(an.Visible(["py101"], members=["b"]))
    assert with_b["matrix"] == with_b["errors"] == with_b["struggles"] == {"a", "b"}
    assert with_b["summary"] == with_b["attempts"] == {"2"}
    # A course inside the visible ones narrows further; one outside them shows nothing.
    assert an.class_mastery_matrix(store, "py101", within=["py101", None]).students == ["a"]
    assert an.class_mastery_matrix(store, "py202", within=["py101"]).students == []


def test_a_students_enrolment_is_their_stored_course(store: Store) -> None:
    ask(store, "a", course="py101")
    ask(store, "c", course=None)
    assert an.student_enrolment(store, "a") == an.Enrolment("a", "py101")
    assert an.student_enrolment(store, "c") == an.Enrolment("c", None)
    assert an.student_enrolment(store, "nobody") is None
