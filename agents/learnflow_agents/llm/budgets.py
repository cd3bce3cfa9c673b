"""Daily LLM budgets per student and per course, checked against the store's `llm_usage`.

Before a model is asked, today's usage (UTC) of the student and of the course the query is
filed under is read from the store; after each provider call its tokens and cost are added
(store/usage.py). Every process and replica sharing the database therefore enforces the
same budgets, and a restart resets nothing.

The bound: the check and the call are not one transaction, so calls already admitted when
a budget is reached still finish and are counted. A budget is overspent by at most what
the calls in flight at that moment use, across all processes: each is at most its prompt
plus `max_tokens` of output (twice, when the one repair turn runs). No call is admitted
once the recorded usage has reached the budget.

What counts: a student's budget counts what they asked for (their questions to the
tutors); routing their question (triage) counts for the course only. Both budgets gate
every call, routing included: a student or course over budget is answered offline.
"""

from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel

from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.store.usage import UsageTotals

if TYPE_CHECKING:
    from learnflow_agents.store import Store


@dataclass(frozen=True)
class DailyBudgets:
    """0 means no limit."""

    student_tokens: int = 0
    student_usd: float = 0.0
    course_tokens: int = 0
    course_usd: float = 0.0

    @classmethod
    def of(cls, settings: LLMSettings) -> "DailyBudgets":
        return cls(
            student_tokens=settings.student_daily_tokens,
            student_usd=settings.student_daily_usd,
            course_tokens=settings.course_daily_tokens,
            course_usd=settings.course_daily_usd,
        )

    def refusal(self, mine: UsageTotals, course: UsageTotals) -> str | None:
        """Why no model may answer (the student's or the course's budget is used up), or None."""
        if self.student_tokens and mine.tokens >= self.student_tokens:
            return _used_up("your", f"{self.student_tokens:,} tokens", f"{mine.tokens:,} tokens")
        if self.student_usd and mine.cost_usd >= self.student_usd:
            return _used_up("your", f"${self.student_usd:.2f}", f"${mine.cost_usd:.2f}")
        if self.course_tokens and course.tokens >= self.course_tokens:
            return _used_up("your course's", f"{self.course_tokens:,} tokens", f"{course.tokens:,} tokens")
        if self.course_usd and course.cost_usd >= self.course_usd:
            return _used_up("your course's", f"${self.course_usd:.2f}", f"${course.cost_usd:.2f}")
        return None


def _used_up(whose: str, budget: str, used: str) -> str:
    return f"{whose} daily budget of {budget} is used up ({used} used today)"


def enforced(store: "Store", fallback: DailyBudgets) -> DailyBudgets:
    """The budgets the agents report in their newest heartbeat (what they enforce), else
    `fallback` (this process's settings): a gateway or dashboard need not repeat them."""
    for beat in sorted(store.list_heartbeats(), key=lambda b: b.seen_at, reverse=True):
        reported = (beat.stats.get("llm") or {}).get("budgets")
        if isinstance(reported, dict) and reported:
            try:
                return DailyBudgets(**{f.name: reported[f.name] for f in fields(DailyBudgets)})
            except (KeyError, TypeError):
                continue  # an older agent's heartbeat: look further
    return fallback


def notice(reason: str) -> str:
    """What the student reads above an offline answer given because a budget is used up."""
    return (
        f"AI tutor budget: {reason}, so this answer comes from LearnFlow's offline tutor. "
        "The budget starts again at 00:00 UTC."
    )


class Spent(BaseModel):
    requests: int
    tokens: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int
    cost_usd: float

    @classmethod
    def of(cls, totals: UsageTotals) -> "Spent":
        return cls(
            requests=totals.requests,
            tokens=totals.tokens,
            input_tokens=totals.input_tokens,
            cache_read_tokens=totals.cache_read_tokens,
            cache_write_tokens=totals.cache_write_tokens,
            output_tokens=totals.output_tokens,
            cost_usd=round(totals.cost_usd, 6),
        )


class Limit(BaseModel):
    """A daily budget; None: no limit of that kind."""

    tokens: int | None
    usd: float | None


class StudentUsageToday(BaseModel):
    """A student's own usage today against their budget, and whether their course's is used up."""

    student_id: str
    course_id: str | None
    day: date
    used: Spent
    budget: Limit
    remaining_tokens: int | None
    remaining_usd: float | None
    # Why a model would not answer now (a budget used up), or None.
    over_budget: str | None


def limit(tokens: int, usd: float) -> Limit:
    return Limit(tokens=tokens or None, usd=usd or None)


def student_view(
    budgets: DailyBudgets,
    student_id: str,
    course_id: str | None,
    day: date,
    mine: UsageTotals,
    course: UsageTotals,
) -> StudentUsageToday:
    left_usd = round(max(budgets.student_usd - mine.cost_usd, 0.0), 6)
    return StudentUsageToday(
        student_id=student_id,
        course_id=course_id,
        day=day,
        used=Spent.of(mine),
        budget=limit(budgets.student_tokens, budgets.student_usd),
        remaining_tokens=max(budgets.student_tokens - mine.tokens, 0) if budgets.student_tokens else None,
        remaining_usd=left_usd if budgets.student_usd else None,
        over_budget=budgets.refusal(mine, course),
    )
