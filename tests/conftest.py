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
# starts real servers, kernels, brokers or browsers, and the runs over the whole exercise
# bank or a whole evaluation set. CI runs everything.
SLOW_FOLDERS = {"jupyter", "jupyter_server", "gateway", "notebooks", "attacks", "deploy", "sandbox", "cli"}
SLOW_FIXTURES = {"kafka_broker", "hub", "jupyter_env"}
SLOW_TESTS = {
    "test_validate_passes_on_the_shipped_bank",
    "test_validate_catches_broken_exercises",
    "test_released_notebooks_run_clean_under_nbval",
    "test_every_bank_solution_passes_and_every_starter_fails",
    "test_eval_floor",
}


def _is_slow(item: pytest.Item, folder: str) -> bool:
    callspec = getattr(item, "callspec", None)
    on_kafka = callspec is not None and callspec.params.get("bus_url") == "kafka"
    return (
        folder in SLOW_FOLDERS
        or bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
        or item.get_closest_marker("kafka") is not None
        or on_kafka
        or getattr(item, "originalname", item.name) in SLOW_TESTS
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        if _is_slow(item, Path(item.path).relative_to(tests_root).parts[0]):
            item.add_marker(pytest.mark.slow)
