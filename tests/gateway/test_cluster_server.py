"""Cluster mode end to end: alice's own `jupyter server` (the extension with `gateway_url`)
forwards to the gateway behind a real JupyterHub with her hub token; the agents answer over
the Kafka-protocol broker and PostgreSQL. Also the shipped instructor dashboard notebook,
executed with the teacher's token against the same gateway.
"""

import json
import os
import secrets
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import learnflow_agents.api
import nbformat
import pytest
import requests
import websocket
import yaml
from jsonschema import Draft202012Validator
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.store import Store
from nbclient import NotebookClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from learnflow_ext.client.server_client import ServerClient, ServerInfo
from learnflow_ext.instructor import cli
from learnflow_ext.instructor.data import Filters, take_snapshot
from learnflow_ext.instructor.gateway import GatewayError, GatewaySource
from tests.fixtures.kafka_broker import free_port
from tests.fixtures.listener import Recorder
from tests.gateway.hub import REPO, Hub, Process, clean_env, wait_until
from tests.gateway.test_hub_gateway import WRONG_CAN_RIDE, call

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]

DOCUMENT = Path(learnflow_agents.api.__file__).with_name("openapi.yaml")
OPENAPI = OpenAPI.from_file_path(str(DOCUMENT))
EVENT = Draft202012Validator(
    {"$ref": "urn:learnflow-openapi#/components/schemas/Event"},
    registry=Registry().with_resource(
        "urn:learnflow-openapi",
        Resource.from_contents(yaml.safe_load(DOCUMENT.read_text()), default_specification=DRAFT202012),
    ),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
DEBUG = {
    "text": "why does this fail?",
    "code": "x = [1, 2, 3]\nprint(x[3])",
    "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2\n'
    "IndexError: list index out of range",
}


@dataclass
class StudentServer:
    url: str
    token: str  # the Jupyter server's own token, what a kernel or browser holds
    process: Process
    data_dir: Path

    def call(self, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        """A /learnflow/api/ call, its response checked against the shipped OpenAPI document."""
        template = "/learnflow/api/" + path
        url = self.url + template.lstrip("/")
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": f"token {self.token}"}
        r = requests.request(method, url, data=data, params=params, headers=headers, timeout=90)
        documented = template if not path.startswith("queries/") else "/learnflow/api/queries/{query_id}"
        OPENAPI.validate_response(
            MockRequest("http://localhost", method.lower(), documented, args=params, data=data),
            MockResponse(
                r.content, r.status_code, content_type=r.headers.get("Content-Type", "").split(";")[0]
            ),
        )
        return r

    def events(self) -> websocket.WebSocket:
        ws_url = self.url.replace("http://", "ws://") + "learnflow/api/events"
        return websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=60)


def start_student_server(tmp: Path, gateway_url: str, hub_token: str) -> StudentServer:
    """`jupyter server` as a hub would spawn it: the shipped config enables LearnFlow, the
    environment carries the user's hub token and the gateway URL and nothing else of ours."""
    config = tmp / "config" / "jupyter_server_config.d"
    config.mkdir(parents=True)
    shutil.copy(REPO / "jupyter-config" / "server-config" / "learnflow_ext.json", config)
    (tmp / "work").mkdir()
    env = {k: v for k, v in clean_env().items() if not k.startswith("LEARNFLOW_")}
    env |= {
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "JUPYTERHUB_API_TOKEN": hub_token,
        "LEARNFLOW_GATEWAY_URL": gateway_url,
    }
    token, port = secrets.token_hex(16), free_port()
    argv = [str(Path(sys.executable).with_name("jupyter")), "server", f"--port={port}", "--ip=127.0.0.1"]
    argv += ["--no-browser", "--ServerApp.allow_root=True", f"--IdentityProvider.token={token}"]
    argv += [f"--ServerApp.root_dir={tmp / 'work'}"]
    process = Process(argv, tmp / "server.log", env, tmp).start()
    server = StudentServer(f"http://127.0.0.1:{port}/", token, process, tmp / "data")

    def up() -> bool:
        assert process.alive(), process.log.read_text(errors="replace")[-4000:]
        try:
            return requests.get(server.url + "api/status", params={"token": token}, timeout=5).ok
        except requests.RequestException:
            return False

    try:
        wait_until(up, "alice's jupyter server", log=process.log)
    except BaseException:
        process.stop()
        raise
    return server


@pytest.fixture(scope="module")
def alices_server(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudentServer]:
    server = start_student_server(tmp_path_factory.mktemp("alice"), hub.gateway, hub.tokens["alice"])
    try:
        yield server
    finally:
        server.process.stop()


def answer(server: StudentServer, query_id: str) -> dict[str, Any]:
    r = server.call("GET", f"queries/{query_id}", wait="60")
    assert r.status_code == 200, r.text
    view = r.json()
    # ?wait= ends early only on the answering agent's reply; a bounded wait may still end without it.
    return view if view["status"] == "answered" else wait_until(lambda: answered(server, query_id), query_id)


def answered(server: StudentServer, query_id: str) -> dict[str, Any] | None:
    view = server.call("GET", f"queries/{query_id}").json()
    return view if view["status"] == "answered" else None


def test_a_query_through_alices_server_is_answered_and_stored_as_hers(
    hub: Hub, alices_server: StudentServer, classroom_db: str
) -> None:
    # The body claims to be bob: the gateway stamps the hub user of the token instead.
    r = alices_server.call("POST", "queries", {**DEBUG, "student_id": "bob"})
    assert r.status_code == 202, r.text
    query_id = r.json()["query_id"]
    view = answer(alices_server, query_id)
    assert view["routing"]["target_agent"] == "debug"
    reply = next(r for r in view["replies"] if not r.get("helps"))
    assert reply["agent"] == "debug" and "IndexError" in reply["summary"] + reply["explanation"]

    with Store.open(classroom_db, upgrade=False) as store:
        record = store.get_query(uuid.UUID(query_id))
    assert record is not None and record.student_id == "alice"
    assert call(hub, "bob", "GET", f"api/queries/{query_id}").status_code == 404

    rated = alices_server.call("POST", "feedback", {"reply_id": reply["reply_id"], "rating": 5})
    assert rated.status_code == 204, rated.text
    progress = alices_server.call("GET", "progress", limit="5").json()
    assert progress["student_id"] == "alice"
    assert query_id in {q["query_id"] for q in progress["recent_queries"]}


def test_the_server_hosts_no_engine_and_holds_no_kafka_or_database_settings(
    hub: Hub, alices_server: StudentServer, classroom_db: str, classroom_bus: tuple[str, str]
) -> None:
    assert alices_server.process.proc is not None
    environ = Path(f"/proc/{alices_server.process.proc.pid}/environ").read_bytes().decode(errors="replace")
    bus_address = classroom_bus[0].removeprefix("kafka://").split("?")[0]
    assert "LEARNFLOW_GATEWAY_URL=" in environ and "JUPYTERHUB_API_TOKEN=" in environ  # the server's own
    for secret in (bus_address, classroom_db, "postgresql", "LEARNFLOW_DB_URL", "LEARNFLOW_BUS_URL"):
        assert secret not in environ
    status = alices_server.call("GET", "status").json()
    assert status["mode"] == "cluster" and status["engine"] == "running"
    assert status["gateway"] == {"url": hub.gateway, "reachable": True}
    assert (status["bus"], status["db"], status["error"]) == ("gateway", "gateway", None)
    # The local mode's store would be created here on first use; cluster mode has none.
    assert not list(alices_server.data_dir.rglob("*.sqlite3"))


def test_gateway_errors_keep_their_status_and_message(hub: Hub, alices_server: StudentServer) -> None:
    bad = alices_server.call("POST", "queries", {"text": 5})
    assert bad.status_code == 400 and bad.json()["message"].startswith("text:")
    not_an_id = alices_server.call("GET", "queries/not-a-uuid")
    assert not_an_id.status_code == 404 and not_an_id.json()["message"] == "no query not-a-uuid"
    bobs = call(hub, "bob", "POST", "api/queries", {"text": "what is a set?"}).json()["query_id"]
    hidden = alices_server.call("GET", f"queries/{bobs}")
    assert hidden.status_code == 404 and hidden.json()["message"] == f"no query {bobs}"
    too_many = alices_server.call("GET", "progress", limit="101")
    assert too_many.status_code == 400 and too_many.json()["field"] == "limit"
    # The gateway serves every student route the server does, attempts included.
    listed = alices_server.call("GET", "attempts")
    assert listed.status_code == 200 and listed.json()["student_id"] == "alice"


def test_events_arrive_over_the_servers_websocket(alices_server: StudentServer) -> None:
    socket = alices_server.events()
    try:
        query_id = alices_server.call(
            "POST", "queries", {"text": "what is a for loop?", "target_agent": "concepts"}
        )
        mine = query_id.json()["query_id"]
        seen: list[dict[str, Any]] = []
        while not any(e["type"] == "reply" and e["payload"]["query_id"] == mine for e in seen):
            seen.append(json.loads(socket.recv()))
    finally:
        socket.close()
    assert {e["student_id"] for e in seen} == {"alice"}
    # Each one is an Event as documented, the type naming its payload (logs travel on their
    # own topic, so whether any arrive before the reply is not fixed).
    for event in seen:
        EVENT.validate(event)


def test_the_kernels_server_client_works_unchanged(alices_server: StudentServer) -> None:
    client = ServerClient(ServerInfo(alices_server.url, alices_server.token), reply_timeout=90)
    client.start()
    try:
        listener = Recorder()
        client.submit(StudentQuery(**DEBUG), listener)
        assert client.wait_idle(120)
    finally:
        client.close(5)
    assert listener.failures == []
    assert [r.agent for r in listener.replies][:1] == ["debug"]
    assert listener.routing and listener.routing[0].target_agent == "debug"


KERNEL_ASKS = """
%load_ext learnflow_ext
from learnflow_ext.kernel.extension import current_session
print(type(current_session().client).__name__)
numbers = [1, 2, 3]
"""


def test_a_kernel_on_alices_server_asks_the_class_gateway(hub: Hub, alices_server: StudentServer) -> None:
    """A real kernel started by alice's cluster-mode server finds that server and asks through
    it (and so the gateway and the class's agents), not an engine of its own that no teacher
    sees: the kernel's check of the server once accepted only `jupyter-server` mode."""
    from jupyter_client import BlockingKernelClient

    kernels = alices_server.url + "api/kernels"
    auth = {"Authorization": f"token {alices_server.token}"}
    started = requests.post(kernels, json={"name": "python3"}, headers=auth, timeout=60)
    assert started.status_code == 201, started.text
    kernel_id = started.json()["id"]
    runtime = alices_server.data_dir.parent / "runtime"
    kernel = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
    kernel.load_connection_file()
    kernel.start_channels()
    output: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])

    try:
        kernel.wait_for_ready(timeout=120)
        reply = kernel.execute_interactive(KERNEL_ASKS, timeout=120, output_hook=keep)
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "".join(output).split()[-1] == "ServerClient"
        # A failing cell's capture reaches the gateway's store as alice's query.
        kernel.execute_interactive("print(numbers[3])", timeout=120, output_hook=keep)
    finally:
        kernel.stop_channels()
        requests.delete(f"{kernels}/{kernel_id}", headers=auth, timeout=60)

    def captured() -> bool:
        r = call(hub, "teacher", "GET", "api/instructor/students/alice/queries")
        return r.ok and any("numbers[3]" in (q["query"].get("code") or "") for q in r.json()["queries"])

    wait_until(captured, "alice's kernel-captured query at the gateway")


