"""Code-review tutor: ruff plus learner-focused AST checks, ranked improvements,
a verified refactor and praise grounded in the student's code.

    from learnflow_agents.tutors.code_review import review
    reply = review(StudentQuery(code="def add(x, items=[]): ..."))
"""

from learnflow_agents.tutors.code_review.agent import review

__all__ = ["review"]
