"""The sandboxed checker: right answers pass, wrong ones explain themselves, hostile code can't hurt."""

import dataclasses
import os

import pytest
from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest, UnknownExerciseError, load_bank
from learnflow_agents.tutors.exercise.checker import Status, check_attempt, check_code
from learnflow_agents.tutors.exercise.format import ExerciseMetadata
from learnflow_agents.tutors.exercise.sandbox import Limits

# Short limits keep the hostile cases quick; they are limits, not timing assertions.
FAST = Limits(
    per_test_seconds=1.0, total_seconds=8.0, memory_bytes=256 * 1024 * 1024, output_hard_chars=50_000
)

ADD = Exercise(
    meta=ExerciseMetadata(
        exercise_id="add-two",
        title="Add two numbers",
        topic="functions",
        difficulty="beginner",
        hints=["Use +."],
    ),
    statement="Write add(a, b).",
    starter="def add(a, b):\n    raise NotImplementedError\n",
    solution="def add(a, b):\n    return a + b\n",
    visible_tests=(
        ExerciseTest(
            "small numbers",
            "assert add(1, 2) == 3, 'one plus two is three'\n",
            hidden=False,
            failure="Add them.",
        ),
        ExerciseTest("zero", "assert add(0, 0) == 0\n", hidden=False, success="Zero works."),
    ),
    hidden_tests=(
        ExerciseTest("negatives", "assert add(-1, 1) == 0\nassert add(-2, -2) == -4\n", hidden=True),
    ),
)


def test_correct_code_passes_every_test() -> None:
    result = check_code(ADD, "def add(a, b):\n    return a + b\n", limits=FAST)
    assert result.passed and result.score == 1.0 and (result.points, result.max_points) == (3, 3)
    assert [t.status for t in result.tests] == [Status.PASSED] * 3
    assert result.tests[1].message == "Zero works."


def test_wrong_code_reports_expected_and_actual() -> None:
    result = check_code(ADD, "def add(a, b):\n    return a - b\n", limits=FAST)
    assert not result.passed
    small = result.tests[0]
    assert small.status is Status.FAILED
    assert (small.expected, small.actual, small.check) == ("3", "-1", "add(1, 2) == 3")
    assert small.message == "Add them. one plus two is three"
    assert result.tests[1].passed  # 0 - 0 == 0
    hidden = result.tests[2]
    assert hidden.hidden and (hidden.expected, hidden.actual) == ("0", "-2")
    assert result.score == pytest.approx(1 / 3, abs=1e-3)


def test_visible_only_check_skips_hidden_tests() -> None:
    result = check_code(ADD, ADD.solution or "", include_hidden=False, limits=FAST)
    assert [t.name for t in result.tests] == ["small numbers", "zero"]


def test_starter_stub_is_reported_as_not_written_yet() -> None:
    result = check_code(ADD, ADD.starter, limits=FAST)
    assert {t.status for t in result.tests} == {Status.ERROR}
    assert "Not written yet" in result.tests[0].message


def test_printing_instead_of_returning_keeps_the_output() -> None:
    result = check_code(ADD, "def add(a, b):\n    print(a + b)\n", limits=FAST)
    first = result.tests[0]
    assert first.status is Status.FAILED and first.actual == "None"
    assert first.output == "3\n"


def test_infinite_loop_in_a_function_times_out_per_test() -> None:
    result = check_code(ADD, "def add(a, b):\n    while True:\n        pass\n", limits=FAST)
    assert [t.status for t in result.tests] == [Status.TIMEOUT] * 3
    assert "didn't finish within 1 s" in result.tests[0].message


def test_infinite_loop_that_ignores_signals_still_times_out() -> None:
    # The trusted side keeps the time and kills the child: nothing in it can stop the clock.
    code = "import signal\nfor s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):\n"
    code += "    signal.signal(s, signal.SIG_IGN)\n"
    code += "def add(a, b):\n    while True:\n        try:\n            pass\n"
    code += "        except BaseException:\n            pass\n"
    result = check_code(ADD, code, limits=FAST)
    assert [t.status for t in result.tests] == [Status.TIMEOUT] * 3
    assert not result.passed


def test_infinite_loop_at_top_level_is_a_load_error() -> None:
    result = check_code(ADD, "while True:\n    pass\n", limits=FAST)
    assert result.load_error and "didn't finish" in result.load_error
    assert {t.status for t in result.tests} == {Status.NOT_RUN}


