"""What a model's concept explanation must contain (the tool's input schema is generated from it)."""

from pydantic import Field

from learnflow_agents.llm.schemas import Line, ReplyOut


class ConceptOut(ReplyOut):
    definition: Line
    pitfalls: list[Line] = Field(min_length=1, max_length=4)
    next_step: Line
