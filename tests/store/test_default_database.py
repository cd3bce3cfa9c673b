"""One default database: the CLI, the kernel, the server extension and the dashboard agree."""

import sys
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_data_dir
from learnflow_agents.settings import Settings, default_data_dir, default_db_url

from learnflow_ext.config import LearnFlow
from learnflow_ext.instructor.local import default_db_url as dashboard_db_url
from learnflow_ext.server.app import LearnFlowExtension


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"XDG_DATA_HOME": "xdg"},
        {"JUPYTER_DATA_DIR": "jdd"},
        {"JUPYTER_DATA_DIR": "jdd", "XDG_DATA_HOME": "xdg"},
    ],
)
def test_data_dir_follows_jupyter_rules(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("JUPYTER_DATA_DIR", raising=False)
    monkeypatch.delenv("JUPYTER_PLATFORM_DIRS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    assert default_data_dir() == Path(jupyter_data_dir()) / "learnflow"


def test_every_door_opens_the_same_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.delenv("LEARNFLOW_DB_URL", raising=False)
    expected = f"sqlite:///{tmp_path / 'jupyter' / 'learnflow' / 'learnflow.sqlite3'}"
    assert default_db_url() == expected
    assert Settings().db_url == expected  # learnflow-agents run / ask / course
    assert LearnFlow().resolved_db_url() == expected  # the kernel's embedded engine
    assert LearnFlowExtension().db_url == expected  # the Jupyter server extension
    assert dashboard_db_url() == expected  # the instructor dashboard


def test_environment_overrides_every_door(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://teacher@db.example/learnflow"
    monkeypatch.setenv("LEARNFLOW_DB_URL", url)
    assert {default_db_url(), Settings().db_url, LearnFlow().resolved_db_url(), dashboard_db_url()} == {url}
    assert LearnFlowExtension().db_url == url


def test_platform_rules_without_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The macOS and Windows branches, checked against jupyter_core on the same platform flags."""
    import jupyter_core.paths as jpaths

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    for name in ("JUPYTER_DATA_DIR", "XDG_DATA_HOME", "JUPYTER_PLATFORM_DIRS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_data_dir() == Path(jpaths.jupyter_data_dir()) / "learnflow"
