"""Check a student's attempt: run each test against the sandboxed code and explain it kindly.

Every test gets a fresh sandboxed child running the student's code; the test itself runs
here, on the trusted side (learnflow_agents.sandbox.harness), so the child never sees a
test, an expected value or a verdict, and nothing it sends can turn a failure into a pass.
"""

import time

from learnflow_agents.contracts.check import CheckResult, TestOutcome, TestStatus
from learnflow_agents.sandbox import dispatch
from learnflow_agents.sandbox.harness import STUDENT_FILENAME, RunLimits, run_test
from learnflow_agents.tutors.exercise import assertions
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, ExerciseTest, load_bank
from learnflow_agents.tutors.exercise.sandbox import Limits

# The result types are contracts: an exercise check's reply carries them (AgentReply.check).
Status = TestStatus


_FRIENDLY = {
    Status.TIMEOUT: (
        "⏱️ This didn't finish within {seconds:g} s. Look for a loop whose condition never becomes "
        "false (a `while` whose variable never changes?) or work that grows much faster than the input."
    ),
    Status.MEMORY: (
        "💾 Your code ran out of memory (limit {memory_mb} MB). Usually a list or string that keeps "
        "growing inside a loop, or a very large `*` repetition."
    ),
    Status.OUTPUT: (
        "📜 Your code printed more than {output_chars:,} characters, so the checker stopped it. "
        "Is there a `print` inside a loop that runs far too often?"
    ),
    Status.RECURSION: (
        "🔁 RecursionError: the function kept calling itself. Check that there is a base case and "
        "that every recursive call moves closer to it."
    ),
    Status.EXIT: (
        "🚪 Your code called exit()/sys.exit(), which stops Python. Return a value from your "
        "function instead."
    ),
    Status.NOT_RUN: "⏸️ Not run: an earlier problem stopped the checker before this test.",
}


_CRASH_PROTOCOL = (
    "💥 Your code interfered with the checker (it wrote to the checker's channel or sent "
    "something that is not an answer), so this test cannot pass."
)


def _friendly_error(facts: dict, hidden: bool = False) -> str:
    exception = facts.get("exception", "Exception")
    message = facts.get("message") or ""
    where = facts.get("where") or {}
    place = f" on line {where['line']} of your code" if where.get("file") == STUDENT_FILENAME else ""
    if hidden:
        # A hidden test's inputs reach the student's code: nothing it chooses (its message,
        # a made-up class name, the line it raised from) may carry them back out.
        exception = facts.get("builtin_exception", exception)
        message, place = "", ""
    if exception == "NotImplementedError":
        return "🚧 Not written yet: the starter still raises NotImplementedError. Replace it with your code."
    if exception == "EOFError":
        return (
            "⌨️ Your code called input(), but nobody can type during a check. Use the function's parameters."
        )
    if exception == "NameError":
        return f"❓ NameError{place}: {message}. Is it spelled the same everywhere and defined before use?"
    if not message:
        return f"💥 Your code raised {exception}{place}."
    return f"💥 Your code raised {exception}{place}: {message}"


def _outcome(case: ExerciseTest, facts: dict | None, limits: Limits) -> TestOutcome:
    base = {"name": case.name, "hidden": case.hidden, "points": case.points}
    if facts is None:
        return TestOutcome(**base, status=Status.NOT_RUN, passed=False, message=_FRIENDLY[Status.NOT_RUN])
    raw = facts["status"]
    output = "" if case.hidden else facts.get("output", "")
    where = facts.get("where") or {}
    line = where.get("line") if where.get("file") == STUDENT_FILENAME and not case.hidden else None
    if raw == "protocol":
        return TestOutcome(**base, status=Status.CRASH, passed=False, message=_CRASH_PROTOCOL, output=output)
    status = Status(raw)
    if status is Status.PASSED:
        return TestOutcome(
            **base, status=status, passed=True, message=case.success or "", output=output
        )
    if status is Status.FAILED:
        lead = case.failure or "❌ Not quite."
        detail = facts.get("message") or ""
        message = f"{lead} {detail}".strip()
        return TestOutcome(
            **base,
            status=status,
            passed=False,
            message=message,
            expected=facts.get("expected"),
            actual=facts.get("actual"),
            check=facts.get("source"),
            line=line,
            output=output,
        )
    if status is Status.ERROR:
        message = _friendly_error(facts, case.hidden)
    elif status is Status.BROKEN_TEST:
        message = f"⚠️ This test itself does not compile (tell your instructor): {facts.get('message', '')}"
    elif status is Status.CRASH:
        message = _crash_message(facts, "during this test")
    else:
        message = _FRIENDLY[status].format(
            seconds=case.timeout_seconds or limits.per_test_seconds,
            memory_mb=limits.memory_bytes // (1024 * 1024),
            output_chars=limits.output_hard_chars,
        )
    if case.failure:
        message = f"{case.failure} {message}"
    return TestOutcome(**base, status=status, passed=False, message=message, line=line, output=output)


