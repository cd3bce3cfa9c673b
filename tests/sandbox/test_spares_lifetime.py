"""A spare jailed interpreter must live until a run takes it.

bubblewrap's --die-with-parent is the kernel's parent-death signal, sent when the *thread*
that started the jail ends. Each spare was started by a thread of its own, so it was
SIGKILLed right after that thread returned: most spares were dead before a run came (no
speed gained), and a run that took one in the instant before the kill died with "exit
status -9" (debug attack tests failed in 4 of 5 runs of their file: a hostile cell "crashed"
instead of raising). Failed before the fix (spares are now started by one long-lived
thread): waiting spares were found dead.
"""

from __future__ import annotations

import time

import pytest
from learnflow_agents.sandbox import Limits, detect_isolation, spares
from learnflow_agents.sandbox.run import CHANNEL_SOURCE, run_python

ECHO = "_lf_send(_lf_receive())\n"


pytestmark = pytest.mark.usefixtures("spares_on")


def test_waiting_spares_are_alive_after_their_starting_thread_is_gone() -> None:
    assert detect_isolation().strong, "CI gives the sandbox strong isolation; spares need it"
    kinds = [Limits(wall_seconds=20 + n) for n in range(3)]
    for limits in kinds:
        spares.replenish(CHANNEL_SOURCE + ECHO, limits)
        spares.settle()
    time.sleep(0.5)  # long past the end of anything that started them
    waiting = [spares._ready[(CHANNEL_SOURCE + ECHO, limits)] for limits in kinds]
    assert [child.alive() for child in waiting] == [True, True, True]


def test_runs_taking_fresh_spares_all_get_their_answer() -> None:
    limits = Limits(wall_seconds=20)
    answers = []
    for n in range(12):
        answer, _ = run_python(ECHO, {"n": n}, limits)
        answers.append(answer)
        spares.settle()  # the next run takes the spare this one left, just started
    assert answers == [{"n": n} for n in range(12)]
