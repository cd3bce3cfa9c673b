"""Code-review tutor: ruff plus learner-focused AST checks, ranked improvements,
a verified refactor and praise grounded in the student's code.

    from learnflow_agents.tutors.code_review import review
    reply = review(StudentQuery(code="def add(x, items=[]): ..."))
"""

from pathlib import Path

from learnflow_agents.contracts import AgentReply, AgentRequest, Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.tutors.code_review.agent import review
from learnflow_agents.tutors.code_review.cell import NotPythonCellError, code_from_query
from learnflow_agents.tutors.code_review.no_code import ask_for_code, not_python
from learnflow_agents.tutors.code_review.reply_schema import ReviewOut


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    try:
        code_from_query(request.query)
    except ValueError:
        return ask_for_code(request.query)
    try:
        return review(request.query)
    except NotPythonCellError as err:
        return not_python(request.query, err.magic)


TUTOR = TutorSpec(
    name="code-review",
    request_topic=Topic.CODE_REVIEW_REQUESTS,
    answer=answer,
    model=ModelPolicy(reply_schema=ReviewOut, prompt=Path(__file__).with_name("prompt.v1.md")),
    description="Static analysis chosen for learners: prioritised improvements, a refactor, praise.",
)

__all__ = ["TUTOR", "review"]
