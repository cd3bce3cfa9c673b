"""The exercise checker's limits (what a student's attempt may use, per test and in all).

The checking itself is learnflow_agents.sandbox.harness: the student's code runs in the
shared sandbox, one fresh child per test, and the tests run on the trusted side.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    per_test_seconds: float = 3.0
    # Budget for one whole check: tests that would start after it are reported as not run.
    total_seconds: float = 30.0
    memory_bytes: int = 512 * 1024 * 1024
    output_keep_chars: int = 4_000
    output_hard_chars: int = 1_000_000
    file_size_bytes: int = 32 * 1024 * 1024
    recursion_limit: int = 3_000
