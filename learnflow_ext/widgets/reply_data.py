"""The typed facts some replies carry, as plain values the renderers can rely on.

An exercise check's result is `AgentReply.check`, a progress report's facts
`AgentReply.progress` (contracts 1.1; a 1.0 reply is upgraded when it is read). The one
fact still read from `data` is the id of an exercise a reply hands out.
"""

from dataclasses import dataclass

from learnflow_agents.contracts import AgentReply, TestOutcome


@dataclass
class Named:
    title: str
    detail: str = ""


def test_results(reply: AgentReply) -> list[TestOutcome]:
    return list(reply.check.tests) if reply.check is not None else []


def exercise_id(reply: AgentReply) -> str | None:
    """The exercise a reply hands out or checked."""
    if reply.check is not None and reply.check.exercise_id:
        return reply.check.exercise_id
    value = reply.data.get("exercise_id")
    return str(value) if value else None


def mastery(reply: AgentReply) -> dict[str, float]:
    return dict(reply.progress.mastery) if reply.progress is not None else {}


def recommendations(reply: AgentReply) -> list[Named]:
    if reply.progress is None:
        return []
    return [Named(r.topic, r.reason) for r in reply.progress.recommendations]


def achievements(reply: AgentReply) -> list[Named]:
    if reply.progress is None:
        return []
    return [Named(a.title, a.detail) for a in reply.progress.achievements]