@pytest.mark.parametrize(
    "bomb",
    [
        "def add(a, b):\n    return [0] * 10 ** 10\n",
        "def add(a, b):\n    grow = []\n    while True:\n        grow.append('x' * 1_000_000)\n",
    ],
    ids=["one-huge-allocation", "growing-list"],
)
def test_memory_bomb_becomes_a_memory_failure(bomb: str) -> None:
    # The clock is not what is tested: on a loaded machine filling 256 MB can take longer
    # than FAST's one second, and a timeout would hide whether memory was classified.
    roomy = dataclasses.replace(FAST, per_test_seconds=30.0, total_seconds=120.0)
    result = check_code(ADD, bomb, limits=roomy)
    assert [t.status for t in result.tests] == [Status.MEMORY] * 3
    assert "ran out of memory (limit 256 MB)" in result.tests[0].message


@pytest.mark.parametrize(
    ("code", "how"),
    [
        ("import os\ndef add(a, b):\n    os._exit(3)\n", "exit code 3"),
        ("import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)\n", "signal SIGSEGV"),
    ],
    ids=["os-exit", "segfault"],
)
def test_crash_is_reported_and_later_tests_are_not_run(code: str, how: str) -> None:
    result = check_code(ADD, code, limits=FAST)
    assert result.tests[0].status is Status.CRASH and how in result.tests[0].message
    assert [t.status for t in result.tests[1:]] == [Status.NOT_RUN] * 2


def test_huge_output_is_stopped_and_capped() -> None:
    result = check_code(ADD, "def add(a, b):\n    while True:\n        print('spam' * 100)\n", limits=FAST)
    first = result.tests[0]
    assert first.status is Status.OUTPUT
    assert "printed more than 50,000 characters" in first.message
    assert len(first.output) <= FAST.output_keep_chars


def test_raw_writes_to_stdout_are_an_output_flood() -> None:
    # Raw fd writes bypass print(); the sandbox counts them and the flood is the test's status.
    limits = Limits(per_test_seconds=2.0, total_seconds=10.0, file_size_bytes=1024 * 1024)
    code = "import os\ndef add(a, b):\n    while True:\n        os.write(1, b'x' * 65_536)\n"
    result = check_code(ADD, code, limits=limits)
    assert result.tests[0].status is Status.OUTPUT and not result.passed


def test_runaway_recursion_and_exit_are_explained() -> None:
    recursion = check_code(ADD, "def add(a, b):\n    return add(a, b)\n", limits=FAST)
    assert recursion.tests[0].status is Status.RECURSION and recursion.tests[0].line == 2
    exiting = check_code(ADD, "import sys\ndef add(a, b):\n    sys.exit(1)\n", limits=FAST)
    assert exiting.tests[0].status is Status.EXIT


def test_syntax_error_names_the_line() -> None:
    result = check_code(ADD, "def add(a, b)\n    return a + b\n", limits=FAST)
    assert result.load_error and "Syntax error on line 1" in result.load_error
    assert not result.passed and result.score == 0.0


def test_exception_names_the_line_of_student_code() -> None:
    result = check_code(ADD, "def add(a, b):\n    total = a + b\n    return total / 0\n", limits=FAST)
    first = result.tests[0]
    assert first.status is Status.ERROR and first.line == 3
    assert "ZeroDivisionError on line 3 of your code" in first.message


def test_student_code_cannot_read_the_callers_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret-for-test")
    code = "import os\ndef add(a, b):\n    return os.environ.get('ANTHROPIC_API_KEY', 'absent')\n"
    result = check_code(ADD, code, limits=FAST)
    assert result.tests[0].actual == "'absent'"
    assert os.environ["ANTHROPIC_API_KEY"] == "sk-secret-for-test"


def test_one_test_cannot_change_what_the_next_test_sees() -> None:
    exercise = Exercise(
        meta=ADD.meta,
        statement="",
        starter="",
        solution="",
        visible_tests=(
            ExerciseTest("rebinds", "add = None\nassert add is None\n", hidden=False),
            ExerciseTest("still works", "assert add(2, 2) == 4\n", hidden=False),
        ),
        hidden_tests=(),
    )
    assert check_code(exercise, "def add(a, b):\n    return a + b\n", limits=FAST).passed


def test_check_attempt_uses_the_shipped_bank() -> None:
    solution = "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"
    assert check_attempt("sum-of-evens", solution).passed
    almost = "def sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0 and n > 0)\n"
    result = check_attempt("sum-of-evens", almost)
    assert [t.name for t in result.failures] == ["negatives and empty"]
    with pytest.raises(UnknownExerciseError):
        check_attempt("no-such-exercise", "")


BANK = load_bank()


@pytest.mark.parametrize("exercise", list(BANK), ids=lambda e: e.id)
def test_every_bank_solution_passes_and_every_starter_fails(exercise: Exercise) -> None:
    # The tests run on the trusted side against the sandboxed code: every way a bank test
    # touches the student's code (classes, exceptions, iterators, callbacks, files,
    # mutation of arguments, big-O loops) must still work through the harness.
    solved = check_code(exercise, exercise.solution or "")
    assert solved.passed, [(t.name, t.status.value, t.message) for t in solved.failures]
    assert not check_code(exercise, exercise.starter).passed