def _load_problem(load: dict, limits: Limits) -> tuple[Status, str]:
    """Why the student's code could not be loaded at all."""
    status = load.get("status")
    if status == "syntax":
        where = load.get("where") or {}
        text = load.get("text") or ""
        shown = f"\n\n    {text.strip()}" if text.strip() else ""
        return Status.ERROR, f"✏️ Syntax error on line {where.get('line')}: {load.get('message')}." + shown
    if status == "error":
        return Status.ERROR, _friendly_error(load) + " (while your code was loading, before any test ran)"
    if status == "crash":
        return Status.CRASH, _crash_message(load, "while loading your code")
    if status == "protocol":
        return Status.CRASH, _CRASH_PROTOCOL
    status_enum = Status(status)
    return status_enum, _FRIENDLY[status_enum].format(
        seconds=limits.per_test_seconds,
        memory_mb=limits.memory_bytes // (1024 * 1024),
        output_chars=limits.output_hard_chars,
    ) + " (while your code was loading, before any test ran)"


def _crash_message(facts: dict, when: str) -> str:
    signal_name, code = facts.get("signal"), facts.get("returncode")
    how = f"signal {signal_name}" if signal_name else f"exit code {code}"
    return (
        f"💥 Python stopped abruptly {when} ({how}). Common causes: os._exit(), very deep "
        "recursion after raising the recursion limit, or a crash in a C extension."
    )


def _run_limits(case: ExerciseTest | None, limits: Limits) -> RunLimits:
    return RunLimits(
        seconds=(case.timeout_seconds if case and case.timeout_seconds else None) or limits.per_test_seconds,
        memory_bytes=limits.memory_bytes,
        file_size_bytes=limits.file_size_bytes,
        output_keep_chars=limits.output_keep_chars,
        output_hard_chars=limits.output_hard_chars,
        recursion_limit=limits.recursion_limit,
    )


def _run(code: str, case: ExerciseTest | None, limits: Limits) -> dict:
    source, name = (case.source, case.name) if case else ("pass\n", "load")
    return run_test(
        code,
        source,
        name,
        _run_limits(case, limits),
        assertions=assertions,
        want_output=case is not None and not case.hidden,
    )


def check_code(
    exercise: Exercise,
    code: str,
    *,
    include_hidden: bool = True,
    limits: Limits | None = None,
) -> CheckResult:
    """Run `exercise`'s tests (hidden ones too unless told otherwise) against `code`."""
    if (service := dispatch.remote()) is not None:  # LEARNFLOW_SANDBOX_URL: the sandbox service
        return service.check(exercise, code, include_hidden=include_hidden, limits=limits)
    limits = limits or Limits()
    cases = list(exercise.visible_tests) + (list(exercise.hidden_tests) if include_hidden else [])
    max_points = sum(c.points for c in cases)
    started = time.monotonic()
    results: list[dict | None] = []
    stopped = False
    for index, case in enumerate(cases):
        if stopped or time.monotonic() - started > limits.total_seconds:
            results.append(None)
            continue
        facts = _run(code, case, limits)
        if facts["status"] == "load":
            if index == 0:
                return _load_failure(exercise, cases, max_points, facts["load"], limits)
            facts = facts["load"]
        if facts["status"] == "crash":
            stopped = True  # as when the code dies in a notebook: nothing after it runs
        results.append(facts)
    if not cases:
        facts = _run(code, None, limits)
        if facts["status"] == "load":
            return _load_failure(exercise, cases, max_points, facts["load"], limits)
    outcomes = [_outcome(case, facts, limits) for case, facts in zip(cases, results, strict=True)]
    points = sum(o.points for o in outcomes if o.passed)
    passed = all(o.passed for o in outcomes)
    failed = sum(1 for o in outcomes if not o.passed)
    if passed:
        summary = f"🎉 All {len(outcomes)} tests passed."
    else:
        summary = f"{failed} of {len(outcomes)} tests did not pass yet."
    if exercise.released and include_hidden:
        # Students' installs carry released notebooks only: say what was not checked.
        summary += (
            " Checked against the visible tests only: this exercise's hidden tests are not installed here."
        )
    return CheckResult(
        exercise_id=exercise.id,
        passed=passed,
        score=round(points / max_points, 4) if max_points else float(passed),
        points=points,
        max_points=max_points,
        summary=summary,
        tests=outcomes,
    )


def _load_failure(
    exercise: Exercise, cases: list[ExerciseTest], max_points: int, load: dict, limits: Limits
) -> CheckResult:
    _status, message = _load_problem(load, limits)
    tests = [
        TestOutcome(
            name=c.name,
            hidden=c.hidden,
            points=c.points,
            status=Status.NOT_RUN,
            passed=False,
            message="⏸️ Not run: your code has to load without errors first.",
        )
        for c in cases
    ]
    return CheckResult(
        exercise_id=exercise.id,
        passed=False,
        score=0.0,
        points=0,
        max_points=max_points,
        summary=message,
        load_error=message,
        tests=tests,
    )


def check_attempt(
    exercise_id: str,
    code: str,
    *,
    include_hidden: bool = True,
    limits: Limits | None = None,
    bank: Bank | None = None,
) -> CheckResult:
    """Check `code` against the bank exercise `exercise_id` (raises UnknownExerciseError)."""
    exercise = (bank or load_bank()).get(exercise_id)
    return check_code(exercise, code, include_hidden=include_hidden, limits=limits)
