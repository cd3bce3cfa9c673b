"""The debug tutor, offline: from a failing cell (code, traceback, variables) to a
diagnosis naming the real cause and line, a verified fix, level-adapted explanation,
progressive hints and the concept behind the error.

    from learnflow_agents.tutors.debug import diagnose
    reply = diagnose(StudentQuery(code=..., traceback=...))
"""

from pathlib import Path

from learnflow_agents.contracts import Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.tutors.debug.agent import AGENT_NAME, diagnose
from learnflow_agents.tutors.debug.reply_schema import DebugOut
from learnflow_agents.tutors.debug.saga import answer, ask_concepts
from learnflow_agents.tutors.debug.traceback_parser import ParsedTraceback, parse_traceback

TUTOR = TutorSpec(
    name=AGENT_NAME,
    request_topic=Topic.DEBUG_REQUESTS,
    answer=answer,
    ask_helper=ask_concepts,
    model=ModelPolicy(reply_schema=DebugOut, prompt=Path(__file__).with_name("prompt.v1.md")),
    description="Explains a failing cell: root cause, verified fix, prevention tip, concept link.",
)

__all__ = ["AGENT_NAME", "TUTOR", "ParsedTraceback", "diagnose", "parse_traceback"]
