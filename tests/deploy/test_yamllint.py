"""yamllint on the values files and the compose file."""

from pathlib import Path

import pytest
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.deploy.support import CHART, COMPOSE, Z2JH_VALUES

CONFIG = YamlLintConfig(
    "extends: default\n"
    "rules:\n"
    "  line-length: {max: 130}\n"
    "  document-start: disable\n"
    "  braces: {max-spaces-inside: 1}\n"
    "  comments: {min-spaces-from-content: 1}\n"
    "  truthy: {check-keys: false}\n"
)


@pytest.mark.parametrize("path", [CHART / "values.yaml", CHART / "Chart.yaml", Z2JH_VALUES, COMPOSE])
def test_yamllint_is_clean(path: Path) -> None:
    problems = [
        f"{p.line}:{p.column} {p.rule} {p.message}" for p in linter.run(path.read_text(), CONFIG, str(path))
    ]
    assert problems == []


def test_yamllint_finds_real_problems() -> None:
    problems = list(linter.run("a: 1\na: 2\nb:   [1,2]\n", CONFIG))
    assert {p.rule for p in problems} >= {"key-duplicates", "commas"}
