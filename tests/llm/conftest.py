"""Fixtures for the LLM tests: hermetic environment, a real SQLite store, tutors closed after use."""

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.factory import build_provider
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store


@pytest.fixture(autouse=True)
def hermetic_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real key or LEARNFLOW_LLM_* must never leak into these tests."""
    for name in list(os.environ):
        if (
            name.startswith(("LEARNFLOW_LLM_", "ANTHROPIC_", "OPENAI_"))
            or name == "LEARNFLOW_PRIVACY_OFFLINE"
        ):
            monkeypatch.delenv(name)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'llm.sqlite3'}")
    try:
        yield store
    finally:
        store.close()


@pytest_asyncio.fixture
async def make_tutor() -> AsyncIterator[Callable[..., LLMTutor]]:
    """Build tutors on the real provider clients; all are closed after the test."""
    made: list[LLMTutor] = []

    def build(settings: LLMSettings, **kwargs: Any) -> LLMTutor:
        provider = build_provider(settings)
        assert provider is not None, "settings name no provider"
        tutor = LLMTutor(settings, provider, **kwargs)
        made.append(tutor)
        return tutor

    yield build
    for tutor in made:
        await tutor.aclose()
