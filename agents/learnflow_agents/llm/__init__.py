"""LLM tutors: every agent's answer from Claude (or an OpenAI-compatible model), offline on failure.

Wiring, from a handler: `tutor = build_llm(settings)`; when it is not None,
`await tutor.answer(agent, request, ctx, offline, on_delta)` for the specialists and
`await tutor.route(query, ctx, offline)` for the router. See tutor.LLMTutor. What differs
between tutors comes from their declarations (runtime/declaration.py): this package names
none of them.

Imports are lazy: `learnflow_agents.settings` loads llm.config, and neither the CLI nor
the kernel extension should pay for the SDKs unless an LLM is configured.
"""

from typing import TYPE_CHECKING, Any

from learnflow_agents.llm.config import DEFAULT_MODEL, LLMSettings, ModelNotAllowedError
from learnflow_agents.llm.scrubbing import scrub_secrets

if TYPE_CHECKING:
    from learnflow_agents.llm.factory import build_llm
    from learnflow_agents.llm.metrics import LLMCollector
    from learnflow_agents.llm.stats import LLMStats
    from learnflow_agents.llm.tutor import LLMTutor

_LAZY = {
    "build_llm": "learnflow_agents.llm.factory",
    "LLMTutor": "learnflow_agents.llm.tutor",
    "LLMStats": "learnflow_agents.llm.stats",
    "LLMCollector": "learnflow_agents.llm.metrics",
}

__all__ = [
    "DEFAULT_MODEL",
    "LLMCollector",
    "LLMSettings",
    "LLMStats",
    "LLMTutor",
    "ModelNotAllowedError",
    "build_llm",
    "scrub_secrets",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
