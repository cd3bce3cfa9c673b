"""tests/sandbox: registers the `sandbox` marker the escape suite (test_escapes.py) carries."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox: adversarial escape attempts against the student-code sandbox (test_escapes.py)"
    )
