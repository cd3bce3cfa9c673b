"""The LearnFlow gateway: a JupyterHub service in front of the bus and the store.

Students' servers call it with the user's own hub token; the gateway asks the hub who
that is, stamps the id on every query and serves only that user's data. Needs the
`gateway` extra (tornado, jupyterhub).
"""

from learnflow_agents.gateway.app import make_app, run_gateway, serve_gateway
from learnflow_agents.gateway.cli import add_gateway_command
from learnflow_agents.gateway.config import GatewayConfig, GatewayConfigError

__all__ = [
    "GatewayConfig",
    "GatewayConfigError",
    "add_gateway_command",
    "make_app",
    "run_gateway",
    "serve_gateway",
]
