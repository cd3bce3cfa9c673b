"""An opt-in account of CPU time by pipeline stage (submit, outbox, publish, consume, ...).

Off by default, and then `stage(...)` is one attribute test: benchmarks switch it on with
`enable()` (or LEARNFLOW_CPU_ACCOUNT=<path>, which also writes the totals to that JSON file
when the process exits, for agents running in their own process).

How the time is attributed: the running code's stage is a context variable, so an asyncio
task keeps its stage across awaits and a thread started with `asyncio.to_thread` inherits
it. With the account on, every event-loop callback (a task step, a socket read, a future's
callback) is timed with the thread's CPU clock and charged to the stage its context holds;
`stage()` switching the stage in the middle of a callback (or inside a worker thread)
charges the CPU used so far to the previous stage. Background tasks of the bus clients
are charged to the stage that was current when they were created (a consumer's fetcher
to "consume", a producer's sender to "publish"). What no stage claims is "other".
"""

import asyncio
import atexit
import gc
import json
import os
import threading
import time
from collections import defaultdict
from contextvars import ContextVar
from typing import Any

STAGES = ("submit", "outbox", "publish", "consume", "decode", "handle", "effects", "commit", "feed", "gc")

_current: ContextVar[str] = ContextVar("learnflow_cpu_stage", default="other")
_local = threading.local()
_lock = threading.Lock()
_totals: dict[str, int] = defaultdict(int)  # nanoseconds of thread CPU per stage
_original_run = asyncio.events.Handle._run

enabled = False


def _charge_until(now: int) -> None:
    mark = getattr(_local, "mark", None)
    if mark is not None:
        spent = now - mark
        if spent > 0:
            with _lock:
                _totals[_local.stage] += spent
    _local.mark = now


def _switch(name: str) -> None:
    _charge_until(time.thread_time_ns())
    _local.stage = name


class stage:  # noqa: N801 - used like a function: `with stage("decode"):`
    """Charge the CPU the enclosed code uses (in this task or thread) to `name`."""

    __slots__ = ("name", "token")

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        if enabled:
            _switch(self.name)
            _local.depth = getattr(_local, "depth", 0) + 1
            self.token = _current.set(self.name)

    def __exit__(self, *exc: object) -> None:
        if enabled and hasattr(self, "token"):
            _current.reset(self.token)
            _switch(_current.get())
            _local.depth -= 1
            if _local.depth == 0 and not getattr(_local, "in_loop", False):
                # A worker thread between jobs: its next job is charged from its own start.
                _local.mark = None


def _timed_run(handle: asyncio.events.Handle) -> None:
    context = handle._context  # type: ignore[attr-defined]
    _local.stage = context.get(_current, "other")
    _local.in_loop = True
    _local.mark = time.thread_time_ns()
    try:
        _original_run(handle)
    finally:
        _charge_until(time.thread_time_ns())
        _local.mark = None
        _local.in_loop = False


def _collecting(phase: str, _info: dict[str, Any]) -> None:
    # The garbage collector runs inside whatever code allocated last: its time is its own.
    if getattr(_local, "mark", None) is None:
        return  # a thread between jobs: not accounted
    if phase == "start":
        _local.before_gc = _local.stage
        _switch("gc")
    elif getattr(_local, "before_gc", None) is not None:
        _switch(_local.before_gc)
        _local.before_gc = None


def enable() -> None:
    """Start accounting (from zero) in this process."""
    global enabled
    reset()
    enabled = True
    asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]
    if _collecting not in gc.callbacks:
        gc.callbacks.append(_collecting)


def disable() -> None:
    global enabled
    enabled = False
    asyncio.events.Handle._run = _original_run  # type: ignore[method-assign]
    if _collecting in gc.callbacks:
        gc.callbacks.remove(_collecting)


def reset() -> None:
    with _lock:
        _totals.clear()


def totals() -> dict[str, int]:
    """Nanoseconds of CPU per stage so far (all threads of this process)."""
    with _lock:
        return dict(_totals)


def per_query(nanos: dict[str, int], queries: int) -> dict[str, float]:
    """Microseconds per query, every stage listed (0 when unused), then "other" and "total"."""
    row: dict[str, Any] = {name: nanos.get(name, 0) / 1000 / max(1, queries) for name in STAGES}
    row["other"] = sum(v for k, v in nanos.items() if k not in STAGES) / 1000 / max(1, queries)
    row["total"] = sum(nanos.values()) / 1000 / max(1, queries)
    return row


def _write_at_exit(path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(totals(), out)


if os.environ.get("LEARNFLOW_CPU_ACCOUNT"):
    enable()
    atexit.register(_write_at_exit, os.environ["LEARNFLOW_CPU_ACCOUNT"])


def charged(name: str, fn: Any) -> Any:
    """`fn`, charging the CPU it uses to `name` (for work handed to a thread)."""
    if not enabled:
        return fn

    def run(*args: Any, **kwargs: Any) -> Any:
        with stage(name):
            return fn(*args, **kwargs)

    return run
