"""The chart rendered offline by Helm's own engine, and every rendered manifest validated against
the Kubernetes OpenAPI schemas, for the default values and with every optional feature on.

Rendering: helm-sdkpy (test_helm_chart.py) has lint but no `template` or dry-run (its native
library exports no render call and its install options have none); no PyPI or npm package ships
the `helm` binary and Debian has none. helm-python-sdk binds Helm's Go SDK (helm.sh/helm/v4) and
renders as `helm template` does: values coalesced with values.yaml and checked against
values.schema.json, `required` enforced, Helm's default capabilities, no cluster contacted.

Validation: kubernetes-validate bundles the Kubernetes JSON schemas, one set per minor version;
the strict sets also reject unknown fields, so a misspelt or misplaced key fails too. Each
manifest is checked against the oldest Kubernetes the chart supports (Chart.yaml kubeVersion)
and the newest the package bundles, so an API removed or not yet served fails as well.
"""

import copy
import functools
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.support import AGENTS, CHART, RenderError, helm_render, load_yaml

RELEASE = "learnflow"  # contains the chart's name, so resources are named learnflow-<part>
NAMESPACE = "learnflow"

# The oldest Kubernetes the chart declares (kubeVersion: ">=1.25.0-0") and the newest with schemas.
OLDEST = re.findall(r">=\s*v?(\d+\.\d+)", load_yaml(CHART / "Chart.yaml")["kubeVersion"])[0]
KUBE_VERSIONS = (f"{OLDEST}.0", kubernetes_validate.latest_version())

# Sentinels: each may appear in the chart's own Secret and nowhere else in the rendered output.
DB_URL = "postgresql+psycopg://learnflow:db-password-sentinel@postgres:5432/learnflow"
API_KEY = "sk-ant-api-key-sentinel"
HUB_TOKEN = "hub-token-sentinel"

# What an install must be given: the chart refuses to render without a database URL and a hub
# token (see test_rendering_refuses_an_install_without_credentials); everything else is default.
# The images an operator built and pushed: the chart refuses its placeholders
# (test_the_image_placeholder_is_refused).
IMAGE: dict[str, Any] = {"repository": "registry.example.org/learnflow/learnflow-agents"}
SANDBOX_IMAGE: dict[str, Any] = {"image": {"repository": "registry.example.org/learnflow/learnflow-sandbox"}}
DEFAULTS: dict[str, Any] = {
    "image": IMAGE,
    "sandbox": SANDBOX_IMAGE,
    "database": {"url": DB_URL},
    "gateway": {"hubApiToken": HUB_TOKEN},
}

_BACKENDS: dict[str, Any] = {
    "kafka": {"topicPrefix": "lf.", "podSelector": {"strimzi.io/cluster": "learnflow"}, "namespace": "kafka"},
    "database": {"podSelector": {"app.kubernetes.io/name": "postgresql"}, "namespace": "postgres"},
}
_SCHEDULING: dict[str, Any] = {
    "nodeSelector": {"learnflow.io/pool": "agents"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "agents", "effect": "NoSchedule"}],
    "affinity": {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"learnflow.io/agent": "debug"}},
                    },
                }
            ]
        }
    },
}

# Every optional feature on; credentials from Secrets managed elsewhere, so the chart makes none.
EXISTING_SECRETS: dict[str, Any] = {
    "image": {**IMAGE, "tag": "0.1.0-rc1", "pullPolicy": "Always"},
    "sandbox": SANDBOX_IMAGE,
    "imagePullSecrets": [{"name": "registry"}],
    "kafka": _BACKENDS["kafka"],
    "database": {**_BACKENDS["database"], "existingSecret": "pg-app", "existingSecretKey": "uri"},
    "llm": {"existingSecret": "llm", "settings": {"MODEL": "claude-sonnet-4-5", "TIMEOUT_SECONDS": 30}},
    "gateway": {"existingSecret": "hub-token"},
    "keda": {"enabled": True},
    "agents": {"debug": {"replicas": 4, "autoscaling": {"enabled": False}, **_SCHEDULING}},
    "networkPolicy": {"externalCIDRs": ["10.0.5.0/24"], "metricsNamespace": "monitoring"},
}

