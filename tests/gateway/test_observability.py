"""The gateway's `/metrics` (on its own port) and JSON-only logs, on the real gateway behind a
real JupyterHub.

The module runs its own hub (no agents needed: nothing here waits for a reply) whose gateway
writes its stderr to a file of its own, so every line it logs can be checked to be JSON.
"""

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.fixtures.kafka_broker import free_port
from tests.gateway.conftest import GROUPS, STUDENTS
from tests.gateway.hub import Hub, start_hub, wait_until


@pytest.fixture(scope="module")
def gateway_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gateway-log") / "gateway.log"


@pytest.fixture(scope="module")
def hub(
    classroom_db: str,
    classroom_bus: tuple[str, str],
    gateway_log: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("hub")
    ports = {name: free_port() for name in ("public", "hub", "proxy_api", "gateway", "metrics")}
    bus, prefix = classroom_bus
    gateway = [sys.executable, "-m", "learnflow_agents.gateway", "--ip", "127.0.0.1"]
    gateway += ["--port", str(ports["gateway"]), "--bus", bus, "--prefix", prefix, "--db", classroom_db]
    gateway += ["--metrics-port", str(ports["metrics"]), "--log-level", "DEBUG"]
    # The service's stderr (where it logs) to a file of its own; stdout stays the hub's.
    wrapped = ["sh", "-c", f'exec "$@" 2>>{gateway_log}', "gateway", *gateway]
    hub = start_hub(tmp, ports, wrapped)
    try:
        hub.admin("POST", "users", {"usernames": list(STUDENTS)})
        for group, members in GROUPS.items():
            hub.admin("POST", f"groups/{group}", {})
            hub.admin("POST", f"groups/{group}/users", {"users": members})
        for user in STUDENTS:
            hub.tokens[user] = hub.new_token(user)
        METRICS_URL[hub.url] = f"http://127.0.0.1:{ports['metrics']}/metrics"
        yield hub
    finally:
        hub.process.stop()


# The gateway's own metrics port (not behind the hub's proxy), per hub.
METRICS_URL: dict[str, str] = {}


def scrape(hub: Hub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the gateway's /metrics, keyed by name and sorted labels."""
    response = requests.get(METRICS_URL[hub.url], timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def get(hub: Hub, path: str, user: str | None = None, token: str | None = None) -> requests.Response:
    token = token or (hub.tokens[user] if user else None)
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.get(f"{hub.gateway}{path}", headers=headers, timeout=30)


def test_metrics_are_not_published_through_the_hub(hub: Hub) -> None:
    """Only the metrics port serves them; the API port (behind the public proxy) does not."""
    assert requests.get(f"{hub.gateway}metrics", timeout=10).status_code == 404
    assert "learnflow_gateway_requests_total" in requests.get(METRICS_URL[hub.url], timeout=10).text


def test_requests_auth_failures_and_hub_latency_are_counted(hub: Hub) -> None:
    before = scrape(hub)
    fresh = hub.new_token("bob")  # never seen by the gateway: its check is a hub round trip
    assert get(hub, "api/progress", token=fresh).status_code == 200
    assert get(hub, "api/progress", user="alice").status_code == 200
    assert get(hub, "api/progress", token="not-a-token").status_code == 401
    assert get(hub, "api/progress").status_code == 401
    assert get(hub, "api/instructor/class", user="alice").status_code == 403
    # alice has asked nothing in this module: 404, counted under the route all the same.
    assert get(hub, "api/instructor/students/alice/queries", user="teacher").status_code == 404
    after = scrape(hub)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    total = "learnflow_gateway_requests_total"
    assert moved(total, route="api/progress", method="GET", status="200") == 2
    assert moved(total, route="api/progress", method="GET", status="401") == 2
    assert moved(total, route="api/instructor/class", method="GET", status="403") == 1
    # The route template, never the student's id, is the label.
    assert moved(total, route="api/instructor/students/{id}/queries", method="GET", status="404") == 1
    assert not [key for key in after if any("alice" in v for _, v in key[1])]

    failures = "learnflow_gateway_auth_failures_total"
    assert moved(failures, route="api/progress", reason="unauthenticated") == 2
    assert moved(failures, route="api/instructor/class", reason="forbidden") == 1

    hub_calls = "learnflow_gateway_hub_api_seconds_count"
    assert moved(hub_calls, call="token", outcome="ok") >= 2  # bob's fresh token, the bad one
    assert moved(hub_calls, call="users", outcome="ok") >= 1  # teacher's groups (fresh per instructor call)
    assert value(after, "learnflow_gateway_hub_api_seconds_sum", call="token", outcome="ok") > 0
    assert moved("learnflow_gateway_request_seconds_count", route="api/progress") == 4


@pytest.mark.asyncio
async def test_open_websockets_are_a_gauge(hub: Hub) -> None:
    url = hub.gateway.replace("http://", "ws://") + "api/events"

    async def gauge() -> float:
        samples = await asyncio.to_thread(scrape, hub)
        return value(samples, "learnflow_gateway_websockets")

    assert await gauge() == 0
    sockets = [
        await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {hub.tokens[user]}"}))
        for user in ("alice", "bob")
    ]
    assert await gauge() == 2
    sockets[0].close()
    await wait_async(lambda: gauge(), 1)
    sockets[1].close()
    await wait_async(lambda: gauge(), 0)


async def wait_async(read, expected: float, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (seen := await read()) != expected:
        assert loop.time() < deadline, f"gauge stayed {seen}, expected {expected}"
        await asyncio.sleep(0.1)


def test_every_gateway_log_line_is_json(hub: Hub, gateway_log: Path) -> None:
    assert get(hub, "api/progress", user="carol").status_code == 200
    assert get(hub, "api/progress", token="still-not-a-token").status_code == 401

    def access_lines() -> list[dict[str, object]]:
        text = gateway_log.read_text(errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"a gateway log line is not JSON: {line!r}")
        return [e for e in entries if e.get("logger") == "learnflow.gateway.access"]

    entries = wait_until(
        lambda: (
            [e for e in access_lines() if e.get("route") == "api/progress" and e.get("status") == 401]
            and access_lines()
        ),
        "the access log line of the refused request",
    )
    refused = [e for e in entries if e["route"] == "api/progress" and e["status"] == 401]
    assert refused[-1]["level"] == "warning" and refused[-1]["method"] == "GET"
    assert isinstance(refused[-1]["duration_ms"], float)
    text = gateway_log.read_text()
    loggers = {json.loads(line)["logger"] for line in text.splitlines() if line.strip()}
    # Not only learnflow's loggers: the hub client's (tornado.application) and aiokafka's too.
    assert {"tornado.application", "aiokafka"} <= {
        name.split(".")[0] if name.startswith("aiokafka") else name for name in loggers
    }
    # Startup lines (learnflow's own, tornado's) are JSON too, and no token is ever logged.
    assert '"logger": "learnflow.gateway"' in text
    assert not any(token in text for token in hub.tokens.values())
