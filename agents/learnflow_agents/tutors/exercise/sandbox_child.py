"""The sandbox's child process: runs a student's code and the tests, reports JSON lines.

Started by sandbox.py as ``python -I sandbox_child.py PAYLOAD RESULTS`` in a fresh
temporary directory with a scrubbed environment. Stdlib only, and it never imports the
agents package, so nothing the caller holds (settings, credentials) is reachable.

Limits are applied here, after the interpreter has started, so they bound the
student's code and not Python's own start-up: RLIMIT_AS (memory), RLIMIT_CPU (a
backstop if the parent vanished), RLIMIT_FSIZE (files and raw fd writes), no core
dumps, a per-test SIGALRM timer, and capped stdout/stderr.

It reports facts (status, exception type, line, values); the caller turns them into
friendly words, so the wording lives in one place.
"""

import builtins
import importlib.util
import io
import json
import os
import resource
import signal
import sys
import traceback

STUDENT_FILENAME = "<your code>"


class _LfTimeout(BaseException):
    """Raised by the per-test timer. BaseException so `except Exception` in student code can't eat it."""


class _LfOutputLimit(BaseException):
    """Raised from print() once a test has written more than the hard output limit."""


class _CappedWriter(io.TextIOBase):
    """Keeps the first `keep` characters, counts the rest, and stops runaway printing."""

    def __init__(self, keep, hard_limit):
        self.keep = keep
        self.hard_limit = hard_limit
        self.parts = []
        self.kept = 0
        self.total = 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.total += len(text)
        if self.kept < self.keep:
            piece = text[: self.keep - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        if self.total > self.hard_limit:
            raise _LfOutputLimit()
        return len(text)

    def getvalue(self):
        return "".join(self.parts)


def _load_assertions():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assertions.py")
    spec = importlib.util.spec_from_file_location("_learnflow_assertions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _apply_limits(limits):
    memory = int(limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    size = int(limits["file_size_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Without this, exceeding RLIMIT_FSIZE kills the process instead of raising OSError.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _on_alarm(signum, frame):
    raise _LfTimeout()


def _where(tb, filenames):
    """The innermost line of the traceback that is in one of `filenames` (student or test code)."""
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename in filenames:
            found = {"file": frame.f_code.co_filename, "line": lineno}
    return found


class Runner:
    def __init__(self, payload, results_path, assertions):
        self.payload = payload
        self.limits = payload["limits"]
        self.results = open(results_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives for the run
        self.assertions = assertions
        # Freed on MemoryError so reporting the failure has room to allocate.
        self.reserve = bytearray(4 * 1024 * 1024)

    def emit(self, record):
        self.results.write(json.dumps(record) + "\n")
        self.results.flush()

    def run_block(self, code_obj, namespace, seconds, filenames):
        """Execute one block; return a result record (without index)."""
        writer = _CappedWriter(int(self.limits["output_keep_chars"]), int(self.limits["output_hard_chars"]))
        sys.stdout = sys.stderr = writer
        status, facts = "passed", {}
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            exec(code_obj, namespace)
        except _LfTimeout:
            status = "timeout"
        except _LfOutputLimit:
            status = "output"
        except MemoryError:
            # Keep this handler tiny: the frames holding the huge object die when it ends.
            status = "memory"
        except RecursionError as exc:
            status, facts = "recursion", {"where": _where(exc.__traceback__, filenames)}
        except SystemExit as exc:
            status, facts = "exit", {"code": _safe_str(exc.code)}
        except self.assertions.LearnFlowMismatchError as exc:
            status = "failed"
            facts = {
                "message": exc.message,
                "expected": exc.expected,
                "actual": exc.actual,
                "source": exc.source,
                "where": _where(exc.__traceback__, filenames),
            }
        except AssertionError as exc:
            status, facts = (
                "failed",
                {"message": _safe_str(exc), "where": _where(exc.__traceback__, filenames)},
            )
        except BaseException as exc:
            status = "error"
            facts = {
                "exception": type(exc).__name__,
                "message": _safe_str(exc),
                "where": _where(exc.__traceback__, filenames),
            }
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if status == "memory":
            self.reserve = None
        facts["output"] = writer.getvalue()
        facts["output_total_chars"] = writer.total
        record = {"status": status, **facts}
        if self.reserve is None:
            self.reserve = bytearray(4 * 1024 * 1024)
        return record

    def run(self):
        code = self.payload["code"]
        per_test = float(self.limits["per_test_seconds"])
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.emit({"event": "start", "index": -1})
        try:
            code_obj = compile(code, STUDENT_FILENAME, "exec")
        except SyntaxError as exc:
            self.emit(
                {
                    "event": "load",
                    "status": "syntax",
                    "exception": type(exc).__name__,
                    "message": exc.msg,
                    "where": {"file": STUDENT_FILENAME, "line": exc.lineno},
                    "text": (exc.text or "").rstrip("\n"),
                }
            )
            return
        record = self.run_block(code_obj, namespace, per_test, {STUDENT_FILENAME})
        self.emit({"event": "load", **record})
        if record["status"] != "passed":
            return
        for index, test in enumerate(self.payload["tests"]):
            self.emit({"event": "start", "index": index})
            filename = f"<test: {test['name']}>"
            try:
                test_obj = self.assertions._lf_compile_test(test["source"], filename)
            except SyntaxError as exc:
                self.emit({"event": "test", "index": index, "status": "broken-test", "message": str(exc)})
                continue
            # Each test gets its own copy of the module namespace, so one test's
            # reassignments don't leak into the next (functions still see the original globals).
            test_ns = dict(namespace)
            test_ns.update(self.assertions._lf_assertion_globals())
            seconds = float(test.get("timeout") or per_test)
            record = self.run_block(test_obj, test_ns, seconds, {STUDENT_FILENAME, filename})
            test_ns.clear()
            self.emit({"event": "test", "index": index, **record})
        self.emit({"event": "done"})


def _safe_str(value):
    try:
        text = str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text[:2000]


def main(argv):
    payload_path, results_path = argv[1], argv[2]
    with open(payload_path, encoding="utf-8") as handle:
        payload = json.load(handle)
    assertions = _load_assertions()
    signal.signal(signal.SIGALRM, _on_alarm)
    _apply_limits(payload["limits"])
    sys.setrecursionlimit(int(payload["limits"].get("recursion_limit", 3000)))
    Runner(payload, results_path, assertions).run()
    return 0


if __name__ == "__main__":
    status = main(sys.argv)
    # Skip interpreter shutdown: a student's atexit handler or __del__ must not run
    # (or hang) after the results are written.
    os._exit(status)
