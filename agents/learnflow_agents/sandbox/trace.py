"""Run a student's program in the sandbox under a line tracer, and read back what it did.

For a "my code runs but does the wrong thing" question: the program's printed output, and
a step-by-step record (like Python Tutor's) of which line ran and which variables changed.
The tracer is part of the program handed to the jail (`sys.settrace`, stdlib only), so it
runs with the student's code, under the same limits, and never on the trusted side.

Trust: the child reports the trace itself, so student code can send a report of its own
(it reaches the channel by walking frames, no import needed). That only changes the reply to
*its own* question: the report carries no identities and no ids (the reply's come from the
trusted side), and the parent decodes it strictly (`TraceReport`: exact types, every string
and list capped, unknown fields refused), so a malformed or oversized report is "could not
trace", and a well-formed forgery is a lie told to the forger alone
(tests/tutors/test_debug_trace_forgery.py). Values are shown by the
tracer's own bounded formatter for built-in types only: it never calls a student's
`__repr__`, so showing a variable runs no student code.

Bounds: recorded steps (`max_steps`, after which the program is stopped), the output kept,
the length of each value shown, the variables per step, an alarm inside the child, and the
sandbox's wall clock and CPU limit behind it. `input()` gets no input: it raises EOFError,
and the report says at which line the program asked.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from learnflow_agents.sandbox.dispatch import run_python
from learnflow_agents.sandbox.limits import Limits

# Steps recorded with their variables; lines run in all (counted, then the program is stopped).
MAX_STEPS = 400
MAX_LINES = 200_000
MAX_OUTPUT = 4_000
MAX_VALUE = 80
MAX_VARS = 12
MAX_FRAMES = 8
# The report's largest frame: MAX_STEPS steps of MAX_VARS values, with room for JSON quoting.
REPORT_BYTES = 1 << 20

Short = Annotated[str, StringConstraints(max_length=MAX_VALUE + 8)]
Name = Annotated[str, StringConstraints(max_length=64)]
LineKey = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
LineCount = Annotated[int, Field(ge=0, le=MAX_LINES + 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Step(_Strict):
    line: int = Field(ge=1, le=100_000)  # the line that just ran
    function: Name  # "<module>" for top-level code
    depth: int = Field(ge=0, le=1_000)
    # Variables of that frame whose value changed (or appeared) while the line ran.
    changed: dict[Name, Short] = Field(default_factory=dict, max_length=MAX_VARS)
    returned: Short | None = None
    output_at: int = Field(ge=0, le=10_000_000)  # characters printed so far


class TraceReport(_Strict):
    steps: list[Step] = Field(max_length=MAX_STEPS)
    output: Annotated[str, StringConstraints(max_length=MAX_OUTPUT)]
    output_total: int = Field(ge=0)
    stopped: Literal["finished", "error", "step-limit", "time-limit", "input"]
    error_type: Name | None = None
    error_message: Short | None = None
    error_line: int | None = Field(default=None, ge=1, le=100_000)
    input_line: int | None = Field(default=None, ge=1, le=100_000)
    input_prompt: Short | None = None
    steps_total: int = Field(ge=0, le=MAX_LINES + 1)
    # Lines run per line number, counted up to the stop (keys are line numbers as text).
    # A program can write this report itself: a key that is no line number made the analyses'
    # int(key) raise, and a count past what the run could reach was quoted as a fact.
    line_counts: dict[LineKey, LineCount] = Field(max_length=2_000)


_TRACER = r"""
import signal, sys

_req = _lf_receive()
_MAX_STEPS, _MAX_OUTPUT = _req["max_steps"], _req["max_output"]
_MAX_VALUE, _MAX_VARS = _req["max_value"], _req["max_vars"]
_MAX_FRAMES, _MAX_LINES = _req["max_frames"], _req["max_lines"]
_CELL = "<cell>"


class _Stop(BaseException):
    pass


class _Out:
    def __init__(self):
        self.kept, self.used, self.total = [], 0, 0
    def write(self, text):
        text = str(text)
        room = _MAX_OUTPUT - self.used
        if room > 0:
            self.kept.append(text[:room])
            self.used += len(text[:room])
        self.total += len(text)
        return len(text)
    def flush(self):
        pass


