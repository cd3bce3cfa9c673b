"""Running the shipped notebooks on a real kernel, isolated from the developer's LearnFlow."""

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
# Variables that would point the kernel at a running Jupyter server or at Claude.
UNSET = (
    "LEARNFLOW_SERVER_URL",
    "LEARNFLOW_SERVER_TOKEN",
    "JUPYTER_SERVER_URL",
    "ANTHROPIC_API_KEY",
    "LEARNFLOW_LLM_ANTHROPIC_API_KEY",
    "LEARNFLOW_STUDENT_ID",
)


def isolated_env(root: Path) -> dict[str, str]:
    """A fresh student: own Jupyter dirs (preferences, runtime files) and own database."""
    return {
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "IPYTHONDIR": str(root / "ipython"),
        "LEARNFLOW_DB_URL": f"sqlite:///{root / 'learnflow.sqlite3'}",
    }


def execute(path: Path, **kwargs: Any) -> nbformat.NotebookNode:
    """Run every cell on a real ipykernel (the environment must already be isolated)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=180,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
        **kwargs,
    )
    client.execute()
    return notebook


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a reader sees under a cell, as text (cards via their text fallback)."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def outputs_of(notebook: nbformat.NotebookNode, source_start: str) -> str:
    """The outputs of the code cell(s) whose source starts with `source_start`."""
    found = [
        cell_text(c) for c in notebook.cells if c.cell_type == "code" and c.source.startswith(source_start)
    ]
    assert found, f"no cell starts with {source_start!r}"
    return "\n".join(found)
