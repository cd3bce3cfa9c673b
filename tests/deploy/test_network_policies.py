"""Who may talk to whom, decided by an evaluator (tests/deploy/netpol.py) over the NetworkPolicies
that a real install renders: our chart (Helm's engine, as test_chart_render.py) with Kafka and
PostgreSQL in their own namespaces as docs/deploy.md sets them up, and Zero to JupyterHub's hub
and singleuser policies rendered from z2jh's own templates (vendored, tests/deploy/z2jh/) with
helm/zero-to-jupyterhub-values.yaml. Pods are modelled from the rendered Deployments' labels and
ports; z2jh's pods with the labels its hub Deployment and KubeSpawner give them."""

import functools
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.netpol import Cluster, Pod, selector_matches
from tests.deploy.support import (
    CHART,
    Z2JH_NAMESPACE,
    Z2JH_RELEASE,
    Z2JH_VALUES,
    helm_render,
    load_yaml,
    z2jh_chart,
)

NAMESPACE = "learnflow"  # the gateway URL in zero-to-jupyterhub-values.yaml names this namespace
VALUES: dict[str, Any] = {
    "image": {"repository": "registry.example.org/learnflow/learnflow-agents"},
    "sandbox": {"image": {"repository": "registry.example.org/learnflow/learnflow-sandbox"}},
    "database": {
        "url": "postgresql+psycopg://learnflow:pw@postgres:5432/learnflow",
        "podSelector": {"cnpg.io/cluster": "learnflow-db"},
        "namespace": "postgres",
    },
    "gateway": {"hubApiToken": "token"},
    "kafka": {
        "bootstrapServers": "learnflow-kafka-bootstrap.kafka.svc:9092",
        "podSelector": {"strimzi.io/cluster": "learnflow"},
        "namespace": "kafka",
    },
}
Z2JH_MATCH = {"app": "jupyterhub", "release": Z2JH_RELEASE}


def _with_namespace(docs: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    for d in docs:
        d["metadata"].setdefault("namespace", namespace)
    return docs


@functools.cache
def _ours() -> tuple[dict[str, Any], ...]:
    return tuple(_with_namespace(helm_render(CHART, VALUES, "learnflow", NAMESPACE), NAMESPACE))


@functools.cache
def _z2jh(values_path: Path | None = Z2JH_VALUES) -> tuple[dict[str, Any], ...]:
    values = load_yaml(values_path) if values_path else {}
    with tempfile.TemporaryDirectory() as where:
        docs = helm_render(z2jh_chart(Path(where)), values, Z2JH_RELEASE, Z2JH_NAMESPACE)
    return tuple(_with_namespace(docs, Z2JH_NAMESPACE))


def _policies(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "NetworkPolicy"]


def _pods(docs: tuple[dict[str, Any], ...]) -> dict[str, Pod]:
    """One Pod per rendered Deployment, named after it minus the release prefix."""
    pods = {}
    for i, d in enumerate(x for x in docs if x["kind"] == "Deployment"):
        template = d["spec"]["template"]
        ports = {
            p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])
        }
        name = d["metadata"]["name"].removeprefix("learnflow-")
        pods[name] = Pod(name, NAMESPACE, f"10.42.1.{i + 10}", template["metadata"]["labels"], ports)
    return pods


NAMESPACES = {NAMESPACE: {}, Z2JH_NAMESPACE: {}, "kafka": {}, "postgres": {}, "kube-system": {}, "other": {}}
HUB = Pod(
    "hub",
    Z2JH_NAMESPACE,
    "10.42.2.2",
    {**Z2JH_MATCH, "component": "hub", "hub.jupyter.org/network-access-proxy-api": "true"},
    {"http": 8081},
)
PROXY = Pod(
    "proxy", Z2JH_NAMESPACE, "10.42.2.3", {**Z2JH_MATCH, "component": "proxy"}, {"http": 8000, "api": 8001}
)
STUDENT = Pod(
    "jupyter-alice",
    Z2JH_NAMESPACE,
    "10.42.2.4",
    {**Z2JH_MATCH, "component": "singleuser-server", "hub.jupyter.org/network-access-hub": "true"},
    {"notebook-port": 8888},
)
KAFKA = Pod("kafka-0", "kafka", "10.42.3.2", {"strimzi.io/cluster": "learnflow"}, {"tcp-clients": 9092})
POSTGRES = Pod("db-1", "postgres", "10.42.4.2", {"cnpg.io/cluster": "learnflow-db"}, {"postgresql": 5432})
DNS = Pod("coredns", "kube-system", "10.42.5.2", {"k8s-app": "kube-dns"}, {"dns": 53})
STRANGER = Pod("stranger", "other", "10.42.6.2", {"app": "whatever"}, {})
INTERNET = Pod("api.anthropic.com", None, "160.79.104.10", {}, {"https": 443})


