"""The progress report: what the student has shown, where to go next, and why to keep going."""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from learnflow_agents.contracts import (
    Action,
    ActionKind,
    AgentName,
    AgentReply,
    AgentRequest,
    Provenance,
    SkillLevel,
    StudentContext,
)
from learnflow_agents.contracts import progress as facts
from learnflow_agents.store.base import utc_now
from learnflow_agents.tutors.progress.achievements import Achievement, achievements, current_streak
from learnflow_agents.tutors.progress.bkt import Trace, replay
from learnflow_agents.tutors.progress.config import ProgressConfig
from learnflow_agents.tutors.progress.evidence import Evidence, Kind
from learnflow_agents.tutors.progress.history import load_history
from learnflow_agents.tutors.progress.recommend import Recommendation, recommendations, skill_level

if TYPE_CHECKING:
    from learnflow_agents.runtime.handler import HandlerContext
    from learnflow_agents.runtime.history import StudentHistory

AGENT = AgentName.PROGRESS.value
TOP = 3
STRUGGLE_DAYS = 7


@dataclass
class Snapshot:
    """Everything the report says, computed from stored data."""

    mastery: dict[str, float]
    covered: list[str]
    level: SkillLevel
    achievements: list[Achievement]
    recommendations: list[Recommendation]
    strengths: list[str]
    growth: list[str]
    mastered: list[str] = field(default_factory=list)
    attempts: int = 0
    passed: int = 0
    streak: int = 0
    struggling: list[str] = field(default_factory=list)
    # The newest graded attempt and how it moved its topic: (evidence, before, after).
    latest_check: tuple[Evidence, float, float] | None = None


def latest_check(traces: dict[str, Trace], p_init: float) -> tuple[Evidence, float, float] | None:
    """The newest pass or fail, with its topic's estimate just before and just after it."""
    found: tuple[Evidence, float, float] | None = None
    for trace in traces.values():
        before = p_init
        for item, after in trace.steps:
            if item.kind in (Kind.PASS, Kind.FAIL) and (found is None or item.sort_key > found[0].sort_key):
                found = (item, before, after)
            before = after
    return found


def take_snapshot(
    student_id: str, stored: "StudentHistory | None", context: StudentContext, cfg: ProgressConfig
) -> Snapshot:
    history: list[Evidence] = []
    days: list[date] = []
    struggling: list[str] = []
    if stored is not None:
        history = load_history(stored, cfg.history_limit)
        # The mastery table is the agent's own record; a client's context is not trusted over it.
        mastery = stored.mastery()
        days = stored.activity_days()
        since = utc_now() - timedelta(days=STRUGGLE_DAYS)
        struggling = list(dict.fromkeys(a.topic for a in stored.struggles(since)))
    else:
        mastery = dict(context.mastery)
    traces: dict[str, Trace] = replay(history, cfg.bkt)
    covered = sorted(set(mastery) | set(traces) | set(context.topics_covered))
    strengths = sorted((t for t in mastery if mastery[t] >= cfg.strong), key=lambda t: (-mastery[t], t))

    def level_of(topic: str) -> float:
        return mastery.get(topic, 0.0)

    # Only estimated topics: one merely asked about has no evidence to call it weak.
    weak = sorted((t for t in mastery if level_of(t) < cfg.weak), key=lambda t: (level_of(t), t))
    # Topics with a recent alert lead: they are what an instructor already saw.
    growth = list(dict.fromkeys([*(t for t in struggling if level_of(t) < cfg.strong), *weak]))
    graded = [e for e in history if e.kind in (Kind.PASS, Kind.FAIL)]
    return Snapshot(
        mastery=mastery,
        covered=covered,
        level=skill_level(mastery, cfg),
        achievements=achievements(history, traces, mastery, days, cfg.mastered),
        recommendations=recommendations(mastery, cfg),
        strengths=strengths[:TOP],
        growth=growth[:TOP],
        mastered=[t for t in covered if level_of(t) >= cfg.mastered],
        attempts=len(graded),
        passed=len({e.exercise_id for e in graded if e.kind is Kind.PASS}),
        streak=current_streak(days, utc_now().date()),
        struggling=struggling,
        latest_check=latest_check(traces, cfg.bkt.p_init),
    )


def encouragement(snap: Snapshot) -> str:
    """Grounded in the most recent achievement, or the nearest one within reach."""
    dated = [a for a in snap.achievements if a.earned_at is not None]
    latest = dated[-1] if dated else (snap.achievements[-1] if snap.achievements else None)
    if latest is not None:
        return f"**{latest.title}.** {latest.detail} That is real progress: keep that rhythm going."
    if snap.attempts:
        return (
            f"You have made {plural(snap.attempts, 'attempt')} so far; every failed check shows you exactly "
            "what to fix. Your first passed exercise is one fix away."
        )
    nxt = snap.recommendations[0].topic if snap.recommendations else "your first topic"
    return f"Your first achievement is within reach: pass one exercise. {nxt} is a good place to start."


