"""The sandbox's process layer: what a jailed child can see and do, and the channel's rules."""

import json
import os
import time

import pytest
from learnflow_agents.sandbox import (
    Limits,
    SandboxGone,
    SandboxProtocolError,
    SandboxTimeout,
    detect_isolation,
    start_sandbox,
)
from learnflow_agents.sandbox.run import CHANNEL_SOURCE, run_python

pytestmark = pytest.mark.timeout(60)

# Reports whatever the probe expression evaluates to, or the exception it raised.
_PROBE = """
import os, sys
request = _lf_receive()
try:
    value = eval(request["expr"])
except BaseException as exc:
    value = "raised " + type(exc).__name__
_lf_send({"value": value})
"""


def probe(expr: str, **limits: object) -> object:
    answer, _ = run_python(_PROBE, {"expr": expr}, Limits(wall_seconds=15, **limits))
    assert answer is not None, "the probe child died without answering"
    return answer["value"]


def test_this_machine_gives_strong_isolation() -> None:
    # CI installs bubblewrap (scripts/ensure-services); a weak sandbox here is a failure.
    isolation = detect_isolation()
    assert isolation.strong, isolation.describe()
    assert {"namespaces", "no-network", "seccomp", "rlimits", "clean-env"} <= set(isolation.layers)


def test_the_child_sees_only_its_own_processes() -> None:
    pids = probe("sorted(p for p in os.listdir('/proc') if p.isdigit())")
    assert isinstance(pids, list) and len(pids) <= 3
    assert str(os.getpid()) not in pids


def test_the_child_environment_is_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNFLOW_CANARY_SECRET", "canary-5d1f")
    environ = probe("dict(os.environ)")
    assert set(environ) <= {"PATH", "HOME", "LANG", "TMPDIR", "PWD"}
    every_pid = "[p for p in os.listdir('/proc') if p.isdigit()]"
    everything = probe(f"[open(f'/proc/{{p}}/environ', 'rb').read().decode() for p in {every_pid}]")
    assert "canary-5d1f" not in json.dumps(everything)


def test_no_network_and_no_second_process() -> None:
    assert probe("__import__('socket').create_connection(('127.0.0.1', 5432), 1)") == "raised PermissionError"
    assert probe("os.fork()") == "raised PermissionError"


def test_learnflow_is_not_readable_from_the_jail() -> None:
    assert probe("__import__('learnflow_agents')") == "raised ModuleNotFoundError"
    assert probe("os.path.exists(" + repr(os.path.dirname(os.path.dirname(__file__))) + ")") is False


def test_the_rest_of_the_filesystem_is_read_only_and_the_workdir_is_private() -> None:
    assert probe("open('/usr/learnflow-escape', 'w')") == "raised OSError"
    assert probe("os.listdir('.')") == []
    assert probe("open('notes.txt', 'w').write('x')") == 1


def test_memory_limit_holds() -> None:
    assert probe("len(bytearray(900 << 20))", memory_bytes=256 << 20) == "raised MemoryError"


def test_a_silent_child_times_out_and_the_wall_clock_kills_it() -> None:
    started = time.monotonic()
    with start_sandbox("import time\ntime.sleep(60)\n", Limits(wall_seconds=1.5)) as child:
        with pytest.raises(SandboxTimeout):
            child.recv(0.3)
        with pytest.raises((SandboxTimeout, SandboxGone)):
            child.recv(10)
        ended = child.close()
    assert ended.killed_for_time
    assert time.monotonic() - started < 10


def test_oversized_and_non_json_frames_are_protocol_errors() -> None:
    then_wait = "import time\ntime.sleep(5)\n"
    huge = CHANNEL_SOURCE + "import os, struct\nos.write(4, struct.pack('>I', 1 << 30))\n" + then_wait
    with start_sandbox(huge, Limits(wall_seconds=10)) as child, pytest.raises(SandboxProtocolError):
        child.recv(5)
    junk = "import os, struct\nos.write(4, struct.pack('>I', 3) + b'\\xff\\xfe[')\n" + then_wait
    with start_sandbox(junk, Limits(wall_seconds=10)) as child, pytest.raises(SandboxProtocolError):
        child.recv(5)
    array = "import os, struct\nos.write(4, struct.pack('>I', 2) + b'[]')\n" + then_wait
    with start_sandbox(array, Limits(wall_seconds=10)) as child, pytest.raises(SandboxProtocolError):
        child.recv(5)


def test_output_is_capped_and_counted() -> None:
    flood = "import sys\nfor _ in range(2000):\n    sys.stdout.write('x' * 1000)\nsys.stdout.flush()\n"
    with start_sandbox(flood, Limits(wall_seconds=10, output_bytes=5000)) as child:
        child.wait(8)
        ended = child.close()
    assert len(ended.output) == 5000
    assert ended.output_total == 2_000_000


def test_a_child_that_exits_is_gone() -> None:
    with start_sandbox("import os\nos._exit(3)\n", Limits(wall_seconds=10)) as child:
        with pytest.raises(SandboxGone):
            child.recv(5)
        assert child.wait(5) == 3


def test_frames_round_trip() -> None:
    echo = CHANNEL_SOURCE + "while True:\n    _lf_send({'got': _lf_receive()})\n"
    with start_sandbox(echo, Limits(wall_seconds=10)) as child:
        for n in range(3):
            child.send({"n": n, "text": "é" * n})
            assert child.recv(5) == {"got": {"n": n, "text": "é" * n}}


def test_the_child_is_not_the_hosts_root_and_has_no_capabilities() -> None:
    uid_map = probe("open('/proc/self/uid_map').read()")
    euid = probe("os.geteuid()")
    assert isinstance(uid_map, str) and isinstance(euid, int)
    for line in uid_map.splitlines():
        inside, outside, count = (int(x) for x in line.split())
        if inside <= euid < inside + count:
            assert outside + (euid - inside) != 0, f"uid {euid} is the host's root ({uid_map!r})"
    status = probe("open('/proc/self/status').read()")
    assert isinstance(status, str)
    capabilities = [line for line in status.splitlines() if line.startswith("CapEff:")]
    assert capabilities and int(capabilities[0].split()[1], 16) == 0


def test_the_private_directories_are_size_capped() -> None:
    write = "sum(open(f'{d}/f{i}', 'wb').write(b'x' * (1 << 20)) for d in ('.', '/tmp') for i in range(40))"
    assert probe(write, disk_bytes=8 << 20) == "raised OSError"


def test_only_local_sockets_can_be_created() -> None:
    assert probe("__import__('socket').socket(40, 1)") == "raised PermissionError"  # AF_VSOCK
    assert probe("__import__('socket').socket(16, 3, 0)") == "raised PermissionError"  # AF_NETLINK
    assert probe("__import__('socket').socket(1, 1).close()") is None  # AF_UNIX stays usable


def test_a_crash_is_reported_with_its_signal() -> None:
    crash = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    with start_sandbox(crash, Limits(wall_seconds=10)) as child:
        assert child.wait(5) is not None
        ended = child.close()
    assert ended.signal == "SIGSEGV"


def test_a_flood_of_empty_files_ends_the_run() -> None:
    flood = "import time\nfor i in range(100000):\n    open(f'f{i}', 'w').close()\ntime.sleep(10)\n"
    with start_sandbox(flood, Limits(wall_seconds=20, max_files=500)) as child:
        assert child.wait(15) is not None, "the jail outlived its file budget"
        ended = child.close()
    assert ended.killed_for_files and not ended.killed_for_time
