"""`learnflow-agents sandbox serve` for real: a subprocess on a free port, with no secrets.

The service is started the way the cluster starts it (the CLI, its own process) with an
environment holding nothing but PATH, HOME and LANG: everything a check needs comes in
the request. It checks real bank exercises, answers bad input with JSON 4xx, refuses a
body over the cap before reading it, and will not serve without strong isolation.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from learnflow_agents.sandbox import Limits, detect_isolation, dispatch
from learnflow_agents.sandbox.client import SandboxClient, SandboxServiceError, exercise_to_wire
from learnflow_agents.sandbox.service import LIMIT_CAP_FACTOR, capped_limits
from learnflow_agents.tutors.exercise.bank import load_bank

pytestmark = pytest.mark.timeout(120)

CLI = str(Path(sys.executable).with_name("learnflow-agents"))
MAX_BODY = 256 * 1024
ECHO_RUNNER = """
request = _lf_receive()
import os
_lf_send({"doubled": request["n"] * 2, "env": sorted(os.environ)})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No database URL, no API key, no Kafka credentials, no tokens: nothing at all."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.port = process, port
        self.url = f"http://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()


def start_service(tmp: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [CLI, "sandbox", "serve", "--port", str(port), *args],
        env=env,
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, port


def wait_healthy(served: Served, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        if served.process.poll() is not None:
            raise AssertionError(
                f"service exited {served.process.returncode}: {served.process.stderr.read()}"
            )
        try:
            status, body = served.request("GET", "/health")
            if status == 200:
                return body
        except OSError:
            pass
        assert time.monotonic() < deadline, "the service did not come up"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # CI installs bubblewrap (scripts/ensure-services): weak isolation here is a failure.
    assert detect_isolation().strong, "no namespace isolation here: the service refuses to serve"
    tmp = tmp_path_factory.mktemp("sandbox-service")
    process, port = start_service(tmp, clean_env(tmp), "--concurrency", "2", "--max-body", str(MAX_BODY))
    served = Served(process, port)
    try:
        wait_healthy(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_health_reports_the_active_isolation_layers(service: Served) -> None:
    status, body = service.request("GET", "/health")
    assert status == 200
    assert body["isolation"]["strong"] is True
    assert {"namespaces", "no-network"} <= set(body["isolation"]["layers"])
    assert body["isolation"]["layers"] == list(detect_isolation().layers)
    assert body["concurrency"] == 2


def test_a_bank_exercise_is_checked_through_the_service(service: Served) -> None:
    exercise = load_bank().get("bank-account")
    assert exercise.solution is not None and exercise.hidden_tests
    client = SandboxClient(service.url)
    solved = client.check(exercise, exercise.solution)
    assert solved.passed and solved.points == solved.max_points
    assert any(t.hidden for t in solved.tests), "hidden tests ran on the service too"
    started = client.check(exercise, exercise.starter)
    assert not started.passed and started.points < started.max_points
    visible_only = client.check(exercise, exercise.solution, include_hidden=False)
    assert visible_only.passed and not any(t.hidden for t in visible_only.tests)


def test_the_solution_never_travels_to_the_service() -> None:
    exercise = load_bank().get("bank-account")
    assert exercise.solution
    wire = exercise_to_wire(exercise).model_dump_json()
    assert exercise.solution.strip() not in wire
    assert "solution" not in json.loads(wire)


def test_a_plain_run_goes_through_the_service_when_the_url_is_set(
    service: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before = service.request("GET", "/health")
    monkeypatch.setenv(dispatch.URL_ENV, service.url)
    answer, ended = dispatch.run_python(ECHO_RUNNER, {"n": 21}, Limits(wall_seconds=20))
    assert answer is not None and answer["doubled"] == 42
    assert set(answer["env"]) <= {"PATH", "HOME", "LANG", "TMPDIR", "PWD"}, "the child's environment is clean"
    assert ended.killed_for_time is False
    _, after = service.request("GET", "/health")
    assert after["served"] == before["served"] + 1, "the run went to the service"
    monkeypatch.delenv(dispatch.URL_ENV)
    assert dispatch.remote() is None


def test_an_oversized_body_is_refused_with_413_before_it_is_read(service: Served) -> None:
    # Declare a huge body and send none of it: the answer must come from the header alone.
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000000\r\n\r\n"
        )
        response = b""
        while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert "limit" in json.loads(body)["error"]


def test_bad_input_gets_json_4xx(service: Served) -> None:
    json_type = {"Content-Type": "application/json"}
    status, body = service.request("POST", "/v1/check", b'{"exercise": ', json_type)
    assert status == 400 and body["error"].startswith("malformed JSON")
    status, body = service.request("POST", "/v1/check", b'{"code": 3}', json_type)
    assert status == 422 and body["detail"]
    status, body = service.request("POST", "/v1/run", b'{"source": "x", "surprise": 1}', json_type)
    assert status == 422
    bad_meta = {"exercise": {"meta": {"title": "no id"}, "visible_tests": []}, "code": "x = 1"}
    status, body = service.request("POST", "/v1/check", json.dumps(bad_meta).encode(), json_type)
    assert status == 422 and "invalid exercise" in body["error"]
    status, body = service.request("POST", "/v1/run", b"source=x", {"Content-Type": "text/plain"})
    assert status == 415
    status, body = service.request("GET", "/v1/nothing")
    assert status == 404 and body["error"]
    status, body = service.request("GET", "/v1/check")
    assert status == 405
    # Chunked (no Content-Length): refused, not read.
    status, body = service.request("POST", "/v1/run", iter([b'{"source": ""}']), json_type)  # type: ignore[arg-type]
    assert status == 411


def test_requested_limits_are_capped_by_the_service(service: Served) -> None:
    # A day of wall clock is asked for; the service grants at most 4x its default.
    granted = capped_limits(Limits, {"wall_seconds": 86_400, "memory_bytes": 64 * 1024 * 1024})
    assert granted.wall_seconds == Limits().wall_seconds * LIMIT_CAP_FACTOR
    assert granted.memory_bytes == 64 * 1024 * 1024
    # Memory may be lowered, never raised: the pod's limit is per-check memory x concurrency.
    raised = capped_limits(Limits, {"memory_bytes": Limits().memory_bytes * 2, "disk_bytes": 1 << 40})
    assert raised.memory_bytes == Limits().memory_bytes and raised.disk_bytes == Limits().disk_bytes
    client = SandboxClient(service.url)
    runner = "_lf_receive()\n_lf_send({'ok': True})\n"
    answer, _ = client.run(runner, {}, Limits(wall_seconds=86_400))
    assert answer == {"ok": True}
    status, body = service.request(
        "POST",
        "/v1/run",
        json.dumps({"source": runner, "limits": {"nonsense": 1}}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 422 and "unknown limits" in body["error"]


def test_the_client_reports_an_unreachable_service_as_an_error_not_a_verdict() -> None:
    client = SandboxClient(f"http://127.0.0.1:{free_port()}", connect_retries=0.3)
    with pytest.raises(SandboxServiceError, match="unreachable"):
        client.run(ECHO_RUNNER, {"n": 1}, Limits(wall_seconds=5))


def test_the_service_refuses_to_serve_with_weak_isolation(tmp_path: Path) -> None:
    weak = clean_env(tmp_path, LEARNFLOW_SANDBOX_ISOLATION="none")
    process, _ = start_service(tmp_path, weak)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "refusing to run student code" in stderr and "LEARNFLOW_SANDBOX_ALLOW_WEAK=1" in stderr

    process, port = start_service(tmp_path, {**weak, "LEARNFLOW_SANDBOX_ALLOW_WEAK": "1"})
    served = Served(process, port)
    try:
        health = wait_healthy(served)
        assert health["isolation"]["strong"] is False
    finally:
        process.terminate()
        process.wait(10)
    assert os.environ.get("LEARNFLOW_SANDBOX_ALLOW_WEAK") is None


def test_the_checker_goes_to_the_service_when_the_url_is_set(
    service: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnflow_agents.tutors.exercise.checker import check_attempt

    exercise = load_bank().get("bank-account")
    assert exercise.solution is not None
    _, before = service.request("GET", "/health")
    monkeypatch.setenv(dispatch.URL_ENV, service.url)
    assert check_attempt("bank-account", exercise.solution).passed
    assert not check_attempt("bank-account", exercise.starter).passed
    _, after = service.request("GET", "/health")
    assert after["served"] == before["served"] + 2
