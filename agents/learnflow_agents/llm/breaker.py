"""A circuit breaker: after repeated provider failures, answer offline at once for a while.

closed -> (N consecutive failures) -> open -> (reset time passes) -> half-open: one probe
call goes through; its success closes the circuit, its failure opens it again.
"""

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self, failure_threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        self.times_opened = 0

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one probe at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probe_in_flight or self._failures >= self.failure_threshold:
            if self._opened_at is None or self._probe_in_flight:
                self.times_opened += 1
            self._opened_at = self._clock()
        self._probe_in_flight = False

    def release(self) -> None:
        """A call that was allowed ended without a verdict on the provider (e.g. cancelled)."""
        self._probe_in_flight = False

    def snapshot(self) -> dict[str, object]:
        return {"state": self.state.value, "failures": self._failures, "times_opened": self.times_opened}
