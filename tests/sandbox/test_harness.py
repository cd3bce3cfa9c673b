"""Exercise checks a student cannot forge, and hidden tests that never reach the student's process.

Each attack is a test that fails if the attack works: the forged attempt must not pass,
and the hidden test's source and expected values must appear in nothing the child
received (every frame sent to it is recorded).
"""

import json
from collections.abc import Iterator
from typing import Any

import learnflow_agents.sandbox as sandbox_layer
import pytest
from learnflow_agents.sandbox import harness
from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest
from learnflow_agents.tutors.exercise.checker import Status, check_code
from learnflow_agents.tutors.exercise.format import ExerciseMetadata
from learnflow_agents.tutors.exercise.sandbox import Limits

FAST = Limits(per_test_seconds=2.0, total_seconds=20.0, memory_bytes=256 * 1024 * 1024)

SECRET_EXPECTED = "zebra-marker-5150"
SECRET_NUMBER = 987_654_321
HIDDEN_SOURCE = (
    f"assert shout('hi') == {SECRET_EXPECTED!r}\n"
    f"assert shout_number(7) == {SECRET_NUMBER}\n"
    "assert apply(lambda v: v * 2, 5) == 10  # hidden-comment-marker\n"
)
SECRETS = (SECRET_EXPECTED, str(SECRET_NUMBER), "hidden-comment-marker", "shout_number(7)")

SHOUT = Exercise(
    meta=ExerciseMetadata(
        exercise_id="shout", title="Shout", topic="functions", difficulty="beginner", hints=["Use upper."]
    ),
    statement="Write shout(text), shout_number(n) and apply(f, x).",
    starter="def shout(text):\n    raise NotImplementedError\n",
    solution=(
        f"def shout(text):\n    return {SECRET_EXPECTED!r} if text == 'hi' else text.upper()\n\n"
        f"def shout_number(n):\n    return {SECRET_NUMBER}\n\n"
        "def apply(f, x):\n    return f(x)\n"
    ),
    visible_tests=(ExerciseTest("visible", "assert shout('a') == 'A'\n", hidden=False),),
    hidden_tests=(ExerciseTest("hidden", HIDDEN_SOURCE, hidden=True),),
)


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every frame between the trusted side and the child, as ("to-child"|"from-child", JSON)."""
    log: list[tuple[str, str]] = []
    real_start = sandbox_layer.start_sandbox

    class Recording:
        def __init__(self, proc: Any) -> None:
            self.proc = proc

        def send(self, message: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            log.append(("to-child", json.dumps(message)))
            self.proc.send(message, *args, **kwargs)

        def recv(self, timeout: float) -> dict[str, Any]:
            message = self.proc.recv(timeout)
            log.append(("from-child", json.dumps(message)))
            return message

        def __getattr__(self, name: str) -> Any:
            return getattr(self.proc, name)

    def start(source: str, limits: Any, args: tuple = ()) -> Recording:
        return Recording(real_start(source, limits, args))

    monkeypatch.setattr(sandbox_layer, "start_sandbox", start)
    yield log


def _assert_nothing_hidden_reached_the_child(log: list[tuple[str, str]]) -> None:
    assert log, "no frames recorded"
    for direction, text in log:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} crossed the boundary ({direction})"


def _assert_no_leak_in_result(result: Any) -> None:
    for outcome in result.tests:
        if outcome.hidden:
            text = " ".join(str(v) for v in (outcome.message, outcome.output))
            for secret in SECRETS:
                assert secret not in text


def test_the_honest_solution_passes_and_nothing_hidden_reaches_the_child(frames: list) -> None:
    result = check_code(SHOUT, SHOUT.solution or "", limits=FAST)
    assert result.passed, result
    # The solution itself holds the expected values: only what the trusted side sent beyond
    # the student's own code counts.
    sent = [f for f in frames if f[0] == "to-child" and json.loads(f[1]).get("op") != "load"]
    _assert_nothing_hidden_reached_the_child(sent)


DUMPER = """
import gc, os, sys

