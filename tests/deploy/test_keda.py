"""KEDA lag scaling as a real cluster would run it: each agent scales on the lag of exactly the
topics it consumes, in the consumer group it joins, and with TLS/SASL Kafka the triggers carry
the same CA and credentials the agents use (a TriggerAuthentication). Checked on the rendered
manifests against KEDA's CRDs (v2.20.2, vendored: tests/deploy/keda/) and the parameter names
its Kafka scaler reads (pkg/scalers/kafka_scaler.go at v2.20.2)."""

from typing import Any

import pytest

from tests.deploy.support import AGENTS
from tests.deploy.test_chart_render import (
    DEFAULTS,
    KAFKA_SASL_SSL,
    agent_deployments,
    of_kind,
    render,
    rendered,
    schema_errors,
)

# kafka_scaler.go (v2.20.2): `keda:"name=...,order=triggerMetadata..."` and `order=authParams`.
TRIGGER_METADATA = {
    "bootstrapServers", "consumerGroup", "topic", "partitionLimitation", "lagThreshold",
    "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
    "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions",
    "version", "tls", "unsafeSsl", "sasl", "saslTokenProvider", "awsRegion",
}  # fmt: skip
AUTH_PARAMS = {
    "tls", "ca", "cert", "key", "keyPassword", "sasl", "username", "password", "saslTokenProvider",
    "scopes", "oauthTokenEndpointUri", "oauthExtensions", "keytab", "realm", "kerberosConfig",
    "kerberosServiceName", "kerberosDisableFAST",
}  # fmt: skip
SASL_MODES = {"none", "plaintext", "scram_sha256", "scram_sha512", "oauthbearer", "gssapi"}


def _keda(extra: dict[str, Any]) -> list[dict[str, Any]]:
    return render({**DEFAULTS, **extra, "keda": {"enabled": True}})


def _consumed() -> dict[str, list[str]]:
    """What each agent really consumes (the registry the `run --agent` command uses)."""
    from learnflow_agents.runtime.registry import build_agents

    return {a.name: [str(t) for t in a.topics] for a in build_agents(AGENTS)}


@pytest.mark.parametrize("prefix", ["", "lf."])
def test_each_agent_scales_on_the_topics_it_consumes_in_its_own_group(prefix: str) -> None:
    docs = _keda({"kafka": {"topicPrefix": prefix}})
    scaled = of_kind(docs, "ScaledObject")
    assert set(scaled) == {f"learnflow-{a}" for a in AGENTS}
    for agent, topics in _consumed().items():
        triggers = scaled[f"learnflow-{agent}"]["spec"]["triggers"]
        assert sorted(t["metadata"]["topic"] for t in triggers) == sorted(prefix + t for t in topics), agent
        # runner.py: group = f"learnflow-{agent.name}"; bus/kafka.py prefixes it like the topics.
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {f"{prefix}learnflow-{agent}"}
        assert len({t["name"] for t in triggers}) == len(triggers)
    assert "lf.triage-requests" not in str(scaled)


def _check_scaler_parameters(docs: list[dict[str, Any]]) -> None:
    for so in of_kind(docs, "ScaledObject").values():
        for trigger in so["spec"]["triggers"]:
            metadata = trigger["metadata"]
            assert set(metadata) <= TRIGGER_METADATA, set(metadata) - TRIGGER_METADATA
            assert metadata.get("tls", "disable") in ("enable", "disable")
            assert metadata.get("sasl", "none") in SASL_MODES
            int(metadata["lagThreshold"])
    for auth in of_kind(docs, "TriggerAuthentication").values():
        spec = auth["spec"]
        params = [r["parameter"] for r in spec.get("secretTargetRef", []) + spec.get("env", [])]
        assert set(params) <= AUTH_PARAMS and len(params) == len(set(params)), params
    assert [e for d in docs for e in schema_errors(d)] == []


