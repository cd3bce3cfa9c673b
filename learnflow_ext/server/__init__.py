"""The Jupyter server extension: hosts the agents' engine in a single-user server and
serves its REST/WebSocket API under `/learnflow/api/` to kernels and the labextension."""

from learnflow_ext.server.app import LearnFlowExtension

__all__ = ["LearnFlowExtension"]
