"""A jailed interpreter started ahead of the next run, so a student's run does not wait
for one to start.

Starting the jail and Python is most of what a short run costs (bubblewrap's namespaces
and mounts, then the interpreter: tens of milliseconds, measured by
`benchmarks/sandbox_spares.py`), and it happens before the child has seen anything of the
student's. So after a run, one child for the same runner and limits is started in the
background and left waiting on its channel; the next run takes it, arms its wall clock
and sends it its request. Each child still serves exactly one run and is closed after it.

Spares are used only under strong isolation: there, every child has its own PID namespace
and private mounts, so no other run can see a waiting spare, let alone read what is sent
to it. Without namespaces a student's program could open a waiting spare's channel
through /proc and read the next student's code, so every run starts its own child.
``LEARNFLOW_SANDBOX_SPARES=0`` turns them off.
"""

from __future__ import annotations

import atexit
import functools
import os
import queue
import threading
import time

from learnflow_agents.sandbox.isolation import detect_isolation
from learnflow_agents.sandbox.limits import Limits
from learnflow_agents.sandbox.process import SandboxProcess, start_sandbox

ENV = "LEARNFLOW_SANDBOX_SPARES"
# A spare idle longer than this is replaced rather than used: it was started under
# whatever the machine looked like then, and an idle process should not live forever.
MAX_IDLE_SECONDS = 120.0
# Runner/limit pairs kept warm at once (the debug fix check, code review's student tests,
# a few time limits); the least recently used is dropped beyond it.
MAX_KINDS = 4
# How long a run waits for a spare already starting before it starts its own child.
START_WAIT_SECONDS = 2.0

_Key = tuple[str, Limits]
_lock = threading.Lock()
_changed = threading.Condition(_lock)
_ready: dict[_Key, SandboxProcess] = {}
_starting: set[_Key] = set()


def enabled() -> bool:
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return detect_isolation().strong


def take(source: str, limits: Limits) -> SandboxProcess:
    """A child for one run of `source`, armed: the waiting spare if there is a fresh one,
    else a new child."""
    key = (source, limits)
    with _changed:
        # A spare on its way is ready sooner than a new child, and starting both at once
        # would have them compete for the cores (a debug answer often runs twice in a row).
        _changed.wait_for(lambda: key not in _starting, timeout=START_WAIT_SECONDS)
        spare = _ready.pop(key, None)
    if spare is not None and not enabled():
        spare.close()
        spare = None
    if spare is not None:
        if spare.alive() and time.monotonic() - spare.started < MAX_IDLE_SECONDS:
            spare.arm()
            return spare
        spare.close()
    return start_sandbox(source, limits)


def replenish(source: str, limits: Limits) -> None:
    """Start the spare for the next run of `source` in the background (after a run, so its
    start-up does not compete with the run the student is waiting for)."""
    if not enabled():
        return
    key = (source, limits)
    with _lock:
        if key in _ready or key in _starting:
            return
        _starting.add(key)
    _starter().put(key)


@functools.cache
def _starter() -> queue.SimpleQueue[_Key]:
    """The queue of spares to start, served by one thread that lives as long as the process.

    bubblewrap's --die-with-parent is the kernel's parent-death signal, and the kernel sends
    it when the *thread* that started the jail ends: a spare started by a thread of its own
    was killed (SIGKILL) as soon as that thread returned, and a run that had just taken it
    died with it ("exit status -9")."""
    pending: queue.SimpleQueue[_Key] = queue.SimpleQueue()

    def serve() -> None:
        while True:
            _start(pending.get())

    threading.Thread(target=serve, daemon=True, name="sandbox-spares").start()
    return pending


def _start(key: _Key) -> None:
    try:
        spare = SandboxProcess(key[0], key[1], armed=False)
    except Exception:  # no spare: the next run starts its own child, as without spares
        with _changed:
            _starting.discard(key)
            _changed.notify_all()
        return
    dropped: list[SandboxProcess] = []
    with _changed:
        _starting.discard(key)
        _changed.notify_all()
        _ready[key] = spare
        while len(_ready) > MAX_KINDS:
            oldest = next(iter(_ready))
            dropped.append(_ready.pop(oldest))
    for child in dropped:
        child.close()


def waiting() -> int:
    """How many spares are ready."""
    with _lock:
        return len(_ready)


def settle(timeout: float = 10.0) -> None:
    """Wait until no spare is starting (tests and benchmarks, so what they count is final)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            if not _starting:
                return
        time.sleep(0.01)


def close_all() -> None:
    """Close every waiting spare (at exit, and in tests that count processes)."""
    with _lock:
        waiting = list(_ready.values())
        _ready.clear()
    for child in waiting:
        child.close()


def _forget_after_fork() -> None:
    """A forked child has neither the starter thread nor the spares' channels: it starts
    afresh (otherwise its runs would wait for spares no thread is starting)."""
    global _lock, _changed
    _lock = threading.Lock()
    _changed = threading.Condition(_lock)
    _ready.clear()
    _starting.clear()
    _starter.cache_clear()


atexit.register(close_all)
os.register_at_fork(after_in_child=_forget_after_fork)
