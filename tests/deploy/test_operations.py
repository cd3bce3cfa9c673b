"""Operations in the chart (issue 16): a purge CronJob, and the release's Secret as an ordinary
resource whose checksum rolls the pods that read it when a credential is rotated."""

from typing import Any

from tests.deploy.test_chart_render import (
    API_KEY,
    DEFAULTS,
    agent_deployments,
    of_kind,
    pod_specs,
    render,
    rendered,
    schema_errors,
)


def _checksums(docs: list[dict[str, Any]]) -> dict[str, str | None]:
    return {
        name: (d["spec"]["template"]["metadata"].get("annotations") or {}).get("checksum/secret")
        for name, d in of_kind(docs, "Deployment").items()
    }


def test_rotating_a_credential_rolls_the_pods_that_read_it() -> None:
    before = _checksums(render({**DEFAULTS, "llm": {"anthropicApiKey": API_KEY}}))
    again = _checksums(render({**DEFAULTS, "llm": {"anthropicApiKey": API_KEY}}))
    after = _checksums(render({**DEFAULTS, "llm": {"anthropicApiKey": API_KEY + "-rotated"}}))
    readers = {f"learnflow-{a}" for a in agent_deployments(rendered("defaults"))} | {"learnflow-gateway"}
    assert before == again
    for name in readers:
        assert before[name] and after[name] and before[name] != after[name], name
    # The sandbox reads no Secret: a credential change never restarts student checks.
    assert before["learnflow-sandbox"] is None and after["learnflow-sandbox"] is None
    # A hub token rotation rolls them too.
    token = _checksums(render({**DEFAULTS, "gateway": {"hubApiToken": "rotated-token"}}))
    assert token["learnflow-gateway"] != _checksums(rendered("defaults"))["learnflow-gateway"]


def test_with_secrets_managed_elsewhere_there_is_no_checksum_to_follow() -> None:
    """The chart cannot see those Secrets: rotating one needs `kubectl rollout restart` (docs)."""
    docs = rendered("everything-existing-secrets")
    assert set(_checksums(docs).values()) == {None}


def test_the_purge_cronjob_runs_the_real_purge_command() -> None:
    from learnflow_agents.cli import build_parser

    docs = rendered("defaults")
    (cron,) = of_kind(docs, "CronJob").values()
    assert schema_errors(cron) == []
    spec = cron["spec"]
    assert spec["schedule"] == "17 3 * * *" and spec["concurrencyPolicy"] == "Forbid"
    pod = pod_specs(docs)["CronJob/learnflow-purge"]
    (container,) = pod["containers"]
    assert container["args"] == ["purge", "--older-than", "365"]
    args = build_parser().parse_args(container["args"])
    assert args.older_than == 365 and args.func.__name__ == "cmd_purge"
    # It runs after install (not a hook): it reads the release's Secret like the agents.
    env = {e["name"]: e for e in container["env"]}
    assert env["LEARNFLOW_DB_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "learnflow-secrets",
        "key": "db-url",
    }
    assert "helm.sh/hook" not in (cron["metadata"].get("annotations") or {})

    docs = render({**DEFAULTS, "purge": {"olderThanDays": 30, "schedule": "@weekly"}})
    (cron,) = of_kind(docs, "CronJob").values()
    assert cron["spec"]["schedule"] == "@weekly"
    assert pod_specs(docs)["CronJob/learnflow-purge"]["containers"][0]["args"][-1] == "30"
    assert of_kind(render({**DEFAULTS, "purge": {"enabled": False}}), "CronJob") == {}
