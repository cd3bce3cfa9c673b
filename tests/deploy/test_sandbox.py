"""The learnflow-sandbox Deployment (issue 12): where student code runs in a cluster. It holds no
secrets at all, may open no connection, is reached only by the agents that run student code, and
its memory limit is its own per-check limit times its concurrency plus the server's overhead.
Rendered by Helm's engine and schema-checked like the rest of the chart (test_chart_render.py);
who may reach it is in test_network_policies.py."""

import json
import re
from typing import Any

import pytest

from tests.deploy.support import AGENTS, CHART, helm_render
from tests.deploy.test_chart_render import (
    API_KEY,
    DB_URL,
    DEFAULTS,
    HUB_TOKEN,
    SANDBOX_IMAGE,
    VARIANTS,
    agent_deployments,
    of_kind,
    render,
    rendered,
    schema_errors,
)

CLIENTS = {"exercise", "debug", "code-review"}
CREDENTIAL = re.compile(r"(?i)key|token|secret|password|db_url|bus_url|kafka|database|anthropic")


def _sandbox(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return of_kind(docs, "Deployment")["learnflow-sandbox"]


def _pod(docs: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = _sandbox(docs)["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "minimal"])
def test_the_sandbox_pod_holds_no_secrets(variant: str) -> None:
    docs = rendered(variant)
    deployment = _sandbox(docs)
    pod = _pod(docs)
    text = json.dumps(deployment)
    for forbidden in ("secretKeyRef", "envFrom", "secretRef", '"secret"', "projected", "configMap"):
        assert forbidden not in text, forbidden
    for sentinel in (DB_URL, "db-password-sentinel", API_KEY, HUB_TOKEN, "kafka", "postgres"):
        assert sentinel not in text, sentinel
    (container,) = pod["containers"]
    assert [e["name"] for e in container["env"] if CREDENTIAL.search(e["name"])] == []
    assert all(set(e) == {"name", "value"} for e in container["env"])
    assert [v for v in pod["volumes"] if set(v) != {"name", "emptyDir"}] == []
    # No service-account token, no Service environment, not labelled for Kafka/PostgreSQL access.
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    assert "learnflow.io/data-access" not in deployment["spec"]["template"]["metadata"]["labels"]
    # Non-root, read-only root, /tmp the one writable place.
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert container["args"][:4] == ["sandbox", "serve", "--host=0.0.0.0", "--port=8070"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}


def test_the_sandbox_may_open_no_connection_and_admits_only_the_agents_that_run_code() -> None:
    policy = of_kind(rendered("defaults"), "NetworkPolicy")["learnflow-sandbox"]["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "sandbox"
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["egress"] == []
    (rule,) = policy["ingress"]
    assert rule["ports"] == [{"port": 8070, "protocol": "TCP"}]
    (peer,) = rule["from"]
    assert set(peer) == {"podSelector"}  # this namespace only
    expressions = {e["key"]: e for e in peer["podSelector"]["matchExpressions"]}
    assert set(expressions["learnflow.io/agent"]["values"]) == CLIENTS
    assert expressions["app.kubernetes.io/instance"]["values"] == ["learnflow"]
    # Still rendered when the chart's other policies are switched off.
    docs = render({**DEFAULTS, "networkPolicy": {"enabled": False}})
    assert set(of_kind(docs, "NetworkPolicy")) == {"learnflow-sandbox"}


@pytest.mark.parametrize(
    ("concurrency", "per_check", "overhead", "limit"),
    [(None, None, None, "2304Mi"), (2, 512, 256, "1280Mi"), (8, 768, 300, "6444Mi")],
)
def test_the_memory_limit_is_the_checks_times_the_concurrency_plus_the_server(
    concurrency: int | None, per_check: int | None, overhead: int | None, limit: str
) -> None:
    sandbox = {
        k: v
        for k, v in {
            "concurrency": concurrency,
            "checkMemoryMi": per_check,
            "overheadMemoryMi": overhead,
        }.items()
        if v is not None
    }
    docs = render({**DEFAULTS, "sandbox": {**SANDBOX_IMAGE, **sandbox}})
    (container,) = _pod(docs)["containers"]
    assert container["resources"]["limits"]["memory"] == limit
    assert container["resources"]["requests"]["memory"] == limit
    # The server runs as many checks at once as the limit was computed for.
    assert f"--concurrency={concurrency or 4}" in container["args"]
    assert [e for d in docs for e in schema_errors(d)] == []


def test_the_per_check_memory_is_the_sandbox_s_own_limit() -> None:
    """checkMemoryMi's default is what one sandboxed run may use (sandbox/limits.py), and the
    service's default concurrency is the chart's."""
    from learnflow_agents.sandbox.limits import Limits
    from learnflow_agents.sandbox.service import DEFAULT_CONCURRENCY

    from tests.deploy.support import load_yaml

    sandbox = load_yaml(CHART / "values.yaml")["sandbox"]
    assert sandbox["checkMemoryMi"] * 1024 * 1024 == Limits().memory_bytes
    assert sandbox["concurrency"] == DEFAULT_CONCURRENCY


def test_seccomp_runtime_class_and_weak_isolation() -> None:
    pod = _pod(rendered("defaults"))
    # bubblewrap's user namespaces: Unconfined for this pod only (test_pods_are_locked_down).
    assert pod["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert "runtimeClassName" not in pod
    (container,) = pod["containers"]
    assert "LEARNFLOW_SANDBOX_ALLOW_WEAK" not in {e["name"] for e in container["env"]}

    docs = render(
        {
            **DEFAULTS,
            "sandbox": {
                **SANDBOX_IMAGE,
                "runtimeClassName": "gvisor",
                "seccompProfile": {"type": "RuntimeDefault"},
                "allowWeakIsolation": True,
            },
        }
    )
    assert [e for d in docs for e in schema_errors(d)] == []
    pod = _pod(docs)
    assert pod["runtimeClassName"] == "gvisor"
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert {"name": "LEARNFLOW_SANDBOX_ALLOW_WEAK", "value": "1"} in container["env"]


@pytest.mark.parametrize(
    ("release", "host"), [("learnflow", "learnflow-sandbox"), ("school", "school-learnflow-sandbox")]
)
def test_the_agents_that_run_student_code_find_the_sandbox(release: str, host: str) -> None:
    docs = helm_render(CHART, DEFAULTS, release, "learnflow")
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert services[host]["spec"]["ports"][0]["port"] == 8070
    agents = {
        d["metadata"]["labels"]["learnflow.io/agent"]: d
        for d in docs
        if d["kind"] == "Deployment" and d["metadata"]["labels"].get("app.kubernetes.io/component") == "agent"
    }
    assert set(agents) == set(AGENTS)
    for name, d in agents.items():
        env = {e["name"]: e.get("value") for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
        if name in CLIENTS:
            assert env["LEARNFLOW_SANDBOX_URL"] == f"http://{host}:8070", name
        else:
            assert "LEARNFLOW_SANDBOX_URL" not in env, name


def test_without_the_sandbox_no_agent_is_sent_to_it() -> None:
    docs = render({**DEFAULTS, "sandbox": {"enabled": False}})
    assert "learnflow-sandbox" not in of_kind(docs, "Deployment")
    for d in agent_deployments(docs).values():
        assert "LEARNFLOW_SANDBOX_URL" not in {
            e["name"] for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
        }