_out = _Out()
_state = {"steps": [], "total": 0, "stopped": "finished", "input_line": None, "input_prompt": None,
          "counts": {}}
_frames = {}  # id(frame) -> (last line, last snapshot)

_SCALARS = (int, float, bool, complex, type(None))
# A type's own name, read past any metaclass: a `__name__` property there is student code.
_type_name = type.__dict__["__name__"].__get__
_DEFINITIONS = ("module", "function", "type", "builtin_function_or_method")


def _show(value, depth=0):
    # Built-in types only, by exact type, so no student __repr__ or __iter__ ever runs here.
    kind = type(value)
    if kind is int and value.bit_length() > 128:
        return "<int of %d bits>" % value.bit_length()
    if kind in _SCALARS:
        return repr(value)
    if kind is str:
        return repr(value[:_MAX_VALUE])
    if kind in (list, tuple, set, frozenset) and depth < 2:
        items = list(value)[:8] if kind in (list, tuple) else sorted((_show(v, 2) for v in list(value)[:8]))
        inner = ", ".join(_show(v, depth + 1) if kind in (list, tuple) else v for v in items)
        more = ", …" if len(value) > 8 else ""
        if kind is list:
            return "[" + inner + more + "]"
        if kind is tuple:
            return "(" + inner + ("," if len(value) == 1 else "") + more + ")"
        return "{" + inner + more + "}" if value else _type_name(kind) + "()"
    if kind is dict and depth < 2:
        pairs = list(value.items())[:6]
        inner = ", ".join(_show(k, depth + 1) + ": " + _show(v, depth + 1) for k, v in pairs)
        return "{" + inner + (", …" if len(value) > 6 else "") + "}"
    if kind in (list, tuple, set, frozenset, dict):
        return "<%s of %d>" % (_type_name(kind), len(value))
    if kind is range:
        return repr(value)
    if callable(value):
        return "<function>" if _type_name(kind) == "function" else "<" + _type_name(kind) + ">"
    return "<" + _type_name(kind) + " object>"


def _clip(text):
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _snapshot(frame):
    snap = {}
    scope = frame.f_locals
    if type(scope) is not dict:
        return snap  # a class body run in a metaclass's own mapping: reading it runs its code
    for name, value in list(dict.items(scope)):
        # Private names (the runner's own, dunders) and definitions are not the student's data.
        if type(name) is not str or name.startswith("_") or _type_name(type(value)) in _DEFINITIONS:
            continue
        snap[name] = _clip(_show(value))
    return snap


def _depth(frame):
    depth, f = 0, frame.f_back
    while f is not None and depth < 1000:
        if f.f_code.co_filename == _CELL:
            depth += 1
        f = f.f_back
    return depth


def _record(frame, line, returned=None):
    _state["total"] += 1
    key = str(line)
    _state["counts"][key] = _state["counts"].get(key, 0) + 1
    if len(_state["steps"]) >= _MAX_STEPS:
        return {}  # past the recording cap only lines are counted: snapshots cost time
    prev = _frames.get(id(frame), (None, {}))[1]
    now = _snapshot(frame)
    changed = {k: v for k, v in now.items() if prev.get(k) != v}
    changed = dict(list(changed.items())[:_MAX_VARS])
    step = {"line": line, "function": frame.f_code.co_name[:64], "depth": _depth(frame),
            "changed": changed, "output_at": _out.total}
    if returned is not None:
        step["returned"] = returned
    _state["steps"].append(step)
    return now


def _tracer(frame, event, arg):
    if frame.f_code.co_filename != _CELL:
        return None
    if event == "call":
        if _depth(frame) >= _MAX_FRAMES:
            return None
        _frames[id(frame)] = (None, _snapshot(frame))
        return _tracer
    last, _ = _frames.get(id(frame), (None, {}))
    if event == "line":
        snap = _record(frame, last) if last is not None else _frames.get(id(frame), (None, {}))[1]
        _frames[id(frame)] = (frame.f_lineno, snap)
        if _state["total"] >= _MAX_LINES:
            _state["stopped"] = "step-limit"
            raise _Stop()
    elif event == "return":
        if last is not None:
            _record(frame, last, returned=_clip(_show(arg)) if frame.f_code.co_name != "<module>" else None)
        _frames.pop(id(frame), None)
    return _tracer


