"""The gateway's /metrics in the chart: its own port, scrape annotations, and a NetworkPolicy
that admits scrapes on that port only (the API port stays the hub's and students' servers')."""

import copy
from typing import Any

from tests.deploy.netpol import Cluster, Pod
from tests.deploy.support import CHART, helm_render
from tests.deploy.test_network_policies import (
    NAMESPACE,
    NAMESPACES,
    STRANGER,
    VALUES,
    _pods,
    _policies,
    _with_namespace,
    _z2jh,
    cluster,
    pods,
)

PROMETHEUS = Pod("prometheus-0", "monitoring", "10.42.7.2", {"app": "prometheus"}, {})


def gateway(docs: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "learnflow-gateway"]
    return found


def test_the_gateway_serves_metrics_on_the_metrics_port_and_is_annotated() -> None:
    docs = helm_render(CHART, VALUES, "learnflow", NAMESPACE)
    template = gateway(docs)["spec"]["template"]
    (container,) = template["spec"]["containers"]
    assert "--metrics-port=9464" in container["args"]
    assert {"name": "metrics", "containerPort": 9464} in container["ports"]
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "9464"
    assert "checksum/secret" in annotations  # still rolled when a credential changes


def test_scrapes_reach_the_metrics_port_only() -> None:
    c, gw = cluster(), pods()["gateway"]
    assert c.allowed(STRANGER, gw, "metrics")  # metricsNamespace "": any namespace may scrape
    assert not c.allowed(STRANGER, gw, "http")


def test_metrics_namespace_limits_who_scrapes() -> None:
    values = copy.deepcopy(VALUES)
    values["networkPolicy"] = {"metricsNamespace": "monitoring"}
    ours = tuple(_with_namespace(helm_render(CHART, values, "learnflow", NAMESPACE), NAMESPACE))
    c = Cluster({**NAMESPACES, "monitoring": {}}, _policies(ours) + _policies(_z2jh()))
    gw = _pods(ours)["gateway"]
    assert c.allowed(PROMETHEUS, gw, "metrics")
    assert not c.allowed(STRANGER, gw, "metrics")
    assert not c.allowed(PROMETHEUS, gw, "http")
