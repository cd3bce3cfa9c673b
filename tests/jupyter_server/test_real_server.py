"""End to end: a real `jupyter server` process with the shipped config enabling LearnFlow,
a kernel it starts, a failing cell, and the reply coming back through the server."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import BlockingKernelClient
from learnflow_agents.store import Store

REPO = Path(__file__).resolve().parents[2]
STUDENT = "e2e-student"
TOKEN = "e2e-token-0123456789"


@dataclass
class RealServer:
    url: str
    db_url: str
    runtime_dir: Path
    process: subprocess.Popen[bytes]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def kernel_client(self, kernel_id: str) -> BlockingKernelClient:
        """A client for a kernel this server started, once the kernel is up. On a loaded
        machine the client's heartbeat takes a kernel that is still importing for dead
        ("Kernel died before replying to kernel_info"), so the server's word comes first."""
        for _ in range(1200):
            if self.api("GET", f"api/kernels/{kernel_id}")["execution_state"] == "idle":
                break
            time.sleep(0.1)
        kernel = BlockingKernelClient(connection_file=str(self.runtime_dir / f"kernel-{kernel_id}.json"))
        kernel.load_connection_file()
        kernel.start_channels()
        kernel.wait_for_ready(timeout=60)
        return kernel


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RealServer]:
    with start_real_server(tmp_path, monkeypatch) as server:
        yield server


@contextlib.contextmanager
def start_real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Iterator[RealServer]:
    """`jupyter server` with LearnFlow enabled by the shipped config; `args` add options."""
    config_dir = tmp_path / "config"
    # The file the wheel installs into etc/jupyter/jupyter_server_config.d enables the extension.
    (config_dir / "jupyter_server_config.d").mkdir(parents=True)
    shutil.copy(
        REPO / "jupyter-config" / "server-config" / "learnflow_ext.json",
        config_dir / "jupyter_server_config.d",
    )
    (tmp_path / "work").mkdir()
    db_url = f"sqlite:///{tmp_path / 'learnflow.sqlite3'}"
    for name, value in {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "LEARNFLOW_DB_URL": db_url,
        "LEARNFLOW_STUDENT_ID": STUDENT,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("ANTHROPIC_API_KEY", "LEARNFLOW_SERVER_URL", "LEARNFLOW_SERVER_TOKEN", "JUPYTER_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("jupyter")),
            "server",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--no-browser",
            "--ServerApp.allow_root=True",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp_path / 'work'}",
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = RealServer(f"http://127.0.0.1:{port}/", db_url, tmp_path / "runtime", process)
    try:
        wait_until_up(server, tmp_path / "server.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_until_up(server: RealServer, log: Path) -> None:
    # Readiness, not a timing assertion: the loop ends when the server answers or exits.
    for _ in range(600):
        if server.process.poll() is not None:
            pytest.fail(f"jupyter server exited:\n{log.read_text()}")
        try:
            if server.api("GET", "learnflow/api/status")["engine"] == "running":
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"jupyter server did not answer:\n{log.read_text()}")


def run(kernel: BlockingKernelClient, code: str) -> tuple[str, dict[str, Any]]:
    output: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])

    reply = kernel.execute_interactive(code, timeout=120, output_hook=keep)
    return "".join(output), reply["content"]


def test_a_failing_cell_is_answered_through_the_server(real_server: RealServer) -> None:
    status = real_server.api("GET", "learnflow/api/status")
    assert (status["mode"], status["student_id"]) == ("jupyter-server", STUDENT)

    # Started by the server, the kernel finds it through the runtime files (its parent's).
    kernel_id = real_server.api("POST", "api/kernels", {"name": "python3"})["id"]
    kernel = real_server.kernel_client(kernel_id)
    try:
        _, loaded = run(kernel, "%load_ext learnflow_ext")
        assert loaded["status"] == "ok"
        _, failed = run(kernel, "scores = [90, 85]\nscores[2]")
        assert failed["ename"] == "IndexError"
        out, _ = run(
            kernel,
            "from learnflow_ext.kernel.extension import current_session\n"
            "client = current_session().client\n"
            "print(type(client).__name__, client.wait_idle(90), client.pending())",
        )
        assert out.split() == ["ServerClient", "True", "0"]
    finally:
        kernel.stop_channels()
        real_server.api("DELETE", f"api/kernels/{kernel_id}")

    recent = real_server.api("GET", "learnflow/api/progress")["recent_queries"]
    assert [(q["source"], q["status"]) for q in recent] == [("kernel-capture", "answered")]
    store = Store.open(real_server.db_url, upgrade=False)
    try:
        (query,) = store.recent_queries(STUDENT)
        assert "scores[2]" in (query.code or "")
        assert [r.agent for r in store.get_replies(query.query_id) if not r.is_helper] == ["debug"]
    finally:
        store.close()
    assert os.path.exists(real_server.db_url.removeprefix("sqlite:///"))
