"""What a model's debug answer must contain (the tool's input schema is generated from it)."""

from typing import Annotated

from pydantic import Field, StringConstraints

from learnflow_agents.llm.schemas import Line, ReplyOut


class DebugOut(ReplyOut):
    error_type: Annotated[str, StringConstraints(max_length=100)] = Field(description="The exception's name.")
    root_cause: Line
    prevention_tip: Line
    conceptual: bool = Field(description="True when the root cause is a misunderstood concept.")
