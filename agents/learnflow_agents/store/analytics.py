"""Read-only queries for the instructor dashboard and the progress agent.

Each function takes a Store and runs a bounded number of indexed statements (see
migration 0002 for the indexes they rely on); all work on SQLite and PostgreSQL.
"""

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnflow_agents.contracts import AgentReply
from learnflow_agents.store.base import chunks, utc_now
from learnflow_agents.store.records import QueryRecord
from learnflow_agents.store.rows import query_record
from learnflow_agents.store.schema import (
    exercise_attempts,
    mastery,
    queries,
    replies,
    struggle_alerts,
    students,
)
from learnflow_agents.store.store import Store

LEVEL_RANK = {"low": 1, "medium": 2, "high": 3}
MAX_PAGE = 1_000


@contextmanager
def _read(store: Store) -> Iterator[Connection]:
    # One short read transaction, like the Store's own reads.
    with store._engine.connect() as conn, conn.begin():
        yield conn


@dataclass(frozen=True)
class Visible:
    """The students an instructor may see: those filed under `courses` (a None stands for
    students enrolled in no course) and, whatever course they are filed under, `members`
    (the students of the instructor's course groups: a student in two courses is filed
    under one of them but belongs to both)."""

    courses: Collection[str | None]
    members: Collection[str] = ()


Within = Visible | Collection[str | None] | None


def _in_courses(course_id: str | None, within: Within) -> sa.ColumnElement[bool] | None:
    """Students of `course_id` (None: any) and of what is `within` (None: any; a plain
    collection is courses only), or None when nothing is filtered."""
    clauses = []
    if course_id is not None:
        clauses.append(students.c.course_id == course_id)
    if within is not None:
        visible = within if isinstance(within, Visible) else Visible(courses=within)
        named = sorted(c for c in visible.courses if c is not None)
        clause: sa.ColumnElement[bool] = students.c.course_id.in_(named) if named else sa.false()
        if None in visible.courses:
            clause = sa.or_(clause, students.c.course_id.is_(None))
        if visible.members:
            clause = sa.or_(clause, students.c.id.in_(sorted(visible.members)))
        clauses.append(clause)
    return sa.and_(*clauses) if clauses else None


def _json_text(*path: str | int) -> sa.ColumnElement[str]:
    """A text field inside the stored reply document (->>/#>> or json_extract)."""
    return replies.c.reply[path].as_string()


# -- class mastery matrix ---------------------------------------------------------------


@dataclass(frozen=True)
class MasteryMatrix:
    """Students x topics; a missing cell means no evidence yet (not zero mastery)."""

    students: list[str]
    topics: list[str]
    cells: dict[str, dict[str, float]]
    # Pass as `after` for the next page; None on the last page.
    next_after: str | None = None

    def value(self, student_id: str, topic: str) -> float | None:
        return self.cells.get(student_id, {}).get(topic)


def class_mastery_matrix(
    store: Store,
    course_id: str | None = None,
    *,
    topics: Sequence[str] | None = None,
    limit: int = 200,
    after: str | None = None,
    within: Within = None,
) -> MasteryMatrix:
    """One page of students (by id, after `after`) with their mastery per topic."""
    limit = max(1, min(limit, MAX_PAGE))
    page = sa.select(students.c.id).order_by(students.c.id).limit(limit + 1)
    if (in_courses := _in_courses(course_id, within)) is not None:
        page = page.where(in_courses)
    if after is not None:
        page = page.where(students.c.id > after)
    with _read(store) as conn:
        ids = list(conn.execute(page).scalars())
        more = len(ids) > limit
        ids = ids[:limit]
        cells: dict[str, dict[str, float]] = {sid: {} for sid in ids}
        if ids:
            stmt = sa.select(mastery.c.student_id, mastery.c.topic, mastery.c.p_mastery).where(
                mastery.c.student_id.in_(ids)
            )
            if topics is not None:
                stmt = stmt.where(mastery.c.topic.in_(list(topics)))
            for sid, topic, p in conn.execute(stmt):
                cells[sid][topic] = p
    shown = sorted(topics) if topics is not None else sorted({t for row in cells.values() for t in row})
    return MasteryMatrix(ids, shown, cells, ids[-1] if more else None)


