"""What a student asks: the query and the context it is asked in."""

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints, model_validator

from learnflow_agents.contracts.base import Contract
from learnflow_agents.contracts.legacy import upgrade_query

# Limits keep one student's paste from filling the store or an LLM context window.
MAX_TEXT = 8_000
MAX_CODE = 100_000
MAX_TRACEBACK = 50_000
MAX_VARIABLES = 50
MAX_TOPICS = 200
# An exercise has at most 6 hints; the margin is for re-released exercises.
MAX_HINTS_USED = 20

ExerciseId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-]+$")]
TopicName = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class SkillLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class LearningStyle(StrEnum):
    VISUAL = "visual"
    STEP_BY_STEP = "step-by-step"
    EXAMPLE_DRIVEN = "example-driven"


class StudentContext(Contract):
    skill_level: SkillLevel = SkillLevel.BEGINNER
    learning_style: LearningStyle = LearningStyle.EXAMPLE_DRIVEN
    topics_covered: list[TopicName] = Field(default_factory=list, max_length=MAX_TOPICS)
    mastery: dict[TopicName, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=dict)


class VariableSummary(Contract):
    """A short, scrubbed description of one variable in the failing cell's namespace."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    type: Annotated[str, StringConstraints(max_length=128)]
    length: int | None = None
    shape: Annotated[str, StringConstraints(max_length=64)] | None = None
    repr: Annotated[str, StringConstraints(max_length=300)] = ""


class StudentQuery(Contract):
    """Payload of `student-queries`: text and/or code, optionally a traceback."""

    query_id: UUID = Field(default_factory=uuid4)
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT)] = ""
    code: Annotated[str, StringConstraints(max_length=MAX_CODE)] | None = None
    traceback: Annotated[str, StringConstraints(max_length=MAX_TRACEBACK)] | None = None
    variables: list[VariableSummary] = Field(default_factory=list, max_length=MAX_VARIABLES)
    # When set, triage is skipped and the query goes straight to this agent.
    target_agent: str | None = None
    context: StudentContext = Field(default_factory=StudentContext)
    course_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    source: Annotated[str, StringConstraints(max_length=32)] = "api"
    # Exercise checks: the hints the student revealed since their previous check of the
    # exercise (the UI reveals them; only it knows). Recorded with the attempt as evidence.
    hints_used: Annotated[int, Field(ge=0, le=MAX_HINTS_USED)] = 0
    # 1.1: grade `code` as an attempt at this exercise (1.0 said "check <id>" in the text).
    exercise_id: ExerciseId | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_1_0(cls, raw: Any) -> Any:
        return upgrade_query(raw)

    @model_validator(mode="after")
    def _has_content(self) -> "StudentQuery":
        if not (self.text.strip() or (self.code or "").strip() or (self.traceback or "").strip()):
            raise ValueError("query is empty: give text, code or a traceback")
        if "\x00" in self.text or "\x00" in (self.code or ""):
            raise ValueError("query contains NUL bytes: binary data is not accepted")
        if self.target_agent is not None:
            # The built-ins and every installed tutor whose declaration was loaded.
            from learnflow_agents.contracts.topics import AGENT_REQUEST_TOPIC, AgentName

            if self.target_agent == AgentName.TRIAGE:
                raise ValueError("target_agent cannot be triage; leave it empty to route")
            if self.target_agent not in AGENT_REQUEST_TOPIC:
                valid = ", ".join(str(a) for a in AGENT_REQUEST_TOPIC)
                raise ValueError(f"target_agent {self.target_agent!r} is not one of: {valid}")
        return self


def check_query(exercise_id: str, code: str, **fields: Any) -> StudentQuery:
    """A query asking the exercise agent to grade `code` against `exercise_id`.

    The text is only a label for people (and lets a 1.0 agent grade it during an upgrade).
    """
    return StudentQuery(
        text=f"check {exercise_id}", code=code, exercise_id=exercise_id, target_agent="exercise", **fields
    )


def new_query_id() -> UUID:
    return uuid4()
