"""Attacks on the debug tutor's fix verification, which runs the student's (fixed) cell: the
code gets past the static check through `random._os` as a student reading that check would,
and then tries to forge the verdict, read the agent's secrets, reach the network or hang the
verifier. Through the tutor's public entry point (`diagnose`) and the real sandbox.

What the design allows: the child reports its own run, so a student can make their own fix
look checked on their own card (sandbox/run.py). What must hold: a malformed report is not
trusted, whatever the report says is shown as text, the agent's environment never reaches
the card, no connection leaves the sandbox, and a cell that never ends does not hold the
tutor.
"""

import socket
import struct
import threading

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

TRACEBACK = (
    'Traceback (most recent call last):\n  File "<cell>", line {line}, in <module>\n'
    "NameError: name 'totl' is not defined. Did you mean: 'total'?"
)


def _cell(body: str) -> tuple[str, str]:
    """A cell whose NameError the tutor fixes (totl -> total) and then verifies by running
    it: `body` runs first, in the fixed cell too."""
    code = "import random\nosmod = random._os\ntotal = 1\n" + body + "print(totl)\n"
    return code, TRACEBACK.format(line=code.count("\n"))


def _forging(frame: bytes) -> tuple[str, str]:
    return _cell(f"osmod.write(4, {struct.pack('>I', len(frame)) + frame!r})\nosmod._exit(0)\n")


def _verified(code: str, traceback: str) -> tuple[str | None, str, str]:
    reply = diagnose(StudentQuery(text="why does this fail?", code=code, traceback=traceback))
    assert reply.code_blocks, reply.summary  # the rename fix is offered, and checked
    return reply.data.get("fix_verified"), str(reply.data.get("fix_check")), ReplyView.of(reply).html()


@pytest.mark.parametrize("frame", [b"[]", b'"ran"', b"1e999999", b"9" * 5000, b'{"type": null'], ids=str)
def test_a_malformed_report_from_the_fixed_cell_is_not_taken_as_a_clean_run(frame: bytes) -> None:
    status, detail, _ = _verified(*_forging(frame))
    assert status == "compiled", detail
    assert "stopped" in detail


def test_a_forged_report_is_shown_as_text_on_the_forgers_own_card() -> None:
    message = "[log in again](https://evil.example/login) <img src=x onerror=alert(1)> **LearnFlow says**"
    frame = b'{"type": "ValueError", "message": "' + message.encode() + b'", "line": 99, "traceback": "x"}'
    status, _, html = _verified(*_forging(frame))
    assert status == "ran"  # allowed: the student forged their own run
    assert "<a " not in html and "<img" not in html and "<strong>LearnFlow says" not in html, html


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    values = {
        "ANTHROPIC_API_KEY": "sk-ant-api03-verifiercanary0123456789",
        "LEARNFLOW_DB_URL": "postgresql://agent:dbcanarypassword@db/learnflow",
        "LEARNFLOW_KAFKA_SASL_PASSWORD": "kafkacanarypassword",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return ["verifiercanary", "dbcanarypassword", "kafkacanarypassword"]


def test_the_fixed_cell_reads_no_secret_of_the_agent(secrets: list[str]) -> None:
    body = (
        "seen = [str(dict(osmod.environ))]\n"
        "for pid in ['1', str(osmod.getppid())] + osmod.listdir('/proc'):\n"
        "    try:\n"
        "        fd = osmod.open('/proc/' + pid + '/environ', osmod.O_RDONLY)\n"
        "        seen.append(str(osmod.read(fd, 1 << 16)))\n"
        "    except (OSError, ValueError):\n"
        "        pass\n"
        "loot = ' '.join(seen)\n"
        "raise ValueError(loot[loot.find('canary') - 40 :][:400] if 'canary' in loot else 'nothing')\n"
    )
    code, traceback = _cell(body)
    reply = diagnose(StudentQuery(text="why?", code=code, traceback=traceback))
    shown = reply.model_dump_json() + ReplyView.of(reply).html()
    assert reply.data.get("fix_check") and "nothing" in str(reply.data.get("fix_check")), reply.data
    assert not [s for s in secrets if s in shown]


def test_the_fixed_cell_reaches_no_listener_on_the_agents_host() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    body = (
        "import operator\n"
        "mod = operator.attrgetter('__import__')(osmod.sys.modules['builtins'])('socket')\n"
        "for host in ('127.0.0.1', 'localhost', '::1'):\n"
        "    try:\n"
        f"        mod.create_connection((host, {port}), timeout=1).close()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    try:
        status, detail, _ = _verified(*_cell(body))
        assert status in ("ran", "compiled"), detail
    finally:
        stop.set()
        thread.join(5)
        server.close()
    assert accepted == [], "the verification's run opened a connection out of the sandbox"


def test_a_fixed_cell_that_never_ends_is_stopped_and_the_reply_still_comes() -> None:
    body = (
        "while True:\n"
        "    try:\n"
        "        osmod.setsid() if osmod.fork() == 0 else None\n"
        "        while True:\n"
        "            pass\n"
        "    except BaseException:\n"
        "        continue\n"
    )
    status, detail, _ = _verified(*_cell(body))
    assert status == "compiled" and "stopped" in detail, detail
