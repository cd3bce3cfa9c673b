"""Which isolation this machine gives a sandboxed child, and the command that applies it.

Layers, strongest first:

* ``namespaces`` — bubblewrap (`bwrap`) gives the child its own PID, network, mount,
  IPC, UTS and cgroup namespaces (and a user namespace when not started as root): it
  sees only its own processes in /proc (so no other process's environment), has no
  network interface but loopback, and sees a read-only view of just the Python runtime
  and system libraries, with the site-packages (where LearnFlow, its settings and any
  exercise bank live) hidden under empty tmpfs mounts, plus a private empty writable
  directory and /tmp, both size-capped tmpfs. When the child ends, the kernel kills
  everything left in its PID namespace.
* ``separate-uid`` — the child is not the host's root: as root, bubblewrap builds the
  jail and `setpriv` drops the child to uid 65534 with no capabilities; otherwise the
  service's own unprivileged uid is what the user namespace maps to.
* ``seccomp`` — a BPF filter refuses fork, ptrace, mounts, new namespaces, network
  sockets and the kernel's administration calls (see seccomp_filter.py).
* ``rlimits`` — memory, CPU, file size and open files, applied by the child's own
  prelude before any student code runs (hard limits: the student cannot raise them).
* ``clean-env`` — the child's environment holds only PATH, HOME, LANG.

Without bubblewrap the sandbox degrades to ``rlimits`` + ``clean-env`` and says so:
`detect_isolation().strong` is False, `learnflow-agents health` and `%learnflow status`
print it, and callers that require strong isolation refuse to run.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from learnflow_agents.sandbox.seccomp_filter import seccomp_program

# Inside the jail: where the private working directory is mounted.
JAIL_WORKDIR = "/sandbox"
# The uid/gid the child runs as inside its user namespace (no capabilities there).
JAIL_UID = 65534

_SYSTEM_PATHS = ("/usr", "/bin", "/lib", "/lib64", "/sbin")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group")
# Packages whose files must never be readable from the jail, even if they are installed
# inside the Python prefix the jail mounts.
_HIDDEN_PACKAGES = ("learnflow_agents", "learnflow_ext", "learnflow_exercise_bank")


@dataclass(frozen=True)
class Isolation:
    layers: tuple[str, ...]
    reason: str = ""  # why a stronger layer is missing, for the operator

    @property
    def strong(self) -> bool:
        """Namespaces (own PID view, no network, private filesystem) are in force."""
        return "namespaces" in self.layers

    def describe(self) -> str:
        level = "strong" if self.strong else "WEAK (no namespaces: student code can see this machine)"
        text = f"{level}: {', '.join(self.layers)}"
        return f"{text} — {self.reason}" if self.reason else text

    def as_dict(self) -> dict[str, object]:
        return {"strong": self.strong, "layers": list(self.layers), "reason": self.reason}


def python_binary() -> str:
    # The venv's python is a symlink into the base installation; the jail mounts only the base.
    return os.path.realpath(sys.executable)


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _runtime_roots() -> list[str]:
    """The read-only directories the child needs: system libraries and the Python runtime."""
    roots = [p for p in _SYSTEM_PATHS if os.path.lexists(p)]
    base = os.path.realpath(sys.base_prefix)
    if not _inside(base, roots):
        roots.append(base)
    binary_dir = os.path.dirname(python_binary())
    if not _inside(binary_dir, roots):
        roots.append(binary_dir)
    return roots


def _hidden_paths(roots: list[str]) -> list[str]:
    """Directories under the mounted roots that must look empty from inside the jail."""
    candidates: set[str] = set()
    # Every Python's third-party directory under the mounted roots, not only this venv's:
    # a system-wide `pip install` puts LearnFlow there.
    patterns = ("lib/python3*/site-packages", "lib/python3*/dist-packages", "local/lib/python3*/*-packages")
    installed = [str(found) for root in roots for pattern in patterns for found in Path(root).glob(pattern)]
    for found in [*installed, *site.getsitepackages(), site.getusersitepackages(), sys.prefix]:
        if found and os.path.isdir(found) and os.path.realpath(found) != os.path.realpath(sys.base_prefix):
            candidates.add(os.path.realpath(found))
    for name in _HIDDEN_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidates.add(os.path.realpath(location))
    return sorted(path for path in candidates if _inside(path, roots))


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: n + 1]) for n in range(len(parts))]


def _drops_to_own_uid() -> bool:
    # Root's processes stay uid 0 on the host inside a user namespace; as root the jail
    # is built without one and setpriv hands the child an unprivileged uid instead.
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def jail_command(
    python: list[str], disk_bytes: int, seccomp_fd: int | None, info_fd: int | None = None
) -> list[str]:
    """`python` wrapped in bubblewrap (and, as root, setpriv): the command a jailed run executes."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise FileNotFoundError("bwrap")
    roots = _runtime_roots()
    command = [bwrap, "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if _drops_to_own_uid():
        command += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        command += ["--unshare-cgroup-try"]
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-all", "--uid", str(JAIL_UID), "--gid", str(JAIL_UID)]
    for root in roots:
        if os.path.islink(root):
            command += ["--symlink", os.readlink(root), root]
            continue
        # bubblewrap copies a parent's mode (/root is 0700): make the way to the runtime passable.
        for parent in _ancestors(root):
            if not _inside(parent, [r for r in roots if r != root]):
                command += ["--perms", "0755", "--dir", parent]
        command += ["--ro-bind", root, root]
    for path in _ETC_FILES:
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    for path in _hidden_paths(roots):
        command += ["--tmpfs", path, "--remount-ro", path]
    command += ["--proc", "/proc", "--dev", "/dev"]
    # The private directory and /tmp are size-capped tmpfs mounts: the student cannot fill
    # the host's disk, and they vanish with the namespace.
    for private in (JAIL_WORKDIR, "/tmp"):
        command += ["--size", str(disk_bytes), "--perms", "1777", "--tmpfs", private]
    command += ["--chdir", JAIL_WORKDIR]
    command += ["--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", JAIL_WORKDIR]
    command += ["--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", "/tmp"]
    command += ["--hostname", "sandbox"]
    if seccomp_fd is not None:
        command += ["--seccomp", str(seccomp_fd)]
    if info_fd is not None:
        command += ["--info-fd", str(info_fd)]
    if _drops_to_own_uid():
        setpriv = shutil.which("setpriv") or "setpriv"
        command += [setpriv, "--reuid", str(JAIL_UID), "--regid", str(JAIL_UID), "--clear-groups"]
        command += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return command + python


def _setting() -> str:
    # `none` is for machines where bubblewrap misbehaves; it is reported as weak everywhere.
    return os.environ.get("LEARNFLOW_SANDBOX_ISOLATION", "auto").strip().lower() or "auto"


@functools.cache
def detect_isolation() -> Isolation:
    """Probe once, with the exact command real runs use, which layers work here."""
    weak = ("rlimits", "clean-env")
    if _setting() == "none":
        return Isolation(weak, "LEARNFLOW_SANDBOX_ISOLATION=none")
    if shutil.which("bwrap") is None:
        return Isolation(weak, "bubblewrap (bwrap) is not installed")
    program = seccomp_program()
    layers = ["namespaces", "no-network", "private-fs"]
    if _drops_to_own_uid() or os.geteuid() != 0:
        layers.append("separate-uid")
    probe_dir = Path(_probe_workdir())
    try:
        reason = _probe(str(probe_dir), program)
        if reason is not None and program is not None:
            # Some kernels refuse the filter; namespaces alone still count.
            program_reason, program = reason, None
            reason = _probe(str(probe_dir), None)
            if reason is None:
                return Isolation((*layers, *weak), f"seccomp refused: {program_reason}")
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    if reason is not None:
        return Isolation(weak, f"bubblewrap cannot create namespaces here: {reason}")
    if program is not None:
        layers.append("seccomp")
    else:
        return Isolation((*layers, *weak), "libseccomp (pyseccomp) not available")
    return Isolation((*layers, *weak))


def _probe_workdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="learnflow-sandbox-probe-")


def _probe(workdir: str, program: bytes | None) -> str | None:
    """None when a jailed `python -c` runs; otherwise what went wrong."""
    fd = _program_fd(program) if program is not None else None
    try:
        command = jail_command([python_binary(), "-I", "-S", "-c", "print('ok')"], 1 << 20, fd)
        done = subprocess.run(
            command,
            env={"PATH": os.defpath},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            pass_fds=(fd,) if fd is not None else (),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        if fd is not None:
            os.close(fd)
    if done.returncode != 0 or done.stdout.strip() != b"ok":
        return (done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}")[:300]
    return None


def _program_fd(program: bytes) -> int:
    """A readable descriptor holding the BPF program, for `bwrap --seccomp FD`."""
    fd = os.memfd_create("learnflow-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def program_fd_for_run() -> int | None:
    """A fresh descriptor with the seccomp program, when the detected isolation uses it."""
    if "seccomp" not in detect_isolation().layers:
        return None
    program = seccomp_program()
    return _program_fd(program) if program is not None else None
