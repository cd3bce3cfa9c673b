"""`learnflow-agents run --workers N`: N agent processes, one consumer per agent each.

A Python process uses one core for its event loop, so one process cannot keep up with a
busy topic on a many-core machine. Kafka spreads a topic's partitions over the members of
a consumer group: the workers all join each agent's group (learnflow-<agent>), so each
reads its share of the partitions, and a worker that stops hands its share to the others.

This process only supervises: it starts the workers (`learnflow-agents run` with the same
options, `--workers 1`, and `--metrics-port` + i for the i-th when a port is given),
passes SIGTERM/SIGINT on to them and waits for them to finish their in-flight records.
A worker that exits by itself (a dead runner, a crash) stops the others and this process
with the worker's exit code (EXIT_RUNNER_DIED for a clean exit nobody asked for), so the
orchestrator restarts the whole set, as it would restart a single `run`.
"""

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

from learnflow_agents.runtime.service import EXIT_RUNNER_DIED

log = logging.getLogger("learnflow.workers")

GRACE_SECONDS = 30.0  # how long stopping workers may take before they are killed


def worker_argv(options: Sequence[str], index: int, metrics_port: int) -> list[str]:
    """The command line of worker `index`: `run` with `options` and its own metrics port."""
    port = 0 if metrics_port == 0 else metrics_port + index
    return [sys.executable, "-m", "learnflow_agents", "run", *options, "--metrics-port", str(port)]


def run_workers(options: Sequence[str], count: int, metrics_port: int) -> int:
    """Run `count` workers until a signal or one of them exits; returns the exit code."""
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    workers: list[subprocess.Popen[bytes]] = []
    code = 0
    try:
        for index in range(count):
            # Workers ignore the terminal's Ctrl-C (their own group): this process passes it on.
            # One by one, so a failed start still stops those already started (finally).
            workers.append(  # noqa: PERF401
                subprocess.Popen(worker_argv(options, index, metrics_port), start_new_session=True)
            )
        log.info("workers started", extra={"workers": [w.pid for w in workers]})
        while not stopping:
            ended = [w for w in workers if w.poll() is not None]
            if ended:
                first = ended[0]
                code = first.returncode or EXIT_RUNNER_DIED
                log.error(
                    "a worker exited; stopping the others",
                    extra={"pid": first.pid, "returncode": first.returncode},
                )
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for worker in workers:
            try:
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("a worker did not stop in time; killing it", extra={"pid": worker.pid})
                worker.kill()
                worker.wait()
            if stopping and worker.returncode not in (0, -signal.SIGTERM) and code == 0:
                code = worker.returncode if worker.returncode > 0 else EXIT_RUNNER_DIED
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
