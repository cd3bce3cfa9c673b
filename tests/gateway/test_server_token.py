"""Instructors by scope, calling the gateway with their own server's token, on a real hub.

The class dashboard runs in the instructor's server and sends that server's token
(JUPYTERHUB_API_TOKEN). The hub here is configured as the Zero to JupyterHub values configure it
(`c.Spawner.server_token_scopes`, read from helm/zero-to-jupyterhub-values.yaml by hub.py),
and each server is really spawned by the hub (a spawner that only keeps the token it is given),
so the token carries what JupyterHub grants, not what a test chose.
"""

import sys
from collections.abc import Iterator

import pytest
import requests

from tests.fixtures.kafka_broker import free_port
from tests.gateway.conftest import GROUPS, STUDENTS
from tests.gateway.hub import COURSE_SCOPED_INSTRUCTOR, INSTRUCT_SCOPE, SERVER_TOKEN_SCOPES, Hub, start_hub


@pytest.fixture(scope="module")
def hub(
    classroom_db: str, classroom_bus: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    """The hub and gateway only: nothing here waits for an agent's reply."""
    tmp = tmp_path_factory.mktemp("hub")
    ports = {name: free_port() for name in ("public", "hub", "proxy_api", "gateway")}
    bus, prefix = classroom_bus
    gateway = [sys.executable, "-m", "learnflow_agents.gateway", "--ip", "127.0.0.1"]
    gateway += ["--port", str(ports["gateway"]), "--bus", bus, "--prefix", prefix, "--db", classroom_db]
    hub = start_hub(tmp, ports, gateway)
    try:
        hub.admin("POST", "users", {"usernames": list(STUDENTS)})
        for group, members in GROUPS.items():
            hub.admin("POST", f"groups/{group}", {})
            hub.admin("POST", f"groups/{group}/users", {"users": members})
        yield hub
    finally:
        hub.process.stop()


def call(hub: Hub, token: str, path: str) -> requests.Response:
    return requests.get(f"{hub.gateway}{path}", headers={"Authorization": f"token {token}"}, timeout=30)


def token_scopes(hub: Hub, token: str) -> set[str]:
    response = requests.get(
        f"{hub.url}/hub/api/user", headers={"Authorization": f"token {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return set(response.json()["scopes"])


def test_the_shipped_setting_asks_for_the_instructor_scope() -> None:
    assert INSTRUCT_SCOPE in SERVER_TOKEN_SCOPES
    assert "access:services!service=learnflow" in SERVER_TOKEN_SCOPES


def test_a_head_by_role_uses_the_dashboard_from_their_server(hub: Hub) -> None:
    token = hub.server_token("tara")  # learnflow-head: the scope, no instructors' group
    assert INSTRUCT_SCOPE in token_scopes(hub, token)
    response = call(hub, token, "api/instructor/class")
    assert response.status_code == 200, response.text
    assert "courses" in response.json()


def test_a_course_scoped_instructor_gets_their_course_from_their_server(hub: Hub) -> None:
    user, scope = COURSE_SCOPED_INSTRUCTOR
    token = hub.server_token(user)
    scopes = token_scopes(hub, token)
    # JupyterHub cuts the requested scope down to the group-filtered one tom holds.
    assert scope in scopes and INSTRUCT_SCOPE not in scopes
    response = call(hub, token, "api/instructor/class")
    assert response.status_code == 200, response.text
    assert set(response.json()["courses"]) <= {"py102"}


def test_a_students_server_token_gets_no_instructor_scope(hub: Hub) -> None:
    token = hub.server_token("alice")
    assert not {s for s in token_scopes(hub, token) if s.startswith(INSTRUCT_SCOPE)}
    assert call(hub, token, "api/instructor/class").status_code == 403
    assert call(hub, token, "api/progress").status_code == 200


def test_without_the_setting_the_head_would_be_refused(hub: Hub) -> None:
    """The bug the setting fixes: a token with only JupyterHub's default server scopes."""
    default = hub.admin(
        "POST",
        "users/tara/tokens",
        {"note": "default server scopes", "scopes": ["users:activity!user=tara", "access:servers!user=tara"]},
    )["token"]
    # 401: a token without `access:services!service=learnflow` is no way into the gateway at
    # all (before, it got as far as the instructor check: 403).
    assert call(hub, default, "api/instructor/class").status_code in (401, 403)
