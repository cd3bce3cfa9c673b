"""helm/zero-to-jupyterhub-values.yaml: the gateway as a hub service, instructors by
group and custom scope, and no Kafka or database credentials in students' pods."""

import re

import yaml

from tests.deploy.support import CHART, Z2JH_VALUES, load_yaml

CREDENTIAL = re.compile(r"(?i)(kafka|bus|db|database|postgres|anthropic|api_key|password|secret)")


def test_students_pods_get_no_credentials() -> None:
    singleuser = load_yaml(Z2JH_VALUES)["singleuser"]
    env = singleuser["extraEnv"]
    assert set(env) == {"LEARNFLOW_GATEWAY_URL"}
    assert not [k for k in env if CREDENTIAL.search(k)]
    text = yaml.safe_dump(singleuser)
    assert "postgresql://" not in text and "kafka://" not in text and "secretKeyRef" not in text
    # And the network: no private IPs but the gateway's pods.
    policy = singleuser["networkPolicy"]
    assert policy["enabled"] is True and policy["egressAllowRules"]["privateIPs"] is False
    (rule,) = policy["egress"]
    assert rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"


def test_the_gateway_is_a_hub_service_reached_by_students() -> None:
    hub = load_yaml(Z2JH_VALUES)["hub"]
    service = hub["services"]["learnflow"]
    chart = load_yaml(CHART / "values.yaml")["gateway"]
    assert service["url"].endswith(f":{chart['port']}") and chart["serviceName"] == "learnflow"
    url = load_yaml(Z2JH_VALUES)["singleuser"]["extraEnv"]["LEARNFLOW_GATEWAY_URL"]
    assert url.startswith(service["url"]) and url.endswith("/services/learnflow/")
    assert "access:services!service=learnflow" in hub["loadRoles"]["user"]["scopes"]


def test_instructors_have_a_group_and_a_declared_custom_scope() -> None:
    hub = load_yaml(Z2JH_VALUES)["hub"]
    chart = load_yaml(CHART / "values.yaml")["gateway"]
    role = hub["loadRoles"]["learnflow-instructor"]
    assert role["groups"] == [chart["instructorGroup"]] and chart["instructorGroup"] in hub["loadGroups"]
    assert chart["instructorScope"] in role["scopes"]
    # A custom scope must be declared to the hub before a role may grant it.
    assert f'"{chart["instructorScope"]}"' in hub["extraConfig"]["learnflow-scopes"]
    gateway_role = hub["loadRoles"]["learnflow-gateway"]
    # Least privilege: the gateway reads the members of the instructors' group, nothing more.
    assert gateway_role["services"] == ["learnflow"]
    assert gateway_role["scopes"] == [f"read:groups!group={chart['instructorGroup']}"]