def plural(count: int, noun: str) -> str:
    """`1 attempt`, `2 attempts`."""
    return f"{count} {noun if count == 1 else noun + 's'}"


def _summary(snap: Snapshot) -> str:
    if not snap.covered:
        return "No learning evidence yet: ask a question, debug a cell or try an exercise to get started."
    # The count is of the topics with an estimate: the ones the report draws a bar for.
    estimated = [t for t in snap.covered if t in snap.mastery]
    mastered = [t for t in snap.mastered if t in snap.mastery]
    if estimated:
        lead = f"You have mastered {len(mastered)} of {plural(len(estimated), 'topic')}"
    else:
        lead = "No topic has a mastery estimate yet"
    if snap.attempts:
        done = f"passed {plural(snap.passed, 'exercise')} in {plural(snap.attempts, 'attempt')}"
    else:
        done = "have not checked an exercise yet"
    return f"{lead}, and {done}. Skill level: {snap.level.value}."


def _latest_check_lines(snap: Snapshot) -> list[str]:
    """How the newest check moved its topic, so a pass is seen to count (e.g. 11% → 58%)."""
    if snap.latest_check is None:
        return []
    item, before, after = snap.latest_check
    what = f"exercise {item.exercise_id}" if item.exercise_id else "your last exercise"
    verb = "Passing" if item.kind is Kind.PASS else "The failed check of"
    return [
        "## Your latest check",
        f"{verb} {what} moved **{item.topic}** from {before:.0%} to {after:.0%}.",
    ]


def _bullets(lines: list[str], empty: str) -> str:
    return "\n".join(f"- {line}" for line in lines) if lines else f"- {empty}"


def _sections(snap: Snapshot) -> list[str]:
    m = snap.mastery
    strengths = [f"**{t}**: {m[t]:.0%}" for t in snap.strengths]
    growth = [
        (f"**{t}**: {m[t]:.0%}" if t in m else f"**{t}**: no graded work yet")
        + (" (you found this hard recently)" if t in snap.struggling else "")
        for t in snap.growth
    ]
    # The summary, the mastery bars, the recommendations and the achievements are the reply's
    # own fields (summary, progress): every renderer shows them, so the prose does not repeat them.
    return [
        *_latest_check_lines(snap),
        "## Strengths",
        _bullets(strengths, "none yet: a topic shows here from 80% mastery"),
        "## Growth areas",
        _bullets(growth, "nothing stands out: every topic you have worked on is on track"),
        "## Keep going",
        encouragement(snap),
    ]


def render(query_id: UUID, snap: Snapshot, started: float) -> AgentReply:
    m = snap.mastery
    actions = []
    if snap.recommendations:
        topic = snap.recommendations[0].topic
        actions.append(
            Action(
                kind=ActionKind.ASK_AGENT,
                label=f"Practise {topic}",
                args={"agent": AgentName.EXERCISE.value, "topic": topic},
            )
        )
    if snap.growth:
        topic = snap.growth[0]
        review = Action(kind=ActionKind.EXPLAIN_CONCEPT, label=f"Review {topic}", args={"concept": topic})
        actions.append(review)
    latency = round((time.perf_counter() - started) * 1000, 3)
    return AgentReply(
        query_id=query_id,
        agent=AGENT,
        summary=_summary(snap),
        explanation="\n\n".join(_sections(snap)),
        actions=actions,
        concepts=[*snap.growth[:1], *(r.topic for r in snap.recommendations[:1])],
        provenance=Provenance(agent=AGENT, provider="offline", latency_ms=latency),
        progress=facts.ProgressFacts(
            mastery={t: round(p, 3) for t, p in sorted(m.items())},
            achievements=[facts.Achievement.model_validate(a.as_dict()) for a in snap.achievements],
            recommendations=[facts.Recommendation.model_validate(r.as_dict()) for r in snap.recommendations],
            skill_level=snap.level.value,
            strengths=snap.strengths,
            growth_areas=snap.growth,
            topics_covered=snap.covered,
            exercises_passed=snap.passed,
            attempts=snap.attempts,
            streak_days=snap.streak,
        ),
    )


def report(request: AgentRequest, ctx: "HandlerContext", cfg: ProgressConfig | None = None) -> AgentReply:
    """The progress report for the student asking (synchronous: run it off the event loop)."""
    started = time.perf_counter()
    cfg = cfg or ProgressConfig()
    snap = take_snapshot(ctx.student_id, ctx.history, request.query.context, cfg)
    return render(request.query.query_id, snap, started)