def test_tls_and_sasl_kafka_gives_keda_the_agents_ca_and_credentials() -> None:
    docs = rendered("keda-sasl-ssl")
    _check_scaler_parameters(docs)
    (auth,) = of_kind(docs, "TriggerAuthentication").values()
    name = auth["metadata"]["name"]
    refs = {r["parameter"]: r for r in auth["spec"]["secretTargetRef"]}
    sasl, tls = KAFKA_SASL_SSL["kafka"]["sasl"], KAFKA_SASL_SSL["kafka"]["tls"]
    assert refs["password"] == {"parameter": "password", "name": sasl["existingSecret"], "key": "password"}
    assert refs["ca"] == {"parameter": "ca", "name": tls["caSecret"], "key": "ca.crt"}
    (username,) = auth["spec"]["env"]
    agents = agent_deployments(docs)
    for agent, deployment in agents.items():
        so = of_kind(docs, "ScaledObject")[f"learnflow-{agent}"]
        for trigger in so["spec"]["triggers"]:
            assert trigger["authenticationRef"] == {"name": name}
            assert trigger["metadata"]["tls"] == "enable" and trigger["metadata"]["sasl"] == "scram_sha512"
        # The same Secrets the agent itself uses, and a user name KEDA finds in its container.
        pod = deployment["spec"]["template"]["spec"]
        (container,) = [c for c in pod["containers"] if c["name"] == username["containerName"]]
        env = {e["name"]: e for e in container["env"]}
        assert env[username["name"]]["value"] == sasl["username"]
        assert env["LEARNFLOW_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": refs["password"]["name"],
            "key": refs["password"]["key"],
        }
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["kafka-ca"]["secret"]["secretName"] == refs["ca"]["name"]
        assert volumes["kafka-ca"]["secret"]["items"][0]["key"] == refs["ca"]["key"]


@pytest.mark.parametrize(
    ("kafka", "tls", "sasl", "auth_params"),
    [
        ({}, None, None, None),
        ({"securityProtocol": "SSL"}, "enable", None, None),
        ({"securityProtocol": "SSL", "tls": {"caSecret": "cluster-ca"}}, "enable", None, {"ca"}),
        (
            {
                "securityProtocol": "SASL_PLAINTEXT",
                "sasl": {"mechanism": "SCRAM-SHA-256", "username": "u", "existingSecret": "s"},
            },
            None,
            "scram_sha256",
            {"password", "username"},
        ),
        (
            {
                "securityProtocol": "SASL_SSL",
                "sasl": {"mechanism": "PLAIN", "username": "u", "existingSecret": "s"},
            },
            "enable",
            "plaintext",
            {"password", "username"},
        ),
    ],
)
def test_each_security_protocol_maps_to_keda_s_kafka_settings(
    kafka: dict[str, Any], tls: str | None, sasl: str | None, auth_params: set[str] | None
) -> None:
    docs = _keda({"kafka": kafka})
    _check_scaler_parameters(docs)
    auths = of_kind(docs, "TriggerAuthentication")
    for so in of_kind(docs, "ScaledObject").values():
        for trigger in so["spec"]["triggers"]:
            assert trigger["metadata"].get("tls") == tls and trigger["metadata"].get("sasl") == sasl
            assert ("authenticationRef" in trigger) is bool(auth_params)
    if auth_params is None:
        assert auths == {}
    else:
        (auth,) = auths.values()
        spec = auth["spec"]
        assert {r["parameter"] for r in spec.get("secretTargetRef", []) + spec.get("env", [])} == auth_params


def test_no_trigger_authentication_without_keda() -> None:
    assert of_kind(rendered("kafka-sasl-ssl"), "TriggerAuthentication") == {}
    assert of_kind(rendered("kafka-sasl-ssl"), "ScaledObject") == {}


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["spec"].update(secretTargetRefs=d["spec"].pop("secretTargetRef")),
        lambda d: d["spec"]["secretTargetRef"][0].pop("key"),
        lambda d: d["spec"]["env"][0].update(parameter=["username"]),
        lambda d: d.update(apiVersion="keda.sh/v1"),
    ],
)
def test_keda_s_crd_refuses_a_broken_trigger_authentication(breakage: Any) -> None:
    (auth,) = of_kind(rendered("keda-sasl-ssl"), "TriggerAuthentication").values()
    assert schema_errors(auth) == []
    breakage(auth)
    assert schema_errors(auth)


def test_keda_s_crd_refuses_an_unknown_trigger_field() -> None:
    so = next(iter(of_kind(rendered("keda-sasl-ssl"), "ScaledObject").values()))
    so["spec"]["triggers"][0]["authenticationRef"]["namespace"] = "elsewhere"
    assert schema_errors(so)
