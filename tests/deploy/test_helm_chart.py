"""The Helm chart without a cluster: Helm's own lint (helm-sdkpy bundles Helm's library),
values against values.schema.json, and the security-relevant parts of the templates.

helm-sdkpy exposes lint but no `template`/dry-run; lint renders every template (with the
chart's values) and fails on template errors, and the assertions below read the template
sources. The rendered manifests are validated in test_chart_render.py (helm-python-sdk).
"""

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helm_sdkpy import Configuration, Lint

from tests.deploy.support import AGENTS, CHART, load_yaml

ERROR = 3  # Helm's support.ErrorSev


def lint(chart: Path) -> list[dict[str, Any]]:
    result = asyncio.run(Lint(Configuration()).run(str(chart)))
    return [m for m in result["Messages"] if m["Severity"] >= ERROR]


def chart_with(tmp_path: Path, values: dict[str, Any]) -> Path:
    copy = tmp_path / "learnflow"
    shutil.copytree(CHART, copy)
    (copy / "values.yaml").write_text(yaml.safe_dump(values))
    return copy


def values() -> dict[str, Any]:
    return load_yaml(CHART / "values.yaml")


def schema() -> dict[str, Any]:
    return json.loads((CHART / "values.schema.json").read_text())


def template(name: str) -> str:
    return (CHART / "templates" / name).read_text()


# -- helm lint -------------------------------------------------------------------------------


def test_helm_lint_passes() -> None:
    assert lint(CHART) == []


def test_helm_lint_passes_with_keda_existing_secrets_and_in_cluster_backends(tmp_path: Path) -> None:
    v = values()
    v["keda"]["enabled"] = True
    v["database"].update(existingSecret="pg-app", existingSecretKey="uri", podSelector={"app": "pg"})
    v["kafka"].update(podSelector={"strimzi.io/cluster": "learnflow"}, namespace="kafka")
    v["llm"].update(existingSecret="llm", settings={"MODEL": "claude-sonnet-4-5"})
    v["gateway"].update(existingSecret="hub-token")
    v["agents"]["debug"] = {"replicas": 4, "autoscaling": {"enabled": False}}
    assert lint(chart_with(tmp_path, v)) == []


def test_helm_lint_rejects_values_against_the_schema(tmp_path: Path) -> None:
    v = values()
    v["agentDefaults"]["replicas"] = "two"
    assert [m["Path"] for m in lint(chart_with(tmp_path, v))] == ["values.yaml", "templates/"]


def test_helm_lint_catches_a_template_error(tmp_path: Path) -> None:
    copy = chart_with(tmp_path, values())
    (copy / "templates" / "broken.yaml").write_text("{{ .Values.image.repository | nosuchfunction }}\n")
    assert [m["Path"] for m in lint(copy)] == ["templates/"]


# -- values.schema.json ------------------------------------------------------------------------


def test_values_match_the_schema() -> None:
    jsonschema.Draft7Validator.check_schema(schema())
    jsonschema.validate(values(), schema())


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("kafka", "bootstrapServers"), "kafka"),  # no port
        (("database", "url"), "mysql://x"),
        (("agentDefaults", "autoscaling", "targetCPUUtilizationPercentage"), 150),
        (("agents", "grader"), {}),  # not an agent
        (("llm", "settings"), {"API_KEY": "sk-ant-x"}),  # secrets do not go in plain env
        (("image", "pullPolicy"), "Sometimes"),
        (("networkPolicy", "externalCIDRs"), ["10.0.0.0"]),
    ],
)
def test_broken_values_are_rejected(path: tuple[str, ...], bad: object) -> None:
    v = values()
    node = v
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(v, schema())


# -- what the templates guarantee ----------------------------------------------------------------


def test_every_agent_has_a_deployment_with_probes_and_graceful_termination() -> None:
    assert list(values()["agents"]) == AGENTS
    agents = template("agents.yaml")
    assert "kind: Deployment" in agents and '"run", "--agent"' in agents
    assert "livenessProbe:\n            httpGet: {path: /health, port: metrics}" in agents
    assert "readinessProbe:\n            httpGet: {path: /ready, port: metrics}" in agents
    assert "terminationGracePeriodSeconds: {{ $a.terminationGracePeriodSeconds }}" in agents
    assert "preStop:" in agents
    for kind in ("HorizontalPodAutoscaler", "ScaledObject", "PodDisruptionBudget"):
        assert f"kind: {kind}" in agents


def test_every_deployment_template_sets_both_probes() -> None:
    for path in (CHART / "templates").glob("*.yaml"):
        text = path.read_text()
        for _ in re.finditer(r"^kind: Deployment$", text, re.M):
            assert text.count("livenessProbe:") >= 1 and text.count("readinessProbe:") >= 1, path.name
    gateway = template("gateway.yaml")
    assert "kind: Service" in gateway and "kind: PodDisruptionBudget" in gateway


def test_the_api_key_and_database_url_come_from_secrets() -> None:
    helpers = template("_helpers.tpl")
    for name in ("ANTHROPIC_API_KEY", "LEARNFLOW_DB_URL"):
        block = helpers[helpers.index(f"- name: {name}") :][:300]
        assert "secretKeyRef:" in block and "value:" not in block.split("secretKeyRef")[0]
    secret = template("secret.yaml")
    assert "kind: Secret" in secret and "anthropic-api-key:" in secret and "db-url:" in secret
    # The plain-value env settings cannot carry the key (the schema forbids *KEY*/*TOKEN* names).
    # (It is named only in the conditions that decide whether the chart's Secret is needed.)
    conditions = (
        ".Values.llm.anthropicApiKey .Values.llm.existingSecret",
        "and .Values.llm.anthropicApiKey (not ",
    )
    for condition in conditions:
        helpers = helpers.replace(condition, "")
    assert "llm.anthropicApiKey" not in helpers


def test_migrations_run_as_a_hook_and_topics_as_a_job() -> None:
    jobs = template("jobs.yaml")
    migrations = jobs[jobs.index("-migrations") :]
    assert "helm.sh/hook: pre-install,pre-upgrade" in migrations
    assert '(list "db" "upgrade")' in jobs and '(list "topics" "create")' in jobs
    assert jobs.count("kind: Job") == 2


def test_network_policies_guard_kafka_and_postgres() -> None:
    policies = template("networkpolicy.yaml")
    assert policies.count("kind: NetworkPolicy") == 4
    # Only pods labelled for data access (agents, gateway, jobs) are admitted to Kafka/PostgreSQL.
    clients = policies[policies.index("-clients") :]
    assert 'learnflow.io/data-access: "true"' in clients and "policyTypes: [Ingress]" in clients
    for name in ("agents.yaml", "gateway.yaml", "jobs.yaml"):
        assert 'learnflow.io/data-access: "true"' in template(name), name
    assert values()["networkPolicy"]["enabled"] is True
