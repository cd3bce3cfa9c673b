"""The shipped dashboard notebook, created by the command and executed headlessly."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from learnflow_ext.instructor import cli
from tests.instructor.stack import STRUGGLER

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_the_command_creates_the_notebook_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["instructor-dashboard", str(tmp_path)]) == 0
    created = tmp_path / cli.DEFAULT_NAME
    shipped = Path(cli.__file__).with_name("dashboard.ipynb")
    assert created.read_bytes() == shipped.read_bytes()
    created.write_text("{}")
    assert cli.main(["instructor-dashboard", str(created)]) == 1
    assert "exists" in capsys.readouterr().err and created.read_text() == "{}"
    assert cli.main(["instructor-dashboard", str(created), "--force"]) == 0
    assert json.loads(created.read_text())["cells"]


def test_the_shipped_notebook_runs_against_the_local_store(
    tmp_path: Path, class_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNFLOW_DB_URL", class_url)
    monkeypatch.delenv("LEARNFLOW_GATEWAY_URL", raising=False)
    path = tmp_path / "dash.ipynb"
    cli.create_dashboard(path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    shown = code[0].outputs
    assert any(WIDGET_VIEW in o.get("data", {}) for o in shown), shown
    printed = "".join(o.get("text", "") for o in code[1].outputs)
    assert "4 students, 1 struggling" in printed
    assert f"{STRUGGLER}: medium on boolean-logic" in printed
    assert "IndexError: 2 times, 2 students" in printed
