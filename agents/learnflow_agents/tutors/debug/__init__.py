"""The debug tutor, offline: from a failing cell (code, traceback, variables) to a
diagnosis naming the real cause and line, a verified fix, level-adapted explanation,
progressive hints and the concept behind the error.

    from learnflow_agents.tutors.debug import diagnose
    reply = diagnose(StudentQuery(code=..., traceback=...))
"""

from learnflow_agents.tutors.debug.agent import AGENT_NAME, diagnose
from learnflow_agents.tutors.debug.traceback_parser import ParsedTraceback, parse_traceback

__all__ = ["AGENT_NAME", "ParsedTraceback", "diagnose", "parse_traceback"]
