"""Spare jailed interpreters (sandbox/spares.py): each serves one run, its time limit counts
from the run, and no other run can reach a waiting spare or what is sent to it."""

from __future__ import annotations

import threading

import pytest
from learnflow_agents.sandbox import Limits, detect_isolation, isolation, spares
from learnflow_agents.sandbox.run import CHANNEL_SOURCE, run_python

pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("spares_on")]

ECHO = (
    "request = _lf_receive()\nimport os\n"
    "_lf_send({'pid': os.getpid(), 'ppid': os.getppid(), 'n': request['n']})\n"
)


def test_a_run_leaves_one_spare_and_the_next_run_takes_it() -> None:
    assert detect_isolation().strong, "CI gives the sandbox strong isolation; spares need it"
    limits = Limits(wall_seconds=20)
    first, _ = run_python(ECHO, {"n": 1}, limits)
    spares.settle()
    assert spares.waiting() == 1
    second, ended = run_python(ECHO, {"n": 2}, limits)
    assert first is not None and second is not None
    assert (first["n"], second["n"]) == (1, 2)
    assert ended.killed_for_time is False
    spares.settle()
    assert spares.waiting() == 1  # taken, and a new one started after the run


def test_a_spare_serves_one_run_only() -> None:
    source, limits = CHANNEL_SOURCE + ECHO, Limits(wall_seconds=20)
    spares.replenish(source, limits)
    spares.settle()
    child = spares.take(source, limits)
    with child:
        child.send({"n": 3})
        assert child.recv(10)["n"] == 3
    assert not child.alive()
    again = spares.take(source, limits)  # nothing waiting now: a new child, never the closed one
    try:
        assert again is not child and again.alive()
    finally:
        again.close()


def test_a_spares_time_limit_counts_from_its_run_not_from_its_start() -> None:
    """A spare that waited longer than the run's wall clock still gives the run all of it."""
    limits = Limits(wall_seconds=3)
    run_python(ECHO, {"n": 0}, limits)
    spares.settle()
    assert spares.waiting() == 1
    threading.Event().wait(4)  # idle longer than the whole limit
    answer, ended = run_python(ECHO, {"n": 5}, limits)
    assert answer is not None and answer["n"] == 5
    assert ended.killed_for_time is False


def test_a_spare_still_stops_a_run_at_its_time_limit() -> None:
    sleeper = "_lf_receive()\nimport time\ntime.sleep(60)\n_lf_send({})\n"
    limits = Limits(wall_seconds=2)
    run_python(sleeper, {}, limits)  # leaves a spare of the sleeper behind (itself stopped)
    spares.settle()
    answer, ended = run_python(sleeper, {}, limits)
    assert answer is None
    assert ended.killed_for_time is True


# A program that, for two seconds, looks for any other process it can see and for any of
# their descriptors it can open: a waiting spare's channel would hand it the next run's code.
SNOOP = r"""
_lf_receive()
import os, time
me = os.getpid()
seen, opened, stolen = set(), [], []
end = time.monotonic() + 2.0
while time.monotonic() < end:
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        seen.add(int(name))
        try:
            fds = os.listdir("/proc/%s/fd" % name)
        except OSError:
            continue
        for fd in fds:
            try:
                handle = os.open("/proc/%s/fd/%s" % (name, fd), os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            opened.append("%s/%s" % (name, fd))
            try:
                data = os.read(handle, 65536)
                if b"SECRET" in data:
                    stolen.append(data.decode("utf-8", "replace"))
            except OSError:
                pass
            os.close(handle)
    time.sleep(0.01)
_lf_send({"seen": sorted(seen), "opened": opened[:20], "stolen": stolen})
"""


def test_another_run_cannot_see_a_waiting_spare_or_read_the_code_sent_to_it() -> None:
    victim_limits = Limits(wall_seconds=20)
    run_python(ECHO, {"n": 0}, victim_limits)
    spares.settle()
    assert spares.waiting() == 1  # the victim's next run goes to a waiting spare
    report: dict = {}

    def snoop() -> None:
        answer, _ = run_python(SNOOP, {}, Limits(wall_seconds=20))
        report.update(answer or {"died": True})

    attacker = threading.Thread(target=snoop)
    attacker.start()
    threading.Event().wait(0.5)  # the attacker is looking while the victim's code is sent
    for n in range(5):
        answer, _ = run_python(ECHO, {"n": n, "code": "password = 'SECRET-of-student-b'"}, victim_limits)
        assert answer is not None
    attacker.join()
    assert "died" not in report
    assert report["stolen"] == []
    assert report["opened"] == []
    # In its own PID namespace the attacker sees at most its jail's init (bubblewrap).
    assert len(report["seen"]) <= 1, report["seen"]


def test_without_namespaces_there_are_no_spares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where runs share the host's /proc (weak isolation), a spare's channel could be opened by
    another run's program: every run must start its own child."""
    monkeypatch.setenv("LEARNFLOW_SANDBOX_ISOLATION", "none")
    isolation.detect_isolation.cache_clear()
    try:
        assert not spares.enabled()
        run_python(ECHO, {"n": 1}, Limits(wall_seconds=20))
        spares.settle()
        assert spares.waiting() == 0
    finally:
        monkeypatch.delenv("LEARNFLOW_SANDBOX_ISOLATION")
        isolation.detect_isolation.cache_clear()


def test_spares_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(spares.ENV, "0")
    run_python(ECHO, {"n": 1}, Limits(wall_seconds=20))
    spares.settle()
    assert spares.waiting() == 0


def test_a_run_that_comes_while_its_spare_is_starting_takes_that_spare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two runs in a row (the debug agent's reproduction, then its fix check) must not start
    two jails at once: the second waits for the spare the first one left starting."""
    fresh: list[object] = []
    real_start = spares.start_sandbox
    monkeypatch.setattr(spares, "start_sandbox", lambda *a, **k: fresh.append(a) or real_start(*a, **k))
    source, limits = CHANNEL_SOURCE + ECHO, Limits(wall_seconds=20)
    spares.replenish(source, limits)
    child = spares.take(source, limits)
    try:
        assert fresh == []  # no child of its own: it took the spare that was starting
        assert child.alive()
        child.send({"n": 7})
        assert child.recv(10)["n"] == 7
    finally:
        child.close()


def test_a_forked_process_starts_its_own_spares() -> None:
    """After a fork the child has no starter thread: its runs must not wait on spares that
    nobody is starting, nor use the parent's."""
    import os

    limits = Limits(wall_seconds=20)
    run_python(ECHO, {"n": 1}, limits)
    spares.settle()
    assert spares.waiting() == 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one run, then a spare of its own
        try:
            os.close(read)
            ok = spares.waiting() == 0
            answer, _ = run_python(ECHO, {"n": 2}, limits)
            spares.settle()
            ok = ok and answer is not None and answer["n"] == 2 and spares.waiting() == 1
            spares.close_all()
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    said = os.read(read, 2)
    os.waitpid(pid, 0)
    assert said == b"ok"


def test_at_most_four_spares_wait_at_once() -> None:
    """docs/deploy.md: at most four idle children per process, whatever mix of runners and
    limits it has run."""
    for n in range(6):
        run_python(ECHO, {"n": n}, Limits(wall_seconds=20 + n))
        spares.settle()
    assert spares.waiting() == spares.MAX_KINDS == 4
