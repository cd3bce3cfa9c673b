"""What a spare jailed interpreter (sandbox/spares.py) saves a short run, side by side.

Runs the debug agent's own fix-check runner (`tutors.debug.sandbox.run_cell`) on a small
beginner cell, alternating rounds without spares (every run starts its jail and Python)
and with them (the run takes the child started after the previous run), and prints the
median and p90 wall time of each and their ratio. A pause between runs gives the spare
time to start, as the gap between a student's cells does; closing or waiting for a
spare is done between runs, untimed.

    python benchmarks/sandbox_spares.py [--runs 30] [--pause 0.2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from learnflow_agents.sandbox import detect_isolation, spares
from learnflow_agents.tutors.debug.sandbox import run_cell

CELL = "scores = [3, 5, 8]\ntotal = 0\nfor s in scores:\n    total += s\nprint(total / len(scores))\n"


def _timed() -> float:
    start = time.perf_counter()
    result = run_cell(CELL)
    took = (time.perf_counter() - start) * 1000
    if not result.clean:
        sys.exit(f"the cell did not run cleanly: {result}")
    return took


def _settle(mode: str, pause: float) -> None:
    """Untimed: no spare waiting (off), or the spare the previous run started ready (on)."""
    os.environ[spares.ENV] = "1" if mode == "on" else "0"
    spares.settle()
    if mode == "off":
        spares.close_all()
    elif not spares.waiting():
        _timed()  # leaves a spare behind
        spares.settle()
    time.sleep(pause)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.2)
    args = parser.parse_args()
    print(f"isolation: {', '.join(detect_isolation().layers)}")
    if not detect_isolation().strong:
        print("no strong isolation here: spares are never used, nothing to compare")
        return 0
    timings: dict[str, list[float]] = {"off": [], "on": []}
    _timed()  # imports and the isolation probe, outside the figures
    for _ in range(args.runs):
        for mode in ("off", "on"):
            _settle(mode, args.pause)
            timings[mode].append(_timed())
    spares.close_all()
    for mode, values in timings.items():
        values.sort()
        p90 = values[int(len(values) * 0.9) - 1]
        median = statistics.median(values)
        print(f"spares {mode:3}: median {median:6.1f} ms  p90 {p90:6.1f} ms  ({len(values)} runs)")
    ratio = statistics.median(timings["on"]) / statistics.median(timings["off"])
    print(f"with spares / without: median x{ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
