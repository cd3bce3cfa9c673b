"""The exercise notebook format: metadata models, in the spirit of nbgrader's.

An exercise is a plain Jupyter notebook (nbformat 4). Everything LearnFlow needs sits
under a `learnflow` key, so any Jupyter tool can still open, diff and run the file:

* notebook ``metadata.learnflow`` - :class:`ExerciseMetadata` (id, title, topic,
  difficulty, prerequisites, ordered hints, schema version);
* cell ``metadata.learnflow`` - one of the cell roles below. A source notebook holds
  ``statement`` (markdown), exactly one ``starter`` and one ``solution`` (code), one or
  more ``visible-tests`` and any number of ``hidden-tests``. A released (student)
  notebook has no solution and no hidden tests at all, plus a ``helper`` cell that makes
  the visible tests report instead of raise, and ``hints`` markdown.

Test cells are plain Python with ``assert`` statements, nbgrader style. By convention the
left side of ``==`` is what the student's code produced and the right side is what was
expected, so a failure can be shown as "expected X, got Y".

Unlike nbgrader, solutions and hidden tests are never shipped to students hidden in
metadata: the release step removes them from the file.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learnflow_agents.contracts.curriculum import DIFFICULTY_ORDER, CurriculumTopic, Difficulty

SCHEMA_VERSION = 1
__all__ = ["DIFFICULTY_ORDER", "SCHEMA_VERSION", "CurriculumTopic", "Difficulty", "ExerciseMetadata"]


ExerciseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
HintText = Annotated[str, StringConstraints(min_length=1, max_length=2_000)]


class _Strict(BaseModel):
    # Unknown keys are rejected so a typo ("hint" for "hints") fails validation loudly.
    model_config = ConfigDict(extra="forbid")


class ExerciseMetadata(_Strict):
    """``notebook.metadata.learnflow``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    exercise_id: ExerciseId
    title: ShortText
    topic: CurriculumTopic
    difficulty: Difficulty
    prerequisites: list[CurriculumTopic] = Field(default_factory=list, max_length=10)
    hints: list[HintText] = Field(min_length=1, max_length=6, description="Ordered: gentlest first.")
    released: bool = Field(False, description="True in student notebooks written by `course release`.")

    @field_validator("prerequisites")
    @classmethod
    def _unique(cls, value: list[CurriculumTopic]) -> list[CurriculumTopic]:
        if len(set(value)) != len(value):
            raise ValueError("prerequisites must not repeat")
        return value


class StatementCell(_Strict):
    role: Literal["statement"]


class StarterCell(_Strict):
    role: Literal["starter"]


class SolutionCell(_Strict):
    role: Literal["solution"]


class HelperCell(_Strict):
    """Released notebooks only: the cell that makes test cells report instead of raise."""

    role: Literal["helper"]


class HintsCell(_Strict):
    """Released notebooks only: hints as collapsed markdown, revealed one at a time."""

    role: Literal["hints"]


class TestCell(_Strict):
    role: Literal["visible-tests", "hidden-tests"]
    name: ShortText
    success: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="Shown when the test passes."
    )
    failure: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="Shown when the test fails, before expected vs actual."
    )
    points: Annotated[int, Field(ge=0, le=100)] = 1
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] | None = Field(
        None, description="Overrides the checker's per-test time limit (e.g. for big-O tests)."
    )


CellRole = Annotated[
    StatementCell | StarterCell | SolutionCell | TestCell | HelperCell | HintsCell,
    Field(discriminator="role"),
]


# --- the notebook as a document: only the parts the format constrains --------------


class _Open(BaseModel):
    # nbformat owns the remaining keys (outputs, execution_count, kernelspec...).
    model_config = ConfigDict(extra="allow")


class CellMetadataDoc(_Open):
    learnflow: CellRole | None = None


class CellDoc(_Open):
    cell_type: Literal["markdown", "code", "raw"]
    source: str | list[str]
    metadata: CellMetadataDoc = Field(default_factory=CellMetadataDoc)


class NotebookMetadataDoc(_Open):
    learnflow: ExerciseMetadata


class ExerciseNotebookDoc(_Open):
    """A whole exercise notebook as the JSON Schema describes it."""

    model_config = ConfigDict(extra="allow", title="LearnFlow exercise notebook")

    nbformat: Literal[4]
    nbformat_minor: int
    metadata: NotebookMetadataDoc
    cells: list[CellDoc] = Field(min_length=1)