@pytest.fixture(scope="module")
def alice_struggles(hub: Hub, alices_server: StudentServer) -> None:
    """Three failed attempts submitted through alice's server, until the teacher sees the alert."""
    for _ in range(3):
        r = alices_server.call("POST", "attempts", {"exercise_id": "can-ride", "code": WRONG_CAN_RIDE})
        assert r.status_code == 202, r.text
        checked = answer(alices_server, r.json()["query_id"])
        assert checked["replies"][0]["check"]["passed"] is False

    def alert() -> bool:
        r = call(hub, "teacher", "GET", "api/instructor/struggles")
        return any(s["student_id"] == "alice" for s in r.json()["struggling"])

    wait_until(alert, "alice's struggle alert")


@pytest.mark.usefixtures("alice_struggles")
def test_the_dashboard_notebook_shows_the_class_from_the_gateway(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel inherits these: the dashboard reads the gateway as the teacher would on the hub.
    monkeypatch.setenv("LEARNFLOW_GATEWAY_URL", hub.gateway)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.tokens["teacher"])
    for name in [k for k in os.environ if k.startswith("LEARNFLOW_") and k != "LEARNFLOW_GATEWAY_URL"]:
        monkeypatch.delenv(name)
    path = tmp_path / "dash.ipynb"
    cli.create_dashboard(path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in code[0].outputs)
    printed = "".join(o.get("text", "") for o in code[1].outputs)
    assert "alice: " in printed and "boolean-logic" in printed, printed
    assert "IndexError:" in printed, printed


