"""The gateway's configuration and CLI, without a hub."""

import argparse

import pytest
from learnflow_agents.gateway import GatewayConfig, GatewayConfigError, add_gateway_command
from learnflow_agents.gateway.cli import main_gateway


def test_config_comes_from_the_hub_service_env_and_flags_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://hub:8081/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "service-secret")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/services/lf/")
    config = GatewayConfig.from_env(instructor_scope="", max_body_bytes=4096, course_group_prefix="")
    assert (config.hub_api_url, config.api_token, config.prefix) == (
        "http://hub:8081/hub/api",
        "service-secret",
        "/services/lf/",
    )
    assert config.instructor_scope is None and config.instructor_group == "learnflow-instructors"
    assert config.max_body_bytes == 4096 and config.course_group_prefix is None
    assert GatewayConfig.from_env().course_group_prefix == "course-"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hub_api_url": "", "api_token": "t"}, "JUPYTERHUB_API_URL"),
        ({"hub_api_url": "http://h/hub/api", "api_token": ""}, "JUPYTERHUB_API_TOKEN"),
        ({"hub_api_url": "http://h/hub/api", "api_token": "t", "prefix": "/no-slash"}, "prefix"),
        ({"hub_api_url": "http://h/hub/api", "api_token": "t", "max_body_bytes": 10}, "1024"),
    ],
)
def test_bad_config_is_refused_with_the_reason(values: dict[str, object], message: str) -> None:
    with pytest.raises(GatewayConfigError, match=message):
        GatewayConfig(**values)  # type: ignore[arg-type]


def test_the_subcommand_parses_and_exits_2_without_a_hub(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("JUPYTERHUB_API_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    parser = argparse.ArgumentParser(prog="learnflow-agents")
    add_gateway_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["gateway", "--port", "9000", "--instructor-group", "tas", "--db", "sqlite:///:memory:"]
    )
    assert (args.port, args.instructor_group, args.func) == (9000, "tas", main_gateway)
    assert args.func(args) == 2
    assert "JUPYTERHUB_API_URL" in capsys.readouterr().err


def test_the_default_prefix_is_the_name_the_chart_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Outside the hub's service management nothing passes JUPYTERHUB_SERVICE_PREFIX: the
    # default must be where the hub routes `learnflow` (helm/, docker-compose.yml).
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://hub:8081/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "service-secret")
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert GatewayConfig.from_env().prefix == "/services/learnflow/"
