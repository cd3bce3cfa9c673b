"""Secrets never reach an LLM: the prompt builders mask them with the one scrubber,
`learnflow_agents.privacy` (the same function every door into the system calls)."""

from learnflow_agents.privacy import MASK
from learnflow_agents.privacy import scrub_text as scrub_secrets

__all__ = ["MASK", "scrub_secrets"]
