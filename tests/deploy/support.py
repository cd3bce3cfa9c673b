"""Paths and loaders shared by the deployment tests."""

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "learnflow"
Z2JH_VALUES = REPO / "helm" / "zero-to-jupyterhub-values.yaml"
COMPOSE = REPO / "docker-compose.yml"
# The Compose Specification's JSON Schema (compose-spec/compose-spec, schema/compose-spec.json),
# vendored: the tests run without network.
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")
AGENTS = ["triage", "concepts", "code-review", "debug", "exercise", "progress"]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# -- Zero to JupyterHub (vendored data from a pinned release, see z2jh/README.md) --------------

Z2JH = Path(__file__).with_name("z2jh")
Z2JH_VERSION = "4.4.0"
Z2JH_RELEASE = "jhub"  # docs/deploy.md: helm upgrade --install jhub jupyterhub/jupyterhub -n jupyterhub
Z2JH_NAMESPACE = "jupyterhub"


def z2jh_schema() -> dict[str, Any]:
    """z2jh's values schema, as its tools/generate-json-schema.py ships it (descriptions kept:
    they change nothing in validation)."""
    schema: dict[str, Any] = load_yaml(Z2JH / "values.schema.yaml")
    return schema


def z2jh_chart(where: Path) -> Path:
    """The vendored z2jh files assembled into a chart Helm can render: the two NetworkPolicy
    templates with their helpers, z2jh's defaults and its values schema (Helm validates against it)."""
    import json
    import shutil

    chart = where / "jupyterhub"
    shutil.copytree(Z2JH / "templates", chart / "templates")
    shutil.copy(Z2JH / "values.yaml", chart / "values.yaml")
    (chart / "values.schema.json").write_text(json.dumps(z2jh_schema()))
    (chart / "Chart.yaml").write_text(
        f"apiVersion: v2\nname: jupyterhub\nversion: {Z2JH_VERSION}\nappVersion: '5.5.0'\n"
        "kubeVersion: '>=1.28.0-0'\n"
    )
    return chart


# helm-sdkpy loads a Go runtime into the pytest process and Go does not support two in one
# process (golang/go#65050): helm-python-sdk renders in a child process.
_RENDER = """
import json, sys
import helm_python as helm
with helm.Chart.load(sys.argv[1]) as chart:
    json.dump(chart.render(json.loads(sys.argv[2]), name=sys.argv[3], namespace=sys.argv[4]), sys.stdout)
"""


class RenderError(Exception):
    """Helm refused to render: a values.schema.json violation, a `required` or a template error."""


def helm_render(chart: Path, values: dict[str, Any], release: str, namespace: str) -> list[dict[str, Any]]:
    """`helm template` of `chart` with `values`: the manifests (NOTES.txt left out)."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _RENDER, str(chart), json.dumps(values), release, namespace],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode:
        raise RenderError(proc.stderr)
    manifests: dict[str, str] = json.loads(proc.stdout)
    return [
        doc
        for path, text in sorted(manifests.items())
        if path.endswith((".yaml", ".yml"))
        for doc in yaml.safe_load_all(text)
        if doc
    ]
