"""Instructor-dashboard queries on PostgreSQL at class scale.

Creates a uniquely named database, migrates it, generates 10,000 students x 40 topics of
mastery plus queries, replies, attempts and struggle alerts at a realistic ratio (server
side, with generate_series), then times each dashboard query (median of several runs after
a warm-up) and prints one table. The database is dropped afterwards.

    python benchmarks/progress_queries.py [--students 10000] [--runs 9] [--quick] [--keep]

Target: every query <= 50 ms. Exit status 1 if one is slower.
"""

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from learnflow_agents.store import Store
from learnflow_agents.store import analytics as an
from learnflow_agents.store.base import utc_now
from learnflow_agents.tutors.concepts import learning_order
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 50.0
TOPICS = 40
COURSE_SIZE = 200
WEEKS = 12
# Per student over a 12-week term: ~3 questions a week, one reply each, ~1 exercise
# attempt for every two questions, and an alert every few weeks.
QUERIES_PER_STUDENT = 36
ATTEMPTS_PER_STUDENT = 18
ALERTS_PER_STUDENT = 3
# (agent, share of replies); debug replies carry one of the error types below.
AGENTS = [("debug", 0.4), ("concepts", 0.3), ("exercise", 0.2), ("code-review", 0.1)]
ERRORS = [
    "NameError", "TypeError", "IndexError", "KeyError", "AttributeError", "ValueError",
    "SyntaxError", "IndentationError", "ZeroDivisionError", "UnboundLocalError",
    "RecursionError", "ModuleNotFoundError",
]  # fmt: skip
# Realistic reply documents: a markdown explanation of about a kilobyte. Rows go in in
# time order, as they do in production (a week's replies share pages).
EXPLANATION = "Here is what happened and how to fix it. " * 26


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def generate(conn: psycopg.Connection, students: int) -> dict[str, int]:
    topics = list(learning_order())[:TOPICS]
    span = f"{WEEKS * 7} days"
    agent_bounds = []
    acc = 0.0
    for agent, share in AGENTS:
        acc += share
        agent_bounds.append((agent, acc))
    agent_case = " ".join(f"WHEN r < {bound} THEN '{agent}'" for agent, bound in agent_bounds[:-1])
    agent_expr = f"CASE {agent_case} ELSE '{agent_bounds[-1][0]}' END"
    statements = [
        # Students in courses of COURSE_SIZE.
        """INSERT INTO students (id, context, course_id, created_at, updated_at)
           SELECT format('s%%s', lpad(i::text, 6, '0')), '{"skill_level": "beginner"}'::jsonb,
                  format('course-%%s', i / %(size)s::int), now() - interval '90 days', now()
           FROM generate_series(1, %(n)s::int) AS i""",
        # Every student has an estimate for each of the 40 topics.
        """INSERT INTO mastery (student_id, topic, p_mastery, evidence_count, updated_at)
           SELECT s.id, t.topic, random(), 1 + (random() * 20)::int, now() - random() * %(span)s::interval
           FROM students s CROSS JOIN unnest(%(topics)s::text[]) AS t(topic)""",
        """INSERT INTO queries (query_id, student_id, trace_id, text, variables, course_id, source,
                               status, routed_to, confidence, reasoning, router, created_at, answered_at)
           SELECT gen_random_uuid(), x.id, md5(random()::text), 'why does my loop fail on item ' || x.q,
                  '[]'::jsonb, x.course_id, 'kernel', 'answered', 'debug', 0.9, 'traceback', 'offline',
                  x.ts, x.ts + interval '2 seconds'
           FROM (SELECT s.id, s.course_id, q, now() - random() * %(span)s::interval AS ts
                 FROM students s CROSS JOIN generate_series(1, %(q)s::int) AS q) AS x
           ORDER BY x.ts""",
        f"""INSERT INTO replies
             (reply_id, query_id, agent, student_id, reply, provider, latency_ms, created_at)
           SELECT rid, x.query_id, x.agent, x.student_id,
                  jsonb_build_object(
                    'reply_id', rid, 'query_id', x.query_id, 'agent', x.agent, 'status', 'ok',
                    'summary', 'A ' || x.err || ' on line 3', 'explanation', %(explanation)s::text,
                    'concepts', jsonb_build_array(x.topic), 'hints', '[]'::jsonb,
                    'code_blocks', '[]'::jsonb, 'actions', '[]'::jsonb,
                    'provenance', jsonb_build_object('agent', x.agent, 'provider', 'offline'),
                    'data', CASE WHEN x.agent = 'debug' THEN jsonb_build_object('error_type', x.err)
                                 ELSE '{{}}'::jsonb END,
                    'created_at', x.created_at),
                  'offline', 12.5, x.created_at + interval '1 second'
           FROM (SELECT gen_random_uuid() AS rid, q.query_id, q.student_id, q.created_at,
                        {agent_expr} AS agent,
                        (%(errors)s::text[])[1 + floor(power(random(), 2) * %(n_errors)s::int)::int] AS err,
                        (%(topics)s::text[])[1 + floor(random() * %(n_topics)s::int)::int] AS topic
                 FROM (SELECT *, random() AS r FROM queries) AS q) AS x
           ORDER BY x.created_at""",
        """INSERT INTO exercise_attempts
             (student_id, exercise_id, topic, passed, hints_used, details, created_at)
           SELECT s.id, 'ex-' || (random() * 60)::int,
                  (%(topics)s::text[])[1 + floor(random() * %(n_topics)s::int)::int],
                  random() < 0.55, (random() * 2)::int, '{}'::jsonb, now() - random() * %(span)s::interval
           FROM students s CROSS JOIN generate_series(1, %(a)s::int)""",
        """INSERT INTO struggle_alerts
             (student_id, topic, level, score, evidence, recommendation, dedupe_key, created_at)
           SELECT s.id, (%(topics)s::text[])[1 + floor(random() * %(n_topics)s::int)::int],
                  (ARRAY['low', 'medium', 'high'])[1 + floor(random() * 3)::int], random(),
                  '["3 failed attempts on exercise ex-1"]'::jsonb, 'Look at the latest attempt with them.',
                  format('bench|%%s|%%s', s.id, k), now() - random() * %(span)s::interval
           FROM students s CROSS JOIN generate_series(1, %(al)s::int) AS k""",
    ]
    params: dict[str, Any] = {
        "n": students, "size": COURSE_SIZE, "span": span, "topics": topics, "n_topics": len(topics),
        "q": QUERIES_PER_STUDENT, "a": ATTEMPTS_PER_STUDENT, "al": ALERTS_PER_STUDENT,
        "errors": ERRORS, "n_errors": len(ERRORS), "explanation": EXPLANATION,
    }  # fmt: skip
    for statement in statements:
        conn.execute(statement, params)  # type: ignore[arg-type]
    conn.execute("ANALYZE")
    counts = {}
    for table in ("students", "mastery", "queries", "replies", "exercise_attempts", "struggle_alerts"):
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        counts[table] = row[0] if row else 0
    return counts


