"""Build and write nbformat-4 notebooks as plain dicts, deterministically.

Plain dicts (not nbformat objects) so the builder and `release` need no Jupyter
package; the output is what nbformat itself writes (indent 1, sorted keys), so
regenerating an unchanged bank gives byte-identical files and clean diffs.
"""

import json
from pathlib import Path
from typing import Any

NBFORMAT = 4
NBFORMAT_MINOR = 5

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}


def _metadata(learnflow: dict[str, Any] | None, extra: dict[str, Any] | None) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(extra or {})
    if learnflow is not None:
        metadata["learnflow"] = learnflow
    return metadata


def markdown_cell(
    source: str, cell_id: str, learnflow: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": _metadata(learnflow, extra),
        "source": source.strip("\n"),
    }


def code_cell(
    source: str, cell_id: str, learnflow: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": _metadata(learnflow, extra),
        "outputs": [],
        "source": source.strip("\n"),
    }


def new_notebook(cells: list[dict[str, Any]], learnflow: dict[str, Any]) -> dict[str, Any]:
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": dict(LANGUAGE_INFO),
            "learnflow": learnflow,
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def render_notebook(notebook: dict[str, Any]) -> str:
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_notebook(notebook: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_notebook(notebook), encoding="utf-8")


def read_notebook(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
