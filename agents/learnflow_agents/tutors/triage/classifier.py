"""The offline router: a query in, a RoutingDecision out, with the evidence spelled out."""

import math

from learnflow_agents.contracts.events import RoutingDecision
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.triage.scorer import REQUEST_THRESHOLD, Scores, score

ROUTER = "offline"
# Softmax temperature, fitted (least log-loss, 5-fold cross-validation) on the outside set's dev
# split so that the confidence reads as a probability: below 0.5 the route is right less than
# half the time, and the student is offered a choice (choices.py).
TEMPERATURE = 2.5
# A runner-up this close to the winner, from its own wording, is a second request worth naming.
SECONDARY_RATIO = 0.6


def _confidence(scores: Scores) -> float:
    top = max(scores.totals.values())
    weights = [math.exp((s - top) / TEMPERATURE) for s in scores.totals.values()]
    return round(1.0 / sum(weights), 3)


def _secondary(scores: Scores, primary: str) -> str | None:
    runner_up, runner_score = scores.ranked()[1]
    if runner_up == primary or scores.wording(runner_up) < REQUEST_THRESHOLD:
        return None
    if scores.mixed or runner_score >= SECONDARY_RATIO * scores.totals[primary]:
        return runner_up
    return None


def _reasoning(scores: Scores, primary: str, secondary: str | None) -> str:
    line = f"{', '.join(scores.reasons(primary))} → {primary}"
    if scores.mixed:
        line += " (asked first)"
    if secondary:
        line += f"; also asks for {secondary} ({', '.join(scores.reasons(secondary, 2))})"
    # One line by contract: labels can quote the student's text, which may hold newlines.
    return " ".join(line.split())[:1000]


def decide(query: StudentQuery, scores: Scores) -> RoutingDecision:
    primary = scores.ranked()[0][0]
    secondary = _secondary(scores, primary)
    return RoutingDecision(
        query_id=query.query_id,
        target_agent=primary,
        confidence=_confidence(scores),
        reasoning=_reasoning(scores, primary, secondary),
        secondary_agent=secondary,
        router=ROUTER,
    )


def classify(query: StudentQuery) -> RoutingDecision:
    """Route a student's query to one tutor; a student's explicit choice always wins."""
    if query.target_agent:
        return RoutingDecision(
            query_id=query.query_id,
            target_agent=query.target_agent,
            confidence=1.0,
            reasoning=f"student asked for {query.target_agent} directly → {query.target_agent}",
            router=ROUTER,
        )
    return decide(query, score(query.text, query.code, query.traceback))


def classify_text(text: str, code: str | None = None, traceback: str | None = None) -> RoutingDecision:
    """Convenience for callers holding plain strings (CLI, notebooks, the benchmark)."""
    if not (text.strip() or (code or "").strip() or (traceback or "").strip()):
        raise ValueError("query is empty: give text, code or a traceback")
    return classify(StudentQuery(text=text, code=code, traceback=traceback))
