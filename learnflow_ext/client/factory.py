"""Pick the client for this kernel.

A kernel started by a Jupyter server with the LearnFlow extension talks to that server
(found through Jupyter's runtime files, or `LEARNFLOW_SERVER_URL` + `LEARNFLOW_SERVER_TOKEN`);
otherwise (no server, or one without LearnFlow, or one that does not answer) the engine
runs in the kernel, so the same notebook works both ways.
"""

import logging

from learnflow_agents.settings import Settings

from learnflow_ext.client.base import LearnFlowClient
from learnflow_ext.client.embedded import EmbeddedClient
from learnflow_ext.client.server_client import ServerClient, find_server
from learnflow_ext.config import LearnFlow, load_agent_factories

log = logging.getLogger("learnflow.kernel.client")


def create_client(config: LearnFlow) -> LearnFlowClient:
    server = find_server()
    if server is not None:
        if config.extra_agents:
            log.warning("extra_agents are ignored: the agents run in the Jupyter server at %s", server.url)
        return ServerClient(server, reply_timeout=config.reply_timeout)
    return embedded_client(config)


def embedded_client(config: LearnFlow) -> EmbeddedClient:
    settings = Settings(bus_url="memory://", db_url=config.resolved_db_url(), agents=list(config.agents))
    # One budget for the chain: the engine's model deadlines are shares of what this kernel waits.
    settings.llm = settings.llm.model_copy(update={"answer_seconds": config.reply_timeout})
    extra = [factory() for factory in load_agent_factories(config.extra_agents)]
    agents = None
    if extra:
        # Kept for test doubles; a real agent registers a `learnflow.tutors` entry point, which
        # the engine picks up in every mode (kernel, Jupyter server, `learnflow-agents run`).
        log.info("extra_agents is deprecated: register tutors with a learnflow.tutors entry point")
        from learnflow_agents.runtime.registry import build_agents

        builtin = build_agents(config.agents) if config.agents else []
        # An extra agent takes over a built-in of the same name (a course's own debug agent).
        names = {agent.name for agent in extra}
        agents = [a for a in builtin if a.name not in names] + extra
    return EmbeddedClient(
        settings, config.resolved_student_id(), agents=agents, reply_timeout=config.reply_timeout
    )
