"""Load exercise notebooks (the exercise bank or a course directory) into `Exercise` objects.

Plain `json`, no nbformat: the exercise agent reads the bank at run time and must work
without the optional `course` extra installed.

Which bank `load_bank()` reads (`bank_dir()`), first match wins:

1. ``LEARNFLOW_EXERCISE_BANK=/path``: a directory of exercise notebooks;
2. the trusted bank registered under the ``learnflow.exercise_bank`` entry point — the
   ``learnflow-exercise-bank`` distribution, with solutions and hidden tests, installed
   only where students do not run code (agents image, development, kernel-only self-study);
3. the released notebooks shipped in this package (``released/``): statement, starter,
   visible tests and hints only. Exercises still work; checks run the visible tests only.
"""

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from learnflow_agents.tutors.exercise.format import (
    CurriculumTopic,
    Difficulty,
    ExerciseMetadata,
    ExerciseNotebookDoc,
    TestCell,
)

log = logging.getLogger(__name__)

BANK_ENV = "LEARNFLOW_EXERCISE_BANK"
BANK_ENTRY_POINT_GROUP = "learnflow.exercise_bank"
# Student copies of the bank (no solutions, no hidden tests), built by
# `python -m learnflow_exercise_bank.build` with `course release`; a test keeps them fresh.
RELEASED_DIR = Path(__file__).with_name("released")


class ExerciseFormatError(ValueError):
    """A notebook is not a valid LearnFlow exercise; the message names the file and the problem."""


class UnknownExerciseError(KeyError):
    def __str__(self) -> str:
        return f"no exercise with id {self.args[0]!r}"


@dataclass(frozen=True)
class ExerciseTest:
    name: str
    source: str
    hidden: bool
    success: str | None = None
    failure: str | None = None
    points: int = 1
    timeout_seconds: float | None = None


@dataclass(frozen=True)
class Exercise:
    meta: ExerciseMetadata
    statement: str
    starter: str
    # None in a released notebook: students never receive it.
    solution: str | None
    visible_tests: tuple[ExerciseTest, ...]
    hidden_tests: tuple[ExerciseTest, ...]
    path: Path | None = None

    @property
    def id(self) -> str:
        return self.meta.exercise_id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def topic(self) -> CurriculumTopic:
        return self.meta.topic

    @property
    def difficulty(self) -> Difficulty:
        return self.meta.difficulty

    @property
    def prerequisites(self) -> list[CurriculumTopic]:
        return list(self.meta.prerequisites)

    @property
    def hints(self) -> list[str]:
        return list(self.meta.hints)

    @property
    def all_tests(self) -> tuple[ExerciseTest, ...]:
        return self.visible_tests + self.hidden_tests

    @property
    def released(self) -> bool:
        """A student copy: no solution, and its hidden tests (if any) are not known here."""
        return self.meta.released


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_role(cell: dict[str, Any]) -> str | None:
    meta = (cell.get("metadata") or {}).get("learnflow")
    return meta.get("role") if isinstance(meta, dict) else None


def parse_exercise(notebook: dict[str, Any], path: Path | None = None) -> Exercise:
    where = str(path) if path else "notebook"
    try:
        doc = ExerciseNotebookDoc.model_validate(notebook)
    except ValidationError as exc:
        raise ExerciseFormatError(f"{where}: metadata does not match the exercise format:\n{exc}") from exc
    meta = doc.metadata.learnflow
    statements: list[str] = []
    starters: list[str] = []
    solutions: list[str] = []
    visible: list[ExerciseTest] = []
    hidden: list[ExerciseTest] = []
    for index, cell in enumerate(doc.cells):
        role = cell.metadata.learnflow
        if role is None:
            continue
        source = "".join(cell.source) if isinstance(cell.source, list) else cell.source
        expected_type = "markdown" if role.role in ("statement", "hints") else "code"
        if cell.cell_type != expected_type:
            raise ExerciseFormatError(
                f"{where}: cell {index} has role {role.role!r} but is a {cell.cell_type} cell"
            )
        if role.role == "statement":
            statements.append(source)
        elif role.role == "starter":
            starters.append(source)
        elif role.role == "solution":
            solutions.append(source)
        elif isinstance(role, TestCell):
            case = ExerciseTest(
                name=role.name,
                source=_unwrap_released_test(source) if meta.released else source,
                hidden=role.role == "hidden-tests",
                success=role.success,
                failure=role.failure,
                points=role.points,
                timeout_seconds=role.timeout_seconds,
            )
            (hidden if case.hidden else visible).append(case)
    _check_structure(where, meta, statements, starters, solutions, visible, hidden)
    names = [t.name for t in visible + hidden]
    if len(set(names)) != len(names):
        raise ExerciseFormatError(f"{where}: test names must be unique, got {names}")
    return Exercise(
        meta=meta,
        statement="\n\n".join(s.strip() for s in statements),
        starter=starters[0],
        solution=solutions[0] if solutions else None,
        visible_tests=tuple(visible),
        hidden_tests=tuple(hidden),
        path=path,
    )


