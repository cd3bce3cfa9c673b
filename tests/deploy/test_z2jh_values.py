"""helm/zero-to-jupyterhub-values.yaml: the gateway as a hub service, instructors by
group and custom scope, courses as hub groups, and no Kafka or database credentials in
students' pods. Checked against Zero to JupyterHub's own values schema and rendered with its own
NetworkPolicy templates (z2jh 4.4.0, vendored in tests/deploy/z2jh/ with its licence)."""

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.support import (
    CHART,
    Z2JH,
    Z2JH_NAMESPACE,
    Z2JH_RELEASE,
    Z2JH_VALUES,
    RenderError,
    helm_render,
    load_yaml,
    z2jh_chart,
    z2jh_schema,
)

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
    groups = hub["config"]["JupyterHub"]["load_groups"]
    assert chart["instructorGroup"] in groups
    # At least one example course group the gateway will recognise.
    assert any(g.startswith(chart["courseGroupPrefix"]) for g in groups)
    assert chart["instructorScope"] in hub["loadRoles"]["learnflow-head"]["scopes"]
    # A custom scope must be declared to the hub before a role may grant it.
    assert chart["instructorScope"] in hub["config"]["JupyterHub"]["custom_scopes"]
    gateway_role = hub["loadRoles"]["learnflow-gateway"]
    # Least privilege: read users' groups and groups' members, nothing more.
    assert gateway_role["services"] == ["learnflow"]
    assert sorted(gateway_role["scopes"]) == ["read:groups", "read:users:groups"]


def test_every_role_grants_scopes_jupyterhub_knows() -> None:
    """Checked by JupyterHub's own scope table, with the custom scopes the values declare."""
    from jupyterhub import scopes
    from traitlets.config import Config

    hub = load_yaml(Z2JH_VALUES)["hub"]
    # z2jh's jupyterhub_config.py loads each hub.config section into the traitlets config.
    c = Config(hub["config"])
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


# -- against Zero to JupyterHub itself ----------------------------------------------------------


def _merged(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of a chart's values.yaml with -f values: maps merge, the rest replaces."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def test_our_values_meet_z2jh_s_values_schema() -> None:
    """What `helm upgrade --install jhub jupyterhub/jupyterhub -f ...` checks first."""
    values = _merged(load_yaml(Z2JH / "values.yaml"), load_yaml(Z2JH_VALUES))
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(z2jh_schema()).iter_errors(values)
    ]
    assert errors == []


def test_z2jh_s_schema_refuses_the_key_z2jh_never_had() -> None:
    """The old values (hub.loadGroups) failed step 6 of docs/deploy.md with exactly this error."""
    values = _merged(load_yaml(Z2JH / "values.yaml"), load_yaml(Z2JH_VALUES))
    values["hub"]["loadGroups"] = {"learnflow-instructors": {"users": []}}
    messages = [e.message for e in jsonschema.Draft7Validator(z2jh_schema()).iter_errors(values)]
    assert any("'loadGroups' was unexpected" in m for m in messages)


def test_helm_renders_z2jh_with_our_values_and_refuses_a_bad_key(tmp_path: Path) -> None:
    """Helm's own schema check on z2jh's chart (its values.schema.json, its defaults)."""
    chart = z2jh_chart(tmp_path)
    docs = helm_render(chart, load_yaml(Z2JH_VALUES), Z2JH_RELEASE, Z2JH_NAMESPACE)
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "NetworkPolicy"} == {"hub", "singleuser"}
    bad = load_yaml(Z2JH_VALUES)
    bad["hub"]["loadGroups"] = {}
    with pytest.raises(RenderError, match="additional properties 'loadGroups' not allowed"):
        helm_render(chart, bad, Z2JH_RELEASE, Z2JH_NAMESPACE)


def test_the_groups_are_ones_jupyterhub_loads() -> None:
    """hub.config.JupyterHub.* becomes c.JupyterHub.*: the traits must accept our values."""
    from jupyterhub.app import JupyterHub

    config = load_yaml(Z2JH_VALUES)["hub"]["config"]["JupyterHub"]
    hub = JupyterHub(load_groups=config["load_groups"], custom_scopes=config["custom_scopes"])
    assert set(hub.load_groups) >= {"learnflow-instructors", "course-python101"}
    assert all(set(group) <= {"users", "properties"} for group in hub.load_groups.values())


def test_the_servers_token_carries_the_instructor_scope_its_user_holds() -> None:
    """Instructors by scope (learnflow-head, or a group-filtered grant) call the gateway from their
    own server with JUPYTERHUB_API_TOKEN: JupyterHub's own resolution of server_token_scopes (the
    function it runs when it issues that token) against the roles in our values."""
    from jupyterhub import orm, roles, scopes

    hub = load_yaml(Z2JH_VALUES)["hub"]
    requested = set(hub["config"]["Spawner"]["server_token_scopes"])
    instruct = next(iter(hub["config"]["JupyterHub"]["custom_scopes"]))
    saved = dict(scopes.scope_definitions)
    try:
        scopes.define_custom_scopes(hub["config"]["JupyterHub"]["custom_scopes"])
        db = orm.new_session_factory("sqlite:///:memory:")()
        for role in roles.get_default_roles():
            roles.create_role(db, role)
        for name, role in hub["loadRoles"].items():
            roles.create_role(db, {"name": name, **{k: v for k, v in role.items() if k == "scopes"}})
        roles.create_role(db, {"name": "python101-teacher", "scopes": [f"{instruct}!group=course-python101"]})
        db.add(orm.Group(name="course-python101"))
        db.add(orm.OAuthClient(identifier="jupyterhub"))
        db.commit()
        granted = {}
        for name, extra in (("alice", None), ("hod", "learnflow-head"), ("tom", "python101-teacher")):
            user = orm.User(name=name)
            db.add(user)
            db.commit()
            roles.grant_role(db, user, "user")
            if extra:
                roles.grant_role(db, user, extra)
            have = roles.roles_to_scopes(roles.get_roles_for(user)) | {"inherit"}
            wanted = {s + f"={name}/" if s.endswith("!server") else s for s in requested}
            client = db.query(orm.OAuthClient).filter_by(identifier="jupyterhub").one()
            granted[name], _ = scopes._resolve_requested_scopes(wanted, have, user, client, db)
    finally:
        scopes.scope_definitions.clear()
        scopes.scope_definitions.update(saved)
    for name, scopes_ in granted.items():
        assert "access:services!service=learnflow" in scopes_, name
        assert "users:activity!user" in scopes_ and f"access:servers!server={name}/" in scopes_, name
    assert not [s for s in granted["alice"] if s.startswith(instruct)]
    assert instruct in granted["hod"]
    assert [s for s in granted["tom"] if s.startswith(instruct)] == [f"{instruct}!group=course-python101"]
