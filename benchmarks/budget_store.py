"""What the store-kept budgets add to each model call: one budget read before it, one usage
upsert after it, on a day's table of a class.

    python benchmarks/budget_store.py [--db sqlite:///tmp/b.sqlite3 | postgresql://...]
                                      [--students 500] [--calls 300]

The table is filled first with today's rows for `--students` students in 5 courses, six
agents each (what a busy class day leaves), then `--calls` calls are timed as the tutor
makes them (check, then record). Prints the mean and p95 of each in milliseconds; compare
them with a model call's seconds. A fresh database per run (the default: a temp SQLite file).
"""

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from learnflow_agents.store import Store, UsageCall

AGENTS = ("triage", "debug", "concepts", "code-review", "exercise", "progress")


def fill(store: Store, students: int) -> None:
    today = datetime.now(UTC).date()
    for i in range(students):
        for agent in AGENTS:
            call = UsageCall(
                today,
                f"course-{i % 5}",
                f"s{i}",
                agent,
                "anthropic",
                "m",
                agent != "triage",
                900,
                120,
                0.0045,
            )
            store.record_llm_usage(call)


def timed(store: Store, calls: int, students: int) -> tuple[list[float], list[float]]:
    today = datetime.now(UTC).date()
    checks, records = [], []
    for n in range(calls):
        student, course = f"s{n % students}", f"course-{n % students % 5}"
        started = time.perf_counter()
        store.llm_usage_for_budget(today, student, course)
        checks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        store.record_llm_usage(
            UsageCall(today, course, student, "debug", "anthropic", "m", True, 900, 120, 0.0045)
        )
        records.append((time.perf_counter() - started) * 1000)
    return checks, records


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"mean {statistics.fmean(values):.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'budget.sqlite3'}"
        with Store.open(url) as store:
            fill(store, args.students)
            checks, records = timed(store, args.calls, args.students)
            print(f"store: {store.url} ({args.students} students x {len(AGENTS)} agents of usage today)")
            print(f"budget check before a call: {summary(checks)}")
            print(f"usage upsert after a call:  {summary(records)}")


if __name__ == "__main__":
    main()
