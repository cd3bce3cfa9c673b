"""What tracing a student's program costs, next to the plain sandboxed run it replaces.

For a wrong-behaviour question the debug tutor runs the code under a line tracer in the sandbox
(learnflow_agents.sandbox.trace). This prints, side by side on the same machine and programs, the
median wall time of a plain run (tutors/debug/sandbox.run_cell) and of a traced run, their ratio,
the size of the report, and what a runaway program costs before the bounds stop it.

    .venv/bin/python benchmarks/debug_trace_cost.py [--repeat 5]
"""

import argparse
import json
import statistics
import sys
import time

from learnflow_agents.sandbox.trace import MAX_LINES, TraceUnavailableError, trace_program
from learnflow_agents.tutors.debug.sandbox import run_cell

PROGRAMS = {
    "5-line loop": "total = 0\nfor n in [1, 2, 3, 4]:\n    total = n\nprint(total)\n",
    "function, 200 calls": (
        "def sq(x):\n    return x * x\nout = [sq(i) for i in range(200)]\nprint(sum(out))\n"
    ),
    "10,000-line loop": "s = 0\nfor i in range(5_000):\n    s += i\nprint(s)\n",
}
RUNAWAY = "i = 0\nwhile i < 3:\n    x = i * 2\n"


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'program':<22} {'plain ms':>9} {'traced ms':>10} {'ratio':>6} {'report bytes':>13}")
    for name, code in PROGRAMS.items():
        plain = _median_ms(lambda code=code: run_cell(code), args.repeat)
        traced = _median_ms(lambda code=code: trace_program(code), args.repeat)
        size = len(json.dumps(trace_program(code).model_dump()))
        print(f"{name:<22} {plain:9.1f} {traced:10.1f} {traced / plain:6.2f} {size:13,}")
    started = time.perf_counter()
    try:
        report = trace_program(RUNAWAY)
        outcome = f"stopped ({report.stopped}) after {report.steps_total:,} lines"
    except TraceUnavailableError as gone:
        outcome = f"no report: {gone.reason}"
    spent = (time.perf_counter() - started) * 1000
    print(f"\nrunaway while loop: {outcome}, {spent:.0f} ms (line bound {MAX_LINES:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
