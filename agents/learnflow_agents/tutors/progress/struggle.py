"""Struggle detection: three rules, each alert carrying the evidence that tripped it.

Rules are evaluated for the evidence just observed, over the student's history up to it:

- `repeated`: the same topic, or the same error type, asked about (explanation requests,
  debugged errors) `repeat_count` times within `repeat_minutes` (the seed's rule). Graded
  attempts are left to the next rule, so one bad run of checks raises one alert, not two.
- `failed-attempts`: `failed_attempts` failed checks of one exercise since its last pass.
- `mastery-falling`: a topic's estimate fell `falling_drop` below its peak (at least
  `weak`) over the last `falling_lookback` changes: earlier success that recent work
  contradicts.

De-duplication is the store's: an alert's key is student + topic + rule + time window
(`alert_window_hours`, from the evidence's own time, so a redelivered message computes the
same key), and the store keeps the first alert per key.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from learnflow_agents.contracts import StruggleAlert, StruggleLevel
from learnflow_agents.tutors.progress.bkt import Trace
from learnflow_agents.tutors.progress.config import ProgressConfig
from learnflow_agents.tutors.progress.evidence import ASKING, Evidence, Kind

MAX_KEY = 255
MAX_EVIDENCE = 10


@dataclass(frozen=True)
class Finding:
    rule: str
    alert: StruggleAlert
    key: str


def alert_key(student_id: str, topic: str, rule: str, at: datetime, window_hours: float) -> str:
    window = int(at.timestamp() // (window_hours * 3600))
    start = datetime.fromtimestamp(window * window_hours * 3600, UTC).strftime("%Y-%m-%dT%H:%M")
    key = f"progress|{student_id}|{topic}|{rule}|{start}"
    return key if len(key) <= MAX_KEY else hashlib.sha256(key.encode()).hexdigest()


def level_for(score: float) -> StruggleLevel:
    if score >= 0.75:
        return StruggleLevel.HIGH
    if score >= 0.5:
        return StruggleLevel.MEDIUM
    return StruggleLevel.LOW


@dataclass(frozen=True)
class _Scope:
    """What every rule needs to phrase and key its finding."""

    student_id: str
    now: Evidence
    cfg: ProgressConfig

    def finding(
        self, rule: str, topic: str, score: float, headline: str, items: Sequence[Evidence], advice: str
    ) -> Finding:
        score = round(min(1.0, max(0.0, score)), 3)
        # The headline, then the newest items (what the instructor will look at first).
        evidence = [headline, *(e.describe() for e in items[-(MAX_EVIDENCE - 1) :])]
        alert = StruggleAlert(
            topic=topic,
            struggle_level=level_for(score),
            score=score,
            evidence=evidence,
            recommendation=advice,
        )
        key = alert_key(self.student_id, topic, rule, self.now.at, self.cfg.alert_window_hours)
        return Finding(rule, alert, key)


def _repeated(scope: _Scope, history: Sequence[Evidence]) -> list[Finding]:
    now, cfg = scope.now, scope.cfg
    if now.kind not in ASKING:
        return []
    since = now.at - timedelta(minutes=cfg.repeat_minutes)
    recent = [e for e in history if e.kind in ASKING and since <= e.at <= now.at]
    found = []
    same_topic = [e for e in recent if e.topic == now.topic]
    if len(same_topic) >= cfg.repeat_count:
        n = len(same_topic)
        minutes = max(1, round((now.at - same_topic[0].at).total_seconds() / 60))
        found.append(
            scope.finding(
                "repeated",
                now.topic,
                0.2 * n,
                f"asked about {now.topic} {n} times in {minutes} min",
                same_topic,
                f"Asked about {now.topic} {n} times in {minutes} minute{'' if minutes == 1 else 's'}: "
                "the explanations are not "
                f"landing. Try a short one-to-one on {now.topic} with a different worked example, "
                "and check the topics it builds on first.",
            )
        )
    same_error = [e for e in recent if now.error_type and e.error_type == now.error_type]
    if len(same_error) >= cfg.repeat_count:
        n = len(same_error)
        # The error's most frequent concept is the topic an instructor can teach to.
        topic = Counter(e.topic for e in same_error).most_common(1)[0][0]
        if topic != now.topic or not found:
            found.append(
                scope.finding(
                    "repeated",
                    topic,
                    0.2 * n,
                    f"hit {now.error_type} {n} times within {cfg.repeat_minutes:g} min",
                    same_error,
                    f"Hit {now.error_type} {n} times within {cfg.repeat_minutes:g} "
                    f"minute{'' if cfg.repeat_minutes == 1 else 's'} (linked to "
                    f"{topic}). Read one of these tracebacks together: where it points, what the "
                    "message means, and which line really caused it.",
                )
            )
    return found


def _failed_attempts(scope: _Scope, history: Sequence[Evidence]) -> list[Finding]:
    now, cfg = scope.now, scope.cfg
    if now.kind is not Kind.FAIL or not now.exercise_id:
        return []
    streak: list[Evidence] = []
    for e in history:
        if e.exercise_id != now.exercise_id or e.sort_key > now.sort_key:
            continue
        if e.kind is Kind.PASS:
            streak = []
        elif e.kind is Kind.FAIL:
            streak.append(e)
    n = len(streak)
    if n < cfg.failed_attempts:
        return []
    hints = sum(1 for e in history if e.kind is Kind.HINT and e.exercise_id == now.exercise_id)
    failing = Counter(t for e in streak for t in e.failed_tests).most_common(2)
    tests = f" Tests that keep failing: {', '.join(t for t, _ in failing)}." if failing else ""
    return [
        scope.finding(
            "failed-attempts",
            now.topic,
            0.2 * n + 0.05 * min(hints, 3),
            f"{n} failed attempts on exercise {now.exercise_id} without a pass, {hints} hints used",
            streak,
            f"{n} failed attempts on exercise {now.exercise_id} ({now.topic}).{tests} Look at the "
            f"latest attempt with them, or give an easier {now.topic} exercise first.",
        )
    ]


def _falling(scope: _Scope, trace: Trace | None) -> list[Finding]:
    now, cfg = scope.now, scope.cfg
    if trace is None or now.kind is Kind.EXPLAIN:
        return []
    steps = [(e, p) for e, p in trace.steps if e.sort_key <= now.sort_key][-(cfg.falling_lookback + 1) :]
    if len(steps) < 2:
        return []
    current = steps[-1][1]
    peak_at = max(range(len(steps) - 1), key=lambda i: steps[i][1])
    peak = steps[peak_at][1]
    # A peak below `weak` is no earlier success: one lucky pass among failures is noise.
    if peak < cfg.weak or peak - current < cfg.falling_drop:
        return []
    since_peak = [e for e, _ in steps[peak_at + 1 :]]
    return [
        scope.finding(
            "mastery-falling",
            now.topic,
            0.3 + (peak - current),
            f"{now.topic} mastery fell from {peak:.2f} to {current:.2f} over {len(since_peak)} items",
            since_peak,
            f"Mastery of {now.topic} fell from {peak:.2f} to {current:.2f}: recent work contradicts "
            f"earlier success. Revisit {now.topic} with them; a newer topic may have confused it.",
        )
    ]


def detect(
    student_id: str,
    new: Sequence[Evidence],
    history: Sequence[Evidence],
    traces: dict[str, Trace],
    cfg: ProgressConfig,
) -> list[Finding]:
    """Every rule tripped by the `new` evidence (which `history` already contains), most
    severe first."""
    found: list[Finding] = []
    for now in new:
        scope = _Scope(student_id, now, cfg)
        found += _repeated(scope, history)
        found += _failed_attempts(scope, history)
        found += _falling(scope, traces.get(now.topic))
    unique = {f.key: f for f in found}
    return sorted(unique.values(), key=lambda f: -f.alert.score)


def choose(findings: Sequence[Finding], already: set[str]) -> Finding | None:
    """The most severe finding not yet alerted (an outcome carries one alert).

    A rule passed over here is still true on the student's next evidence and alerts then.
    """
    return next((f for f in findings if f.key not in already), None)
