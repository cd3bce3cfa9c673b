"""Test-side helpers for the escape suite: the agent stand-in process, listeners, loot decoding."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AGENT_SCRIPT = Path(__file__).with_name("agent_process.py")
RESULT_MARK = "@@AGENT-RESULT@@"
_LEAK = re.compile(r"LEAK<<([^:<>]{1,200}):([A-Za-z0-9+/=]+)>>LEAK")


@dataclass
class AgentRun:
    returncode: int | None
    stdout: str
    stderr: str
    result: Any
    seconds: float
    timed_out: bool
    loot: list[tuple[str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        # Short on purpose: a failing assertion must not print what the student stole.
        return f"<AgentRun exit={self.returncode} timed_out={self.timed_out} loot={self.loot_labels}>"

    @property
    def everything(self) -> str:
        """All the agent printed and returned, plus every decoded loot chunk."""
        return "\n".join([self.stdout, self.stderr, *(f"{label}: {data}" for label, data in self.loot)])

    @property
    def loot_labels(self) -> list[str]:
        """What the attack found (its `info-` notes are evidence only, not loot)."""
        return sorted({label for label, _ in self.loot if not label.startswith("info-")})

    def loot_containing(self, secret: str) -> list[str]:
        return sorted({label for label, data in self.loot if secret in data})

    def check(self) -> dict[str, Any]:
        assert not self.timed_out, f"the agent process hung (killed after {self.seconds:.0f} s)"
        assert self.returncode == 0 and isinstance(self.result, dict), (
            f"the agent process did not survive the check: exit {self.returncode}, "
            f"stderr tail {self.stderr[-300:]!r}"
        )
        return self.result


def decode_loot(text: str) -> list[tuple[str, str]]:
    found = []
    # Results are JSON: undo the escaping of the label's and payload's characters first.
    for label, blob in _LEAK.findall(text.replace("\\n", "\n")):
        try:
            data = zlib.decompress(base64.b64decode(blob)).decode("utf-8", "replace")
        except Exception:  # a truncated chunk: still evidence that something leaked
            data = "<truncated>"
        found.append((label, data))
    return found


def run_agent(request: dict[str, Any], *, timeout: float = 60.0, cwd: Path | None = None) -> AgentRun:
    """Run one public entry point in a fresh agent process (its own session) and collect all it says."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(AGENT_SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=dict(os.environ),
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = process.communicate(json.dumps(request).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        for sig in (signal.SIGCONT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
        out, err = process.communicate()
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    result = None
    if RESULT_MARK in stdout:
        with contextlib.suppress(ValueError):
            result = json.loads(stdout.rsplit(RESULT_MARK, 1)[1].strip())["result"]
    run = AgentRun(process.returncode, stdout, stderr, result, time.monotonic() - started, timed_out)
    run.loot = decode_loot(stdout + stderr)
    return run


class Zygote:
    """agent_process.py --zygote: one pre-imported process that forks a fresh agent process per
    request (each in its own session, as run_agent's), so a check costs no import time."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0
        self.process = subprocess.Popen(
            [sys.executable, str(AGENT_SCRIPT), "--zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def _line(self, timeout: float) -> dict[str, Any] | None:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, timeout))
        if not ready:
            return None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the zygote ended")
        return json.loads(line)

    def run(self, request: dict[str, Any], *, timeout: float, cwd: Path | None) -> AgentRun:
        assert self.process.stdin is not None
        self.count += 1
        log = self.workdir / f"agent-{self.count}.log"
        started = time.monotonic()
        message = {**request, "log": str(log), "cwd": str(cwd) if cwd else None}
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()
        first = self._line(10.0)
        assert first is not None, "the zygote did not start an agent process"
        pid = first["pid"]
        done = self._line(timeout - (time.monotonic() - started))
        timed_out = done is None
        if timed_out:
            for sig in (signal.SIGCONT, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, sig)
            done = self._line(10.0) or {}
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        with contextlib.suppress(OSError):
            log.unlink()
        result = None
        if RESULT_MARK in text:
            with contextlib.suppress(ValueError):
                result = json.loads(text.rsplit(RESULT_MARK, 1)[1].strip())["result"]
        run = AgentRun(done.get("exit"), text, "", result, time.monotonic() - started, timed_out)
        run.loot = decode_loot(text)
        return run

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class TcpListener:
    """A TCP server on 127.0.0.1 that counts connections; nothing in the sandbox should reach it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self.times.append(time.monotonic())
            conn.close()

    def accepted_after(self, moment: float) -> int:
        return sum(1 for t in self.times if t > moment)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


class UnixListener(TcpListener):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        os.chmod(path, 0o777)
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = 0
        self.accepted = 0
        self.times = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()


class UdpListener:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def received(self) -> int:
        count = 0
        while True:
            try:
                self.sock.recv(65536)
            except BlockingIOError:
                return count
            count += 1

    def close(self) -> None:
        self.sock.close()


def processes_named(comm: str) -> list[int]:
    """Pids on this machine whose /proc/<pid>/comm is `comm` (set by the attack's children)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if Path(f"/proc/{name}/comm").read_text().strip() != comm:
                    continue
                # A zombie (killed, not yet reaped by whoever inherited it) runs nothing.
                if Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(name))
    return found


def kill_processes_named(comm: str) -> None:
    for pid in processes_named(comm):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def files_containing(needle: str, roots: list[Path]) -> list[str]:
    """Where `needle` is stored under `roots` (what an attacker who knows the repo layout would open)."""
    found = []
    raw = needle.encode()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "node_modules", "__pycache__", ".venv", "tests")]
            for name in files:
                if name.endswith((".ipynb", ".toml", ".json", ".py")):
                    path = os.path.join(folder, name)
                    with contextlib.suppress(OSError):
                        if raw in Path(path).read_bytes():
                            found.append(path)
    return found
