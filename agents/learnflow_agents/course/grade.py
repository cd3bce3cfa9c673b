"""`course grade`: run every test, hidden ones included, on each submission; write the reports.

The long format (report.csv/json, a row per submission), the wide gradebook and the
feedback notebooks (course/gradebook.py) are all written from the same rows.

Each test runs through the exercise harness (checker.check_code): the submission's code
in a sandboxed child, the tests and the verdict here. A submission is untrusted input
too: a malformed notebook is a row with an error, never the end of the grading run, and
no student-controlled text reaches report.csv as a spreadsheet formula.
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnflow_agents.course.common import CourseToolError
from learnflow_agents.tutors.exercise.bank import (
    Bank,
    UnknownExerciseError,
    cell_role,
    cell_source,
    load_directory,
)
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.notebooks import (
    read_notebook,
)
from learnflow_agents.tutors.exercise.sandbox import Limits

CSV_FIELDS = (
    "student",
    "exercise_id",
    "passed",
    "score",
    "points",
    "max_points",
    "tests_passed",
    "tests_total",
    "failures",
    "error",
)


@dataclass
class GradeRow:
    student: str
    exercise_id: str
    notebook: str
    passed: bool = False
    score: float = 0.0
    points: int = 0
    max_points: int = 0
    tests_passed: int = 0
    tests_total: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    # Every test's outcome, in the exercise's order (the wide gradebook and feedback read it).
    tests: list[dict[str, Any]] = field(default_factory=list)

    def csv_row(self) -> dict[str, Any]:
        return {key: _cell(value) for key, value in self.fields().items()}

    def fields(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "exercise_id": self.exercise_id,
            "passed": self.passed,
            "score": f"{self.score:.4f}",
            "points": self.points,
            "max_points": self.max_points,
            "tests_passed": self.tests_passed,
            "tests_total": self.tests_total,
            "failures": "; ".join(f"{f['name']} ({f['status']})" for f in self.failures),
            "error": self.error,
        }


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: student-controlled text never becomes a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def student_code(notebook: dict[str, Any]) -> tuple[str, str]:
    """(code, note): the starter cell's code, or a fallback with a note saying so."""
    cells = notebook.get("cells") or []
    if not isinstance(cells, list):
        raise ValueError("the notebook's cells are not a list")
    cells = [c for c in cells if isinstance(c, dict)]
    starters = [cell_source(c) for c in cells if c.get("cell_type") == "code" and cell_role(c) == "starter"]
    if starters:
        return "\n\n".join(starters), ""
    # Metadata lost (copied cells, another editor): take every code cell LearnFlow didn't write.
    own = [cell_source(c) for c in cells if c.get("cell_type") == "code" and cell_role(c) is None]
    return "\n\n".join(own), "starter cell not found; graded all code cells without LearnFlow metadata"


def grade_notebook(student: str, path: Path, bank: Bank, limits: Limits | None = None) -> GradeRow:
    # A submission is the student's file: whatever is in it, grading goes on to the next one.
    try:
        notebook = read_notebook(path)
    except (OSError, ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, nesting bombs
        return GradeRow(student, path.stem, str(path), error=f"cannot read notebook: {str(exc)[:200]}")
    if not isinstance(notebook, dict):
        return GradeRow(student, path.stem, str(path), error="cannot read notebook: not a JSON object")
    metadata = notebook.get("metadata")
    meta = (metadata.get("learnflow") if isinstance(metadata, dict) else None) or {}
    if not isinstance(meta, dict):
        meta = {}
    exercise_id = meta.get("exercise_id") if isinstance(meta.get("exercise_id"), str) else path.stem
    row = GradeRow(student, exercise_id, str(path))
    try:
        exercise = bank.get(exercise_id)
    except UnknownExerciseError:
        row.error = f"no exercise {exercise_id!r} in the course source"
        return row
    try:
        code, note = student_code(notebook)
    except (ValueError, TypeError, AttributeError) as exc:
        row.error = f"cannot read notebook: {exc}"
        row.max_points = sum(t.points for t in exercise.all_tests)
        row.tests_total = len(exercise.all_tests)
        return row
    result = check_code(exercise, code, include_hidden=True, limits=limits)
    row.passed, row.score = result.passed, result.score
    row.points, row.max_points = result.points, result.max_points
    row.tests_total = len(result.tests)
    row.tests_passed = sum(1 for t in result.tests if t.passed)
    row.tests = [
        {
            "name": t.name,
            "hidden": t.hidden,
            "status": t.status.value,
            "passed": t.passed,
            "points": t.points if t.passed else 0,
            "max_points": t.points,
            "message": t.message,
            "expected": t.expected,
            "actual": t.actual,
        }
        for t in result.tests
    ]
    row.failures = [
        {
            "name": t.name,
            "hidden": t.hidden,
            "status": t.status.value,
            "message": t.message,
            "expected": t.expected,
            "actual": t.actual,
        }
        for t in result.failures
    ]
    row.error = "; ".join(filter(None, [note, result.load_error or ""]))
    return row


@dataclass
class GradeReport:
    rows: list[GradeRow]
    csv_path: Path
    json_path: Path
    gradebook_path: Path | None = None
    gradebook_json_path: Path | None = None
    feedback: list[Path] = field(default_factory=list)
    students: list[str] = field(default_factory=list)


def grade_submissions(
    submissions: Path | str,
    source: Path | str,
    out: Path | str,
    *,
    limits: Limits | None = None,
    roster: Path | str | None = None,
    feedback: bool = True,
) -> GradeReport:
    """Grade SUBMISSIONS/<student>/<exercise>.ipynb against the course source.

    Writes the long format (report.csv, report.json: one row per submitted notebook), the wide
    gradebook (gradebook.csv, gradebook.json: one row per student of the roster, and of the
    submissions, non-submitters at zero) and, unless told not to, one feedback notebook per
    graded submission under feedback/<student>/.
    """
    # Imported here: gradebook imports this module's GradeRow.
    from learnflow_agents.course.gradebook import read_roster, write_feedback, write_gradebook

    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise CourseToolError(f"{submissions} is not a directory")
    bank = load_directory(source)
    if not len(bank):
        raise CourseToolError(f"no exercises under {source}")
    listed = read_roster(roster) if roster is not None else []
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    rows = [
        grade_notebook(student_dir.name, path, bank, limits)
        for student_dir in students
        for path in sorted(student_dir.glob("*.ipynb"))
    ]
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / "report.csv", out / "report.json"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(row.csv_row() for row in rows)
    json_rows = [
        {
            **row.fields(),
            "passed": row.passed,
            "score": row.score,
            "notebook": row.notebook,
            "failures": row.failures,
            "tests": row.tests,
        }
        for row in rows
    ]
    json_path.write_text(
        json.dumps({"results": json_rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    names = listed + sorted({d.name for d in students} - set(listed))
    gradebook_path, gradebook_json_path = write_gradebook(out, bank, names, rows)
    written = write_feedback(out / "feedback", bank, rows) if feedback else []
    return GradeReport(rows, csv_path, json_path, gradebook_path, gradebook_json_path, written, names)
