"""docker-compose.yml against the Compose Specification's JSON Schema, plus what the stack
must guarantee: health-gated start order, KRaft Kafka, and no real secrets in the file."""

import copy
import json
import re
from typing import Any

import jsonschema
import pytest

from tests.deploy.support import AGENTS, COMPOSE, COMPOSE_SCHEMA, REPO, load_yaml

DEFAULTED = re.compile(r"^\$\{[A-Z_]+:-[^}]*\}$")


def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(COMPOSE_SCHEMA.read_text()))


def test_the_file_matches_the_compose_specification() -> None:
    errors = [e.message for e in validator().iter_errors(compose())]
    assert errors == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["services"]["triage"]["depends_on"]["migrations"].update(condition="service_finished"),
        lambda c: c["services"]["kafka"].update(healthcheck={"interval": "soon"} | {"tests": []}),
        lambda c: c["services"]["postgres"].update(restart=["always"]),
    ],
)
def test_a_broken_file_is_rejected(breakage) -> None:  # type: ignore[no-untyped-def]
    broken = copy.deepcopy(compose())
    breakage(broken)
    assert list(validator().iter_errors(broken))


def test_the_stack_has_every_part() -> None:
    services = compose()["services"]
    assert set(services) == {"kafka", "postgres", "migrations", "topics", "gateway", "hub", *AGENTS}
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert not any("bitnami" in str(s.get("image", "")) for s in services.values())
    for name in AGENTS:
        assert services[name]["command"] == ["run", "--agent", name]
    assert services["migrations"]["command"] == ["db", "upgrade"]
    assert services["topics"]["command"] == ["topics", "create"]
    for service in services.values():
        if "build" in service:
            assert (REPO / service["build"]["dockerfile"]).is_file()
    assert (REPO / "docker" / "jupyterhub_config.py").is_file()


def test_start_order_is_gated_on_health_and_completion() -> None:
    services = compose()["services"]
    long_running = [n for n, s in services.items() if s.get("restart") != "no"]
    for name in long_running:
        assert "healthcheck" in services[name], name
    assert services["migrations"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    for name in [*AGENTS, "gateway"]:
        assert services[name]["depends_on"] == {
            "migrations": {"condition": "service_completed_successfully"},
            "topics": {"condition": "service_completed_successfully"},
        }, name
    assert services["hub"]["depends_on"] == {"gateway": {"condition": "service_healthy"}}


def test_no_secret_is_hard_coded_and_the_hub_holds_no_data_credentials() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"(?i)password|token|api_key|secret", key):
                # Only ${VAR:-dev default}: real values come from the environment or .env.
                assert DEFAULTED.match(str(value)) or value == "${ANTHROPIC_API_KEY:-}", (name, key)
    assert services["triage"]["environment"]["ANTHROPIC_API_KEY"] == "${ANTHROPIC_API_KEY:-}"
    hub_env = services["hub"]["environment"]
    assert not [k for k in hub_env if re.search("DB_URL|BUS_URL|ANTHROPIC|POSTGRES", k)]
    text = COMPOSE.read_text()
    assert "sk-ant" not in text and "postgresql+psycopg://learnflow:${POSTGRES_PASSWORD:-" in text


def test_kafka_keeps_its_topics_in_the_volume() -> None:
    """apache/kafka logs to /tmp/kraft-combined-logs unless KAFKA_LOG_DIRS says otherwise: the data
    volume must be mounted where the broker writes, or recreating the container loses the topics."""
    kafka = compose()["services"]["kafka"]
    mounts = {m.split(":")[0]: m.split(":")[1] for m in kafka["volumes"]}
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == mounts["kafka-data"] == "/var/lib/kafka/data"
    assert "kafka-data" in compose()["volumes"]


def test_the_hub_and_the_servers_it_spawns_are_not_root() -> None:
    """The hub starts users' servers as local processes of its own user: as root, each server
    would exit at once (Jupyter refuses root without --allow-root). The hub image runs as a
    non-root user and compose does not override it."""
    from tests.deploy.test_images import stages

    hub = compose()["services"]["hub"]
    assert hub.get("user") in (None, "10001")
    final = stages(REPO / hub["build"]["dockerfile"])[-1]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("WORKDIR", "/srv/jupyterhub") in final  # owned by that user: the hub's database


def test_the_hub_config_loads_with_jupyterhub(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """docker/jupyterhub_config.py as the hub would load it: the authenticator and spawner it
    names resolve, the groups and roles are ones JupyterHub accepts, and the spawner's command
    starts a server without --allow-root, so the non-root user above is what makes it start."""
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import DummyAuthenticator
    from jupyterhub.spawner import SimpleLocalProcessSpawner

    monkeypatch.setenv("LEARNFLOW_GATEWAY_HUB_TOKEN", "test-token")
    monkeypatch.chdir(tmp_path)
    hub = JupyterHub()
    hub.load_config_file(str(REPO / "docker" / "jupyterhub_config.py"))
    assert hub.spawner_class is SimpleLocalProcessSpawner
    assert hub.authenticator_class is DummyAuthenticator
    assert hub.load_groups["learnflow-instructors"]["users"] == ["teacher"]
    assert [s["name"] for s in hub.services] == ["learnflow"]
    assert "--allow-root" not in " ".join(SimpleLocalProcessSpawner().cmd + SimpleLocalProcessSpawner().args)
