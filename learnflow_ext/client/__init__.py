"""How the kernel reaches the agents: one interface, one implementation per mode."""

from learnflow_ext.client.base import ClientStatus, LearnFlowClient, QueryListener
from learnflow_ext.client.embedded import EmbeddedClient

__all__ = ["ClientStatus", "EmbeddedClient", "LearnFlowClient", "QueryListener"]
