"""`course validate / release / grade` over the shipped bank and over deliberately broken courses."""

import copy
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from learnflow_agents.course import (
    grade_submissions,
    helper_source,
    release_course,
    validate_course,
)
from learnflow_agents.course.cli import main as course_main
from learnflow_agents.tutors.exercise.bank import BANK_DIR, cell_role, load_bank, load_exercise
from learnflow_agents.tutors.exercise.notebooks import read_notebook, write_notebook
from learnflow_exercise_bank.build import SOURCE_DIR, build_notebook, load_spec
from nbclient import NotebookClient

NBVAL_SAMPLE = [
    "variables/swap-two-values.ipynb",
    "classes/bank-account.ipynb",
    "generators/sliding-window.ipynb",
    "file-io/file-word-stats.ipynb",
]


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("released")
    written = release_course(BANK_DIR, destination)
    assert len(written) == len(load_bank())
    return destination


def _with_code(notebook: dict, code: str) -> dict:
    edited = copy.deepcopy(notebook)
    for cell in edited["cells"]:
        if cell_role(cell) == "starter":
            cell["source"] = code
    return edited


def _execute(notebook: dict) -> list[str]:
    """Printed output of every cell, after running the notebook in a real kernel."""
    node = nbformat.from_dict(notebook)
    NotebookClient(node, kernel_name="python3", timeout=60).execute()
    return ["".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in node.cells]


def test_validate_passes_on_the_shipped_bank() -> None:
    report = validate_course(BANK_DIR, execute=True)
    assert report.ok, report.render()
    assert len(report.notebooks) == len(load_bank())


def test_validate_catches_broken_exercises(tmp_path: Path) -> None:
    spec = load_spec(SOURCE_DIR / "sum-of-evens.toml")
    failing_solution = {
        **spec,
        "exercise_id": "failing-solution",
        "solution": "def sum_evens(numbers):\n    return 0\n",
    }
    passing_starter = {**spec, "exercise_id": "passing-starter", "starter": spec["solution"]}
    leaky_hint = {
        **spec,
        "exercise_id": "leaky-hint",
        "hints": ["Write: if number % 2 == 0: total += number"],
    }
    for broken in (failing_solution, passing_starter, leaky_hint):
        write_notebook(build_notebook(broken), tmp_path / f"{broken['exercise_id']}.ipynb")
    write_notebook(build_notebook(spec), tmp_path / "good.ipynb")
    # Sorts after good.ipynb, so the duplicate is the one reported.
    write_notebook(build_notebook(spec), tmp_path / "later" / "duplicate.ipynb")
    (tmp_path / "garbage.ipynb").write_text("{ not json", encoding="utf-8")

    report = validate_course(tmp_path, execute=True)
    problems = {r.path.name: " | ".join(r.problems) for r in report.notebooks}
    assert not report.ok
    assert "reference solution fails" in problems["failing-solution.ipynb"]
    assert "does not execute top to bottom" in problems["failing-solution.ipynb"]
    assert "starter passes every test" in problems["passing-starter.ipynb"]
    assert "hint 1 reveals solution line" in problems["leaky-hint.ipynb"]
    assert "cannot read notebook JSON" in problems["garbage.ipynb"]
    assert "also used by" in problems["duplicate.ipynb"]
    assert problems["good.ipynb"] == ""


def test_validate_reports_schema_problems(tmp_path: Path) -> None:
    notebook = build_notebook(load_spec(SOURCE_DIR / "sum-of-evens.toml"))
    notebook["metadata"]["learnflow"]["difficulty"] = "expert"
    write_notebook(notebook, tmp_path / "bad.ipynb")
    (report,) = validate_course(tmp_path, execute=False).notebooks
    assert any(p.startswith("schema: metadata/learnflow/difficulty") for p in report.problems)


def test_release_strips_solutions_and_hidden_tests(released: Path) -> None:
    for exercise in load_bank():
        assert exercise.path is not None
        path = released / exercise.path.relative_to(BANK_DIR)
        notebook = read_notebook(path)
        helpers = [c for c in notebook["cells"] if cell_role(c) == "helper"]
        # The helper is the same LearnFlow code in every notebook; everything else is searched.
        assert [c["source"] for c in helpers] == [helper_source().strip("\n")]
        others = [c for c in notebook["cells"] if cell_role(c) != "helper"]
        text = json.dumps([others, notebook["metadata"]], ensure_ascii=False)
        public = "\n".join([exercise.starter, exercise.statement, *exercise.hints])
        public += "\n".join(t.source for t in exercise.visible_tests)
        secret = [exercise.solution or ""] + [t.source for t in exercise.hidden_tests]
        for source in secret:
            for line in source.splitlines():
                line = line.strip()
                if len(line) >= 12 and line not in public:
                    assert json.dumps(line, ensure_ascii=False)[1:-1] not in text, (exercise.id, line)
        assert '"solution"' not in text and '"hidden-tests"' not in text
        # Hidden test names are not published either (unless the statement happens to use the words).
        assert [t.name for t in exercise.hidden_tests if t.name not in public and t.name in text] == []

        student = load_exercise(path)
        assert student.meta.released and student.solution is None and student.hidden_tests == ()
        assert [t.source.strip() for t in student.visible_tests] == [
            t.source.strip() for t in exercise.visible_tests
        ]
        assert student.starter.strip() == exercise.starter.strip()


