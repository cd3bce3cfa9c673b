"""tests/sandbox: registers the `sandbox` marker the escape suite (test_escapes.py) carries,
and the `spares_on` fixture of the spare-interpreter tests."""

from collections.abc import Iterator

import pytest
from learnflow_agents.sandbox import spares


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox: adversarial escape attempts against the student-code sandbox (test_escapes.py)"
    )


@pytest.fixture
def spares_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Spare interpreters on, none waiting before or after the test (what it counts is its own)."""
    monkeypatch.setenv(spares.ENV, "1")
    spares.settle()
    spares.close_all()
    yield
    spares.settle()
    spares.close_all()
