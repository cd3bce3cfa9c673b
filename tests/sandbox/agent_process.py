"""A stand-in for the agent process: calls one public entry point that runs student code.

The escape tests run every check in this separate process (its own session), so an
attack on "the parent" (kill, killpg, SIGSTOP, ptrace, reading its memory) hits this
process and not pytest. It reads a JSON request on stdin and prints the result after
RESULT_MARK. Its environment holds the test's canary secrets, like a real agent's would.
"""

import contextlib
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


def handle(request):
    started = time.monotonic()
    handler = {"check": _check, "debug": _debug, "review": _review}[request["mode"]]
    result = handler(request)
    out = {"result": result, "seconds": round(time.monotonic() - started, 3)}
    sys.stdout.write("\n" + RESULT_MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


def main():
    handle(json.loads(sys.stdin.read()))
    return 0


def zygote():
    """Import once, then fork one fresh agent process per request (saves ~0.3 s of imports each).

    Reads one JSON request per line; answers {"pid": N} when the agent process started and
    {"pid": N, "exit": code} when it ended. Each agent process is its own session, runs in
    the request's cwd and writes everything it prints to the request's log file.
    """
    import os
    import traceback

    import learnflow_agents.tutors.code_review.student_tests
    import learnflow_agents.tutors.debug.fix_verifier
    import learnflow_agents.tutors.exercise.checker  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDONLY)
                log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(null, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.closerange(3, 1 << 16)
                sys.stdin = open(os.devnull)  # noqa: SIM115 - the agent's own stdin, for its lifetime
                if request.get("cwd"):
                    os.chdir(request["cwd"])
                handle(request)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(zygote() if sys.argv[1:] == ["--zygote"] else main())
