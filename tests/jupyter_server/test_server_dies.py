"""A kernel whose LearnFlow server dies or hangs mid-request: the card says so, nothing hangs.

A real `jupyter server` runs without agents (`run_agents=False`), so a submitted question is
stored and then held by `GET queries/{id}?wait=`: exactly the moment to kill (or freeze)
the server. The kernel is a real ipykernel pointed at the server by the environment.
"""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import KernelManager

from tests.jupyter_server.test_real_server import TOKEN, RealServer, start_real_server


@pytest.fixture
def agentless_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RealServer]:
    with start_real_server(tmp_path, monkeypatch, "--LearnFlowExtension.run_agents=False") as server:
        yield server


@pytest.fixture
def kernel(agentless_server: RealServer) -> Iterator[Any]:
    env = {**os.environ, "LEARNFLOW_SERVER_URL": agentless_server.url, "LEARNFLOW_SERVER_TOKEN": TOKEN}
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(kernel: Any, code: str, timeout: float = 120) -> tuple[str, dict[str, Any]]:
    """Executes `code`; returns everything shown (streams, displays and their updates)."""
    shown: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        content = message["content"]
        if message["msg_type"] == "stream":
            shown.append(content["text"])
        elif message["msg_type"] in ("display_data", "update_display_data"):
            shown.append(content["data"].get("text/plain", ""))

    reply = kernel.execute_interactive(code, timeout=timeout, output_hook=keep)
    return "\n".join(shown), reply["content"]


def submitted(server: RealServer) -> str:
    # Readiness, not a timing assertion: ends once the kernel's question is stored.
    for _ in range(1200):
        recent = server.api("GET", "learnflow/api/progress")["recent_queries"]
        if recent:
            (query,) = recent
            assert query["status"] != "answered"
            return str(query["query_id"])
        time.sleep(0.05)
    pytest.fail("the kernel's question never reached the server")


@pytest.mark.parametrize("failure", ["killed", "frozen"])
def test_the_kernel_reports_a_dead_or_hung_server_and_stays_usable(
    agentless_server: RealServer, kernel: Any, failure: str
) -> None:
    # A short reply timeout keeps the frozen case brief; the killed case fails at once anyway.
    _, loaded = run(kernel, "get_ipython().config.LearnFlow.reply_timeout = 3.0\n%load_ext learnflow_ext")
    assert loaded["status"] == "ok"
    shown, asked = run(kernel, "%learnflow ask what is a list?")
    assert asked["status"] == "ok"
    assert "You asked: what is a list?" in shown

    submitted(agentless_server)
    process = agentless_server.process
    if failure == "killed":
        process.kill()
        process.wait(30)
    else:
        os.kill(process.pid, signal.SIGSTOP)
    try:
        shown, waited = run(kernel, "%learnflow wait 120")
        assert waited["status"] == "ok"
        assert "LearnFlow: all answers are in." in shown
        # A killed server resets the connection or times out, depending on when the kill
        # lands; either way the student reads which server failed and how.
        assert any(
            f"{said} the LearnFlow server at {agentless_server.url}" in shown
            for said in ("no answer from", "Could not get an answer:")
        ), shown
        assert " · error" in shown
        # The kernel is free: ordinary code runs and the client has nothing pending.
        out, _ = run(
            kernel,
            "from learnflow_ext.kernel.extension import current_session\n"
            "print(current_session().client.pending(), 6 * 7)",
        )
        assert out.split() == ["0", "42"]
    finally:
        if failure == "frozen":
            os.kill(process.pid, signal.SIGCONT)
