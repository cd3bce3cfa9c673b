"""`course grade`: run every test, hidden ones included, on each submission; write CSV and JSON."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnflow_agents.tutors.exercise.bank import (
    Bank,
    UnknownExerciseError,
    cell_role,
    cell_source,
    load_directory,
)
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.course_common import CourseToolError
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

    def csv_row(self) -> dict[str, Any]:
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


def student_code(notebook: dict[str, Any]) -> tuple[str, str]:
    """(code, note): the starter cell's code, or a fallback with a note saying so."""
    cells = notebook.get("cells") or []
    starters = [cell_source(c) for c in cells if c.get("cell_type") == "code" and cell_role(c) == "starter"]
    if starters:
        return "\n\n".join(starters), ""
    # Metadata lost (copied cells, another editor): take every code cell LearnFlow didn't write.
    own = [cell_source(c) for c in cells if c.get("cell_type") == "code" and cell_role(c) is None]
    return "\n\n".join(own), "starter cell not found; graded all code cells without LearnFlow metadata"


def grade_notebook(student: str, path: Path, bank: Bank, limits: Limits | None = None) -> GradeRow:
    try:
        notebook = read_notebook(path)
    except (OSError, json.JSONDecodeError) as exc:
        return GradeRow(student, path.stem, str(path), error=f"cannot read notebook: {exc}")
    meta = (notebook.get("metadata") or {}).get("learnflow") or {}
    exercise_id = meta.get("exercise_id") if isinstance(meta.get("exercise_id"), str) else path.stem
    row = GradeRow(student, exercise_id, str(path))
    try:
        exercise = bank.get(exercise_id)
    except UnknownExerciseError:
        row.error = f"no exercise {exercise_id!r} in the course source"
        return row
    code, note = student_code(notebook)
    result = check_code(exercise, code, include_hidden=True, limits=limits)
    row.passed, row.score = result.passed, result.score
    row.points, row.max_points = result.points, result.max_points
    row.tests_total = len(result.tests)
    row.tests_passed = sum(1 for t in result.tests if t.passed)
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


def grade_submissions(
    submissions: Path | str, source: Path | str, out: Path | str, *, limits: Limits | None = None
) -> GradeReport:
    """Grade SUBMISSIONS/<student>/<exercise>.ipynb against the course source; write CSV and JSON."""
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise CourseToolError(f"{submissions} is not a directory")
    bank = load_directory(source)
    if not len(bank):
        raise CourseToolError(f"no exercises under {source}")
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
            **row.csv_row(),
            "passed": row.passed,
            "score": row.score,
            "notebook": row.notebook,
            "failures": row.failures,
        }
        for row in rows
    ]
    json_path.write_text(
        json.dumps({"results": json_rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return GradeReport(rows, csv_path, json_path)