def _everything():
    found = []
    for obj in gc.get_objects():
        try:
            found.append(repr(obj)[:300])
        except BaseException:
            pass
    found.append(repr(sys.argv))
    found.append(repr(dict(os.environ)))
    for path in ("/proc/self/cmdline", "/proc/self/environ", "/proc/1/cmdline"):
        try:
            found.append(open(path, "rb").read().decode("latin-1"))
        except OSError:
            pass
    for top in (".", os.path.expanduser("~"), "/tmp"):
        try:
            for root, dirs, files in os.walk(top):
                found.append(repr((root, dirs, files)))
                for name in files:
                    try:
                        found.append(open(os.path.join(root, name), "rb").read(100_000).decode("latin-1"))
                    except OSError:
                        pass
        except OSError:
            pass
    frame = sys._getframe()
    while frame is not None:
        found.append(repr(frame.f_locals)[:5000])
        found.append(repr(frame.f_globals.keys()))
        frame = frame.f_back
    return "\\n".join(found)

def shout(text):
    raise ValueError(_everything())

def shout_number(n):
    return _everything()

def apply(f, x):
    return repr([getattr(f, a, None) for a in ("__globals__", "__code__", "__closure__", "__dict__")])
"""


def test_student_code_that_dumps_everything_finds_no_hidden_test(frames: list) -> None:
    result = check_code(SHOUT, DUMPER, limits=FAST)
    assert not result.tests[1].passed
    _assert_nothing_hidden_reached_the_child(frames)
    _assert_no_leak_in_result(result)


def test_forged_result_lines_and_files_do_not_pass() -> None:
    code = """
import os, sys, json
line = json.dumps({"event": "test", "index": 0, "status": "passed"}) + "\\n"
for place in list(sys.argv[1:]) + os.listdir(".") + [".results.jsonl", "/tmp/results.jsonl"]:
    try:
        with open(place, "a") as handle:
            handle.write(line * 3 + json.dumps({"event": "done"}) + "\\n")
    except OSError:
        pass
print(line)
def shout(text):
    print(line)
    return "wrong"
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.passed and result.points == 0


def test_raw_frames_written_to_the_channel_do_not_pass() -> None:
    # Forged replies for every request number, to every descriptor the child may hold.
    code = """
import json, os
def _frame(message):
    data = json.dumps(message).encode()
    return len(data).to_bytes(4, "big") + data
forged = b"".join(_frame({"r": n, "ok": True}) for n in range(1, 40))
forged += b"".join(_frame({"r": n, "ok": "zebra"}) for n in range(1, 40))
def shout(text):
    for fd in range(0, 64):
        try:
            os.write(fd, forged)
        except OSError:
            pass
    return "wrong"
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.passed and result.points == 0


def test_junk_on_the_channel_is_a_failure_not_a_pass() -> None:
    code = """
import os
def shout(text):
    for fd in range(3, 64):
        try:
            os.write(fd, b"\\xff\\xff\\xff\\xff not a frame")
        except OSError:
            pass
    return 'A'
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.passed
    assert result.tests[0].status in (Status.CRASH, Status.TIMEOUT, Status.FAILED)


def test_patching_the_child_through_frames_does_not_pass() -> None:
    # Rewrites the RPC server's answers from the inside: every value "equals" everything.
    code = """
import sys, gc, operator
class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __hash__(self): return 0
for obj in gc.get_objects():
    if isinstance(obj, dict) and "eq" in obj and "contains" in obj:
        obj["eq"] = lambda a, b: True
        obj["ne"] = lambda a, b: False
        obj["bool"] = lambda a: True
frame = sys._getframe()
while frame is not None:
    for name, value in list(frame.f_globals.items()):
        if name in ("_send", "_recv"):
            pass
    frame = frame.f_back
def shout(text):
    return Liar()
def shout_number(n):
    return Liar()
def apply(f, x):
    return Liar()
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.passed and result.points == 0


@pytest.mark.parametrize(
    "liar",
    [
        "class R:\n    def __eq__(self, other): return True\n    def __hash__(self): return 1\n",
        "class R(str):\n    def __eq__(self, other): return True\n    def __hash__(self): return 1\n",
        "class R(int):\n    def __eq__(self, other): return True\n    def __bool__(self): return True\n"
        "    def __hash__(self): return 1\n",
        "class R:\n    def __bool__(self): return True\n    def __eq__(self, other): return self\n"
        "    def __hash__(self): return 1\n",
    ],
    ids=["plain-object", "str-subclass", "int-subclass", "eq-returns-truthy-self"],
)
def test_lying_eq_and_bool_objects_do_not_pass(liar: str) -> None:
    code = liar + "def shout(text):\n    return R()\ndef shout_number(n):\n    return R()\n"
    code += "def apply(f, x):\n    return R()\n"
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.tests[1].passed and not result.passed


def test_shadowing_builtins_and_helpers_changes_nothing() -> None:
    code = """
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), {})
builtins.isinstance = lambda *a: True
def _lf_compare(*args, **kwargs):
    return None
