"""`course release`: student notebooks with solutions and hidden tests removed from the file.

Standard library only; the written notebooks need nothing but Python in the kernel.
"""

from pathlib import Path
from typing import Any

import learnflow_agents.tutors.exercise as exercise_package
from learnflow_agents.course.common import CourseToolError, has_multiline_string
from learnflow_agents.tutors.exercise.bank import (
    Exercise,
    cell_role,
    cell_source,
    load_exercise,
    notebook_paths,
)
from learnflow_agents.tutors.exercise.notebooks import (
    code_cell,
    markdown_cell,
    new_notebook,
    render_notebook,
)

_RUNTIME_FILES = ("assertions.py", "notebook_runtime.py")


class ReleaseLeakError(CourseToolError):
    """A released notebook would still contain a solution line or a hidden test."""


def helper_source() -> str:
    # The runtime the released notebooks embed is the exercise tutor's (its checker runs it too).
    here = Path(exercise_package.__file__).parent
    body = "\n\n".join((here / name).read_text(encoding="utf-8").strip() for name in _RUNTIME_FILES)
    return (
        "# LearnFlow test helper: run this cell first (Run All does).\n"
        "# It lets the test cells below report ✅/❌ with expected vs actual instead of stopping\n"
        "# at the first failure. You don't need to read or change it.\n\n" + body + "\n"
    )


def released_test_source(name: str, source: str, success: str | None, failure: str | None) -> str:
    arguments = [repr(name)]
    if success:
        arguments.append(f"success={success!r}")
    if failure:
        arguments.append(f"failure={failure!r}")
    body = "\n".join(f"    {line}" if line.strip() else "" for line in source.strip("\n").splitlines())
    return f"with lf_check({', '.join(arguments)}):\n{body}\n"


def _hints_markdown(hints: list[str]) -> str:
    blocks = [
        f"<details><summary>Hint {number}</summary>\n\n{hint}\n\n</details>"
        for number, hint in enumerate(hints, start=1)
    ]
    return "## Stuck?\n\nOpen one hint at a time.\n\n" + "\n\n".join(blocks)


def student_notebook(exercise: Exercise) -> dict[str, Any]:
    """The student's copy: statement, helper, starter, visible tests, hints. Nothing else."""
    if any(has_multiline_string(t.source) for t in exercise.visible_tests):
        raise CourseToolError(f"{exercise.id}: a visible test has a multi-line string literal (run validate)")
    cells = [
        markdown_cell(exercise.statement, "statement", {"role": "statement"}),
        code_cell(
            helper_source(),
            "helper",
            {"role": "helper"},
            # Collapsed in JupyterLab/Notebook 7: students see one line, not the machinery.
            extra={"jupyter": {"source_hidden": True}, "tags": ["learnflow-helper"]},
        ),
        markdown_cell("## Your code\n\nWrite your solution in the next cell.", "your-code"),
        code_cell(exercise.starter, "starter", {"role": "starter"}),
        markdown_cell("## Check your work\n\nRun the cells below. Each test prints ✅ or ❌.", "check"),
    ]
    for index, test in enumerate(exercise.visible_tests):
        role: dict[str, Any] = {"role": "visible-tests", "name": test.name, "points": test.points}
        for key in ("success", "failure", "timeout_seconds"):
            value = getattr(test, key)
            if value is not None:
                role[key] = value
        cells.append(
            code_cell(
                released_test_source(test.name, test.source, test.success, test.failure),
                f"test-{index}",
                role,
            )
        )
    cells.append(markdown_cell(_hints_markdown(exercise.hints), "hints", {"role": "hints"}))
    meta = exercise.meta.model_copy(update={"released": True})
    return new_notebook(cells, meta.model_dump(mode="json"))


def secret_lines(exercise: Exercise) -> set[str]:
    """Lines that must never reach students: solution-only lines and hidden-test lines."""
    public = [
        exercise.starter,
        exercise.statement,
        *exercise.hints,
        *(t.source for t in exercise.visible_tests),
    ]
    shown = {line.strip() for text in public for line in text.splitlines()}
    secret = {line.strip() for line in (exercise.solution or "").splitlines()} - shown
    for test in exercise.hidden_tests:
        secret |= {line.strip() for line in test.source.splitlines()} - shown
    # Very short lines ("return", "pass", ")") are shared vocabulary, not secrets.
    return {line for line in secret if len(line) >= 12}


def released_notebook(exercise: Exercise) -> dict[str, Any]:
    """`student_notebook`, after proving that no cell holds a solution or hidden-test line."""
    where = exercise.path or exercise.id
    if exercise.meta.released:
        raise CourseToolError(f"{where} is already a released notebook")
    notebook = student_notebook(exercise)
    # Defence in depth: prove no cell of the file holds a solution or hidden-test line.
    # (The helper cell is the same LearnFlow code in every notebook, not exercise content.)
    released = {
        line.strip()
        for cell in notebook["cells"]
        if cell_role(cell) != "helper"
        for line in cell_source(cell).splitlines()
    }
    leaked = sorted(secret_lines(exercise) & released)
    if leaked:
        raise ReleaseLeakError(f"{where}: released notebook would contain {leaked[0]!r}")
    return notebook


def release_course(source: Path | str, destination: Path | str) -> list[Path]:
    """Write student notebooks for every exercise under `source` into `destination`."""
    source, destination = Path(source), Path(destination)
    paths = notebook_paths(source)
    if not paths:
        raise CourseToolError(f"no .ipynb files under {source}")
    if destination.resolve() == source.resolve():
        raise CourseToolError("release would overwrite the course source: choose another destination")
    written = []
    for path in paths:
        notebook = released_notebook(load_exercise(path))
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_notebook(notebook), encoding="utf-8")
        written.append(target)
    return written
