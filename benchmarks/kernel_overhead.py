"""What LearnFlow costs a successful cell: 10,000 trivial cells with and without it.

Runs IPython's real `InteractiveShell.run_cell` in this process (the same machinery an
ipykernel runs cells with, minus the messaging), alternating blocks of cells without
the extension and with it loaded (engine and agents running on their background
thread), so drift in the machine's speed hits both sides alike. Prints both times, the
ratio (target <= 1.05) and how many queries were submitted (must be 0). On a shared
machine the total can be skewed by a burst of other work in one block, so the verdict
uses the median of the per-block ratios; the direct cost of LearnFlow's two per-cell
hooks is measured on its own too.

    python benchmarks/kernel_overhead.py [--cells 10000] [--blocks 10] [--agents all|none] [--check]
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.05
CELL = "x = 1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000, help="cells per side (default 10000)")
    parser.add_argument("--blocks", type=int, default=20, help="alternating blocks per side (default 20)")
    parser.add_argument(
        "--agents",
        choices=("all", "none"),
        default="all",
        help="agents the embedded engine runs while measuring (default all six)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the target or the no-query rule fails"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="learnflow-bench-"))
    # A private data dir and database: the benchmark must not touch the user's.
    os.environ["JUPYTER_DATA_DIR"] = str(scratch / "data")
    os.environ["IPYTHONDIR"] = str(scratch / "ipython")
    os.environ["LEARNFLOW_DB_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["LEARNFLOW_STUDENT_ID"] = "benchmark"

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # both sides alike; keeps SQLite history out of the timing
    config.LearnFlow.agents = ["all"] if args.agents == "all" else []
    shell = InteractiveShell.instance(config=config)

    from learnflow_ext.kernel.extension import current_session

    per_block = max(1, args.cells // args.blocks)
    plain: list[float] = []
    loaded: list[float] = []
    sent = submitted = 0
    _time_cells(shell, per_block)  # warm-up, so the first measured block is not the slow one
    for _ in range(args.blocks):
        plain.append(_time_cells(shell, per_block))
        shell.run_line_magic("load_ext", "learnflow_ext")
        session = current_session(shell)
        assert session is not None
        status = session.client.status(timeout=120)  # measure a running engine, not one starting
        if status.error:
            print(f"engine did not start: {status.error}", file=sys.stderr)
            return 2
        loaded.append(_time_cells(shell, per_block))
        sent += session.sent
        submitted += getattr(session.client, "submitted", 0)
        hooks_us = _hook_cost_us(shell, session)
        shell.run_line_magic("unload_ext", "learnflow_ext")

    stored = _stored_queries(os.environ["LEARNFLOW_DB_URL"])
    without, with_ext = sum(plain), sum(loaded)
    ratio = with_ext / without
    block_ratios = [w / p for w, p in zip(loaded, plain, strict=True)]
    median_ratio = statistics.median(block_ratios)
    cells = per_block * args.blocks
    print(f"cells per side:          {cells:,} x {CELL!r} ({args.blocks} alternating blocks)")
    print(f"agents running:          {status.agents or 'none'}")
    print(f"without LearnFlow:       {without:.3f} s ({without / cells * 1e6:.1f} us/cell)")
    print(f"with LearnFlow loaded:   {with_ext:.3f} s ({with_ext / cells * 1e6:.1f} us/cell)")
    print(
        f"ratio:                   {ratio:.3f} (totals); "
        f"median per block {median_ratio:.3f}; target <= {TARGET}"
    )
    per_cell = without / cells * 1e6
    print(f"hooks' direct cost:      {hooks_us:.2f} us/cell ({hooks_us / per_cell:.2%} of a plain cell)")
    print(f"queries submitted:       {submitted} (session sent {sent}, stored {stored})")
    ok = median_ratio <= TARGET and submitted == sent == stored == 0
    print(f"result:                  {'OK' if ok else 'MISSED'}")
    return 0 if ok or not args.check else 1


def _time_cells(shell: object, count: int) -> float:
    run_cell = shell.run_cell  # type: ignore[attr-defined]
    gc.collect()
    started = time.perf_counter()
    for _ in range(count):
        run_cell(CELL, store_history=True)
    return time.perf_counter() - started


def _hook_cost_us(shell: object, session: object, calls: int = 200_000) -> float:
    """What LearnFlow adds to every cell, timed alone: its post_run_cell hook on a
    successful result and its input transformer on a one-line cell."""
    from learnflow_ext.kernel.questions import keep_question_marks

    result = shell.last_execution_result  # type: ignore[attr-defined]
    assert result is not None and result.success
    hook = session.hook  # type: ignore[attr-defined]
    lines = [CELL + "\n"]
    started = time.perf_counter()
    for _ in range(calls):
        hook(result)
        keep_question_marks(lines)
    return (time.perf_counter() - started) / calls * 1e6


def _stored_queries(db_url: str) -> int:
    from learnflow_agents.store import Store

    store = Store.open(db_url, upgrade=True)
    try:
        return len(store.recent_queries("benchmark", limit=1_000))
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