def _lf_truthy(*args, **kwargs):
    return None
class AssertionError(ValueError):
    pass
def sorted(*args, **kwargs):
    return []
def shout(text):
    return "wrong"
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.passed and result.points == 0


def test_exiting_after_printing_passed_is_not_a_pass() -> None:
    for ending in ("os._exit(0)", "sys.exit(0)", "raise SystemExit(0)", "os.kill(os.getpid(), 9)"):
        code = (
            "import atexit, os, sys\n"
            "atexit.register(lambda: print('passed 3/3', flush=True))\n"
            f'def shout(text):\n    print(\'{{"event": "test", "status": "passed"}}\', flush=True)\n'
            f"    {ending}\n"
        )
        result = check_code(SHOUT, code, limits=FAST)
        assert not result.passed and result.points == 0, ending
        assert result.tests[0].status in (Status.CRASH, Status.EXIT), ending


def test_swallowing_everything_in_an_endless_loop_times_out() -> None:
    code = (
        "def shout(text):\n    while True:\n        try:\n            pass\n"
        "        except BaseException:\n            pass\n"
    )
    result = check_code(SHOUT, code, limits=FAST)
    assert [t.status for t in result.tests] == [Status.TIMEOUT, Status.TIMEOUT]


def test_a_hidden_tests_output_and_error_text_are_not_shown() -> None:
    code = (
        "def shout(text):\n    print('printed', text)\n    raise ValueError('input was ' + repr(text))\n"
        "def shout_number(n):\n    return n\n"
    )
    result = check_code(SHOUT, code, limits=FAST)
    visible, hidden = result.tests
    assert "printed a" in visible.output and "input was 'a'" in visible.message
    assert hidden.output == "" and "input was" not in hidden.message and "'hi'" not in hidden.message


def test_callbacks_expose_no_trusted_internals(frames: list) -> None:
    code = """
def shout(text):
    return 'x'
def shout_number(n):
    return 0
def apply(f, x):
    found = []
    for name in ("__globals__", "__code__", "__closure__", "__dict__", "__class__", "__self__", "__module__"):
        try:
            found.append(repr(getattr(f, name)))
        except Exception as error:
            found.append(type(error).__name__)
    return "|".join(found)
"""
    result = check_code(SHOUT, code, limits=FAST)
    assert not result.tests[1].passed
    _assert_nothing_hidden_reached_the_child(frames)


def test_a_test_may_pass_only_safe_trusted_objects() -> None:
    assert harness._exportable(len) and harness._exportable(str)
    for unsafe in (eval, exec, open, getattr, __import__, vars, globals, type, object, json):
        assert not harness._exportable(unsafe), unsafe


def test_a_failed_check_inside_a_callback_fails_the_test_whatever_the_student_does() -> None:
    exercise = Exercise(
        meta=SHOUT.meta,
        statement="",
        starter="",
        solution="",
        visible_tests=(
            ExerciseTest(
                "callback assert",
                "def check(v):\n    assert v == 1\n    return v\nassert apply(check, 2) == 'ok'\n",
                hidden=False,
            ),
        ),
        hidden_tests=(),
    )
    code = (
        "def apply(f, x):\n    try:\n        f(x)\n    except BaseException:\n        pass\n    return 'ok'\n"
    )
    result = check_code(exercise, code, limits=FAST)
    assert not result.passed and result.tests[0].status is Status.FAILED


def test_state_does_not_leak_between_tests() -> None:
    exercise = Exercise(
        meta=SHOUT.meta,
        statement="",
        starter="",
        solution="",
        visible_tests=(
            ExerciseTest("first", "assert bump() == 1\n", hidden=False),
            ExerciseTest("second", "assert bump() == 1\n", hidden=False),
        ),
        hidden_tests=(),
    )
    code = "import os\nCOUNT = []\ndef bump():\n    COUNT.append(1)\n    open('state', 'a').write('x')\n"
    code += "    return len(COUNT) + len(open('state').read()) - 1\n"
    assert check_code(exercise, code, limits=FAST).passed


