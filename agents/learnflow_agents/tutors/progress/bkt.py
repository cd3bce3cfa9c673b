"""Bayesian Knowledge Tracing over a student's evidence, one independent skill per topic.

Mastery is recomputed by replaying the stored evidence in time order rather than
nudging the stored number: the result is the same however often, in whatever batches,
or after whatever redelivery a message is handled, and it cannot lose an update.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from learnflow_agents.tutors.progress.config import BKTParams
from learnflow_agents.tutors.progress.evidence import GRADED, Evidence, Kind


def posterior(p: float, correct: bool, params: BKTParams) -> float:
    """P(known | one observation), before any learning from that opportunity."""
    if correct:
        known = p * (1 - params.p_slip)
        return known / (known + (1 - p) * params.p_guess)
    known = p * params.p_slip
    return known / (known + (1 - p) * (1 - params.p_guess))


def learn(p: float, params: BKTParams) -> float:
    return p + (1 - p) * params.p_transit


def observe(p: float, correct: bool, params: BKTParams, weight: float = 1.0, practice: bool = True) -> float:
    """The estimate after one observation.

    `weight` < 1 moves only part of the way to the posterior (weak evidence); `practice`
    adds BKT's learning step, which only a graded attempt earns.
    """
    moved = p + weight * (posterior(p, correct, params) - p)
    return min(1.0, max(0.0, learn(moved, params) if practice else moved))


def step(p: float, item: Evidence, params: BKTParams) -> float:
    if item.kind is Kind.PASS:
        return observe(p, True, params)
    if item.kind is Kind.FAIL:
        return observe(p, False, params)
    if item.kind is Kind.HINT:
        return observe(p, False, params, params.hint_weight, practice=False)
    if item.kind is Kind.ERROR:
        return observe(p, False, params, params.error_weight, practice=False)
    return p  # EXPLAIN: see evidence.py for why asking does not lower mastery


@dataclass
class Trace:
    """One topic's estimate and how it got there."""

    topic: str
    p: float
    # (evidence, estimate after it), oldest first; only items that can move the estimate.
    steps: list[tuple[Evidence, float]] = field(default_factory=list)
    evidence: int = 0

    @property
    def graded(self) -> int:
        return sum(1 for item, _ in self.steps if item.kind in GRADED)

    def first_reached(self, threshold: float) -> Evidence | None:
        """The evidence that first lifted the estimate to `threshold`."""
        return next((item for item, p in self.steps if p >= threshold), None)


def replay(history: Iterable[Evidence], params: BKTParams) -> dict[str, Trace]:
    """Every topic's trace from p_init through the evidence, in time order."""
    traces: dict[str, Trace] = {}
    for item in sorted(history, key=lambda e: e.sort_key):
        trace = traces.setdefault(item.topic, Trace(item.topic, params.p_init))
        trace.evidence += 1
        if item.kind is Kind.EXPLAIN:
            continue
        trace.p = step(trace.p, item, params)
        trace.steps.append((item, trace.p))
    return traces
