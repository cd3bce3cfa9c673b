"""What a student waits for: from a failing cell's end to its complete card, 50 errors.

Starts a real `jupyter server` with the LearnFlow extension on its embedded defaults (its
own engine with all six agents, offline tutors, SQLite, the in-process bus), has it start
the LearnFlow kernel (kernels/learnflow-python3, which loads the extension), and runs 50
different beginner errors from benchmarks/data/debug_eval.jsonl in it, one after the
other, as a student would.

Both instants are taken inside the kernel with one clock: the cell's end is the first
post_run_cell callback (before LearnFlow's own, which captures the error and sends the
query); the card is complete when its `on_reply` has drawn the debug agent's answer
(state done, panel built, the display update sent to the frontend). Prints p50/p95/max
and each case's time with `--list`. Target (issue 19): p95 <= 150 ms single-user.

    python benchmarks/cell_to_card.py [--cases 50] [--list]
"""

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client import BlockingKernelClient

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "benchmarks" / "data" / "debug_eval.jsonl"
TOKEN = "cell-to-card-bench-token"
TARGET_P95_MS = 150.0
# Errors a kernel cell raises by itself, quickly and without input.
SKIPPED_TYPES = {None, "KeyboardInterrupt", "RecursionError"}
SKIPPED_CODE = ("input(", "while True", "sleep(", "open(")

INSTRUMENT = """
import builtins, threading, time
from learnflow_ext.widgets.card import FeedbackCard
from learnflow_ext.kernel.extension import current_session

builtins._lf_bench = {
    "end": None, "done": None, "agent": None, "state": None, "handler_ms": None, "ready": threading.Event()
}

def _lf_cell_end(result):
    if not result.success:
        builtins._lf_bench["end"] = time.perf_counter()

# First, so the instant is the cell's end and not after LearnFlow's capture and send.
get_ipython().events.callbacks["post_run_cell"].insert(0, _lf_cell_end)

_lf_on_reply = FeedbackCard.on_reply
_lf_on_failure = FeedbackCard.on_failure

def _lf_timed_reply(self, reply):
    _lf_on_reply(self, reply)
    bench = builtins._lf_bench
    bench.update(
        done=time.perf_counter(),
        agent=reply.agent,
        state=self.view.state.value,
        handler_ms=reply.provenance.latency_ms,
    )
    bench["ready"].set()

def _lf_timed_failure(self, message):
    _lf_on_failure(self, message)
    builtins._lf_bench.update(done=time.perf_counter(), agent=None, state="failure: " + message[:200])
    builtins._lf_bench["ready"].set()

FeedbackCard.on_reply = _lf_timed_reply
FeedbackCard.on_failure = _lf_timed_failure
_lf_keep = set(get_ipython().user_ns) | {"_lf_keep"}
print(type(current_session().client).__name__)
"""

# Before each case: a clean namespace (a case's NameError must not find an earlier
# case's variable) and a fresh mark.
PREPARE = """
for _lf_name in [n for n in get_ipython().user_ns if n not in _lf_keep and not n.startswith("_")]:
    del get_ipython().user_ns[_lf_name]
import builtins
builtins._lf_bench.update(end=None, done=None, agent=None, state=None, handler_ms=None)
builtins._lf_bench["ready"].clear()
"""

COLLECT = """
import builtins, json
_lf_b = builtins._lf_bench
_lf_b["ready"].wait(60)
print(json.dumps({k: _lf_b[k] for k in ("end", "done", "agent", "state", "handler_ms")}))
"""