# The other branches: credentials in the chart's Secret (the API key too), CPU HPAs with one
# agent at fixed replicas, backends in the release's namespace, an existing service account.
CHART_SECRET: dict[str, Any] = {
    "image": IMAGE,
    "sandbox": {**SANDBOX_IMAGE, "runtimeClassName": "gvisor", "allowWeakIsolation": True},
    "kafka": {"podSelector": _BACKENDS["kafka"]["podSelector"]},
    "database": {"url": DB_URL, "podSelector": _BACKENDS["database"]["podSelector"]},
    "llm": {"anthropicApiKey": API_KEY, "settings": {"STREAM": False}},
    "agents": {"debug": {"replicas": 3, "autoscaling": {"enabled": False}, "pdb": {"minAvailable": "50%"}}},
    "networkPolicy": {"allowLLMEgress": False},
    "serviceAccount": {"create": False, "name": "learnflow-runner"},
    "gateway": {"hubApiToken": HUB_TOKEN, "service": {"type": "LoadBalancer"}},
}

# Everything optional off: no gateway, jobs, policies, PDBs or autoscaling.
MINIMAL: dict[str, Any] = {
    "image": IMAGE,
    "database": {"url": DB_URL},
    "gateway": {"enabled": False},
    "agentDefaults": {"autoscaling": {"enabled": False}, "pdb": {"enabled": False}},
    "agents": {"exercise": {"enabled": False}},
    "migrations": {"enabled": False},
    "topics": {"enabled": False},
    "networkPolicy": {"enabled": False},
    "sandbox": {"enabled": False},
}

# Kafka over TLS with SCRAM (Strimzi's tls listener and a KafkaUser): CA and password from Secrets.
KAFKA_SASL_SSL: dict[str, Any] = {
    **DEFAULTS,
    "kafka": {
        "bootstrapServers": "learnflow-kafka-bootstrap.kafka.svc:9093",
        "port": 9093,
        "securityProtocol": "SASL_SSL",
        "tls": {"caSecret": "learnflow-cluster-ca-cert"},
        "sasl": {"username": "learnflow", "existingSecret": "learnflow"},
    },
}

# KEDA against that cluster: the lag triggers need the same CA and password (TriggerAuthentication).
KEDA_SASL_SSL: dict[str, Any] = {**KAFKA_SASL_SSL, "keda": {"enabled": True}}

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": DEFAULTS,
    "kafka-sasl-ssl": KAFKA_SASL_SSL,
    "keda-sasl-ssl": KEDA_SASL_SSL,
    "everything-existing-secrets": EXISTING_SECRETS,
    "everything-chart-secret": CHART_SECRET,
    "minimal": MINIMAL,
}

