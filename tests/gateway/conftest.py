"""The classroom stack, once per module: PostgreSQL schema, Kafka-protocol broker, the
agents process, and a JupyterHub running the gateway as a managed service."""

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from learnflow_agents.store import Store
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.fixtures.databases import _admin_connect, postgres_url
from tests.fixtures.kafka_broker import KafkaBroker, free_port
from tests.gateway.hub import MAX_BODY, Hub, Process, clean_env, start_hub, wait_until

STUDENTS = ("alice", "bob", "carol", "dave", "erin", "teacher", "ivy")
# Hub groups: courses `course-<id>` (students and their instructors) and the instructors.
GROUPS = {
    "course-py101": ["alice", "bob", "erin", "teacher"],
    "course-py102": ["carol", "erin"],  # erin takes both courses
    "learnflow-instructors": ["teacher", "ivy"],  # ivy teaches no course: she sees dave
}


@pytest.fixture(scope="module")
def classroom_db() -> Iterator[str]:
    """A migrated PostgreSQL schema shared by the module's tests (the gateway's real backend)."""
    base = postgres_url()
    schema = f"lf_gw_{uuid.uuid4().hex[:12]}"
    with _admin_connect(base) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    Store.open(rendered, upgrade=True).close()
    try:
        yield rendered
    finally:
        with _admin_connect(base) as admin:
            admin.execute("SET lock_timeout = '30s'")
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="module")
def classroom_bus(kafka_broker: KafkaBroker) -> tuple[str, str]:
    return kafka_broker.bus_url(), f"gw{uuid.uuid4().hex[:8]}."


@pytest.fixture(scope="module")
def agents(
    classroom_db: str, classroom_bus: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Process]:
    """All six agents, offline, as `learnflow-agents run` (their own process, like a Deployment)."""
    tmp = tmp_path_factory.mktemp("agents")
    bus, prefix = classroom_bus
    argv = [sys.executable, "-m", "learnflow_agents", "run", "--bus", bus, "--prefix", prefix]
    argv += ["--db", classroom_db, "--metrics-port", "0"]
    process = Process(argv, tmp / "agents.log", clean_env(), tmp).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def hub(
    classroom_db: str,
    classroom_bus: tuple[str, str],
    agents: Process,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("hub")
    ports = {name: free_port() for name in ("public", "hub", "proxy_api", "gateway")}
    bus, prefix = classroom_bus
    gateway = [sys.executable, "-m", "learnflow_agents.gateway", "--ip", "127.0.0.1"]
    gateway += ["--port", str(ports["gateway"]), "--bus", bus, "--prefix", prefix, "--db", classroom_db]
    # A module may serve bigger bodies (GATEWAY_MAX_BODY), e.g. to reach the schemas' own limits.
    max_body = getattr(request.module, "GATEWAY_MAX_BODY", MAX_BODY)
    gateway += ["--max-body", str(max_body), "--log-level", "DEBUG"]
    hub = start_hub(tmp, ports, gateway)
    try:
        hub.admin("POST", "users", {"usernames": list(STUDENTS)})
        for group, members in GROUPS.items():
            hub.admin("POST", f"groups/{group}", {})
            hub.admin("POST", f"groups/{group}/users", {"users": members})
        for user in (*STUDENTS, "tara", "tom"):
            hub.tokens[user] = hub.new_token(user)
        assert agents.alive(), Path(agents.log).read_text(errors="replace")[-4000:]
        yield hub
    finally:
        hub.process.stop()


@pytest.fixture(scope="module")
def agents_ready(hub: Hub, agents: Process) -> None:
    """The agents have joined their groups: a heartbeat from each is in the store."""

    def six_agents() -> bool:
        import requests

        r = requests.get(
            f"{hub.gateway}api/instructor/health",
            headers={"Authorization": f"token {hub.tokens['teacher']}"},
            timeout=10,
        )
        return r.status_code == 200 and len({a["agent"] for a in r.json()["agents"]}) >= 6

    wait_until(six_agents, "a heartbeat from every agent", log=agents.log)