def cluster(z2jh_values: Path | None = Z2JH_VALUES) -> Cluster:
    return Cluster(NAMESPACES, _policies(_ours()) + _policies(_z2jh(z2jh_values)))


def pods() -> dict[str, Pod]:
    return _pods(_ours())


def test_the_gateway_reaches_the_hub_api() -> None:
    """Every token check: gateway (namespace learnflow) → hub:8081 (namespace jupyterhub)."""
    c, gateway = cluster(), pods()["gateway"]
    assert gateway.labels["hub.jupyter.org/network-access-hub"] == "true"
    assert c.egress_allowed(gateway, HUB, 8081) and c.ingress_allowed(gateway, HUB, 8081)
    assert c.allowed(gateway, HUB, "http")


def test_without_our_hub_rule_z2jh_refuses_the_gateway() -> None:
    """The bug issue 16 found: z2jh's defaults admit the label from the hub's namespace only."""
    values = load_yaml(Z2JH_VALUES)
    del values["hub"]["networkPolicy"]["ingress"]
    with tempfile.TemporaryDirectory() as where:
        docs = helm_render(z2jh_chart(Path(where)), values, Z2JH_RELEASE, Z2JH_NAMESPACE)
    c = Cluster(NAMESPACES, _policies(_ours()) + _policies(tuple(_with_namespace(docs, Z2JH_NAMESPACE))))
    assert not c.allowed(pods()["gateway"], HUB, "http")
    # The same label in the hub's own namespace would have been enough.
    same_ns = Pod("gw", Z2JH_NAMESPACE, "10.42.2.9", pods()["gateway"].labels, {})
    assert c.allowed(same_ns, HUB, "http")


def test_only_the_gateway_of_learnflow_reaches_the_hub_across_namespaces() -> None:
    c, ours = cluster(), pods()
    for name in ("triage", "exercise", "progress"):
        assert not c.allowed(ours[name], HUB, "http"), name
    assert not c.allowed(STRANGER, HUB, "http")
    # A pod elsewhere wearing the gateway's labels is still refused: the rule names our namespace.
    impostor = Pod("impostor", "other", "10.42.6.3", ours["gateway"].labels, {})
    assert not c.allowed(impostor, HUB, "http")
    # z2jh's own traffic is untouched: students and the proxy still reach the hub.
    assert c.allowed(STUDENT, HUB, "http")


def test_students_reach_the_gateway_and_nothing_else_of_learnflow() -> None:
    c, ours = cluster(), pods()
    assert c.allowed(STUDENT, ours["gateway"], "http")
    assert c.allowed(PROXY, ours["gateway"], "http")
    assert not c.allowed(STRANGER, ours["gateway"], "http")
    for name in ("triage", "exercise", "debug"):
        assert not c.allowed(STUDENT, ours[name], "metrics"), name


def test_students_cannot_reach_kafka_or_postgresql() -> None:
    c = cluster()
    assert not c.allowed(STUDENT, KAFKA, 9092)
    assert not c.allowed(STUDENT, POSTGRES, 5432)
    # Refused twice over: the students' egress and the backends' ingress.
    assert not c.egress_allowed(STUDENT, KAFKA, 9092) and not c.ingress_allowed(STUDENT, KAFKA, 9092)
    assert not c.egress_allowed(STUDENT, POSTGRES, 5432) and not c.ingress_allowed(STUDENT, POSTGRES, 5432)
    # While students still resolve names and reach the internet (z2jh's defaults we keep).
    assert c.allowed(STUDENT, DNS, 53, "UDP") and c.allowed(STUDENT, INTERNET, 443)


