"""build_llm(settings): the configured LLMTutor, or None to keep every agent offline."""

import logging
import sys
from typing import TYPE_CHECKING

from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.providers.base import Provider
from learnflow_agents.llm.tutor import LLMTutor

if TYPE_CHECKING:
    from learnflow_agents.settings import Settings

log = logging.getLogger("learnflow.llm")


def build_provider(llm: LLMSettings) -> Provider | None:
    which = llm.chosen_provider()
    if which == "anthropic" and llm.anthropic_api_key is not None:
        from learnflow_agents.llm.providers.claude import ClaudeProvider

        return ClaudeProvider(
            llm.anthropic_api_key.get_secret_value(),
            base_url=llm.anthropic_base_url,
            timeout_seconds=llm.timeout_seconds,
            connect_timeout_seconds=llm.connect_timeout_seconds,
            max_retries=llm.max_retries,
        )
    if which == "openai-compatible" and llm.openai_base_url:
        from learnflow_agents.llm.providers.openai_compatible import OpenAICompatibleProvider

        return OpenAICompatibleProvider(
            llm.openai_base_url,
            api_key=llm.openai_api_key.get_secret_value() if llm.openai_api_key else None,
            timeout_seconds=llm.timeout_seconds,
            connect_timeout_seconds=llm.connect_timeout_seconds,
            max_retries=llm.max_retries,
        )
    return None


def build_llm(settings: "Settings | LLMSettings | None" = None) -> LLMTutor | None:
    """None when the privacy switch is on or no provider is configured: the tutors stay offline."""
    llm = (
        settings
        if isinstance(settings, LLMSettings)
        else settings.llm
        if settings is not None
        else LLMSettings()
    )
    if llm.privacy_offline:
        return None
    refused = llm.refusal()
    if refused is not None:
        # Said where a person sees it (CLI, kernel stderr) and in the logs; the offline tutors run.
        log.info("learnflow: %s", refused)
        print(f"learnflow: {refused}", file=sys.stderr)
        return None
    provider = build_provider(llm)
    return LLMTutor(llm, provider) if provider is not None else None
