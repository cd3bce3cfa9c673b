"""What a model's code review must contain (the tool's input schema is generated from it)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from learnflow_agents.llm.schemas import Line, Out, ReplyOut


class Improvement(Out):
    area: Literal["correctness", "style", "efficiency", "readability"]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    detail: Line
    line: int | None = None


class ReviewOut(ReplyOut):
    improvements: list[Improvement] = Field(min_length=1, max_length=3)
    praise: Line
