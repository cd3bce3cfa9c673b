"""A review asked for with no Python to review: ask for the code, never fail.

Triage sends "can you review my code?" here whether or not code came with it, and a student can
pick this tutor by name. Failing would leave the student with an error card (and the message on
the dead-letter topic); instead the reply says what to send and offers the tutors that can
answer words alone.
"""

from learnflow_agents.contracts import Action, ActionKind, AgentReply, Provenance, ReplyStatus, StudentQuery

AGENT = "code-review"


def ask_for_code(query: StudentQuery) -> AgentReply:
    args: dict = {"text": query.text}
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        status=ReplyStatus.PARTIAL,
        summary="I need the code to review it: none came with this question.",
        explanation=(
            "Send the code you want reviewed: run `%%learnflow review` at the top of the cell, or "
            "`%learnflow review` just after running it, or paste it into your question in a fenced "
            "block (a line of three backticks before it and after it). If your question is about an "
            "idea rather than your code, ask the concepts tutor instead."
        ),
        actions=[
            Action(kind=ActionKind.ASK_AGENT, label="Explain the idea", args={**args, "agent": "concepts"}),
            Action(
                kind=ActionKind.ASK_AGENT, label="Help with the exercise", args={**args, "agent": "exercise"}
            ),
        ],
        provenance=Provenance(agent=AGENT, provider="offline"),
        data={"needs_code": True},
    )


def not_python(query: StudentQuery, magic: str) -> AgentReply:
    """A %%bash (or %%html, %%sql, ...) cell: say what the review covers instead of failing."""
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        status=ReplyStatus.PARTIAL,
        summary=f"This is a %%{magic} cell, not Python: code review reads Python only.",
        explanation=(
            f"The first line, `%%{magic}`, hands the whole cell to another language, so the Python "
            "checks have nothing to read. Ask for a review of a Python cell, or ask the concepts tutor "
            f"about `%%{magic}` itself."
        ),
        actions=[
            Action(
                kind=ActionKind.ASK_AGENT,
                label="Explain the idea",
                args={"text": query.text or f"What does %%{magic} do?", "agent": "concepts"},
            ),
        ],
        provenance=Provenance(agent=AGENT, provider="offline"),
        data={"not_python": magic},
    )