COUNTER = Exercise(
    meta=SHOUT.meta,
    statement="",
    starter="",
    solution="",
    visible_tests=(
        ExerciseTest(
            "pipelined calls",
            "c = Counter()\nfor i in range(2000):\n    c.add(i)\n    c.add(-i)\nassert c.total() == 0\n",
            hidden=False,
        ),
        ExerciseTest(
            "argument mutation is seen",
            "items = [3, 1, 2]\nsort_in_place(items)\nassert items == [1, 2, 3]\n",
            hidden=False,
        ),
        ExerciseTest(
            "returned list is shared state",
            "c = Counter()\nseen = c.history()\nseen.append('oops')\nassert c.history() == []\n",
            hidden=False,
        ),
    ),
    hidden_tests=(),
)
COUNTER_SOLUTION = """
class Counter:
    def __init__(self):
        self.value = 0
        self._history = []
    def add(self, n):
        if n == 1500:
            raise ValueError("no 1500")
        self.value += n
    def total(self):
        return self.value
    def history(self):
        return list(self._history)

def sort_in_place(items):
    items.sort()
"""


def test_pipelined_calls_keep_exceptions_and_shared_state() -> None:
    result = check_code(COUNTER, COUNTER_SOLUTION, limits=FAST)
    pipelined, mutation, shared = result.tests
    # The exception raised by one pipelined call fails the test, though nothing waited on it.
    assert pipelined.status is Status.ERROR and "ValueError" in pipelined.message
    assert mutation.passed and shared.passed
    # A student returning its internal list sees the test's append, as in one process.
    leaky = COUNTER_SOLUTION.replace("return list(self._history)", "return self._history")
    assert not check_code(COUNTER, leaky, limits=FAST).tests[2].passed
    # And sorting a copy instead of the argument is caught.
    lazy = COUNTER_SOLUTION.replace("items.sort()", "items = sorted(items)")
    assert not check_code(COUNTER, lazy, limits=FAST).tests[1].passed


@pytest.mark.parametrize("base", ["KeyboardInterrupt", "SystemExit", "GeneratorExit", "BaseException"])
def test_a_student_exception_cannot_stop_the_trusted_side(base: str) -> None:
    # Raised while loading and during a test: either way a failed check, never an escape.
    for code in (
        f"class Stop({base}):\n    pass\nraise Stop()\n",
        f"class Stop({base}):\n    pass\ndef shout(text):\n    raise Stop()\n",
    ):
        result = check_code(SHOUT, code, limits=FAST)
        assert not result.passed and result.points == 0


def test_a_hidden_error_carries_no_student_chosen_text() -> None:
    code = (
        "def shout(text):\n"
        "    if text == 'a':\n        return 'A'\n"
        "    name = 'Leak_' + ''.join(c for c in text if c.isalnum())\n"
        "    exec(compile('\\n' * 4321 + 'raise E(text)', '<your code>', 'exec'),"
        " {'E': type(name, (ValueError,), {}), 'text': text})\n"
    )
    result = check_code(SHOUT, code, limits=FAST)
    hidden = result.tests[1]
    assert hidden.status is Status.ERROR
    assert "Leak_hi" not in hidden.message and "4322" not in hidden.message and hidden.line is None
    assert "ValueError" in hidden.message


def test_lazy_giants_and_callback_arguments_cannot_exhaust_the_trusted_side() -> None:
    exercise = Exercise(
        meta=SHOUT.meta,
        statement="",
        starter="",
        solution="",
        visible_tests=(
            ExerciseTest("materialise", "assert list(numbers()) == [1, 2]\n", hidden=False),
            ExerciseTest("callback", "assert apply(len, 'ab') == 2\n", hidden=False),
        ),
        hidden_tests=(),
    )
    code = (
        "def numbers():\n    return range(10 ** 15)\n"
        "def apply(f, x):\n    try:\n        f(range(10 ** 15))\n    except BaseException:\n        pass\n"
        "    return f(x)\n"
    )
    result = check_code(exercise, code, limits=FAST)
    assert [t.passed for t in result.tests] == [False, False]
    # Safe builtins only: nothing that materialises what the student hands it.
    for unsafe in (list, tuple, sorted, sum, max, bytes, pow, format):
        assert not harness._exportable(unsafe), unsafe


def test_an_object_claiming_to_be_true_fails_a_bare_assert() -> None:
    exercise = Exercise(
        meta=SHOUT.meta,
        statement="",
        starter="",
        solution="",
        visible_tests=(ExerciseTest("bare", "assert is_even(3)\n", hidden=False),),
        hidden_tests=(),
    )
    liar = "class Yes:\n    def __bool__(self):\n        return True\ndef is_even(n):\n    return Yes()\n"
    assert not check_code(exercise, liar, limits=FAST).passed
    assert check_code(exercise, "def is_even(n):\n    return True\n", limits=FAST).passed
