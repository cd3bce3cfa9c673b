"""The six tutors' offline brains: pure functions from a query to a reply.

Each subpackage is independent of the bus and the store; the runtime wraps them as
handlers (learnflow_agents.runtime.handlers).
"""
