"""Start one jailed Python child and talk to it over a framed message channel.

The child runs ``python -I -S -c PRELUDE+SOURCE`` (see isolation.py for the jail). Its
stdin is /dev/null; its stdout and stderr go to a pipe the parent reads into a capped
buffer; fd 3 carries frames from the parent and fd 4 frames to the parent. A frame is a
4-byte big-endian length and one UTF-8 JSON object. Everything the child sends is
untrusted: frames are size-capped and must decode to an object, or the run is a
protocol error — never a pass.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from learnflow_agents.sandbox.errors import SandboxGone, SandboxProtocolError, SandboxTimeout
from learnflow_agents.sandbox.isolation import (
    JAIL_WORKDIR,
    detect_isolation,
    jail_command,
    program_fd_for_run,
    python_binary,
)
from learnflow_agents.sandbox.limits import Limits

_HEADER = struct.Struct(">I")

# JSON containers (lists and objects) one frame may hold. Each costs the trusted side ~70
# bytes to decode for 3 bytes of frame: 8 MB of "[]," grew an exercise check by 189 MB
# (tracemalloc) before anything could refuse it. An honest harness value costs at least
# 8 bytes per container (each node is a tagged object, e.g. {"t":[]}), so a frame within
# the size limit carries at most ~1M; this bounds the forgery to ~70 MB.
MAX_FRAME_CONTAINERS = 1_000_000
# A JSON string (its brackets are text, not containers), unrolled so it never backtracks.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _containers(body: bytes) -> int:
    """How many lists and objects the JSON `body` holds, without building them."""
    rough = body.count(b"[") + body.count(b"{")
    if rough <= MAX_FRAME_CONTAINERS:
        return rough  # brackets inside strings only make this an overcount
    text = _JSON_STRING.sub(b"", body)
    return text.count(b"[") + text.count(b"{")

# Runs before the caller's source: hard rlimits (the student cannot raise them again),
# the channel moved to fds 3/4, and nothing of its own left in the namespace.
_PRELUDE = """\
def _lf_prelude():
    import os, resource, signal, sys
    limits = [int(x) for x in sys.argv[3].split(",")]
    names = ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC")
    for name, value in zip(names, limits):
        cap = value + 1 if name == "RLIMIT_CPU" else value
        resource.setrlimit(getattr(resource, name), (value, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.setrecursionlimit(limits[5])
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    os.dup2(read_fd, 3)
    os.dup2(write_fd, 4)
    os.close(read_fd)
    os.close(write_fd)
    del sys.argv[1:4]
_lf_prelude()
del _lf_prelude
"""


@dataclass(frozen=True)
class SandboxExit:
    returncode: int | None
    signal: str | None
    killed_for_time: bool
    output: str
    output_total: int
    killed_for_files: bool = False


class _CappedReader(threading.Thread):
    """Drains the child's stdout/stderr: keeps the first `keep` bytes, counts the rest."""

    def __init__(self, fd: int, keep: int) -> None:
        super().__init__(daemon=True, name="sandbox-output")
        self.fd, self.keep = fd, keep
        self.parts: list[bytes] = []
        self.kept = 0
        self.total = 0

    def run(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self.fd, 65536):
                self.total += len(chunk)
                if self.kept < self.keep:
                    piece = chunk[: self.keep - self.kept]
                    self.parts.append(piece)
                    self.kept += len(piece)
        os.close(self.fd)

    def text(self) -> str:
        return b"".join(self.parts).decode("utf-8", "replace")


def _high_fd(fd: int) -> int:
    # Above 4, so moving the channel onto fds 3/4 in the child never clobbers its other end.
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class SandboxProcess:
    """One jailed child. Use as a context manager, or call close()."""

    def __init__(
        self, child_source: str, limits: Limits, args: tuple[str, ...] | list[str] = (), *, armed: bool = True
    ) -> None:
        self.limits = limits
        self.workdir = tempfile.mkdtemp(prefix="learnflow-sandbox-")
        os.chmod(self.workdir, 0o700)
        to_child_r, self._to_child = (_high_fd(fd) for fd in os.pipe())
        self._from_child, from_child_w = (_high_fd(fd) for fd in os.pipe())
        output_r, output_w = os.pipe()
        self._buffer = b""
        self._killed_for_time = False
        self._closed = False
        self._exit: SandboxExit | None = None
        numbers = (
            limits.memory_bytes, limits.cpu_seconds, limits.file_size_bytes,
            limits.open_files, limits.processes, limits.recursion_limit,
        )  # fmt: skip
        python = [python_binary(), "-I", "-S", "-c", _PRELUDE + child_source]
        python += [str(to_child_r), str(from_child_w), ",".join(map(str, numbers)), *args]
        seccomp_fd = program_fd_for_run()
        self._jailed = detect_isolation().strong
        self._killed_for_files = False
        info_r = info_w = None
        if self._jailed:
            info_r, info_w = os.pipe()
        command = jail_command(python, limits.disk_bytes, seccomp_fd, info_w) if self._jailed else python
        extra = [fd for fd in (seccomp_fd, info_w) if fd is not None]
        passed = [to_child_r, from_child_w, *extra]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env={"PATH": "/usr/bin:/bin", "HOME": self.workdir, "LANG": "C.UTF-8"},
                stdin=subprocess.DEVNULL,
                stdout=output_w,
                stderr=output_w,
                pass_fds=passed,
                start_new_session=True,
            )
        finally:
            for fd in (to_child_r, from_child_w, output_w, *extra):
                os.close(fd)
        self._output = _CappedReader(output_r, limits.output_bytes)
        self._output.start()
        self.started = time.monotonic()
        self._deadline = float("inf")
        self._watchdog: threading.Timer | None = None
        if armed:
            self.arm()
        self._info_fd = info_r
        if info_r is not None:
            threading.Thread(target=self._watch_files, args=(info_r,), daemon=True).start()

    def arm(self) -> None:
        """Start the wall clock. A run's child is armed at start; a spare started ahead
        (spares.py) only when it is handed its run, so its time limit is the run's own."""
        if self._watchdog is not None:
            return
        self._deadline = time.monotonic() + self.limits.wall_seconds
        self._watchdog = threading.Timer(self.limits.wall_seconds, self._time_up)
        self._watchdog.daemon = True
        self._watchdog.start()

    def alive(self) -> bool:
        """Still running and never closed: a spare that died waiting is not handed out."""
        return self._exit is None and self._process.poll() is None

    def _watch_files(self, info_fd: int) -> None:
        """Kill the jail when its private mounts hold more than `limits.max_files` files.

        bubblewrap cannot cap a tmpfs's inodes, so they are counted from outside, through
        the jailed process's view of its mounts (/proc/PID/root).
        """
        # bubblewrap keeps its end open while the jail runs; closing ours early would kill
        # it with SIGPIPE, so close() closes it once the jail is gone.
        self._watch_pid(self._read_info(info_fd))

    def _read_info(self, info_fd: int) -> dict[str, Any]:
        data = b""
        deadline = time.monotonic() + 10
        with contextlib.suppress(OSError):
            while len(data) < 65536 and (left := deadline - time.monotonic()) > 0:
                readable, _, _ = select.select([info_fd], [], [], left)
                if not readable or not (chunk := os.read(info_fd, 4096)):
                    break
                data += chunk
                try:
                    info = json.loads(data)
                except ValueError:
                    continue  # not the whole object yet
                return info if isinstance(info, dict) else {}
        return {}

    def _watch_pid(self, info: dict[str, Any]) -> None:
        pid = info.get("child-pid")
        if not isinstance(pid, int):
            return
        mounts = [f"/proc/{pid}/root{JAIL_WORKDIR}", f"/proc/{pid}/root/tmp"]
        while self._process.poll() is None and self._exit is None:
            try:
                used = 0
                for mount in mounts:
                    stats = os.statvfs(mount)
                    # Until bubblewrap has switched the child's root, these paths are the
                    # host's: only a mount of the jail's own small size is counted.
                    if stats.f_blocks * stats.f_frsize <= 2 * self.limits.disk_bytes:
                        used += stats.f_files - stats.f_ffree
            except OSError:
                used = 0  # not mounted yet (the loop ends by itself once the jail is gone)
            if used > self.limits.max_files:
                self._killed_for_files = True
                self._kill()
                return
            time.sleep(0.02)

    # -- lifetime -------------------------------------------------------------------

    def _time_up(self) -> None:
        self._killed_for_time = True
        self._kill()

    def _kill(self) -> None:
        # The jail's PID namespace dies with bwrap; the group kill covers the weak mode.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()

    def close(self) -> SandboxExit:
        if self._exit is not None:
            return self._exit
        if self._watchdog is not None:
            self._watchdog.cancel()
        ended_alone = self._process.poll() is not None
        self._kill()
        self._process.wait()
        for fd in (self._to_child, self._from_child, self._info_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._output.join(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)
        code = self._process.returncode
        number = -code if code is not None and code < 0 else None
        # bubblewrap reports a child killed by signal N as exit status 128 + N.
        if ended_alone and self._jailed and code is not None and code > 128:
            number = code - 128
        name = None
        if number is not None:
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
        self._exit = SandboxExit(
            code, name, self._killed_for_time, self._output.text(), self._output.total, self._killed_for_files
        )
        return self._exit

    def wait(self, timeout: float) -> int | None:
        """The child's exit code once it has ended by itself, or None after `timeout`."""
        try:
            return self._process.wait(timeout=max(0.0, min(timeout, self._deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            return None

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the channel ----------------------------------------------------------------

    def send(self, message: dict[str, Any], timeout: float | None = None) -> None:
        data = json.dumps(message, separators=(",", ":")).encode("utf-8")
        frame = _HEADER.pack(len(data)) + data
        limit = time.monotonic() + (timeout if timeout is not None else self.limits.wall_seconds)
        view = memoryview(frame)
        while view:
            remaining = min(limit, self._deadline) - time.monotonic()
            if remaining <= 0:
                raise SandboxTimeout("the child stopped reading")
            _, writable, _ = select.select([], [self._to_child], [], remaining)
            if not writable:
                continue
            try:
                written = os.write(self._to_child, view[:65536])
            except (BrokenPipeError, OSError) as exc:
                raise SandboxGone("the child closed its channel") from exc
            view = view[written:]

    def recv(self, timeout: float) -> dict[str, Any]:
        header = self._read_exactly(_HEADER.size, timeout)
        (size,) = _HEADER.unpack(header)
        if size > self.limits.message_bytes:
            limit = self.limits.message_bytes
            raise SandboxProtocolError(f"a {size}-byte frame is over the {limit}-byte limit")
        body = self._read_exactly(size, timeout)
        if _containers(body) > MAX_FRAME_CONTAINERS:
            raise SandboxProtocolError(f"a frame of more than {MAX_FRAME_CONTAINERS} lists and objects")
        try:
            message = json.loads(body)
        except (ValueError, RecursionError) as exc:
            # ValueError, not only JSONDecodeError: an integer of more than 4300 digits in an
            # otherwise valid frame raises plain ValueError (int_max_str_digits).
            raise SandboxProtocolError("a frame that is not JSON") from exc
        if not isinstance(message, dict):
            raise SandboxProtocolError("a frame that is not a JSON object")
        return message

    def _read_exactly(self, size: int, timeout: float) -> bytes:
        limit = min(time.monotonic() + timeout, self._deadline)
        while len(self._buffer) < size:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                if time.monotonic() >= self._deadline:
                    self._time_up()
                raise SandboxTimeout("no answer in time")
            readable, _, _ = select.select([self._from_child], [], [], remaining)
            if not readable:
                continue
            try:
                chunk = os.read(self._from_child, max(65536, size - len(self._buffer)))
            except OSError as exc:
                raise SandboxGone("the channel broke") from exc
            if not chunk:
                raise SandboxGone("the child ended")
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def start_sandbox(
    child_source: str, limits: Limits | None = None, args: tuple[str, ...] | list[str] = ()
) -> SandboxProcess:
    """Start `child_source` jailed; see the module docstring for the channel."""
    return SandboxProcess(child_source, limits or Limits(), args)
