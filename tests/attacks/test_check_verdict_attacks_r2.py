"""Forging a check's verdict: an object that lies about how it orders, and a function that
raises StopIteration inside the test's own map/filter.

A check's tests run on the trusted side; the student's objects stay in the child and the
trusted side holds stand-ins (sandbox/proxies.py). `==` between a stand-in and trusted data
was never asked of the child, but `<`, `<=`, `>`, `>=` were: the child's answer was taken as
the verdict. The usual test of a float answer, `assert abs(circle_area(2) - 12.566) < 0.01`
(nbgrader and otter courses are full of it), and any bound check (`assert area > 12.5`) then
passed for a function that computes nothing and returns an object whose `__sub__` and
`__abs__` return itself and whose `__lt__`/`__gt__` say True. The trusted-side value 0.01
also crossed into the student's process.

Failed before the fix (proxies.py: ordering against trusted data is not forwarded, as with
`==`): every forged case below passed. An honest float answer, and the bank's reference
solutions (objects ordered against objects of the child, such as Rectangle < Rectangle),
still pass.

The builtin `map` and `filter` stop quietly when the function they call raises
StopIteration, so `def can_ride(...): raise StopIteration` passed `assert all(map(can_ride,
...))`, `assert not any(map(...))`, `sum(map(...)) == 0` and `list(filter(...)) == []`. The
test's map and filter are now generators (harness.py), where PEP 479 makes it a
RuntimeError, as it already was in a generator expression. peekable-iterator, whose tests
expect StopIteration from a method, still passes.
"""

import dataclasses

import pytest
from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest, load_bank
from learnflow_agents.tutors.exercise.checker import check_code

pytestmark = pytest.mark.timeout(300)

LIAR = """
class Number:
    def __sub__(self, other):
        return self
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__

    def __abs__(self):
        return self

    def __neg__(self):
        return self

    def __lt__(self, other):
        return True
    __le__ = __gt__ = __ge__ = __lt__


def circle_area(radius):
    return Number()


def distance(x1, y1, x2, y2):
    return Number()
"""

HONEST = """
import math


def circle_area(radius):
    return math.pi * radius ** 2


def distance(x1, y1, x2, y2):
    return math.hypot(x2 - x1, y2 - y1)
"""

COURSE_TESTS = {
    "tolerance": "assert abs(circle_area(2) - 12.566) < 0.01",
    "tolerance, reflected": "assert 0.01 > abs(12.566 - circle_area(2))",
    "bounds": "assert circle_area(2) > 12.5\nassert circle_area(2) <= 12.6",
    "hidden tolerance": "assert abs(distance(0, 0, 3, 4) - 5) < 1e-9",
}


def course_exercise(name: str, source: str) -> Exercise:
    exercise = load_bank().get("circle-math")
    hidden = name.startswith("hidden")
    test = ExerciseTest(name=name, source=source, hidden=hidden)
    return dataclasses.replace(
        exercise, visible_tests=() if hidden else (test,), hidden_tests=(test,) if hidden else ()
    )


@pytest.mark.parametrize(("name", "source"), list(COURSE_TESTS.items()), ids=list(COURSE_TESTS))
def test_an_object_that_says_it_is_in_range_does_not_pass(name: str, source: str) -> None:
    exercise = course_exercise(name, source)
    assert check_code(exercise, HONEST, include_hidden=True).passed, "test setup: the honest answer passes"
    forged = check_code(exercise, LIAR, include_hidden=True)
    assert not forged.passed and forged.points == 0, f"{name}: a lying object passed"


def test_student_objects_are_still_ordered_against_each_other() -> None:
    # shape-hierarchy's tests sort the student's shapes: __lt__ between two of the child's objects.
    exercise = load_bank().get("shape-hierarchy")
    assert "sorted(shapes)" in "".join(t.source for t in exercise.all_tests), "test setup"
    assert check_code(exercise, exercise.solution or "", include_hidden=True).passed


STOPPER = "def can_ride(age, height_cm, with_adult):\n    raise StopIteration\n"
RIDE_HONEST = (
    "def can_ride(age, height_cm, with_adult):\n    return height_cm >= 120 and (age >= 12 or with_adult)\n"
)
MAP_TESTS = {
    "all(map)": "assert all(map(can_ride, [30, 40], [180, 150], [False, True]))",
    "not any(map)": "assert not any(map(can_ride, [5, 6], [100, 90], [True, False]))",
    "sum(map)": "assert sum(map(can_ride, [5, 6], [100, 90], [True, False])) == 0",
    "list(filter)": "assert list(filter(lambda row: can_ride(*row), [(5, 100, True)])) == []",
}


@pytest.mark.parametrize(("name", "source"), list(MAP_TESTS.items()), ids=list(MAP_TESTS))
def test_a_function_raising_stopiteration_does_not_end_the_tests_map(name: str, source: str) -> None:
    exercise = dataclasses.replace(
        load_bank().get("can-ride"),
        visible_tests=(ExerciseTest(name=name, source=source, hidden=False),),
        hidden_tests=(),
    )
    assert check_code(exercise, RIDE_HONEST).passed, "test setup: the honest answer passes"
    forged = check_code(exercise, STOPPER)
    assert not forged.passed and forged.points == 0, f"{name}: raising StopIteration passed"


def test_stopiteration_a_test_expects_from_a_method_still_reaches_it() -> None:
    exercise = load_bank().get("peekable-iterator")
    assert "except StopIteration" in "".join(t.source for t in exercise.all_tests), "test setup"
    assert check_code(exercise, exercise.solution or "", include_hidden=True).passed
