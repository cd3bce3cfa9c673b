"""Shared fixtures: the real Kafka-protocol broker and real databases come from plugins."""

pytest_plugins = (
    "tests.fixtures.kafka_broker",
    "tests.fixtures.databases",
    "tests.fixtures.stack",
    "tests.fixtures.fake_anthropic",
    "tests.fixtures.tcp_proxy",
)
