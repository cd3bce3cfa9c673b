"""Attacks on `course import` (course/importing.py, course/nbgrader_autotest.py): an imported
notebook's `### AUTOTEST` expressions and otter's expected values are computed by running
the notebook's own code in a child Python. That child is not the sandbox (it must read the
assignment's data files and libraries, as nbgrader's generate_assignment does), so the code
is trusted as the instructor's own; but the import may run where the agents run, and the
operator's credentials in that environment are not the instructor's to read. A notebook
that reads them must find nothing: the values it computes are written into tests, and
visible tests ship to students with `course release`.
"""

import json
from pathlib import Path

import pytest
from learnflow_agents.course import import_assignments

CANARY = "sk-ant-canary-7f3a9e"
SECRETS = ("ANTHROPIC_API_KEY", "LEARNFLOW_DATABASE_URL", "LEARNFLOW_KAFKA_SASL_PASSWORD")


@pytest.fixture
def operator_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.setenv(name, CANARY)


def _cell(kind: str, source: str, **nbgrader: object) -> dict:
    meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
    extra = {"outputs": [], "execution_count": None} if kind == "code" else {}
    return {"cell_type": kind, "metadata": meta, "source": source, **extra}


def _written(report: object) -> str:
    return "\n".join(Path(p).read_text() for p in report.written)  # type: ignore[attr-defined]


def test_an_autotest_reading_the_environment_finds_no_credential(
    tmp_path: Path, operator_secrets: None
) -> None:
    solution = (
        "### BEGIN SOLUTION\nimport os\nkey = os.environ.get('ANTHROPIC_API_KEY', 'absent')\n### END SOLUTION"
    )
    notebook = {
        "cells": [
            _cell("markdown", "Define `key`."),
            _cell("code", solution, grade_id="answer", solution=True, grade=False),
            _cell(
                "code",
                "### AUTOTEST key; sorted(k for k in os.environ if 'DATABASE' in k or 'SASL' in k)",
                grade_id="check_key",
                solution=False,
                grade=True,
                points=1,
            ),
        ],
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "hw.ipynb").write_text(json.dumps(notebook))
    report = import_assignments("nbgrader", tmp_path / "hw.ipynb", tmp_path / "out")
    assert report.skipped == [] and len(report.written) == 1
    written = _written(report)
    assert CANARY not in written
    assert "== 'absent'" in written and "== '[]'" in written


def test_an_otter_expected_value_reading_the_environment_finds_no_credential(
    tmp_path: Path, operator_secrets: None
) -> None:
    def raw(text: str) -> dict:
        return {"cell_type": "raw", "metadata": {}, "source": text}

    def code(text: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": text}

    cells = [
        raw("# ASSIGNMENT CONFIG\nrequirements: []"),
        raw("# BEGIN QUESTION\nname: q1\npoints: 1"),
        {"cell_type": "markdown", "metadata": {}, "source": "Write `url()`."},
        raw("# BEGIN SOLUTION"),
        code(
            "import os\ndef url():\n"
            "    return os.environ.get('LEARNFLOW_DATABASE_URL', 'absent') # SOLUTION\n"
        ),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        code("url()"),
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "hw.ipynb").write_text(json.dumps(notebook))
    report = import_assignments("otter", tmp_path / "hw.ipynb", tmp_path / "out")
    assert len(report.written) == 1
    written = _written(report)
    assert CANARY not in written and "'absent'" in written
