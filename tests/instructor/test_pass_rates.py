"""store.analytics.exercise_pass_rates and course_ids on SQLite and PostgreSQL."""

from datetime import timedelta

from learnflow_agents.contracts import StudentQuery
from learnflow_agents.store import Store
from learnflow_agents.store import analytics as an
from learnflow_agents.store.base import utc_now
from learnflow_agents.store.schema import exercise_attempts

from tests.store.test_analytics import backdate


def enrol(store: Store, student: str, course: str | None) -> None:
    assert store.submit_query(student, "trace", StudentQuery(text="hi", course_id=course)) is not None


def test_pass_rates_per_exercise_hardest_first(store: Store) -> None:
    enrol(store, "a", "py101")
    enrol(store, "b", "py101")
    enrol(store, "c", "py202")
    for student, exercise, passed in [
        ("a", "fizz", False), ("a", "fizz", False), ("a", "fizz", True),
        ("b", "fizz", False),
        ("a", "sum", True), ("b", "sum", True),
        ("c", "fizz", True), ("c", "loop", False),
    ]:  # fmt: skip
        topic = "loops" if exercise == "loop" else "conditionals"
        store.record_attempt(student, exercise, topic, passed)
    rates = an.exercise_pass_rates(store)
    assert [(r.exercise_id, r.attempts, r.passed, r.students, r.students_passed) for r in rates] == [
        ("loop", 1, 0, 1, 0),
        ("fizz", 5, 2, 3, 2),
        ("sum", 2, 2, 2, 2),
    ]
    assert rates[1].pass_rate == 2 / 5 and rates[1].topic == "conditionals"
    course = an.exercise_pass_rates(store, course_id="py101")
    assert [(r.exercise_id, r.attempts, r.students, r.students_passed) for r in course] == [
        ("fizz", 4, 2, 1),
        ("sum", 2, 2, 2),
    ]
    assert an.exercise_pass_rates(store, course_id="nope") == []


def test_pass_rates_since_leave_out_older_attempts(store: Store) -> None:
    enrol(store, "old", "py101")
    enrol(store, "new", "py101")
    store.record_attempt("old", "fizz", "conditionals", False)
    store.record_attempt("new", "fizz", "conditionals", True)
    backdate(store, exercise_attempts, "old", 10)
    week = an.exercise_pass_rates(store, since=utc_now() - timedelta(days=7))
    assert [(r.attempts, r.passed) for r in week] == [(1, 1)]
    assert [(r.attempts, r.passed) for r in an.exercise_pass_rates(store)] == [(2, 1)]


def test_course_ids_are_the_enrolled_courses(store: Store) -> None:
    assert an.course_ids(store) == []
    enrol(store, "a", "py202")
    enrol(store, "b", "py101")
    enrol(store, "c", None)
    assert an.course_ids(store) == ["py101", "py202"]