def _no_input(prompt=""):
    frame = sys._getframe(1)
    if frame.f_code.co_filename == _CELL:
        _state["input_line"] = frame.f_lineno
    _state["input_prompt"] = _clip(str(prompt))
    _state["stopped"] = "input"
    raise EOFError("no input was given to this run")


def _alarm(signum, frame):
    _state["stopped"] = "time-limit"
    raise _Stop()


_src = _req["code"]
_globals = {"__name__": "__main__", "__builtins__": __builtins__}
import builtins as _b
_b.input = _no_input
_error = None
signal.signal(signal.SIGALRM, _alarm)
signal.setitimer(signal.ITIMER_REAL, _req["seconds"])
sys.stdout = _out
try:
    _code = compile(_src, _CELL, "exec", dont_inherit=True)
    sys.settrace(_tracer)
    try:
        exec(_code, _globals)
    finally:
        sys.settrace(None)
except _Stop:
    pass
except BaseException as exc:
    import traceback as _tb
    lines = [f.lineno for f in _tb.extract_tb(exc.__traceback__) if f.filename == _CELL]
    if _state["stopped"] == "finished":
        _state["stopped"] = "error"
    _error = {"error_type": _type_name(type(exc))[:64], "error_message": _clip(str(exc)),
              "error_line": lines[-1] if lines else None}
signal.setitimer(signal.ITIMER_REAL, 0)
sys.stdout = sys.__stdout__
_report = {
    "steps": _state["steps"],
    "output": "".join(_out.kept),
    "output_total": _out.total,
    "stopped": _state["stopped"],
    "steps_total": _state["total"],
    "line_counts": dict(list(_state["counts"].items())[:2000]),
    "input_line": _state["input_line"],
    "input_prompt": _state["input_prompt"],
}
if _error:
    _report.update(_error)
_lf_send(_report)
"""


class TraceUnavailableError(Exception):
    """The run gave no trustworthy report: killed by a limit, or it sent something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_report(answer: object) -> TraceReport:
    """The child's answer as a `TraceReport`, or TraceUnavailableError: nothing loose gets through."""
    if not isinstance(answer, dict):
        raise TraceUnavailableError("the run sent no report")
    try:
        return TraceReport.model_validate(answer)
    except ValidationError as err:
        raise TraceUnavailableError(
            f"the run's report was malformed ({err.error_count()} problems)"
        ) from None


def trace_program(
    code: str, *, seconds: float = 2.0, max_steps: int = MAX_STEPS, max_lines: int = MAX_LINES
) -> TraceReport:
    """Run `code` traced in the sandbox; the report of what it did, or TraceUnavailableError."""
    request = {
        "code": code,
        "seconds": seconds,
        "max_steps": min(max_steps, MAX_STEPS),
        "max_output": MAX_OUTPUT,
        "max_value": MAX_VALUE,
        "max_vars": MAX_VARS,
        "max_frames": MAX_FRAMES,
        "max_lines": min(max_lines, MAX_LINES),
    }
    # The wall clock is the backstop for a program that disarms the alarm or blocks in C.
    limits = Limits(
        wall_seconds=seconds + 3.0,
        cpu_seconds=int(seconds) + 3,
        memory_bytes=768 << 20,
        file_size_bytes=1 << 20,
        output_bytes=16_000,
        message_bytes=REPORT_BYTES,
    )
    answer, ended = run_python(_TRACER, request, limits)
    if ended.killed_for_time:
        raise TraceUnavailableError(f"it was still running after {limits.wall_seconds:g}s and was stopped")
    if answer is None:
        raise TraceUnavailableError(f"it was stopped by a resource limit (exit status {ended.returncode})")
    return decode_report(answer)
