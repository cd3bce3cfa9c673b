"""What a model's progress report must contain (the tool's input schema is generated from it)."""

from pydantic import Field

from learnflow_agents.llm.schemas import Line, ReplyOut


class ProgressOut(ReplyOut):
    strengths: list[Line] = Field(default_factory=list, max_length=4)
    growth_areas: list[Line] = Field(default_factory=list, max_length=5)
    recommendations: list[Line] = Field(min_length=1, max_length=5)
    encouragement: Line