def test_learnflow_pods_reach_their_backends() -> None:
    """The evaluator is not refusing everything: the paths the product needs are open."""
    c, ours = cluster(), pods()
    for name in ("gateway", "triage", "exercise", "progress"):
        assert c.allowed(ours[name], KAFKA, 9092), name
        assert c.allowed(ours[name], POSTGRES, 5432), name
        assert c.allowed(ours[name], DNS, 53, "UDP"), name
    assert c.allowed(ours["debug"], INTERNET, 443)
    assert not c.allowed(STRANGER, KAFKA, 9092) and not c.allowed(STRANGER, POSTGRES, 5432)


# -- the evaluator's own semantics ----------------------------------------------------------------


def _policy(namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": namespace}, "spec": spec}


def test_the_evaluator_reads_selectors_as_kubernetes_does() -> None:
    a = Pod("a", "x", "10.0.0.1", {"role": "client"})
    b = Pod("b", "y", "10.0.0.2", {"role": "server"}, {"http": 80})
    a_elsewhere = Pod("a2", "y", "10.0.0.3", {"role": "client"})
    only_pods = _policy(
        "y",
        {
            "podSelector": {"matchLabels": {"role": "server"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"role": "client"}}}], "ports": [{"port": "http"}]}
            ],
        },
    )
    c = Cluster({"x": {}, "y": {}}, [only_pods])
    # podSelector alone: the policy's own namespace only.
    assert not c.allowed(a, b, 80) and c.allowed(a_elsewhere, b, 80)
    assert not c.allowed(a_elsewhere, b, 81)
    # No policy selects a: its egress is open; a policy with no rules isolates.
    deny = _policy("x", {"podSelector": {}, "policyTypes": ["Egress"]})
    assert not Cluster({"x": {}, "y": {}}, [deny]).allowed(a, b, 80)
    assert selector_matches(
        {"matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]}, {"k": "v"}
    )
    assert not selector_matches({"matchExpressions": [{"key": "k", "operator": "DoesNotExist"}]}, {"k": "v"})


@pytest.mark.parametrize("ip,inside", [("10.1.2.3", False), ("8.8.8.8", True), ("169.254.169.254", False)])
def test_the_evaluator_reads_ip_blocks_with_exceptions(ip: str, inside: bool) -> None:
    a = Pod("a", "x", "10.0.0.1", {})
    rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}}]}
    c = Cluster({"x": {}}, [_policy("x", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [rule]})])
    assert c.allowed(a, Pod("d", None, ip, {}, {}), 443) is inside


# -- the sandbox (issue 12): student code runs there -------------------------------------------


def test_the_sandbox_can_reach_nothing() -> None:
    c, ours = cluster(), pods()
    sandbox = ours["sandbox"]
    targets = [
        (HUB, 8081, "TCP"),
        (PROXY, 8000, "TCP"),
        (KAFKA, 9092, "TCP"),
        (POSTGRES, 5432, "TCP"),
        (DNS, 53, "UDP"),
        (DNS, 53, "TCP"),
        (INTERNET, 443, "TCP"),
        (INTERNET, 80, "TCP"),
        (STUDENT, 8888, "TCP"),
        (STRANGER, 22, "TCP"),
    ]
    targets += [(pod, port, "TCP") for pod in ours.values() for port in [*pod.ports.values(), 8070]]
    for target, port, protocol in targets:
        assert not c.egress_allowed(sandbox, target, port, protocol), (target.name, port)


def test_only_the_agents_that_run_student_code_reach_the_sandbox() -> None:
    c, ours = cluster(), pods()
    sandbox = ours["sandbox"]
    for name in ("exercise", "debug", "code-review"):
        assert c.allowed(ours[name], sandbox, "http"), name
    for name in ("triage", "concepts", "progress", "gateway"):
        assert not c.allowed(ours[name], sandbox, "http"), name
    for stranger in (STUDENT, PROXY, HUB, STRANGER):
        assert not c.allowed(stranger, sandbox, "http"), stranger.name