@dataclass(frozen=True)
class TopicSummary:
    topic: str
    students: int
    mean: float
    mastered: int


def _course_students(conn: Connection, in_courses: sa.ColumnElement[bool]) -> list[str]:
    stmt = sa.select(students.c.id).where(in_courses).order_by(students.c.id)
    return list(conn.execute(stmt).scalars())


def topic_summary(
    store: Store,
    course_id: str | None = None,
    mastered: float = 0.95,
    within: Within = None,
) -> list[TopicSummary]:
    """Per topic: students with evidence, mean mastery, students at `mastered`; weakest first."""
    total: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])

    def add(conn: Connection, where: sa.ColumnElement[bool] | None) -> None:
        stmt = sa.select(
            mastery.c.topic,
            sa.func.count(),
            sa.func.sum(mastery.c.p_mastery),
            sa.func.sum(sa.case((mastery.c.p_mastery >= mastered, 1), else_=0)),
        ).group_by(mastery.c.topic)
        if where is not None:
            stmt = stmt.where(where)
        for topic, n, p_sum, done in conn.execute(stmt):
            acc = total[topic]
            acc[0] += n
            acc[1] += p_sum or 0.0
            acc[2] += done or 0

    in_courses = _in_courses(course_id, within)
    with _read(store) as conn:
        if in_courses is None:
            add(conn, None)
        else:
            # The course's ids as a literal list (in chunks) rather than a join: with the
            # real ids the planner reads the mastery primary key instead of the whole table.
            for part in chunks(_course_students(conn, in_courses)):
                add(conn, mastery.c.student_id.in_(part))
    out = [TopicSummary(t, int(n), p_sum / n, int(done)) for t, (n, p_sum, done) in total.items() if n]
    return sorted(out, key=lambda s: (s.mean, s.topic))


# -- most frequent errors -----------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCount:
    error_type: str
    occurrences: int
    students: int


def frequent_errors(
    store: Store,
    *,
    since: datetime | None = None,
    course_id: str | None = None,
    limit: int = 10,
    within: Within = None,
) -> list[ErrorCount]:
    """Error types the debug agent diagnosed since `since` (default: the last 7 days)."""
    since = since or utc_now() - timedelta(days=7)
    inner = sa.select(replies.c.student_id, _json_text("data", "error_type").label("error_type")).where(
        replies.c.agent == "debug", replies.c.created_at >= since
    )
    if (in_courses := _in_courses(course_id, within)) is not None:
        inner = inner.join(students, students.c.id == replies.c.student_id).where(in_courses)
    sub = inner.subquery()
    # Grouping by the subquery's column, not the JSON expression: PostgreSQL would not
    # match two copies of an expression that carry separately bound path parameters.
    occurrences = sa.func.count().label("n")
    stmt = (
        sa.select(sub.c.error_type, occurrences, sa.func.count(sa.distinct(sub.c.student_id)))
        .where(sub.c.error_type.is_not(None))
        .group_by(sub.c.error_type)
        .order_by(occurrences.desc(), sub.c.error_type)
        .limit(limit)
    )
    with _read(store) as conn:
        return [ErrorCount(e, int(n), int(s)) for e, n, s in conn.execute(stmt)]


# -- students struggling now ---------------------------------------------------------------


@dataclass(frozen=True)
class StrugglingStudent:
    student_id: str
    alerts: int
    level: str
    score: float
    latest_at: datetime
    topics: list[str]
    recommendation: str
    evidence: list[str] = field(default_factory=list)


