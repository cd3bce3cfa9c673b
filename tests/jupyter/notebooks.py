"""Run real notebooks on real kernels (nbclient) and read what they showed."""

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REPO = Path(__file__).resolve().parents[2]

# The echo fixture answers debug queries (and anything triage would route) with the
# query's text reversed: a known answer to look for under the failing cell.
LOAD_WITH_ECHO = """\
ip = get_ipython()
ip.config.LearnFlow.agents = []
ip.config.LearnFlow.extra_agents = ["tests.fixtures.echo_agent:EchoAgent"]
%load_ext learnflow_ext"""

LOAD_WITH_REAL_AGENTS = "%load_ext learnflow_ext"


def run_notebook(
    cells: list[str], workdir: Path, *, kernel_name: str = "python3", timeout: int = 180
) -> NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def output_text(cell: NotebookNode, mime: str = "text/plain") -> str:
    """Streams, errors and the given representation of every display, in order."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            parts.append(output["text"])
        elif kind == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        elif kind in ("display_data", "execute_result"):
            data: dict[str, Any] = output.get("data", {})
            parts.append(str(data.get(mime, data.get("text/plain", ""))))
    return "\n".join(parts)


def widget_displays(cell: NotebookNode) -> list[dict[str, Any]]:
    return [
        output["data"]
        for output in cell.get("outputs", [])
        if output["output_type"] == "display_data" and WIDGET_VIEW in output.get("data", {})
    ]


def errors(cell: NotebookNode) -> list[str]:
    return [output["ename"] for output in cell.get("outputs", []) if output["output_type"] == "error"]
