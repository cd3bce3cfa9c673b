"""The gateway as a door: the secrets corpus leaves nothing behind it (PostgreSQL rows, the
Kafka topics, what the student and the instructor read back), deeply nested JSON is a 400,
and a hub that cannot be reached is a 503 with Retry-After, as docs/gateway.md says.

Real parts: JupyterHub with the gateway as a managed service, PostgreSQL, the Tansu broker,
the agents process (offline tutors: no model here; the model is inspected at the engine,
REST and CLI doors, tests/privacy and tests/jupyter_server) and a student's `jupyter server`
in cluster mode, whose traffic to the gateway is read on the wire by a recording relay.
"""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from learnflow_agents.bus import create_bus

from tests.gateway.hub import Hub, gateway_behind_cuttable_hub
from tests.gateway.test_cluster_server import start_student_server
from tests.gateway.test_hub_gateway import answered, ask, call
from tests.privacy.corpus import SECRETS
from tests.privacy.support import bus_inspector, bus_records, database_rows, leaks, secret_queries

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]


def test_no_secret_is_stored_published_or_shown_back(
    hub: Hub, classroom_db: str, classroom_bus: tuple[str, str]
) -> None:
    ids = [ask(hub, "dave", body) for body in secret_queries()]
    views = [answered(hub, "dave", query_id) for query_id in ids]
    shown = [
        requests.get(
            hub.gateway + "api/progress", headers={"Authorization": f"token {hub.tokens['dave']}"}, timeout=30
        ).text
    ]
    shown.append(call(hub, "ivy", "GET", "api/instructor/students/dave/queries?limit=100").text)
    url, prefix = classroom_bus

    async def read_bus() -> list[str]:
        bus = create_bus(url, prefix=prefix)
        await bus.start()
        try:
            return await bus_records(await bus_inspector(bus, "privacy-inspector-gw"))
        finally:
            await bus.stop()

    published = asyncio.run(read_bus())
    rows = database_rows(classroom_db)

    assert len(views) == len(secret_queries())
    assert published and rows
    assert leaks(rows) == [], "secret values stored in PostgreSQL"
    assert leaks(published) == [], "secret values on the Kafka topics"
    assert leaks([str(v) for v in views]) == [], "secret values in the student's query views"
    assert leaks(shown) == [], "secret values in the progress or instructor views"
    # The query views carry no code; the instructor's view of dave's queries does.
    stored = json.loads(shown[1])["queries"]
    assert any("«redacted»" in str(q["query"].get("code")) for q in stored)


@pytest.mark.parametrize("raw", ["[" * 60_000, '{"text": "hi", "variables": ' + "[" * 60_000])
def test_deeply_nested_json_is_a_400(hub: Hub, raw: str) -> None:
    # 60,000 levels fit the stack's 64 KiB body limit (a bigger body is a 413 before parsing).
    r = call(hub, "alice", "POST", "api/queries", raw)
    assert r.status_code == 400, r.text
    assert "nested too deeply" in r.json()["message"]


def test_a_hub_that_cannot_be_reached_is_a_503_with_retry_after(hub: Hub, tmp_path: Path) -> None:
    """A second gateway reaching the hub's API through a TCP proxy that the test cuts."""
    headers = {"Authorization": f"token {hub.tokens['alice']}"}
    with gateway_behind_cuttable_hub(hub, tmp_path) as (base, proxy, _log):
        assert requests.get(base + "api/progress", headers=headers, timeout=30).status_code == 200
        proxy.cut()
        for method, path, teacher in (
            ("GET", "api/progress", False),
            ("POST", "api/queries", False),
            ("GET", "api/instructor/struggles", True),
        ):
            who = {"Authorization": f"token {hub.tokens['teacher']}"} if teacher else headers
            r = requests.request(method, base + path, headers=who, json={"text": "hi"}, timeout=30)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert int(r.headers["Retry-After"]) > 0
            assert "hub" in r.json()["message"]
        proxy.restore()
        assert requests.get(base + "api/progress", headers=headers, timeout=30).status_code == 200


class RecordingProxy:
    """What a student's server sends the gateway, recorded on its way (a plain HTTP relay
    in front of the real gateway): the only stand-in here, a wire tap."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.bodies: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                if data:
                    proxy.bodies.append(data.decode("utf-8", "replace"))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")
                }
                r = requests.request(
                    self.command,
                    proxy.upstream + self.path.lstrip("/"),
                    data=data,
                    headers=headers,
                    timeout=60,
                )
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def do_GET(self) -> None:
                self.relay()

            def do_POST(self) -> None:
                self.relay()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_students_server_masks_secrets_before_forwarding_them(hub: Hub, tmp_path: Path) -> None:
    """Cluster mode: the secret never leaves the student's pod (the gateway would mask it
    again, so what the server sends is read on the wire)."""
    proxy = RecordingProxy(hub.gateway)
    server = start_student_server(tmp_path, proxy.url, hub.tokens["carol"])
    try:
        for query in secret_queries():
            r = server.call("POST", "queries", query)
            assert r.status_code == 202, r.text
        for snippet, _ in SECRETS[:5]:
            r = server.call("POST", "attempts", {"exercise_id": "sum-of-evens", "code": snippet})
            assert r.status_code == 202, r.text
    finally:
        server.process.stop()
        proxy.close()
    assert len(proxy.bodies) == len(secret_queries()) + 5
    assert leaks(proxy.bodies) == [], "secret values forwarded by the student's server"
    # JSON on the wire escapes the mask's guillemets: \u00abredacted\u00bb.
    assert sum("redacted" in forwarded for forwarded in proxy.bodies) > 50
