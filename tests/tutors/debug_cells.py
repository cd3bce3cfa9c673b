"""Run a student's cell for real and ask the debug tutor about it (shared by the debug tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import AgentReply
from learnflow_agents.tutors.debug import diagnose


def run_cell(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run code as ``cell.py`` in a fresh interpreter, for its real output and traceback."""
    script = tmp_path / "cell.py"
    script.write_text(code)
    return subprocess.run(
        [sys.executable, "-S", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,  # a program that reads input() finds none, as in a non-interactive run
        cwd=tmp_path,  # files a program writes stay in the test's own directory
    )


def ask_about(code: str, tmp_path: Path) -> AgentReply:
    """The tutor's reply to a cell that fails when run, with that run's traceback."""
    failed = run_cell(code, tmp_path)
    assert failed.returncode != 0, "the snippet must fail for the test to mean anything"
    return diagnose(StudentQuery(text="why does this fail?", code=code, traceback=failed.stderr))
