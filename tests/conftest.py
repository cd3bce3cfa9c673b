"""Shared fixtures: the real Kafka-protocol broker and real databases come from plugins."""

from pathlib import Path

import pytest

pytest_plugins = (
    "tests.fixtures.kafka_broker",
    "tests.fixtures.databases",
    "tests.fixtures.stack",
    "tests.fixtures.fake_anthropic",
    "tests.fixtures.tcp_proxy",
)

# `pytest -m "not slow"` (make test-fast) is the day-to-day subset: it leaves out what
# starts real servers, kernels, brokers or browsers. CI runs everything.
SLOW_FOLDERS = {"jupyter", "jupyter_server", "gateway", "notebooks", "attacks", "deploy", "sandbox", "cli"}
SLOW_FIXTURES = {"kafka_broker", "hub", "jupyter_env"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        folder = Path(item.path).relative_to(tests_root).parts[0]
        if folder in SLOW_FOLDERS or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
