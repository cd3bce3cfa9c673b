"""`course grade`'s wide gradebook and per-student feedback notebooks (as nbgrader and otter write).

* ``gradebook.csv``: one row per student of the roster (``--roster FILE``: one id a line, or a
  CSV with an ``id``/``student``/``username`` column) and of the submissions directory, in
  roster order; one column per exercise and per test (points earned), then totals. A student
  who handed nothing in is a row of zeros. ``gradebook.json`` holds the same, with each
  column's maximum points.
* ``feedback/<student>/<exercise>.ipynb``: the student's own notebook (outputs cleared) under a
  summary of their result, with each visible test's outcome after its cell. Hidden tests show
  their name, points and verdict, never their inputs or expected values.

Points are in the source's units: an imported exercise (``metadata.learnflow_import``) reports
its original points (nbgrader's 0.5), not the integers the checker scores with.
"""

import csv
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learnflow_agents.course.common import CourseToolError
from learnflow_agents.course.grade import GradeRow, _cell
from learnflow_agents.course.importing import IMPORT_KEY
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, cell_role, cell_source
from learnflow_agents.tutors.exercise.notebooks import markdown_cell, read_notebook, write_notebook

_ID_COLUMNS = ("id", "student", "student_id", "username", "user", "email")
# A student id names a directory under feedback/: one plain path segment.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,127}$")


def read_roster(path: Path | str) -> list[str]:
    """Student ids in file order, without duplicates: one a line, or a CSV with an id column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CourseToolError(f"cannot read roster {path}: {exc}") from exc
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return []
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    column = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    if column is not None:
        ids = [row[column].strip() for row in csv.reader(lines[1:]) if len(row) > column]
    elif len(header) > 1:
        raise CourseToolError(
            f"roster {path}: a CSV roster needs one of the columns {', '.join(_ID_COLUMNS)}"
        )
    else:
        ids = [line.strip() for line in lines]
    bad = [i for i in ids if i and not _SAFE_ID.match(i)]
    if bad:
        raise CourseToolError(f"roster {path}: {bad[0]!r} is not a usable student id")
    return list(dict.fromkeys(i for i in ids if i))


@dataclass(frozen=True)
class _Scale:
    """Checker points -> the source's points for one exercise."""

    original: dict[str, float]
    factor: int

    def points(self, test: str, checker_points: float) -> float:
        if test in self.original and checker_points:
            return self.original[test]
        return checker_points / self.factor


def _scale(exercise: Exercise) -> _Scale:
    meta: dict[str, Any] = {}
    if exercise.path is not None:
        try:
            meta = read_notebook(exercise.path).get("metadata", {}).get(IMPORT_KEY) or {}
        except (OSError, ValueError):
            meta = {}
    original = meta.get("points") if isinstance(meta.get("points"), dict) else {}
    factor = meta.get("points_scale") if isinstance(meta.get("points_scale"), int) else 1
    return _Scale({str(k): float(v) for k, v in original.items()}, max(1, factor))


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _best(rows: list[GradeRow]) -> dict[tuple[str, str], GradeRow]:
    """One row per (student, exercise): the best of several handed-in copies."""
    best: dict[tuple[str, str], GradeRow] = {}
    for row in rows:
        key = (row.student, row.exercise_id)
        if key not in best or row.points > best[key].points:
            best[key] = row
    return best