@pytest.mark.usefixtures("alice_struggles")
def test_the_dashboards_filters_are_the_teachers_courses_and_groups(hub: Hub) -> None:
    source = GatewaySource(hub.gateway, hub.tokens["teacher"])
    view = source.class_view(None)
    assert view.courses == ["py101"] and "alice" in view.groups["course-py101"]
    section = take_snapshot(source, Filters(group="course-py101"))
    assert "alice" in section.view.matrix.students
    assert set(section.view.matrix.students) <= set(view.groups["course-py101"])
    assert [s.student_id for s in section.struggles] == ["alice"]
    with pytest.raises(GatewayError) as refused:
        source.class_view("py102")
    assert refused.value.status == 403 and "not one of your courses" in str(refused.value)


def test_an_unreachable_gateway_is_a_502_that_says_so(tmp_path: Path, hub: Hub) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/services/learnflow/"
    server = start_student_server(tmp_path, nowhere, hub.tokens["alice"])
    try:
        status = server.call("GET", "status").json()
        assert status["engine"] == "failed" and status["gateway"]["reachable"] is False
        r = server.call("POST", "queries", {"text": "hi"})
        assert (
            r.status_code == 502 and "unreachable" in r.json()["message"] and nowhere in r.json()["message"]
        )
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            server.events()
        assert refused.value.status_code == 502
    finally:
        server.process.stop()


def test_preferences_pass_through_to_the_gateway(hub: Hub, alices_server: StudentServer) -> None:
    """Cluster mode: the kernel's and the lab's preferences are the gateway's one record."""
    change = {"learning_style": "visual", "known_topics": ["strings"]}
    saved = alices_server.call("PUT", "preferences", change)
    assert saved.status_code == 200, saved.text
    at_gateway = call(hub, "alice", "GET", "api/preferences").json()
    assert (at_gateway["learning_style"], at_gateway["known_topics"], at_gateway["saved"]) == (
        "visual",
        ["strings"],
        True,
    )
    call(hub, "alice", "PUT", "api/preferences", {"skill_level": "intermediate"})
    assert alices_server.call("GET", "preferences").json()["skill_level"] == "intermediate"
    bad = alices_server.call("PUT", "preferences", {"skill_level": "wizard"})
    assert bad.status_code == 400 and bad.json()["field"] == "skill_level"
