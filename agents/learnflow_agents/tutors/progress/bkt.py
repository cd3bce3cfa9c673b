"""Bayesian Knowledge Tracing over a student's evidence, one independent skill per topic.

Mastery is recomputed by replaying the stored evidence in time order rather than
nudging the stored number: the result is the same however often, in whatever batches,
or after whatever redelivery a message is handled, and it cannot lose an update.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from learnflow_agents.tutors.progress.config import BKTParams
from learnflow_agents.tutors.progress.evidence import GRADED, Evidence, Kind


def update(p: float, if_known: float, if_unknown: float) -> float:
    """Bayes' rule: P(known | an observation seen with these probabilities)."""
    known = p * if_known
    return known / (known + (1 - p) * if_unknown)


def learn(p: float, params: BKTParams) -> float:
    return p + (1 - p) * params.p_transit


def observe(p: float, correct: bool, params: BKTParams, first: bool = True) -> float:
    """The estimate after one graded check: the BKT posterior, then the learning step.

    `first` says whether it is the exercise's first check (guess `p_guess_first`) or a later
    one (`p_guess`): see BKTParams.
    """
    guess = params.p_guess_first if first else params.p_guess
    moved = update(p, 1 - params.p_slip, guess) if correct else update(p, params.p_slip, 1 - guess)
    return min(1.0, max(0.0, learn(moved, params)))


def step(p: float, item: Evidence, params: BKTParams, first: bool = True) -> float:
    """One item's effect; `first` matters only to a graded check."""
    if item.kind is Kind.PASS:
        return observe(p, True, params, first)
    if item.kind is Kind.FAIL:
        return observe(p, False, params, first)
    # Weak evidence is an observation but not a practice opportunity: no learning step.
    if item.kind is Kind.HINT:
        return update(p, params.hint_if_known, params.hint_if_unknown)
    if item.kind is Kind.ERROR:
        return update(p, params.error_if_known, params.error_if_unknown)
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
    # Exercises checked so far: their later checks are retries (BKTParams.p_guess).
    checked: set[str] = set()
    for item in sorted(history, key=lambda e: e.sort_key):
        trace = traces.setdefault(item.topic, Trace(item.topic, params.p_init))
        trace.evidence += 1
        if item.kind is Kind.EXPLAIN:
            continue
        first = item.exercise_id is None or item.exercise_id not in checked
        trace.p = step(trace.p, item, params, first)
        trace.steps.append((item, trace.p))
        if item.kind in GRADED and item.exercise_id is not None:
            checked.add(item.exercise_id)
    return traces