def struggling_now(
    store: Store,
    *,
    since: datetime | None = None,
    course_id: str | None = None,
    limit: int = 50,
    within: Within = None,
) -> list[StrugglingStudent]:
    """Students with alerts since `since` (default: 24 h, the alert topic's retention),
    most severe first: highest level, highest score, most alerts, most recent."""
    since = since or utc_now() - timedelta(hours=24)
    rank = sa.case(*((struggle_alerts.c.level == lvl, r) for lvl, r in LEVEL_RANK.items()), else_=0)
    top_rank = sa.func.max(rank).label("top_rank")
    top_score = sa.func.max(struggle_alerts.c.score).label("top_score")
    count = sa.func.count().label("n")
    latest = sa.func.max(struggle_alerts.c.created_at).label("latest")
    stmt = (
        sa.select(struggle_alerts.c.student_id, count, top_rank, top_score, latest)
        .where(struggle_alerts.c.created_at >= since)
        .group_by(struggle_alerts.c.student_id)
        .order_by(
            top_rank.desc(), top_score.desc(), count.desc(), latest.desc(), struggle_alerts.c.student_id
        )
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    if (in_courses := _in_courses(course_id, within)) is not None:
        stmt = stmt.join(students, students.c.id == struggle_alerts.c.student_id).where(in_courses)
    with _read(store) as conn:
        groups = conn.execute(stmt).all()
        ids = [g[0] for g in groups]
        detail: dict[str, list[Any]] = defaultdict(list)
        if ids:
            rows = conn.execute(
                sa.select(
                    struggle_alerts.c.student_id,
                    struggle_alerts.c.topic,
                    struggle_alerts.c.recommendation,
                    struggle_alerts.c.evidence,
                )
                .where(struggle_alerts.c.student_id.in_(ids), struggle_alerts.c.created_at >= since)
                .order_by(struggle_alerts.c.created_at.desc(), struggle_alerts.c.id.desc())
            )
            for row in rows:
                detail[row.student_id].append(row)
    names = {r: lvl for lvl, r in LEVEL_RANK.items()}
    out = []
    for sid, n, top, score, latest_at in groups:
        alerts = detail[sid]
        # The newest alert leads: it is what the instructor should act on first.
        out.append(
            StrugglingStudent(
                student_id=sid,
                alerts=int(n),
                level=names.get(int(top), "low"),
                score=float(score),
                latest_at=latest_at,
                topics=list(dict.fromkeys(a.topic for a in alerts)),
                recommendation=alerts[0].recommendation if alerts else "",
                # Every alert's evidence, newest first and once each: an earlier alert's
                # reason is still part of why the student is struggling now.
                evidence=list(dict.fromkeys(e for a in alerts for e in a.evidence)),
            )
        )
    return out


# -- a student's recent queries with their replies ---------------------------------------


@dataclass(frozen=True)
class QueryWithReplies:
    query: QueryRecord
    replies: list[AgentReply]


def student_recent_queries(store: Store, student_id: str, *, limit: int = 20) -> list[QueryWithReplies]:
    """The student's newest queries, each with its replies (oldest first)."""
    limit = max(1, min(limit, MAX_PAGE))
    with _read(store) as conn:
        rows = conn.execute(
            sa.select(queries)
            .where(queries.c.student_id == student_id)
            .order_by(queries.c.created_at.desc())
            .limit(limit)
        ).all()
        by_query: dict[UUID, list[AgentReply]] = {r.query_id: [] for r in rows}
        if by_query:
            docs = conn.execute(
                sa.select(replies.c.query_id, replies.c.reply)
                .where(replies.c.query_id.in_(list(by_query)))
                .order_by(replies.c.created_at, replies.c.agent)
            )
            for qid, doc in docs:
                by_query[qid].append(AgentReply.model_validate(doc))
    return [QueryWithReplies(query_record(r), by_query[r.query_id]) for r in rows]


# -- a student's history, for the progress agent -------------------------------------------


@dataclass(frozen=True)
class ReplyFacts:
    """The few fields of a stored reply that progress tracking reads (not the whole document)."""

    reply_id: str
    agent: str
    created_at: datetime
    status: str | None
    concept: str | None
    error_type: str | None
    # The agent whose answer this reply helps (AgentReply.helps), None for an answer.
    helps: str | None


def student_reply_facts(
    store: Store, student_id: str, agents: Sequence[str] = ("debug", "concepts"), limit: int = 1_000
) -> list[ReplyFacts]:
    """The student's newest replies from `agents`, newest first."""
    stmt = (
        sa.select(
            replies.c.reply_id,
            replies.c.agent,
            replies.c.created_at,
            _json_text("status"),
            _json_text("concepts", 0),
            _json_text("data", "error_type"),
            # Rows stored by 1.0 agents name the helped agent in data.saga_of (contracts.legacy).
            sa.func.coalesce(_json_text("helps", "agent"), _json_text("data", "saga_of")),
        )
        .where(replies.c.student_id == student_id, replies.c.agent.in_(list(agents)))
        .order_by(replies.c.created_at.desc())
        .limit(limit)
    )
    with _read(store) as conn:
        return [ReplyFacts(str(r[0]), *r[1:]) for r in conn.execute(stmt)]


def _utc_day(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    # SQLite stores naive UTC text (see columns.UTCDateTime): its first 10 characters.
    return sa.func.substr(column, 1, 10)


def student_activity_days(store: Store, student_id: str, since: datetime | None = None) -> list[date]:
    """UTC days on which the student asked anything, oldest first."""
    day = _utc_day(queries.c.created_at, store.dialect).label("day")
    stmt = sa.select(day).where(queries.c.student_id == student_id).distinct()
    if since is not None:
        stmt = stmt.where(queries.c.created_at >= since)
    with _read(store) as conn:
        values = conn.execute(stmt).scalars().all()
    days = {v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values}
    return sorted(days)


# -- exercise pass rates and courses, for the instructor dashboard ------------------------


@dataclass(frozen=True)
class ExercisePassRate:
    exercise_id: str
    topic: str
    attempts: int
    passed: int
    students: int
    # Students with at least one passing attempt: a class-level "solved by" count that
    # repeated failures of one student do not drag down the way `pass_rate` does.
    students_passed: int

    @property
    def pass_rate(self) -> float:
        return self.passed / self.attempts if self.attempts else 0.0


def exercise_pass_rates(
    store: Store,
    since: datetime | None = None,
    course_id: str | None = None,
    *,
    limit: int = 100,
    within: Within = None,
) -> list[ExercisePassRate]:
    """Checked attempts per exercise since `since` (default: all time), hardest first:
    lowest pass rate, then most attempts."""
    ea = exercise_attempts
    passed = sa.case((ea.c.passed.is_(True), 1), else_=0)
    # Per (exercise, student) first, so "students who solved it" is one more aggregate.
    per_student = sa.select(
        ea.c.exercise_id,
        sa.func.max(ea.c.topic).label("topic"),
        ea.c.student_id,
        sa.func.count().label("attempts"),
        sa.func.sum(passed).label("passed"),
    ).group_by(ea.c.exercise_id, ea.c.student_id)
    if since is not None:
        per_student = per_student.where(ea.c.created_at >= since)
    if (in_courses := _in_courses(course_id, within)) is not None:
        per_student = per_student.join(students, students.c.id == ea.c.student_id).where(in_courses)
    sub = per_student.subquery()
    stmt = sa.select(
        sub.c.exercise_id,
        sa.func.max(sub.c.topic),
        sa.func.sum(sub.c.attempts),
        sa.func.sum(sub.c.passed),
        sa.func.count(),
        sa.func.sum(sa.case((sub.c.passed > 0, 1), else_=0)),
    ).group_by(sub.c.exercise_id)
    with _read(store) as conn:
        rows = [
            ExercisePassRate(e, t, int(n), int(p or 0), int(s), int(sp or 0))
            for e, t, n, p, s, sp in conn.execute(stmt)
        ]
    rows.sort(key=lambda r: (r.pass_rate, -r.attempts, r.exercise_id))
    return rows[: max(1, min(limit, MAX_PAGE))]


def course_ids(store: Store) -> list[str]:
    """The courses students are enrolled in, for the dashboard's filter."""
    stmt = sa.select(students.c.course_id).where(students.c.course_id.is_not(None)).distinct()
    with _read(store) as conn:
        return sorted(conn.execute(stmt).scalars())


@dataclass(frozen=True)
class Enrolment:
    """A student the store knows, with the course their latest query was filed under."""

    student_id: str
    course_id: str | None


def student_enrolment(store: Store, student_id: str) -> Enrolment | None:
    """None for a student who has never asked anything."""
    stmt = sa.select(students.c.course_id).where(students.c.id == student_id)
    with _read(store) as conn:
        row = conn.execute(stmt).first()
    return Enrolment(student_id, row[0]) if row is not None else None
