"""The docstring coach: a seventh LearnFlow tutor, declared once and registered by entry point."""

from pathlib import Path

from learnflow_agents.contracts import AgentReply, AgentRequest
from learnflow_agents.llm.schemas import ReplyOut
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.runtime.handler import HandlerContext

from learnflow_docs_tutor.coach import coach


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    return coach(request.query)


TUTOR = TutorSpec(
    name="docs",  # its requests go to `docs-requests`
    answer=answer,
    model=ModelPolicy(reply_schema=ReplyOut, prompt=Path(__file__).with_name("prompt.v1.md")),
    description="Reads the student's functions and classes and coaches them on docstrings.",
)

__all__ = ["TUTOR"]
