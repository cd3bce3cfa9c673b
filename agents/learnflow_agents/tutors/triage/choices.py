"""When the router is unsure, the student chooses: one-click "ask this tutor instead" actions.

A routing below `LOW_CONFIDENCE` is right less than half the time on real students' questions
(benchmarks/triage_outside_eval.py), so the reply that comes back also carries ASK_AGENT actions
for the next most likely tutors. Each action re-asks the same question of the named tutor
(`args.agent`, `args.text`; the labextension's card sends exactly that).

    reply = with_choices(reply, request)   # after the routed tutor answered
"""

from learnflow_agents.contracts import (
    Action,
    ActionKind,
    AgentReply,
    AgentRequest,
    RoutingDecision,
    StudentQuery,
)
from learnflow_agents.tutors.triage.lexicon import CONCEPTS, DEBUG, EXERCISE, PROGRESS, REVIEW
from learnflow_agents.tutors.triage.scorer import score

LOW_CONFIDENCE = 0.5
MAX_CHOICES = 3
LABELS = {
    DEBUG: "Debug my code",
    CONCEPTS: "Explain the idea",
    REVIEW: "Review my code",
    EXERCISE: "Help with the exercise",
    PROGRESS: "Show my progress",
}


def is_unsure(decision: RoutingDecision | None) -> bool:
    return decision is not None and decision.confidence < LOW_CONFIDENCE


def choice_actions(query: StudentQuery, decision: RoutingDecision | None) -> list[Action]:
    """The other tutors worth offering, most likely first; none when the routing was clear.

    A student who picked the tutor themselves was not guessed at. Code review is offered only
    with code to review: that tutor has nothing to say about words alone.
    """
    if query.target_agent or decision is None or not is_unsure(decision):
        return []
    scores = score(query.text, query.code, query.traceback)
    options = [
        intent
        for intent, _ in scores.ranked()
        if intent != decision.target_agent and (intent != REVIEW or scores.signals.has_code)
    ]
    actions = []
    for intent in options[:MAX_CHOICES]:
        args: dict = {"agent": intent, "text": query.text, "choice": "low-confidence routing"}
        if query.code:
            args["code"] = query.code
        if query.traceback:
            args["traceback"] = query.traceback
        actions.append(Action(kind=ActionKind.ASK_AGENT, label=LABELS[intent], args=args))
    return actions


def with_choices(reply: AgentReply, request: AgentRequest) -> AgentReply:
    """The routed tutor's reply, plus the choice when the routing was unsure (no duplicates)."""
    offered = {a.args.get("agent") for a in reply.actions if a.kind is ActionKind.ASK_AGENT}
    extra = [a for a in choice_actions(request.query, request.routing) if a.args["agent"] not in offered]
    if not extra or reply.is_helper:
        return reply
    return reply.model_copy(update={"actions": [*reply.actions, *extra]})