def write_gradebook(out: Path, bank: Bank, students: list[str], rows: list[GradeRow]) -> tuple[Path, Path]:
    exercises = list(bank)
    scales = {e.id: _scale(e) for e in exercises}
    columns: list[dict[str, Any]] = []
    for exercise in exercises:
        scale = scales[exercise.id]
        tests = [(t.name, scale.points(t.name, t.points)) for t in exercise.all_tests]
        columns.append(
            {"name": exercise.id, "exercise_id": exercise.id, "max_points": sum(p for _, p in tests)}
        )
        columns += [
            {"name": f"{exercise.id}: {name}", "exercise_id": exercise.id, "test": name, "max_points": points}
            for name, points in tests
        ]
    max_total = sum(c["max_points"] for c in columns if "test" not in c)
    best = _best(rows)
    book: list[dict[str, Any]] = []
    for student in students:
        record: dict[str, Any] = {"student": student, "submitted": 0, "exercises": {}}
        total = 0.0
        for exercise in exercises:
            row = best.get((student, exercise.id))
            earned = {
                t["name"]: scales[exercise.id].points(t["name"], t["points"])
                for t in (row.tests if row else [])
            }
            points = sum(earned.values())
            total += points
            record["submitted"] += row is not None
            record["exercises"][exercise.id] = {
                "submitted": row is not None,
                "points": points,
                "tests": {t.name: earned.get(t.name, 0.0) for t in exercise.all_tests},
                "error": row.error if row else "",
            }
        record.update(
            total=total, max_points=max_total, percent=round(100 * total / max_total, 2) if max_total else 0
        )
        book.append(record)
    fields = ["student", "submitted", "total", "max_points", "percent"] + [c["name"] for c in columns]
    csv_path, json_path = out / "gradebook.csv", out / "gradebook.json"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for record in book:
            cells: list[Any] = [
                _cell(record["student"]),
                record["submitted"],
                _number(record["total"]),
                _number(record["max_points"]),
                _number(record["percent"]),
            ]
            for column in columns:
                entry = record["exercises"][column["exercise_id"]]
                value = entry["tests"][column["test"]] if "test" in column else entry["points"]
                cells.append(_number(value))
            writer.writerow(cells)
    json_path.write_text(
        json.dumps({"columns": columns, "students": book}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return csv_path, json_path


# --- feedback notebooks ------------------------------------------------------------------


def _text(value: Any, limit: int = 300) -> str:
    """Student-influenced text as inert markdown: escaped, one line, bounded."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text).replace("|", "&#124;").replace("`", "&#96;").replace("*", "&#42;")


def _verdict(test: dict[str, Any], points: float, worth: float) -> str:
    mark = "✅" if test["passed"] else "❌"
    line = f"{mark} **{_text(test['name'], 200)}** · {_number(points)}/{_number(worth)} points"
    if test["hidden"]:
        line += " · hidden test"
        if not test["passed"]:
            line += f" · {_text(test.get('message') or '')}"
        return line
    if not test["passed"]:
        line += f" · {_text(test.get('message') or '')}"
        if test.get("expected") is not None or test.get("actual") is not None:
            line += f" · expected {_text(test.get('expected'), 120)}, got {_text(test.get('actual'), 120)}"
    return line


def feedback_notebook(row: GradeRow, exercise: Exercise, submission: dict[str, Any] | None) -> dict[str, Any]:
    scale = _scale(exercise)
    outcomes = {t["name"]: t for t in row.tests}
    worth = {t.name: scale.points(t.name, t.points) for t in exercise.all_tests}
    earned = {name: scale.points(name, t["points"]) for name, t in outcomes.items()}
    total, maximum = sum(earned.values()), sum(worth.values())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = [
        f"# Feedback: {_text(exercise.title, 200)}",
        "",
        f"**{_text(row.student, 128)}** · **{_number(total)} / {_number(maximum)} points** · graded {stamp}",
    ]
    if row.error:
        summary += ["", f"⚠️ {_text(row.error, 400)}"]
    if row.tests:
        summary += [
            "",
            *(
                f"- {_verdict(outcomes[t.name], earned[t.name], worth[t.name])}"
                for t in exercise.all_tests
                if t.name in outcomes
            ),
        ]
    cells = [markdown_cell("\n".join(summary), "feedback-summary", extra={"learnflow_feedback": True})]
    # A submission is student input: its cells may be anything, and feedback is still written.
    found = submission.get("cells") if isinstance(submission, dict) else None
    for index, cell in enumerate(found if isinstance(found, list) else []):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        kept = {
            "cell_type": cell["cell_type"],
            "id": f"cell-{index}",
            "metadata": {k: v for k, v in metadata.items() if k == "learnflow"},
            "source": cell_source(cell),
        }
        if cell["cell_type"] == "code":
            kept.update(execution_count=None, outputs=[])
        cells.append(kept)
        meta = metadata.get("learnflow")
        name = meta.get("name") if isinstance(meta, dict) else None
        if cell_role(cell) == "visible-tests" and name in outcomes:
            result = _verdict(outcomes[name], earned[name], worth[name])
            cells.append(markdown_cell(result, f"feedback-{index}", extra={"learnflow_feedback": True}))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_feedback(directory: Path, bank: Bank, rows: list[GradeRow]) -> list[Path]:
    written = []
    for row in rows:
        if not _SAFE_ID.match(row.student) or row.exercise_id not in bank:
            continue
        try:
            submission = read_notebook(Path(row.notebook))
        except (OSError, ValueError, RecursionError):
            submission = None
        if not isinstance(submission, dict):
            submission = None
        target = directory / row.student / f"{row.exercise_id}.ipynb"
        write_notebook(feedback_notebook(row, bank.get(row.exercise_id), submission), target)
        written.append(target)
    return written
