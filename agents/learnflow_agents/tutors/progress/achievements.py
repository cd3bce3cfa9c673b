"""Achievements, computed from the stored history (never stored themselves, so they
cannot drift from the evidence)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from learnflow_agents.tutors.progress.bkt import Trace
from learnflow_agents.tutors.progress.evidence import Evidence, Kind

STREAK_DAYS = 5
MANY_EXERCISES = 10
PERSISTENCE_FAILS = 3


@dataclass(frozen=True)
class Achievement:
    id: str
    title: str
    detail: str
    earned_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "detail": self.detail,
            "earned_at": self.earned_at.isoformat() if self.earned_at else None,
        }


def _day(at: datetime) -> str:
    return f"{at:%d %B %Y}".lstrip("0")


def _exercise_achievements(history: Sequence[Evidence]) -> list[Achievement]:
    found: list[Achievement] = []
    passed: dict[str, Evidence] = {}
    fails_since_pass: dict[str, int] = {}
    for e in history:
        if e.kind is Kind.FAIL and e.exercise_id:
            fails_since_pass[e.exercise_id] = fails_since_pass.get(e.exercise_id, 0) + 1
        if e.kind is not Kind.PASS or not e.exercise_id:
            continue
        if not passed:
            detail = f"You passed exercise {e.exercise_id} ({e.topic}) on {_day(e.at)}."
            found.append(Achievement("first-exercise-passed", "First exercise passed", detail, e.at))
        fails = fails_since_pass.pop(e.exercise_id, 0)
        if fails >= PERSISTENCE_FAILS and not any(a.id == "persistence" for a in found):
            detail = f"You passed {e.exercise_id} on {_day(e.at)} after {fails} failed attempts."
            found.append(Achievement("persistence", "Kept going", detail, e.at))
        first_pass = e.exercise_id not in passed
        passed.setdefault(e.exercise_id, e)
        if first_pass and len(passed) == MANY_EXERCISES:
            detail = f"Your {MANY_EXERCISES}th different exercise, {e.exercise_id}, passed on {_day(e.at)}."
            found.append(Achievement(f"exercises-passed-{MANY_EXERCISES}", "Ten exercises", detail, e.at))
    return found


def _mastery_achievements(
    mastery: Mapping[str, float], traces: Mapping[str, Trace], threshold: float
) -> list[Achievement]:
    found = []
    for topic in sorted(set(mastery) | set(traces)):
        trace = traces.get(topic)
        reached = trace.first_reached(threshold) if trace else None
        # Once earned, kept: a later slip lowers mastery (and may alert), not the badge.
        if reached is None and mastery.get(topic, 0.0) < threshold:
            continue
        when = f" on {_day(reached.at)}" if reached else ""
        detail = f"Your mastery of {topic} reached {threshold:.0%}{when}."
        at = reached.at if reached else None
        found.append(Achievement(f"mastered:{topic}", f"Mastered {topic}", detail, at))
    return found


def current_streak(days: Iterable[date], today: date) -> int:
    """Consecutive active days ending today (or yesterday: today is not over yet)."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    count = 0
    while day in active:
        count += 1
        day -= timedelta(days=1)
    return count


def _streak_achievement(days: Iterable[date]) -> list[Achievement]:
    ordered = sorted(set(days))
    run, previous = 0, None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        previous = day
        if run == STREAK_DAYS:
            start = day - timedelta(days=STREAK_DAYS - 1)
            detail = f"You worked on Python {STREAK_DAYS} days in a row, {start:%d %B} to {day:%d %B %Y}."
            at = datetime.combine(day, time(), UTC)
            return [Achievement(f"streak-{STREAK_DAYS}-days", f"{STREAK_DAYS}-day streak", detail, at)]
    return []


def achievements(
    history: Sequence[Evidence],
    traces: Mapping[str, Trace],
    mastery: Mapping[str, float],
    activity_days: Iterable[date],
    mastered: float,
) -> list[Achievement]:
    """Everything earned, oldest first (undated ones last)."""
    days = set(activity_days) | {e.at.date() for e in history}
    found = [
        *_exercise_achievements(sorted(history, key=lambda e: e.sort_key)),
        *_mastery_achievements(mastery, traces, mastered),
        *_streak_achievement(days),
    ]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda a: (a.earned_at or far, a.id))