# KEDA's ScaledObject is a CRD: kubernetes-validate has no schema for it, and no package on the
# registries this project uses ships KEDA's CRD schema (cloudcoil-models-keda has only pydantic
# models, for KEDA 2.16, which ignore unknown fields). So this is the part of the CRD's
# openAPIV3Schema (kedacore/keda config/crd/bases/keda.sh_scaledobjects.yaml, v1alpha1) that
# applies here, copied by hand: apiVersion/kind, the required fields, their types, string-only
# trigger metadata. Stricter than the API server, which prunes unknown fields: unknown keys in
# spec and triggers are rejected, to catch typos. Cross-checks are in
# test_scale_targets_and_selectors_point_at_rendered_objects.
_INT32 = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
SCALED_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}},
        },
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "additionalProperties": False,
            "properties": {
                "advanced": {"type": "object"},
                "fallback": {"type": "object", "required": ["failureThreshold", "replicas"]},
                "cooldownPeriod": _INT32,
                "initialCooldownPeriod": _INT32,
                "idleReplicaCount": _INT32,
                "minReplicaCount": _INT32,
                "maxReplicaCount": _INT32,
                "pollingInterval": _INT32,
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "envSourceContainerName": {"type": "string"},
                    },
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"type": "string", "minLength": 1},
                            "name": {"type": "string"},
                            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                            "metricType": {"enum": ["Value", "AverageValue", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "authenticationRef": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
}

def render(values: dict[str, Any], chart: Path = CHART) -> list[dict[str, Any]]:
    """The chart's manifests for `values` (NOTES.txt left out), as `helm template` would print them."""
    return helm_render(chart, values, RELEASE, NAMESPACE)


@functools.cache
def _rendered(variant: str) -> list[dict[str, Any]]:
    return render(VARIANTS[variant])


def rendered(variant: str) -> list[dict[str, Any]]:
    """One variant's manifests, rendered once per session; a copy, so tests may break it."""
    return copy.deepcopy(_rendered(variant))


# KEDA's own CRDs (v2.20.2, vendored with their licence in tests/deploy/keda/): each kind's
# v1alpha1 openAPIV3Schema, made strict like kubernetes-validate's strict schemas.
KEDA_CRDS = Path(__file__).with_name("keda")


def _strict(schema: Any) -> Any:
    """Unknown fields refused wherever the CRD lists the fields and preserves no unknown ones."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def keda_crd_schema(kind: str) -> dict[str, Any]:
    crd = load_yaml(KEDA_CRDS / f"keda.sh_{kind.lower()}s.yaml")
    assert crd["spec"]["names"]["kind"] == kind
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema: dict[str, Any] = _strict(version["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta: checked by the API server
    schema["properties"]["status"] = {"type": "object"}
    return schema


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Why `doc` would be refused by Kubernetes (or KEDA), at each version checked; [] if valid."""
    what = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
    if str(doc.get("apiVersion", "")).startswith("keda.sh/"):
        if doc.get("apiVersion") != "keda.sh/v1alpha1" or doc.get("kind") not in (
            "ScaledObject",
            "TriggerAuthentication",
        ):
            return [f"{what}: not a KEDA v1alpha1 ScaledObject or TriggerAuthentication"]
        schemas = [keda_crd_schema(doc["kind"])]
        if doc["kind"] == "ScaledObject":
            schemas.append(SCALED_OBJECT_SCHEMA)
        return [
            f"{what} at {'.'.join(map(str, e.absolute_path))}: {e.message}"
            for schema in schemas
            for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)
        ]
    errors = []
    for version in KUBE_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{version} {what} at {'.'.join(map(str, e.absolute_path))}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{version} {what}: {e.message}")
    return errors


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_template(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    template: dict[str, Any] = spec["template"]
    return template


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        f"{d['kind']}/{d['metadata']['name']}": pod_template(d)["spec"]
        for d in docs
        if d["kind"] in ("Deployment", "Job", "CronJob")
    }


