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
