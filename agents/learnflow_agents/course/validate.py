"""`course validate`: metadata, reference solutions, starters, hints, and top-to-bottom execution.

Needs the optional ``course`` extra (nbformat, nbclient, ipykernel, jsonschema).
"""

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnflow_agents.course.common import CourseToolError, has_multiline_string, require
from learnflow_agents.tutors.exercise.bank import (
    Exercise,
    ExerciseFormatError,
    notebook_paths,
    parse_exercise,
)
from learnflow_agents.tutors.exercise.checker import CheckResult, check_code
from learnflow_agents.tutors.exercise.hint_safety import hint_leaks
from learnflow_agents.tutors.exercise.notebooks import (
    code_cell,
    markdown_cell,
    new_notebook,
    read_notebook,
)
from learnflow_agents.tutors.exercise.sandbox import Limits
from learnflow_agents.tutors.exercise.schema import load_schema

KERNEL_NAME = "python3"


@dataclass
class NotebookReport:
    path: Path
    exercise_id: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ValidationReport:
    notebooks: list[NotebookReport]

    @property
    def ok(self) -> bool:
        return bool(self.notebooks) and all(n.ok for n in self.notebooks)

    def render(self) -> str:
        lines = []
        for report in self.notebooks:
            if report.ok:
                lines.append(f"ok    {report.path}")
            else:
                lines.append(f"FAIL  {report.path}")
                lines.extend(f"      - {problem}" for problem in report.problems)
        failed = sum(1 for n in self.notebooks if not n.ok)
        lines.append(f"{len(self.notebooks) - failed} valid, {failed} invalid")
        return "\n".join(lines)


def _schema_problems(notebook: dict[str, Any]) -> list[str]:
    jsonschema = require("jsonschema")
    validator = jsonschema.Draft202012Validator(load_schema())
    return [
        f"schema: {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(notebook), key=lambda e: list(e.absolute_path))
    ]


def _nbformat_problems(notebook: dict[str, Any]) -> list[str]:
    nbformat = require("nbformat")
    try:
        nbformat.validate(nbformat.from_dict(notebook))
    except nbformat.ValidationError as exc:
        return [f"nbformat: {exc.message}"]
    return []


def _describe_failures(result: CheckResult) -> str:
    if result.load_error:
        return result.load_error
    return "; ".join(f"{t.name} ({t.status.value}: {t.message})" for t in result.failures)


def _sandbox_problems(exercise: Exercise, limits: Limits | None) -> list[str]:
    problems = []
    solved = check_code(exercise, exercise.solution or "", limits=limits)
    if not solved.passed:
        problems.append(f"reference solution fails: {_describe_failures(solved)}")
    started = check_code(exercise, exercise.starter, limits=limits)
    if started.load_error:
        problems.append(
            f"starter does not run on its own (the released notebook would fail): {started.load_error}"
        )
    elif started.passed:
        problems.append("starter passes every test: it should leave something for the student to do")
    return problems


def _execution_notebook(exercise: Exercise) -> dict[str, Any]:
    """The notebook as a student would finish it: solution in the starter cell, all tests."""
    cells = [markdown_cell(exercise.statement, "statement"), code_cell(exercise.solution or "", "solution")]
    cells += [code_cell(t.source, f"test-{i}") for i, t in enumerate(exercise.all_tests)]
    return new_notebook(cells, exercise.meta.model_dump(mode="json"))


def execute_notebook(notebook: dict[str, Any], *, timeout: int = 60) -> str | None:
    """Run every cell in a fresh python3 kernel; the error description, or None on success."""
    nbformat = require("nbformat")
    nbclient = require("nbclient")
    with tempfile.TemporaryDirectory(prefix="learnflow-validate-") as workdir:
        client = nbclient.NotebookClient(
            nbformat.from_dict(notebook),
            timeout=timeout,
            kernel_name=KERNEL_NAME,
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as exc:
            return f"{exc.ename}: {exc.evalue}"
        except nbclient.exceptions.CellTimeoutError:
            return f"a cell ran longer than {timeout} s"
    return None


def validate_notebook(path: Path, *, execute: bool = True, limits: Limits | None = None) -> NotebookReport:
    report = NotebookReport(path=path)
    try:
        notebook = read_notebook(path)
    except (OSError, json.JSONDecodeError) as exc:
        report.problems.append(f"cannot read notebook JSON: {exc}")
        return report
    report.problems += _nbformat_problems(notebook) + _schema_problems(notebook)
    try:
        exercise = parse_exercise(notebook, path)
    except ExerciseFormatError as exc:
        report.problems.append(str(exc).removeprefix(f"{path}: "))
        return report
    report.exercise_id = exercise.id
    if exercise.meta.released:
        report.problems.append("this is a released student notebook; validate the course source instead")
        return report
    report.problems += [
        f"test {t.name!r} has a multi-line string literal; use \\n escapes so release can indent it"
        for t in exercise.visible_tests
        if has_multiline_string(t.source)
    ]
    report.problems += hint_leaks(exercise)
    report.problems += _sandbox_problems(exercise, limits)
    if execute:
        error = execute_notebook(_execution_notebook(exercise))
        if error:
            report.problems.append(f"does not execute top to bottom with the solution in place: {error}")
    return report


def validate_course(
    directory: Path | str, *, execute: bool = True, limits: Limits | None = None
) -> ValidationReport:
    """Check every exercise notebook under `directory` (see the module docstring)."""
    paths = notebook_paths(directory)
    if not paths:
        raise CourseToolError(f"no .ipynb files under {directory}")
    reports = [validate_notebook(p, execute=execute, limits=limits) for p in paths]
    seen: dict[str, Path] = {}
    for report in reports:
        if report.exercise_id is None:
            continue
        if report.exercise_id in seen:
            report.problems.append(
                f"exercise id {report.exercise_id!r} is also used by {seen[report.exercise_id]}"
            )
        seen.setdefault(report.exercise_id, report.path)
    return ValidationReport(reports)
