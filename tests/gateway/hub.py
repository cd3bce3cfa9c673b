"""A real JupyterHub (dummy authenticator, configurable-http-proxy) with the gateway as a
hub-managed service, and the agents as a `learnflow-agents run` process."""

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
CHP_INSTALL = "npm install --prefix build/chp --no-audit --no-fund configurable-http-proxy@5"
# As the Helm chart, docker-compose and the Zero to JupyterHub values register it.
SERVICE = "learnflow"
INSTRUCTORS = "learnflow-instructors"
INSTRUCT_SCOPE = "custom:learnflow:instruct"
# Courses are hub groups `course-<id>`; tom instructs py102 by a scope filtered to its group.
COURSE_SCOPED_INSTRUCTOR = ("tom", f"{INSTRUCT_SCOPE}!group=course-py102")
# The scopes of each user's server token, exactly as the Zero to JupyterHub values set them
# (hub.config.Spawner.server_token_scopes): what lets an instructor by scope use the dashboard
# from their own server.
SERVER_TOKEN_SCOPES: list[str] = yaml.safe_load((REPO / "helm/zero-to-jupyterhub-values.yaml").read_text())[
    "hub"
]["config"]["Spawner"]["server_token_scopes"]
# Small, so the oversized-body test sends little.
MAX_BODY = 64 * 1024
# Secrets the test processes must not inherit: no key means the offline tutors.
DROPPED_ENV = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CONFIGPROXY_AUTH_TOKEN", "JUPYTERHUB_API_TOKEN")


def chp_binary() -> str:
    """configurable-http-proxy: $LEARNFLOW_CHP, build/chp (see CHP_INSTALL), or PATH."""
    for candidate in (
        os.environ.get("LEARNFLOW_CHP"),
        str(REPO / "build/chp/node_modules/.bin/configurable-http-proxy"),
        shutil.which("configurable-http-proxy"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(f"configurable-http-proxy not found: run `{CHP_INSTALL}` in the repo root", pytrace=False)


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED_ENV and not k.startswith(("LEARNFLOW_LLM_", "JUPYTERHUB_"))
    }


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60.0, log: Path | None = None) -> Any:
    """Poll `check` until it returns something truthy; a deadline only turns a hang into a failure."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            raise AssertionError(f"gave up waiting for {what}\n{tail}")
        time.sleep(0.1)


def reachable(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Process:
    """A child process in its own session, so teardown reaches its children (CHP, the service)."""

    argv: list[str]
    log: Path
    env: dict[str, str]
    cwd: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the hub stops its proxy and services itself
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own session only: whatever is left of it
        self.proc.wait(timeout=10)


@dataclass
class Hub:
    url: str  # the proxy's public URL
    admin_token: str
    service_token: str
    process: Process
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return f"{self.url}/services/{SERVICE}/"

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{self.url}/hub/api/{path}",
            headers={"Authorization": f"token {self.admin_token}"},
            data=None if body is None else json.dumps(body),
            timeout=30,
        )
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def new_token(self, user: str) -> str:
        return str(self.admin("POST", f"users/{user}/tokens", {"note": "gateway tests"})["token"])

    def server_token(self, user: str) -> str:
        """Start `user`'s server (TokenSpawner) and return the API token the hub gave it."""
        path = self.process.cwd / "server-tokens" / user
        if not path.exists():
            self.admin("POST", f"users/{user}/server", {})
            wait_until(path.exists, f"{user}'s server token", log=self.process.log)
        return path.read_text()


