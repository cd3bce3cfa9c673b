"""Fairness of exercise checks, and what the sandbox costs per check. Prints; asserts nothing.

1. Fairness (embedded engine: memory bus, SQLite, the real triage and exercise agents,
   real checks through the real checker and sandbox). Six students each submit a normal
   check of `bank-account` (the solution) — first alone, then while one more student has
   just submitted three slow checks (the solution plus a busy loop at load time: about
   `--slow-seconds` per test, three tests per check). For each of the six: the reply's
   latency from submit, the check's own run time (the checker's measured time), and the
   added delay = latency - own run time. Target: with the slow student, added delay <= 1 s.

2. Overhead (median of `--repeat` runs, side by side in this one process):
   plain ``subprocess.run([sys.executable, '-c', ...])`` against one sandboxed child round
   trip (`sandbox.run.run_python`), and one whole sandboxed check of `bank-account`
   (three tests: three jailed children, tests on the trusted side) against the same
   solution and tests run in one plain subprocess.

    python benchmarks/sandbox_fairness.py [--repeat 20] [--slow-seconds 1.0] [--others 6] [--check-workers N]

Other students' checks beyond the check pool's free threads queue behind each other (not
behind the slow student, who holds one thread at a time); that queueing is in "added".
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents.contracts import check_query  # noqa: E402
from learnflow_agents.runtime.engine import Engine  # noqa: E402
from learnflow_agents.sandbox import Limits, detect_isolation  # noqa: E402
from learnflow_agents.sandbox.run import run_python  # noqa: E402
from learnflow_agents.settings import Settings  # noqa: E402
from learnflow_agents.tutors.exercise.bank import load_bank  # noqa: E402
from learnflow_agents.tutors.exercise.checker import check_code  # noqa: E402

EXERCISE = "bank-account"


def slow_code(solution: str, seconds: float) -> str:
    # Runs at load, i.e. once per test (each test gets a fresh child): ~3x `seconds` a check.
    loop = f"import time as _t\n_end = _t.monotonic() + {seconds}\nwhile _t.monotonic() < _end:\n    pass\n"
    return f"{solution}\n\n{loop}"


async def timed_check(engine: Engine, student: str, code: str) -> tuple[float, float, bool]:
    """(latency from submit, the check's own run time, passed) in seconds."""
    started = time.perf_counter()
    qid = await engine.submit(student, check_query(EXERCISE, code))
    reply = await engine.wait(qid, timeout=300)
    latency = time.perf_counter() - started
    own = (reply.provenance.latency_ms or 0.0) / 1000
    return latency, own, reply.check is not None and reply.check.passed


async def fairness(slow_seconds: float, others: int) -> None:
    exercise = load_bank().get(EXERCISE)
    assert exercise.solution is not None, "needs the trusted bank (solutions) installed"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bus_url="memory://",
            db_url=f"sqlite:///{tmp}/fairness.db",
            auto_upgrade=True,
            agents=["triage", "exercise"],
            emit_logs=False,
        )
        engine = Engine(settings)
        await engine.start()
        try:
            await timed_check(engine, "warmup", exercise.solution)  # imports, first sandbox
            print(f"\n== fairness: {others} students' normal checks of {EXERCISE} ==")
            print(f"{'scenario':<34}{'latency p50/max':>18}{'own run p50':>14}{'added p50/max':>18}")
            for scenario in ("alone", "with a slow student"):
                slow_tasks = []
                if scenario != "alone":
                    code = slow_code(exercise.solution, slow_seconds)
                    # Three slow checks from one student, all submitted before the others.
                    slow_tasks = [
                        asyncio.create_task(timed_check(engine, "slow-student", code)) for _ in range(3)
                    ]
                    await asyncio.sleep(0.2)
                prefix = "a" if scenario == "alone" else "b"
                results = await asyncio.gather(
                    *(timed_check(engine, f"{prefix}-student-{i}", exercise.solution) for i in range(others))
                )
                latencies = [r[0] for r in results]
                owns = [r[1] for r in results]
                added = [r[0] - r[1] for r in results]
                assert all(r[2] for r in results), "a normal check did not pass"
                print(
                    f"{scenario:<34}"
                    f"{statistics.median(latencies):>9.2f}/{max(latencies):<7.2f} s"
                    f"{statistics.median(owns):>12.2f} s"
                    f"{statistics.median(added):>9.2f}/{max(added):<7.2f} s"
                )
                if slow_tasks:
                    slow = await asyncio.gather(*slow_tasks)
                    total = max(s[0] for s in slow)
                    per = statistics.median(s[1] for s in slow)
                    print(
                        f"{'  (the slow student: 3 checks)':<34}"
                        f"{'last reply':>10} {total:.2f} s, own run p50 {per:.2f} s each"
                    )
        finally:
            await engine.stop()


def median_seconds(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def overhead(repeat: int) -> None:
    exercise = load_bank().get(EXERCISE)
    assert exercise.solution is not None
    solution = exercise.solution
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def plain_trivial() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)

    def sandbox_trivial() -> None:
        answer, _ = run_python("_lf_send(_lf_receive())\n", {"ping": 1}, Limits())
        assert answer == {"ping": 1}

    tests = "\n\n".join(t.source for t in exercise.all_tests)

    def plain_check() -> None:
        # The same solution and tests, unsandboxed, all in one process (what checks used to be).
        subprocess.run([sys.executable, "-c", f"{solution}\n\n{tests}\n"], check=True, env=env)

    def sandbox_check() -> None:
        assert check_code(exercise, solution).passed

    sandbox_check()  # warm-up: the isolation probe, imports
    rows = [
        ("start + one round trip", plain_trivial, sandbox_trivial),
        (f"whole check of {EXERCISE} ({len(exercise.all_tests)} tests)", plain_check, sandbox_check),
    ]
    print(f"\n== overhead per check: median of {repeat} ==")
    print(f"isolation: {detect_isolation().describe()}")
    print(f"{'':<36}{'plain subprocess':>18}{'sandbox':>12}{'overhead':>12}")
    for name, plain, sandboxed in rows:
        p = median_seconds(plain, repeat)
        s = median_seconds(sandboxed, repeat)
        print(f"{name:<36}{p * 1000:>15.1f} ms{s * 1000:>9.1f} ms{(s - p) * 1000:>9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per overhead figure (median)")
    parser.add_argument("--slow-seconds", type=float, default=1.0, help="busy loop per test of a slow check")
    parser.add_argument("--others", type=int, default=6, help="students with normal checks")
    parser.add_argument(
        "--check-workers",
        type=int,
        help="the exercise agent's check pool (LEARNFLOW_CHECK_CONCURRENCY; default cores + 4)",
    )
    args = parser.parse_args()
    if args.check_workers:
        os.environ["LEARNFLOW_CHECK_CONCURRENCY"] = str(args.check_workers)
    workers = os.environ.get("LEARNFLOW_CHECK_CONCURRENCY", str(min(32, (os.cpu_count() or 1) + 4)))
    print(f"cores: {os.cpu_count()}; python {sys.version.split()[0]}; checks at once: {workers}")
    asyncio.run(fairness(args.slow_seconds, args.others))
    overhead(args.repeat)


if __name__ == "__main__":
    main()
