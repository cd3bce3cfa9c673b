"""Per-student and global request rates, and a per-process daily token budget.

Rates are in memory, per process: with Kafka a student's messages are keyed to one
partition, so one agent instance sees all of that student's traffic for its agent. The
daily budgets live in the store (llm/budgets.py); `TokenBudget` here serves only a tutor
that runs without a store.
"""

import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime


class SlidingWindow:
    """At most `limit` events in any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._events and now - self._events[0] >= self.window:
            self._events.popleft()

    def available(self) -> bool:
        self._trim(self._clock())
        return len(self._events) < self.limit

    def record(self) -> None:
        self._events.append(self._clock())

    def idle(self) -> bool:
        self._trim(self._clock())
        return not self._events


class RateLimiter:
    def __init__(
        self,
        per_student: int,
        global_limit: int,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_student = per_student
        self._window = window_seconds
        self._clock = clock
        self._global = SlidingWindow(global_limit, window_seconds, clock)
        self._students: dict[str, SlidingWindow] = {}
        # Routing a student's questions, apart from what they asked: at the same rate, so a
        # flood of questions cannot spend the global rate (everyone's answers) on routing.
        self._routing: dict[str, SlidingWindow] = {}

    def _window_of(self, windows: dict[str, SlidingWindow], student_id: str) -> SlidingWindow:
        window = windows.get(student_id)
        if window is None:
            if len(windows) > 10_000:
                # Forget idle students so a long-running agent's memory stays bounded.
                for idle in [k for k, v in windows.items() if v.idle()]:
                    del windows[idle]
            window = windows[student_id] = SlidingWindow(self._per_student, self._window, self._clock)
        return window

    def acquire(self, student_id: str, *, count_student: bool = True) -> str | None:
        """Record a request and return None, or return which limit refused it.

        `count_student=False` is for calls the student did not ask for (triage routing
        their question): they do not count against what the student may ask, but have a
        per-student window of their own (beyond it the offline classifier routes)."""
        if not count_student:
            routing = self._window_of(self._routing, student_id)
            if not routing.available():
                return "student routing rate limit"
            if not self._global.available():
                return "global rate limit"
            routing.record()
            self._global.record()
            return None
        student = self._window_of(self._students, student_id)
        if not student.available():
            return "student rate limit"
        if not self._global.available():
            return "global rate limit"
        student.record()
        self._global.record()
        return None


def utc_today() -> date:
    return datetime.now(UTC).date()


class TokenBudget:
    """Tokens used per student per UTC day; a student over budget is answered offline."""

    def __init__(self, daily_tokens: int, today: Callable[[], date] = utc_today) -> None:
        self.daily_tokens = daily_tokens
        self._today = today
        self._day: date | None = None
        self._used: dict[str, int] = {}

    def _roll(self) -> None:
        day = self._today()
        if day != self._day:
            self._day = day
            self._used = {}

    def used(self, student_id: str) -> int:
        self._roll()
        return self._used.get(student_id, 0)

    def exhausted(self, student_id: str) -> bool:
        return self.daily_tokens > 0 and self.used(student_id) >= self.daily_tokens

    def charge(self, student_id: str, tokens: int) -> None:
        self._roll()
        self._used[student_id] = self._used.get(student_id, 0) + max(0, tokens)
