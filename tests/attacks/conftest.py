"""Attack tests against the classroom stack: a real JupyterHub with the gateway as its
service, the six agents over the Kafka-protocol broker and PostgreSQL (tests/gateway's
fixtures, reused as they are), and a student's own `jupyter server` in cluster mode."""

from tests.gateway.conftest import agents, agents_ready, classroom_bus, classroom_db, hub

__all__ = ["agents", "agents_ready", "classroom_bus", "classroom_db", "hub"]