def hub_config(
    tmp: Path, ports: dict[str, int], admin_token: str, service_token: str, gateway_argv: list[str]
) -> str:
    services = [
        {"name": "test-admin", "api_token": admin_token},
        {
            "name": SERVICE,
            "url": f"http://127.0.0.1:{ports['gateway']}",
            "api_token": service_token,
            "command": gateway_argv,
        },
    ]
    roles = [
        # As the Zero to JupyterHub values grant it: users' tokens may call the gateway.
        {"name": "user", "scopes": ["self", f"access:services!service={SERVICE}"]},
        # The test driver: creates users, groups and tokens (also for the custom scope's holder).
        {
            "name": "test-admin",
            "scopes": ["admin:users", "admin:groups", "tokens", "servers", INSTRUCT_SCOPE],
            "services": ["test-admin"],
        },
        # The gateway reads users' groups (courses, instructors) and groups' members (the
        # dashboard's group filter); nothing else.
        {"name": SERVICE, "scopes": ["read:users:groups", "read:groups"], "services": [SERVICE]},
        # A head of department: the unfiltered custom scope, every course.
        {"name": "learnflow-head", "scopes": [INSTRUCT_SCOPE], "users": ["tara"]},
        # An instructor of one course by the scope filtered to its group, not the group.
        {
            "name": "learnflow-py102",
            "scopes": [COURSE_SCOPED_INSTRUCTOR[1]],
            "users": [COURSE_SCOPED_INSTRUCTOR[0]],
        },
    ]
    return f"""
c = get_config()  # noqa
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {{"tara", "tom"}}
c.JupyterHub.bind_url = "http://127.0.0.1:{ports["public"]}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{ports["hub"]}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
c.ConfigurableHTTPProxy.command = [{chp_binary()!r}]
c.ConfigurableHTTPProxy.pid_file = {str(tmp / "chp.pid")!r}
c.JupyterHub.db_url = {f"sqlite:///{tmp / 'jupyterhub.sqlite'}"!r}
c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(tmp / "jupyterhub.pid")!r}
c.JupyterHub.custom_scopes = {{{INSTRUCT_SCOPE!r}: {{"description": "LearnFlow instructor views"}}}}
c.JupyterHub.services = {services!r}
c.JupyterHub.load_roles = {roles!r}
c.Spawner.server_token_scopes = {SERVER_TOKEN_SCOPES!r}

# A "server" that is only its token: the hub issues it as for any spawn (the scopes above, cut
# down to what the user holds) and this spawner keeps it in server-tokens/<user> for the tests;
# the URL is the gateway's, which answers (404) as the hub's readiness check needs.
from pathlib import Path
from jupyterhub.spawner import Spawner

class TokenSpawner(Spawner):
    async def start(self):
        folder = Path({str(tmp / "server-tokens")!r})
        folder.mkdir(exist_ok=True)
        (folder / self.user.name).write_text(self.api_token)
        return "http://127.0.0.1:{ports["gateway"]}"

    async def poll(self):
        return None

    async def stop(self):
        pass

c.JupyterHub.spawner_class = TokenSpawner
"""


def start_hub(tmp: Path, ports: dict[str, int], gateway_argv: list[str]) -> Hub:
    admin_token, service_token = secrets.token_hex(16), secrets.token_hex(16)
    config = tmp / "jupyterhub_config.py"
    config.write_text(hub_config(tmp, ports, admin_token, service_token, gateway_argv))
    env = clean_env()
    env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(16)
    process = Process(
        [sys.executable, "-m", "jupyterhub", "-f", str(config), "--debug"], tmp / "hub.log", env, tmp
    ).start()
    hub = Hub(f"http://127.0.0.1:{ports['public']}", admin_token, service_token, process)
    try:
        wait_until(lambda: reachable(f"{hub.url}/hub/api/"), "the hub behind the proxy", log=process.log)
        wait_until(lambda: reachable(f"{hub.gateway}health"), "the gateway service", log=process.log)
    except BaseException:
        process.stop()
        raise
    return hub


@contextlib.contextmanager
def gateway_behind_cuttable_hub(
    hub: Hub, tmp_path: Path, ready: str = "health"
) -> Iterator[tuple[str, Any, Path]]:
    """A second gateway (memory bus, SQLite) that reaches `hub`'s API through a TCP proxy the
    test can cut and restore: yields (its base URL, the proxy, its log file)."""
    from tests.fixtures.kafka_broker import free_port
    from tests.fixtures.tcp_proxy import TcpProxy

    hub_port = urlsplit(hub.url).port
    assert hub_port is not None
    proxy = TcpProxy(free_port(), hub_port)
    proxy.start()
    port = free_port()
    argv = [sys.executable, "-m", "learnflow_agents.gateway", "--ip", "127.0.0.1", "--port", str(port)]
    argv += ["--bus", "memory://", "--db", f"sqlite:///{tmp_path / 'gw.sqlite3'}"]
    argv += ["--hub-api-url", f"http://127.0.0.1:{proxy.listen_port}/hub/api", "--auth-cache", "0"]
    env = {**clean_env(), "JUPYTERHUB_API_TOKEN": hub.service_token, "JUPYTERHUB_SERVICE_PREFIX": "/"}
    gateway = Process(argv, tmp_path / "gateway.log", env, tmp_path).start()
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: reachable(base + ready), f"the second gateway's {ready}", log=gateway.log)
        yield base, proxy, gateway.log
    finally:
        gateway.stop()
        proxy.close()
