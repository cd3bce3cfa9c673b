"""The shipped notebooks, executed on a real kernel in kernel-only mode (offline tutors).

Each test runs a notebook with nbclient as a fresh student would and checks that the
tutors' cards (their text fallback) say what the notebook's prose promises. The last
test validates the student-facing notebooks with nbval, as CI does, in a subprocess.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.support import NOTEBOOKS, REPO, UNSET, cell_text, execute, isolated_env, outputs_of


@pytest.fixture
def student(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The kernel inherits this environment: a fresh student, no server, no API key.
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    return tmp_path


def run(name: str) -> nbformat.NotebookNode:
    return execute(NOTEBOOKS / name)


def test_every_notebook_has_a_test() -> None:
    shipped = {str(p.relative_to(NOTEBOOKS)) for p in NOTEBOOKS.rglob("*.ipynb")}
    source = Path(__file__).read_text()
    assert {name for name in shipped if f'run("{name}")' not in source} == set()


# Shipped without outputs: a newcomer's cards must not read "done" before anything ran.
CLEAN = {"welcome.ipynb"}


def test_only_tagged_cells_fail() -> None:
    # Untagged failing cells would stop nbclient and nbval; tagged ones must really fail
    # (checked on the stored outputs here, and on a fresh run for the notebooks shipped clean).
    for path in NOTEBOOKS.rglob("*.ipynb"):
        if str(path.relative_to(NOTEBOOKS)) in CLEAN:
            continue
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if "raises-exception" in cell.metadata.get("tags", []):
                assert any(o["output_type"] == "error" for o in cell.outputs), (path, cell.source)


def test_welcome_ships_without_outputs() -> None:
    for name in CLEAN:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code), name
        # nbval compares the outputs of cells tagged nbval-check-output: none to compare here.
        assert not [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])], name
        assert "widgets" not in notebook.metadata, name


def test_welcome(student: Path) -> None:
    notebook = run("welcome.ipynb")
    typo = outputs_of(notebook, 'greeting = "Hello"')
    assert "NameError: name 'greting' is not defined" in typo
    assert "Debug agent · done" in typo
    assert "you probably meant `greeting`" in typo
    index = outputs_of(notebook, "scores = [90, 85, 77]")
    assert "IndexError: list index out of range" in index
    assert "`scores` has 3 items" in index
    assert "LearnFlow: all answers are in." in outputs_of(notebook, "%learnflow wait")
    asked = outputs_of(notebook, "%learnflow ask what is the difference")
    assert "Concepts agent · done" in asked and "tuple" in asked
    loops = outputs_of(notebook, "%learnflow exercise loops")
    assert "Learn 'functions' and 'conditionals' first" in loops
    assert "known_topics+=functions,conditionals" in loops
    declared = outputs_of(notebook, "%learnflow config known_topics+=functions,conditionals")
    assert "known_topics    functions, conditionals" in declared
    assert "Exercise: " in declared and "for-loops)" in declared
    assert "Exercise: Swap two variables" in outputs_of(notebook, "%learnflow exercise variables")
    assert outputs_of(notebook, "%learnflow hint").startswith("Hint 1: ")
    assert "Alan Grace" in outputs_of(notebook, 'left = "Grace"')
    checked = outputs_of(notebook, "%learnflow check")
    assert "All 3 tests passed" in checked and "Tests: 3/3 passed" in checked
    assert checked.count("All 3 tests passed") == 1  # the summary is not repeated
    progress = outputs_of(notebook, "%learnflow progress")
    assert "Progress agent · done" in progress
    assert "passed 1 exercise in 1 attempt" in progress
    # The clean 3/3 pass after the NameError and the hint moves variables visibly (BKTParams).
    assert "Passing exercise swap-two-values moved variables from 11% to 58%." in progress
    # The deliberate errors really fail (the notebook ships without outputs to show it).
    for cell in notebook.cells:
        if "raises-exception" in cell.metadata.get("tags", []):
            assert any(o["output_type"] == "error" for o in cell.outputs), cell.source
    assert " · working" not in "".join(cell_text(c) for c in notebook.cells)


def test_ask_and_explain(student: Path) -> None:
    notebook = run("examples/ask-and-explain.ipynb")
    asked = outputs_of(notebook, "%learnflow ask how do I loop over a dictionary")
    assert "You asked: how do I loop over a dictionary's keys and values?" in asked
    assert "Concepts agent · done" in asked
    explained = outputs_of(notebook, "%learnflow explain list comprehensions")
    assert "A list comprehension builds a new list" in explained
    with_code = outputs_of(notebook, "%%learnflow ask why does this print None?")
    assert "You asked: why does this print None?" in with_code
    assert " · done · " in with_code
    assert "`double` (defined on line 1) has no `return` statement" in with_code


def test_review(student: Path) -> None:
    notebook = run("examples/review.ipynb")
    previous = outputs_of(notebook, "%learnflow review")
    assert "Code review agent · done" in previous
    assert "Review of the previous cell" in previous
    assert "range(len(...))" in previous
    this_cell = outputs_of(notebook, "%%learnflow review")
    assert "Review of this cell" in this_cell
    assert "if/else that returns True/False" in this_cell


def test_debug(student: Path) -> None:
    notebook = run("examples/debug.ipynb")
    first, again = (cell_text(c) for c in notebook.cells if c.source.startswith("ages = "))
    assert "no key `'grace'`" in first
    assert "Same error as In[2]: not sent again." in again and "Same error" not in first
    assert "auto-capture is off" in outputs_of(notebook, "%learnflow auto off")
    uncaptured = outputs_of(notebook, 'total = "3" + 4')
    assert uncaptured == 'TypeError: can only concatenate str (not "int") to str'
    redo = outputs_of(notebook, "%learnflow debug")
    assert "TypeError in In[6], again" in redo
    assert "Debug agent · done" in redo


def test_exercise(student: Path) -> None:
    notebook = run("examples/exercise.ipynb")
    assert "Exercise: Swap two variables (beginner, variables)" in outputs_of(notebook, "%learnflow exercise")
    hints = outputs_of(notebook, "%learnflow hint")
    assert hints.index("Hint 1: ") < hints.index("Hint 2: ")
    wrong = outputs_of(notebook, "%%learnflow check")
    assert "2 of 3 tests did not pass yet." in wrong
    assert "- ❌ left now holds Alan" in wrong
    assert wrong.count("left now holds Alan") == 1  # listed once, not in the prose and again in a table
    right = outputs_of(notebook, "%learnflow check")
    assert "All 3 tests passed" in right


def test_progress(student: Path) -> None:
    notebook = run("examples/progress.ipynb")
    progress = outputs_of(notebook, "%learnflow progress")
    assert "Progress agent · done" in progress
    assert "indexing" in progress
    assert "Mastery" in progress


def test_status_and_config(student: Path) -> None:
    notebook = run("examples/status-and-config.ipynb")
    status = outputs_of(notebook, "%learnflow status")
    assert "kernel-only mode" in status
    assert "provider:       offline" in status
    assert f"database:       {student / 'learnflow.sqlite3'}" in status
    saved = outputs_of(notebook, "%learnflow config skill_level=intermediate")
    assert "skill_level     intermediate" in saved
    assert "(kept in the LearnFlow database)" in saved
    assert "learnflow: config takes NAME=VALUE" in outputs_of(notebook, "%learnflow config colour=blue")
    assert "Usage: %learnflow COMMAND" in outputs_of(notebook, "%learnflow help")


def test_student_notebooks_pass_nbval(student: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(NOTEBOOKS / "nbval-sanitize.cfg"),
            "-q",
            str(NOTEBOOKS),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