def pick_cases(count: int) -> list[dict[str, Any]]:
    """`count` cases, taking the error types in turn so every kind is represented."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for line in CASES.read_text().splitlines():
        case = json.loads(line)
        if case.get("error_type") in SKIPPED_TYPES or any(s in case["code"] for s in SKIPPED_CODE):
            continue
        by_type.setdefault(case["error_type"], []).append(case)
    picked: list[dict[str, Any]] = []
    while len(picked) < count and any(by_type.values()):
        for cases in by_type.values():
            if cases and len(picked) < count:
                picked.append(cases.pop(0))
    return picked


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api(url: str, method: str, path: str, body: Any = None, token: str = TOKEN) -> Any:
    request = urllib.request.Request(
        url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


@contextlib.contextmanager
def jupyter_server(tmp: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """A `jupyter server` with LearnFlow enabled by the shipped config, in a scratch home."""
    config_dir = tmp / "config"
    (config_dir / "jupyter_server_config.d").mkdir(parents=True)
    shutil.copy(
        REPO / "jupyter-config" / "server-config" / "learnflow_ext.json",
        config_dir / "jupyter_server_config.d",
    )
    (tmp / "work").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNFLOW_", "ANTHROPIC_", "OPENAI_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        # The repository's kernels/ directory as a kernel spec location, as installing it would be.
        JUPYTER_PATH=str(REPO),
        IPYTHONDIR=str(tmp / "ipython"),
        LEARNFLOW_DB_URL=f"sqlite:///{tmp / 'learnflow.sqlite3'}",
        LEARNFLOW_STUDENT_ID="bench-student",
    )
    env.update(extra_env or {})
    env.pop("JUPYTER_SERVER_URL", None)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("jupyter")),
            "server",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--no-browser",
            "--ServerApp.allow_root=True",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp / 'work'}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        for _ in range(1200):
            if process.poll() is not None:
                sys.exit(f"jupyter server exited:\n{(tmp / 'server.log').read_text()}")
            with contextlib.suppress(OSError):
                if api(url, "GET", "learnflow/api/status")["engine"] == "running":
                    break
            time.sleep(0.1)
        else:
            sys.exit(f"jupyter server did not start:\n{(tmp / 'server.log').read_text()}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def run(kernel: BlockingKernelClient, code: str) -> tuple[str, dict[str, Any]]:
    output: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])

    reply = kernel.execute_interactive(code, timeout=120, output_hook=keep)
    return "".join(output), reply["content"]


def measure(
    url: str,
    runtime_dir: Path,
    cases: list[dict[str, Any]],
    warm_up: int,
    count: int,
    token: str = TOKEN,
    prelude: str = "",
) -> list[tuple[str, float, float]]:
    """Per measured case (the first `count` after `warm_up` that fail and get a debug card):
    its id, cell end -> card in ms, and the debug agent's own time in ms. `token`: the
    server's (cell_to_card_cluster.py measures a student's server it did not start here);
    `prelude`: code run in the kernel before the instrumentation."""
    kernel_id = api(url, "POST", "api/kernels", {"name": "learnflow-python3"}, token)["id"]
    kernel = BlockingKernelClient(connection_file=str(runtime_dir / f"kernel-{kernel_id}.json"))
    kernel.load_connection_file()
    kernel.start_channels()
    timings: list[tuple[str, float, float]] = []
    try:
        # The client's heartbeat takes a kernel still importing on a busy machine for dead
        # (wait_for_ready gives up at once): first the server's word that it is up.
        for _ in range(1200):
            state = api(url, "GET", f"api/kernels/{kernel_id}", token=token)["execution_state"]
            if state == "idle":
                break
            time.sleep(0.1)
        kernel.wait_for_ready(timeout=60)
        if prelude:
            out, reply = run(kernel, prelude)
            if reply["status"] != "ok":
                sys.exit(f"the prelude failed: {out!r} {reply}")
        out, reply = run(kernel, INSTRUMENT)
        if reply["status"] != "ok" or out.split() != ["ServerClient"]:
            sys.exit(f"the kernel is not talking to the server: {out!r} {reply}")
        seen = 0
        for case in cases:
            if len(timings) == count:
                break
            run(kernel, PREPARE)
            _, failed = run(kernel, case["code"])
            if failed["status"] != "error":
                print(f"skipped {case['id']}: the cell did not fail", file=sys.stderr)
                continue
            out, _ = run(kernel, COLLECT)
            mark = json.loads(out.strip().splitlines()[-1])
            if mark["done"] is None or mark["end"] is None or mark["agent"] != "debug":
                print(f"skipped {case['id']}: no complete debug card ({mark})", file=sys.stderr)
                continue
            seen += 1
            if seen > warm_up:
                timings.append((case["id"], (mark["done"] - mark["end"]) * 1000, mark["handler_ms"] or 0.0))
    finally:
        kernel.stop_channels()
        with contextlib.suppress(OSError):
            api(url, "DELETE", f"api/kernels/{kernel_id}", token=token)
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=50, help="different errors measured (default 50)")
    parser.add_argument("--warm-up", type=int, default=3, help="errors run first and not counted")
    parser.add_argument("--list", action="store_true", help="print every case's time")
    parser.add_argument(
        "--compare-spares",
        action="store_true",
        help="run twice, without and with spare sandbox interpreters (LEARNFLOW_SANDBOX_SPARES), "
        "and print both",
    )
    args = parser.parse_args()
    # Spares: a case whose cell does not fail here (its module is installed) is skipped.
    cases = pick_cases(args.cases + args.warm_up + 20)
    setups = [("", {})]
    if args.compare_spares:
        setups = [("spares off: ", {"LEARNFLOW_SANDBOX_SPARES": "0"}), ("spares on: ", {})]
    medians: list[float] = []
    for label, extra_env in setups:
        with tempfile.TemporaryDirectory(prefix="learnflow-cell-to-card-") as scratch:
            tmp = Path(scratch)
            with jupyter_server(tmp, extra_env) as url:
                timings = measure(url, tmp / "runtime", cases, args.warm_up, args.cases)
        if not timings:
            print("no card was measured", file=sys.stderr)
            return 1
        medians.append(report(label, timings, cases, args.list))
    if len(medians) == 2:
        print(f"spares on / off, p50: x{medians[1] / medians[0]:.2f}")
    return 0


def report(
    label: str, timings: list[tuple[str, float, float]], cases: list[dict[str, Any]], listed: bool
) -> float:
    values = [ms for _, ms, _ in timings]
    handler = [ms for _, _, ms in timings]
    rest = [total - own for _, total, own in timings]
    measured = {name for name, _, _ in timings}
    kinds = len({case["error_type"] for case in cases if case["id"] in measured})
    print(
        f"{label}cell end -> complete card, single user, jupyter server + LearnFlow kernel, embedded "
        f"defaults (offline tutors): {len(values)} different errors of {kinds} types"
    )
    print(
        f"p50 {statistics.median(values):.1f} ms   p95 {percentile(values, 0.95):.1f} ms   "
        f"max {max(values):.1f} ms   (target p95 <= {TARGET_P95_MS:.0f} ms)"
    )
    print(
        f"of which the debug agent's handler (reply provenance): p50 {statistics.median(handler):.1f} ms, "
        f"p95 {percentile(handler, 0.95):.1f} ms; everything else (capture, HTTP, store, bus, feed, "
        f"long poll, card drawing): p50 {statistics.median(rest):.1f} ms, p95 {percentile(rest, 0.95):.1f} ms"
    )
    if listed:
        for name, ms, own in sorted(timings, key=lambda t: -t[1]):
            print(f"  {ms:8.1f} ms  (agent {own:6.1f} ms)  {name}")
    return statistics.median(values)


if __name__ == "__main__":
    sys.exit(main())
