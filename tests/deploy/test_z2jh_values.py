"""helm/zero-to-jupyterhub-values.yaml: the gateway as a hub service, instructors by
group and custom scope, courses as hub groups, and no Kafka or database credentials in
students' pods."""

import re

import pytest
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


def test_instructors_and_courses_are_hub_groups_and_a_declared_scope() -> None:
    hub = load_yaml(Z2JH_VALUES)["hub"]
    chart = load_yaml(CHART / "values.yaml")["gateway"]
    assert chart["instructorGroup"] in hub["loadGroups"]
    # At least one example course group the gateway will recognise.
    assert any(g.startswith(chart["courseGroupPrefix"]) for g in hub["loadGroups"])
    assert chart["instructorScope"] in hub["loadRoles"]["learnflow-head"]["scopes"]
    # A custom scope must be declared to the hub before a role may grant it.
    assert f'"{chart["instructorScope"]}"' in hub["extraConfig"]["learnflow-scopes"]
    gateway_role = hub["loadRoles"]["learnflow-gateway"]
    # Least privilege: read users' groups and groups' members, nothing more.
    assert gateway_role["services"] == ["learnflow"]
    assert sorted(gateway_role["scopes"]) == ["read:groups", "read:users:groups"]


def test_every_role_grants_scopes_jupyterhub_knows() -> None:
    """Checked by JupyterHub's own scope table, with the custom scopes the values declare."""
    from jupyterhub import scopes
    from traitlets.config import Config

    hub = load_yaml(Z2JH_VALUES)["hub"]
    c = Config()
    exec(
        hub["extraConfig"]["learnflow-scopes"], {"c": c}
    )  # our own values file: the hub runs it the same way
    custom = dict(c.JupyterHub.custom_scopes)
    saved = dict(scopes.scope_definitions)
    try:
        scopes.define_custom_scopes(custom)
        for name, role in hub["loadRoles"].items():
            scopes._check_scopes_exist(role["scopes"], who_for=name)
        # The per-course form the comments suggest is valid too.
        scopes._check_scopes_exist([f"{next(iter(custom))}!group=course-python101"])
        with pytest.raises(scopes.ScopeNotFound):
            scopes._check_scopes_exist(["custom:learnflow:not-declared"])
    finally:
        scopes.scope_definitions.clear()
        scopes.scope_definitions.update(saved)