def _check_structure(
    where: str,
    meta: ExerciseMetadata,
    statements: list[str],
    starters: list[str],
    solutions: list[str],
    visible: list[ExerciseTest],
    hidden: list[ExerciseTest],
) -> None:
    problems = []
    if not statements:
        problems.append("needs at least one markdown cell with role 'statement'")
    if len(starters) != 1:
        problems.append(f"needs exactly one 'starter' code cell, found {len(starters)}")
    if not visible:
        problems.append("needs at least one 'visible-tests' code cell")
    if meta.released:
        if solutions or hidden:
            problems.append("is marked released but still contains a solution or hidden tests")
    elif len(solutions) != 1:
        problems.append(f"needs exactly one 'solution' code cell, found {len(solutions)}")
    if problems:
        raise ExerciseFormatError(f"{where}: " + "; ".join(problems))


def _unwrap_released_test(source: str) -> str:
    """Recover the plain asserts from a released ``with lf_check(...):`` test cell."""
    lines = source.splitlines()
    body_start = next((i for i, line in enumerate(lines) if line.startswith("with lf_check(")), None)
    if body_start is None:
        return source
    body = lines[body_start + 1 :]
    # Continuation lines of a long lf_check(...) call end at the line closing with "):".
    if not lines[body_start].rstrip().endswith(":"):
        close = next(i for i, line in enumerate(body) if line.rstrip().endswith("):"))
        body = body[close + 1 :]
    return "\n".join(line[4:] if line.startswith("    ") else line for line in body) + "\n"


def load_exercise(path: Path | str) -> Exercise:
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExerciseFormatError(f"{path}: cannot read notebook JSON: {exc}") from exc
    return parse_exercise(notebook, path)


class Bank:
    """A set of exercises with unique ids, searchable by topic."""

    def __init__(self, exercises: list[Exercise]) -> None:
        self._by_id: dict[str, Exercise] = {}
        for exercise in exercises:
            if exercise.id in self._by_id:
                other = self._by_id[exercise.id].path
                raise ExerciseFormatError(
                    f"duplicate exercise id {exercise.id!r} in {exercise.path} and {other}"
                )
            self._by_id[exercise.id] = exercise

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(sorted(self._by_id.values(), key=lambda e: e.id))

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise UnknownExerciseError(exercise_id) from None

    def for_topic(self, topic: CurriculumTopic | str) -> list[Exercise]:
        return [e for e in self if e.topic == topic]

    @property
    def topics(self) -> set[CurriculumTopic]:
        return {e.topic for e in self._by_id.values()}


def notebook_paths(directory: Path | str) -> list[Path]:
    return sorted(p for p in Path(directory).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def load_directory(directory: Path | str) -> Bank:
    return Bank([load_exercise(p) for p in notebook_paths(directory)])


def installed_bank_dir() -> Path | None:
    """The trusted bank's notebook directory, if a distribution registers one, else None."""
    for entry in sorted(entry_points(group=BANK_ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            value = entry.load()
        except ImportError:
            # Metadata without its package (a half-removed install): treat the bank as absent.
            log.warning("exercise bank entry point %r does not load; ignoring it", entry.value)
            continue
        path = Path(value() if callable(value) else value)
        if path.is_dir():
            return path
        log.warning("exercise bank entry point %r names no directory (%s); ignoring it", entry.value, path)
    return None


def bank_dir(*, strict: bool = True) -> Path:
    """Where `load_bank()` reads: the env override, the trusted bank, or the released notebooks.

    A ``LEARNFLOW_EXERCISE_BANK`` that is not a directory raises (unless ``strict`` is false).
    """
    override = os.environ.get(BANK_ENV, "").strip()
    if override:
        path = Path(override).expanduser()
        if strict and not path.is_dir():
            raise ExerciseFormatError(f"{BANK_ENV}={override}: not a directory of exercise notebooks")
        return path
    return installed_bank_dir() or RELEASED_DIR


# Resolved once at import, for tools and tests that name the bank's directory; `load_bank()`
# resolves again on its first call (and reports a bad override there, not at import).
BANK_DIR = bank_dir(strict=False)


@lru_cache(maxsize=1)
def load_bank() -> Bank:
    """The exercise bank (read once per process; `load_bank.cache_clear()` re-reads it).

    With the trusted bank installed, exercises carry their solution and hidden tests; without
    it they are released copies (``exercise.released``, no solution, visible tests only).
    """
    return load_directory(bank_dir())