def test_released_notebooks_run_clean_under_nbval(released: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", *NBVAL_SAMPLE],
        cwd=released,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert " passed" in completed.stdout and "failed" not in completed.stdout


def test_released_tests_report_expected_and_actual_in_a_kernel(released: Path) -> None:
    notebook = read_notebook(released / "functions" / "rectangle-area.ipynb")
    wrong = "def area(width, height):\n    return width + height\n\n\ndef perimeter(width, height):\n"
    wrong += "    return 2 * (width + height)\n"
    output = "\n".join(_execute(_with_code(notebook, wrong)))
    assert "❌ area of a 3 by 4 rectangle" in output
    assert "expected: 12" in output and "got:      7" in output
    assert "✅ perimeter of a 3 by 4 rectangle" in output

    solution = load_bank().get("rectangle-area").solution or ""
    solved = "\n".join(_execute(_with_code(notebook, solution)))
    assert "❌" not in solved and solved.count("✅") == 2


def _submit(root: Path, student: str, released: Path, relative: str, code: str | None) -> None:
    notebook = read_notebook(released / relative)
    if code is not None:
        notebook = _with_code(notebook, code)
    write_notebook(notebook, root / student / Path(relative).name)


def test_grade_two_students(tmp_path: Path, released: Path) -> None:
    bank = load_bank()
    submissions = tmp_path / "submissions"
    _submit(
        submissions, "alice", released, "functions/rectangle-area.ipynb", bank.get("rectangle-area").solution
    )
    _submit(submissions, "alice", released, "for-loops/sum-of-evens.ipynb", bank.get("sum-of-evens").solution)
    wrong_area = "def area(width, height):\n    return width + height\n\n\ndef perimeter(width, height):\n"
    wrong_area += "    return 2 * (width + height)\n"
    _submit(submissions, "bob", released, "functions/rectangle-area.ipynb", wrong_area)
    _submit(submissions, "bob", released, "for-loops/sum-of-evens.ipynb", None)  # handed in untouched

    report = grade_submissions(submissions, BANK_DIR, tmp_path / "out")

    with report.csv_path.open(encoding="utf-8") as handle:
        rows = {(r["student"], r["exercise_id"]): r for r in csv.DictReader(handle)}
    assert set(rows) == {
        ("alice", "rectangle-area"),
        ("alice", "sum-of-evens"),
        ("bob", "rectangle-area"),
        ("bob", "sum-of-evens"),
    }
    for exercise_id in ("rectangle-area", "sum-of-evens"):
        row = rows[("alice", exercise_id)]
        assert (row["passed"], row["score"], row["failures"], row["error"]) == ("True", "1.0000", "", "")
    bob_area = rows[("bob", "rectangle-area")]
    assert (bob_area["passed"], bob_area["score"]) == ("False", "0.3333")
    assert (bob_area["tests_passed"], bob_area["tests_total"]) == ("1", "3")
    assert bob_area["failures"] == "area of a 3 by 4 rectangle (failed); other sizes (failed)"
    bob_evens = rows[("bob", "sum-of-evens")]
    assert (bob_evens["passed"], bob_evens["score"], bob_evens["tests_passed"]) == ("False", "0.0000", "0")

    results = json.loads(report.json_path.read_text(encoding="utf-8"))["results"]
    by_key = {(r["student"], r["exercise_id"]): r for r in results}
    alice = by_key[("alice", "sum-of-evens")]
    assert (alice["passed"], alice["score"]) == (True, 1.0)
    failures = by_key[("bob", "rectangle-area")]["failures"]
    assert failures[0] == {
        "name": "area of a 3 by 4 rectangle",
        "hidden": False,
        "status": "failed",
        "message": "❌ Not quite.",
        "expected": "12",
        "actual": "7",
    }
    # Unlike students, the instructor sees hidden tests' expected values.
    assert (failures[1]["hidden"], failures[1]["expected"]) == (True, "5.0")


def test_grade_falls_back_when_the_starter_metadata_was_lost(tmp_path: Path, released: Path) -> None:
    notebook = _with_code(read_notebook(released / "for-loops" / "sum-of-evens.ipynb"), "")
    notebook["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "mine",
            "metadata": {},
            "outputs": [],
            "source": "",
        }
    )
    notebook["cells"][-1]["source"] = load_bank().get("sum-of-evens").solution
    for cell in notebook["cells"]:
        if cell_role(cell) == "starter":
            del cell["metadata"]["learnflow"]
            cell["source"] = "# moved my code further down"
    write_notebook(notebook, tmp_path / "subs" / "carol" / "renamed.ipynb")
    (row,) = grade_submissions(tmp_path / "subs", BANK_DIR, tmp_path / "out").rows
    assert row.exercise_id == "sum-of-evens" and row.passed
    assert "starter cell not found" in row.error


def test_course_cli_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "source"
    write_notebook(build_notebook(load_spec(SOURCE_DIR / "sum-of-evens.toml")), source / "sum-of-evens.ipynb")
    assert course_main(["course", "validate", str(source), "--no-execute"]) == 0
    assert course_main(["course", "release", str(source), str(tmp_path / "student")]) == 0
    assert (tmp_path / "student" / "sum-of-evens.ipynb").exists()
    assert course_main(["course", "validate", str(tmp_path / "student"), "--no-execute"]) == 1
    assert "released student notebook" in capsys.readouterr().out
    missing = tmp_path / "nowhere"
    assert (
        course_main(["course", "grade", str(missing), "--source", str(source), "--out", str(tmp_path)]) == 2
    )
    assert "is not a directory" in capsys.readouterr().err


def test_exercise_modules_import_no_jupyter_packages() -> None:
    code = (
        "import sys\n"
        "import learnflow_agents.course.cli\n"
        "import learnflow_agents.tutors.exercise.replies\n"
        "jupyter = {'nbformat', 'nbclient', 'jupyter_client', 'jupyter_server', 'jupyterlab',\n"
        "           'ipykernel', 'notebook'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in jupyter))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
