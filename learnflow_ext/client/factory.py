"""Pick the client for this kernel.

Only kernel-only mode exists so far: the engine runs in the kernel. The server-extension
mode will add a client that talks to the Jupyter server (found through its runtime
files or LEARNFLOW_SERVER_URL) and fall back to this one when no server answers.
"""

from learnflow_agents.settings import Settings

from learnflow_ext.client.base import LearnFlowClient
from learnflow_ext.client.embedded import EmbeddedClient
from learnflow_ext.config import LearnFlow, load_agent_factories


def create_client(config: LearnFlow) -> LearnFlowClient:
    settings = Settings(bus_url="memory://", db_url=config.resolved_db_url(), agents=list(config.agents))
    extra = [factory() for factory in load_agent_factories(config.extra_agents)]
    agents = None
    if extra:
        from learnflow_agents.runtime.registry import build_agents

        builtin = build_agents(config.agents) if config.agents else []
        # An extra agent takes over a built-in of the same name (a course's own debug agent).
        names = {agent.name for agent in extra}
        agents = [a for a in builtin if a.name not in names] + extra
    return EmbeddedClient(
        settings, config.resolved_student_id(), agents=agents, reply_timeout=config.reply_timeout
    )