@dataclass
class Timing:
    name: str
    median_ms: float
    rows: int


def timed(name: str, fn: Callable[[], Any], runs: int) -> Timing:
    result = fn()  # warm-up: connection, plan cache, buffers
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    rows = len(result.students) if isinstance(result, an.MasteryMatrix) else len(result)
    return Timing(name, statistics.median(samples), rows)


def run(store: Store, students: int, runs: int) -> list[Timing]:
    course = f"course-{students // COURSE_SIZE // 2}"
    # What the gateway asks for an instructor of two courses (gateway/courses.py): their
    # courses plus the students enrolled in none.
    taught: list[str | None] = [course, f"course-{students // COURSE_SIZE // 2 + 1}", None]
    student = f"s{students // 3:06d}"
    week = utc_now() - timedelta(days=7)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("class mastery matrix (one course)", lambda: an.class_mastery_matrix(store, course)),
        ("class mastery matrix (page of 200)", lambda: an.class_mastery_matrix(store, limit=200)),
        ("topic summary (one course)", lambda: an.topic_summary(store, course)),
        ("most frequent errors this week", lambda: an.frequent_errors(store, since=week)),
        ("most frequent errors this week (course)",
         lambda: an.frequent_errors(store, since=week, course_id=course)),
        ("students struggling now (24 h)", lambda: an.struggling_now(store)),
        ("students struggling now (course)", lambda: an.struggling_now(store, course_id=course)),
        ("class mastery matrix (instructor's 2 courses)",
         lambda: an.class_mastery_matrix(store, within=taught)),
        ("topic summary (instructor's 2 courses)", lambda: an.topic_summary(store, within=taught)),
        ("frequent errors this week (instructor's)",
         lambda: an.frequent_errors(store, since=week, within=taught)),
        ("struggling now (instructor's)", lambda: an.struggling_now(store, within=taught)),
        ("pass rates this week (instructor's)", lambda: an.exercise_pass_rates(store, week, within=taught)),
        ("a student's recent queries + replies", lambda: an.student_recent_queries(store, student)),
    ]  # fmt: skip
    return [timed(name, fn, runs) for name, fn in cases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="1,000 students, 5 runs (CI)")
    parser.add_argument("--admin-url", default=POSTGRES_ADMIN)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args(argv)
    students, runs = (1_000, 5) if args.quick else (args.students, args.runs)

    name = f"lf_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(args.admin_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with Store.open(url) as store:
            started = time.perf_counter()
            with psycopg.connect(libpq(url), autocommit=True) as conn:
                counts = generate(conn, students)
            print(f"database {name}: generated in {time.perf_counter() - started:.1f} s")
            print("  " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
            timings = run(store, students, runs)
    finally:
        if not args.keep:
            with psycopg.connect(libpq(args.admin_url), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    width = max(len(t.name) for t in timings)
    print(f"\n{'query':<{width}}  {'median ms':>9}  {'rows':>5}  target {TARGET_MS:g} ms")
    for t in timings:
        verdict = "ok" if t.median_ms <= TARGET_MS else "SLOW"
        print(f"{t.name:<{width}}  {t.median_ms:>9.2f}  {t.rows:>5}  {verdict}")
    return 0 if all(t.median_ms <= TARGET_MS for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
