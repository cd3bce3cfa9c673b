"""A stand-in for the agent process: calls one public entry point that runs student code.

The escape tests run every check in this separate process (its own session), so an
attack on "the parent" (kill, killpg, SIGSTOP, ptrace, reading its memory) hits this
process and not pytest. It reads a JSON request on stdin and prints the result after
RESULT_MARK. Its environment holds the test's canary secrets, like a real agent's would.
"""

import dataclasses
import inspect
import json
import sys
import time

RESULT_MARK = "@@AGENT-RESULT@@"


def _fast_limits():
    """Short wall-clock limits, if the checker still takes a `limits=` argument shaped like today's.

    Only a speed knob for the runaway-loop tests: when the API changed, the default limits apply.
    """
    from learnflow_agents.tutors.exercise import checker

    if "limits" not in inspect.signature(checker.check_attempt).parameters:
        return None
    try:
        from learnflow_agents.tutors.exercise.sandbox import Limits
    except ImportError:
        return None
    wanted = {"per_test_seconds": 1.0, "total_seconds": 6.0}
    try:
        names = {f.name for f in dataclasses.fields(Limits)}
    except TypeError:
        names = set(inspect.signature(Limits).parameters)
    try:
        return Limits(**{k: v for k, v in wanted.items() if k in names})
    except Exception:  # an unfamiliar Limits: keep the defaults
        return None


def _check(request):
    from learnflow_agents.tutors.exercise.checker import check_attempt

    kwargs = {"include_hidden": request.get("include_hidden", True)}
    if request.get("fast"):
        limits = _fast_limits()
        if limits is not None:
            kwargs["limits"] = limits
    result = check_attempt(request["exercise_id"], request["code"], **kwargs)
    return json.loads(result.model_dump_json())


def _debug(request):
    from learnflow_agents.tutors.debug.fix_verifier import verify_fix

    verdict = verify_fix(request["code"], error_type=request.get("error_type", "NameError"), timeout=3.0)
    return dataclasses.asdict(verdict)


def _review(request):
    import ast

    from learnflow_agents.tutors.code_review.student_tests import find_tests, run_tests

    plan = find_tests(ast.parse(request["code"]), "", request["code"])
    if plan is None:
        raise SystemExit("no tests found in the review code")
    return dataclasses.asdict(run_tests(request["code"], plan))


def main():
    request = json.loads(sys.stdin.read())
    started = time.monotonic()
    handler = {"check": _check, "debug": _debug, "review": _review}[request["mode"]]
    result = handler(request)
    out = {"result": result, "seconds": round(time.monotonic() - started, 3)}
    sys.stdout.write("\n" + RESULT_MARK + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
