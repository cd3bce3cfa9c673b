"""The echo fixture standing in for every specialist, so no query stays unanswered."""

from learnflow_agents.contracts import AGENT_REQUEST_TOPIC, AgentName

from tests.fixtures.echo_agent import EchoAgent


def _echo_as(agent: AgentName) -> EchoAgent:
    echo = EchoAgent()
    echo.name = agent.value
    echo.topics = (AGENT_REQUEST_TOPIC[agent],)
    return echo


def concepts() -> EchoAgent:
    return _echo_as(AgentName.CONCEPTS)


def exercise() -> EchoAgent:
    return _echo_as(AgentName.EXERCISE)


def code_review() -> EchoAgent:
    return _echo_as(AgentName.CODE_REVIEW)


def progress() -> EchoAgent:
    return _echo_as(AgentName.PROGRESS)
