"""Privacy: the one secret scrubber every door into LearnFlow uses."""

from learnflow_agents.privacy.scrubber import (
    MASK,
    is_secret_name,
    scrub,
    scrub_query,
    scrub_query_fields,
    scrub_text,
    scrub_variable,
    scrub_variable_repr,
    secret_strength,
)

__all__ = [
    "MASK",
    "is_secret_name",
    "scrub",
    "scrub_query",
    "scrub_query_fields",
    "scrub_text",
    "scrub_variable",
    "scrub_variable_repr",
    "secret_strength",
]
