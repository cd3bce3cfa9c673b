"""Tests of the LLM tutors against fake provider servers (real SDKs, real sockets)."""

import pytest

# The fake servers are a pytest plugin that these test modules also import directly;
# registering it first keeps pytest from warning that it was imported un-rewritten.
pytest.register_assert_rewrite("tests.fixtures.fake_anthropic")