def containers(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, spec in pod_specs(docs).items():
        for c in spec.get("initContainers", []) + spec["containers"]:
            yield f"{where}/{c['name']}", c


def agent_deployments(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        d["metadata"]["labels"]["learnflow.io/agent"]: d
        for d in of_kind(docs, "Deployment").values()
        if d["metadata"]["labels"].get("app.kubernetes.io/component") == "agent"
    }


# -- every manifest against the schemas ---------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_rendered_manifest_matches_the_kubernetes_schemas(variant: str) -> None:
    docs = rendered(variant)
    assert docs
    assert [e for d in docs for e in schema_errors(d)] == []


def test_the_variants_cover_every_kind_the_chart_makes() -> None:
    kinds = {d["kind"] for v in VARIANTS for d in rendered(v)}
    assert kinds == {
        "CronJob",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ScaledObject",
        "Secret",
        "Service",
        "ServiceAccount",
        "TriggerAuthentication",
    }


def _first(kind: str) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    return lambda docs: next(d for d in docs if d["kind"] == kind)


def _agent(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return agent_deployments(docs)["triage"]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    ("variant", "pick", "breakage"),
    [
        # A misspelt key: only the strict schemas catch it (the API server would drop it silently).
        (
            "defaults",
            _agent,
            lambda d: _container(d).update(livenessprobe=_container(d).pop("livenessProbe")),
        ),
        ("defaults", _agent, lambda d: _container(d)["ports"][0].update(containerPort="9464")),
        ("defaults", _agent, lambda d: _container(d)["env"][0].update(value=12)),
        ("defaults", _first("Deployment"), lambda d: d["spec"].update(replicas="two")),
        ("defaults", _first("Deployment"), lambda d: d["spec"].pop("selector")),
        ("defaults", _first("Job"), lambda d: d["spec"]["template"]["spec"].update(restartPolicy=["Never"])),
        ("defaults", _first("NetworkPolicy"), lambda d: d["spec"].update(policyTypes="Egress")),
        ("defaults", _first("Service"), lambda d: d["spec"]["ports"][0].update(port="http")),
        ("defaults", _first("Secret"), lambda d: d["stringData"].update({"db-url": {"url": DB_URL}})),
        # APIs removed before the oldest Kubernetes the chart supports, or after it.
        ("defaults", _first("PodDisruptionBudget"), lambda d: d.update(apiVersion="policy/v1beta1")),
        ("defaults", _first("HorizontalPodAutoscaler"), lambda d: d.update(apiVersion="autoscaling/v2beta2")),
        ("defaults", _first("Deployment"), lambda d: d.update(kind="Deploymnet")),
        # The KEDA CRD subset.
        ("everything-existing-secrets", _first("ScaledObject"), lambda d: d["spec"].pop("triggers")),
        (
            "everything-existing-secrets",
            _first("ScaledObject"),
            lambda d: d["spec"]["scaleTargetRef"].clear(),
        ),
        (
            "everything-existing-secrets",
            _first("ScaledObject"),
            lambda d: d["spec"]["triggers"][0]["metadata"].update(lagThreshold=50),
        ),
        (
            "everything-existing-secrets",
            _first("ScaledObject"),
            lambda d: d["spec"]["triggers"][0].pop("type"),
        ),
        ("everything-existing-secrets", _first("ScaledObject"), lambda d: d["spec"].update(minReplicas=1)),
        ("everything-existing-secrets", _first("ScaledObject"), lambda d: d.update(apiVersion="keda.sh/v1")),
    ],
)
def test_a_broken_manifest_is_rejected(
    variant: str,
    pick: Callable[[list[dict[str, Any]]], dict[str, Any]],
    breakage: Callable[[dict[str, Any]], object],
) -> None:
    target = pick(rendered(variant))
    assert schema_errors(target) == []
    breakage(target)
    assert schema_errors(target)


def test_a_template_that_renders_an_invalid_manifest_is_caught(tmp_path: Path) -> None:
    """The whole path: Helm renders the broken template without complaint, the schemas refuse it."""
    chart = tmp_path / "learnflow"
    shutil.copytree(CHART, chart)
    (chart / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-broken\n"
        "spec:\n  ports:\n    - port: {{ .Values.gateway.port | quote }}\n"
    )
    errors = [e for d in render(DEFAULTS, chart) for e in schema_errors(d)]
    assert errors and all("Service/learnflow-broken at spec.ports.0.port" in e for e in errors), errors


def test_rendering_refuses_an_install_without_credentials() -> None:
    with pytest.raises(RenderError, match=re.escape("database.url (or database.existingSecret) is required")):
        render({"image": IMAGE, "sandbox": SANDBOX_IMAGE})
    with pytest.raises(RenderError, match=re.escape("gateway.hubApiToken (or gateway.existingSecret)")):
        render({"image": IMAGE, "sandbox": SANDBOX_IMAGE, "database": {"url": DB_URL}})


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({**DEFAULTS, "image": {}}, "image.repository"),
        (
            {**DEFAULTS, "image": {"repository": "CHANGE-ME/learnflow-agents", "tag": "1.0"}},
            "image.repository",
        ),
        ({**DEFAULTS, "sandbox": {}}, "sandbox.image.repository"),
    ],
)
def test_the_image_placeholder_is_refused(values: dict[str, Any], key: str) -> None:
    """An install naming no image it can pull fails at `helm install`, not as a hook Job stuck in
    ImagePullBackOff until Helm's timeout."""
    with pytest.raises(RenderError, match=re.escape(f"{key} is still the placeholder")) as caught:
        render(values)
    assert "make images" in str(caught.value) and "docs/deploy.md" in str(caught.value)


def test_rendering_checks_the_values_schema() -> None:
    with pytest.raises(RenderError, match="values don't meet the specifications of the schema"):
        render({**DEFAULTS, "agentDefaults": {"replicas": "two"}})


# -- what the rendered manifests guarantee ------------------------------------------------------

SECRET_NAME = re.compile(r"(?i)key|token|secret|password|db_url")


@pytest.mark.parametrize("variant", VARIANTS)
def test_credentials_reach_pods_only_through_secret_key_refs(variant: str) -> None:
    docs = rendered(variant)
    for where, container in containers(docs):
        for env in container.get("env", []):
            if SECRET_NAME.search(env["name"]):
                assert "value" not in env and set(env["valueFrom"]) == {"secretKeyRef"}, (where, env)
    # The values themselves: in the chart's own Secret, nowhere else (not in env, args or labels).
    outside = json.dumps([d for d in docs if d["kind"] != "Secret"])
    for sentinel in (DB_URL, "db-password-sentinel", API_KEY, HUB_TOKEN):
        assert sentinel not in outside


def test_secret_key_refs_point_at_the_chart_secret_or_the_existing_ones() -> None:
    def refs(docs: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        for _, c in containers(docs):
            for env in c.get("env", []):
                if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                    found.setdefault(env["name"], set()).add((ref["name"], ref["key"]))
        return found

    docs = rendered("everything-chart-secret")
    secrets = of_kind(docs, "Secret")
    assert set(secrets) == {"learnflow-secrets", "learnflow-hook-secrets"}
    secret, hook = secrets["learnflow-secrets"], secrets["learnflow-hook-secrets"]
    assert secret["stringData"] == {
        "db-url": DB_URL,
        "anthropic-api-key": API_KEY,
        "hub-api-token": HUB_TOKEN,
    }
    # The release's Secret is an ordinary release resource: updated on upgrade, deleted on
    # uninstall (test_rotating_a_credential_rolls_the_pods_that_read_it).
    assert "annotations" not in secret["metadata"]
    # The hook Jobs run before it exists: they get the database URL, and only that, from a hook
    # Secret made just before them and deleted once they succeed.
    assert hook["stringData"] == {"db-url": DB_URL}
    annotations = hook["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(annotations["helm.sh/hook-weight"]) < 0
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    name = secret["metadata"]["name"]
    hook_jobs = {k: v for k, v in pod_specs(docs).items() if k.startswith("Job/")}
    assert set(hook_jobs) == {"Job/learnflow-migrations", "Job/learnflow-topics"}
    assert refs([d for d in docs if d["kind"] != "Job"]) == {
        "LEARNFLOW_DB_URL": {(name, "db-url")},
        "ANTHROPIC_API_KEY": {(name, "anthropic-api-key")},
        "JUPYTERHUB_API_TOKEN": {(name, "hub-api-token")},
    }
    assert refs([d for d in docs if d["kind"] == "Job"]) == {
        "LEARNFLOW_DB_URL": {(hook["metadata"]["name"], "db-url")}
    }

    # Without an API key the agents get no ANTHROPIC_API_KEY (offline tutors), not an empty one.
    assert "ANTHROPIC_API_KEY" not in refs(rendered("defaults"))

    docs = rendered("everything-existing-secrets")
    assert of_kind(docs, "Secret") == {}
    assert refs(docs) == {
        "LEARNFLOW_DB_URL": {("pg-app", "uri")},
        "ANTHROPIC_API_KEY": {("llm", "anthropic-api-key")},
        "JUPYTERHUB_API_TOKEN": {("hub-token", "hub-api-token")},
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_agent_deployment_has_probes_on_its_metrics_port(variant: str) -> None:
    docs = rendered(variant)
    agents = agent_deployments(docs)
    enabled = [a for a in AGENTS if (VARIANTS[variant].get("agents", {}).get(a) or {}).get("enabled", True)]
    assert sorted(agents) == sorted(enabled)
    for name, deployment in agents.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {p["name"] for p in container["ports"]}
        assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "metrics"}, name
        assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "metrics"}, name
        assert "metrics" in ports and container["args"][:3] == ["run", "--agent", name]
        assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    gateway = of_kind(docs, "Deployment").get("learnflow-gateway")
    if gateway is not None:
        (container,) = gateway["spec"]["template"]["spec"]["containers"]
        # Liveness only asks whether the gateway's loop turns; readiness whether it can serve.
        assert container["livenessProbe"]["httpGet"]["path"] == "/services/learnflow/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/services/learnflow/ready"


@pytest.mark.parametrize("variant", VARIANTS)
def test_pods_are_locked_down(variant: str) -> None:
    docs = rendered(variant)
    for where, spec in pod_specs(docs).items():
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        # The sandbox alone needs user namespaces, which RuntimeDefault refuses (test_sandbox.py).
        seccomp = "Unconfined" if where.endswith("-sandbox") else "RuntimeDefault"
        assert spec["securityContext"]["seccompProfile"] == {"type": seccomp}, where
    for where, c in containers(docs):
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, where
        assert sc["capabilities"]["drop"] == ["ALL"], where
        assert "limits" in c["resources"] and "requests" in c["resources"], where


def test_network_policies_are_rendered_and_guard_the_backends() -> None:
    base = {"learnflow-egress", "learnflow-agents-ingress", "learnflow-gateway-ingress", "learnflow-sandbox"}
    assert set(of_kind(rendered("defaults"), "NetworkPolicy")) == base
    assert of_kind(rendered("minimal"), "NetworkPolicy") == {}

    policies = of_kind(rendered("everything-existing-secrets"), "NetworkPolicy")
    assert set(policies) == base | {"learnflow-kafka-clients", "learnflow-database-clients"}
    for name, namespace, selector in (
        ("learnflow-kafka-clients", "kafka", _BACKENDS["kafka"]["podSelector"]),
        ("learnflow-database-clients", "postgres", _BACKENDS["database"]["podSelector"]),
    ):
        policy = policies[name]
        assert policy["metadata"]["namespace"] == namespace
        assert policy["spec"]["podSelector"] == {"matchLabels": selector}
        assert policy["spec"]["policyTypes"] == ["Ingress"]
        (rule,) = policy["spec"]["ingress"]
        (peer,) = rule["from"]
        # Only LearnFlow's data-access pods, from the release's namespace: never students' servers.
        assert peer["podSelector"]["matchLabels"]["learnflow.io/data-access"] == "true"
        assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": NAMESPACE}}
    egress = policies["learnflow-egress"]["spec"]["egress"]
    backends = next(rule for rule in egress if "to" in rule)["to"]
    assert {"ipBlock": {"cidr": "10.0.5.0/24"}} in backends
    namespaces = [p.get("namespaceSelector", {}).get("matchLabels", {}) for p in backends]
    assert {"kubernetes.io/metadata.name": "kafka"} in namespaces
    assert {"kubernetes.io/metadata.name": "postgres"} in namespaces
    # Without allowLLMEgress the agents get no HTTPS egress.
    policies = of_kind(rendered("everything-chart-secret"), "NetworkPolicy")
    egress = policies["learnflow-egress"]["spec"]["egress"]
    assert 443 not in {p["port"] for rule in egress for p in rule.get("ports", [])}


@pytest.mark.parametrize("variant", VARIANTS)
def test_scale_targets_and_selectors_point_at_rendered_objects(variant: str) -> None:
    """Names and labels the schemas cannot check: a typo here silently scales or guards nothing."""
    docs = rendered(variant)
    deployments = of_kind(docs, "Deployment")
    pod_labels = [
        d["spec"]["template"]["metadata"]["labels"] for d in docs if d["kind"] in ("Deployment", "Job")
    ]

    def selects(match: dict[str, str]) -> bool:
        return any(match.items() <= labels.items() for labels in pod_labels)

    for d in deployments.values():
        assert (
            d["spec"]["selector"]["matchLabels"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        )
    # Each Deployment has a fixed replica count or exactly one autoscaler: never both (they would
    # fight) and never neither (it would run one replica).
    scalers = [
        s["spec"]["scaleTargetRef"]["name"]
        for k in ("HorizontalPodAutoscaler", "ScaledObject")
        for s in of_kind(docs, k).values()
    ]
    for name, d in deployments.items():
        assert ("replicas" in d["spec"]) + scalers.count(name) == 1, name
    for hpa in of_kind(docs, "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for so in of_kind(docs, "ScaledObject").values():
        assert so["spec"]["scaleTargetRef"]["name"] in deployments
        assert so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"]
    for pdb in of_kind(docs, "PodDisruptionBudget").values():
        assert selects(pdb["spec"]["selector"]["matchLabels"]), pdb["metadata"]["name"]
    for service in of_kind(docs, "Service").values():
        assert selects(service["spec"]["selector"]), service["metadata"]["name"]
    for policy in of_kind(docs, "NetworkPolicy").values():
        if policy["metadata"]["name"].endswith("-clients"):
            # These select the backends' pods; the pods they admit must be LearnFlow's.
            for peer in policy["spec"]["ingress"][0]["from"]:
                assert selects(peer["podSelector"]["matchLabels"]), policy["metadata"]["name"]
        else:
            assert selects(policy["spec"]["podSelector"]["matchLabels"]), policy["metadata"]["name"]


def test_keda_replaces_the_cpu_autoscalers() -> None:
    defaults = rendered("defaults")
    assert len(of_kind(defaults, "HorizontalPodAutoscaler")) == len(AGENTS)
    assert of_kind(defaults, "ScaledObject") == {}
    assert all("replicas" not in d["spec"] for d in agent_deployments(defaults).values())

    keda = rendered("everything-existing-secrets")
    assert of_kind(keda, "HorizontalPodAutoscaler") == {}
    scaled = of_kind(keda, "ScaledObject")
    autoscaled = [a for a in AGENTS if a != "debug"]  # debug has autoscaling off in this variant
    assert set(scaled) == {f"learnflow-{a}" for a in autoscaled}
    for name in autoscaled:
        triggers = scaled[f"learnflow-{name}"]["spec"]["triggers"]
        assert {tr["type"] for tr in triggers} == {"kafka"}
        # Exactly the topics the agent consumes (test_keda.py checks them against the agents).
        lag_topics = {
            "triage": ["student-queries"],
            "progress": ["progress-requests", "agent-responses"],
        }.get(name, [f"{name}-requests"])
        assert [tr["metadata"]["topic"] for tr in triggers] == [f"lf.{topic}" for topic in lag_topics]

    # Without KEDA, an agent with autoscaling off keeps its fixed replica count and has no HPA.
    fixed = rendered("everything-chart-secret")
    assert agent_deployments(fixed)["debug"]["spec"]["replicas"] == 3
    assert "learnflow-debug" not in of_kind(fixed, "HorizontalPodAutoscaler")


# -- what rendering found (fixed in the chart; kept so they stay fixed) --------------------------


def test_keda_watches_the_consumer_group_the_agents_join() -> None:
    """With a topic prefix the agents join `<prefix>learnflow-<name>` (bus/kafka.py: group_id =
    prefix + group): a ScaledObject watching `learnflow-<name>` would read the lag of a group
    nobody is in and scale on nothing."""
    scaled = of_kind(rendered("everything-existing-secrets"), "ScaledObject")
    groups = {
        n: {tr["metadata"]["consumerGroup"] for tr in so["spec"]["triggers"]} for n, so in scaled.items()
    }
    assert groups and groups == {n: {f"lf.{n}"} for n in scaled}


def test_the_llm_settings_example_in_values_yaml_renders() -> None:
    """Token budgets (STUDENT_DAILY_TOKENS, MAX_TOKENS) are settings, not credentials."""
    settings = {"MODEL": "claude-sonnet-4-5", "STUDENT_DAILY_TOKENS": "200000", "MAX_TOKENS": 1024}
    docs = render({**DEFAULTS, "llm": {"settings": settings}})
    env = {e["name"]: e.get("value") for e in _container(agent_deployments(docs)["triage"])["env"]}
    assert env["LEARNFLOW_LLM_STUDENT_DAILY_TOKENS"] == "200000"


@pytest.mark.parametrize("name", ["ANTHROPIC_API_KEY", "OPENAI_APIKEY", "HUB_TOKEN", "DB_PASSWORD", "SECRET"])
def test_credentials_cannot_hide_in_the_llm_settings(name: str) -> None:
    with pytest.raises(RenderError, match="values don't meet the specifications of the schema"):
        render({**DEFAULTS, "llm": {"settings": {name: "sk-ant-plain-text"}}})


def test_under_keda_an_agent_with_autoscaling_off_keeps_its_replicas() -> None:
    docs = rendered("everything-existing-secrets")
    assert agent_deployments(docs)["debug"]["spec"]["replicas"] == 4
    assert "learnflow-debug" not in of_kind(docs, "ScaledObject")


# -- Kafka security ---------------------------------------------------------------------------


def test_kafka_tls_and_sasl_reach_every_pod_that_talks_to_the_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    from learnflow_agents.bus.kafka_security import PASSWORD_ENV, KafkaSecurity
    from learnflow_agents.bus.kafka_support import url_options

    docs = rendered("kafka-sasl-ssl")
    # Every pod but the sandbox, which knows nothing of Kafka (test_sandbox.py).
    specs = {k: v for k, v in pod_specs(docs).items() if not k.endswith("-sandbox")}
    assert specs
    for where, spec in specs.items():
        (container,) = spec["containers"]
        env = {e["name"]: e for e in container["env"]}
        url = env["LEARNFLOW_BUS_URL"]["value"]
        # The URL is one the bus itself accepts (our parser, our validation).
        options = url_options(url)
        assert options["security_protocol"] == "SASL_SSL" and options["sasl_username"] == "learnflow"
        assert options["ssl_cafile"] == "/etc/learnflow/kafka-ca/ca.crt"
        monkeypatch.setenv(PASSWORD_ENV, "from-the-secret")
        KafkaSecurity.from_options({**options, "ssl_cafile": None})  # the file exists only in the pod
        assert env[PASSWORD_ENV]["valueFrom"] == {"secretKeyRef": {"name": "learnflow", "key": "password"}}
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["kafka-ca"] == {
            "name": "kafka-ca",
            "mountPath": "/etc/learnflow/kafka-ca",
            "readOnly": True,
        }
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["kafka-ca"]["secret"] == {
            "secretName": "learnflow-cluster-ca-cert",
            "items": [{"key": "ca.crt", "path": "ca.crt"}],
        }, where
    # Plaintext (the default): no options in the URL, no password, no CA volume.
    for where, spec in pod_specs(rendered("defaults")).items():
        if where.endswith("-sandbox"):
            continue
        (container,) = spec["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert "?" not in env["LEARNFLOW_BUS_URL"]["value"] and "LEARNFLOW_KAFKA_SASL_PASSWORD" not in env, (
            where
        )
        assert "kafka-ca" not in {v["name"] for v in spec["volumes"]}, where


def test_sasl_without_a_user_or_its_secret_is_refused() -> None:
    kafka = {**KAFKA_SASL_SSL["kafka"], "sasl": {"username": "learnflow"}}
    with pytest.raises(RenderError, match="values don't meet the specifications of the schema"):
        render({**DEFAULTS, "kafka": kafka})
    with pytest.raises(RenderError, match="values don't meet the specifications of the schema"):
        render({**DEFAULTS, "kafka": {**kafka, "securityProtocol": "TLS"}})
