"""What counts as evidence of learning, and how replies and attempts become evidence.

| source                                   | kind    | P(seen given known / not known), BKTParams        |
|------------------------------------------|---------|---------------------------------------------------|
| exercise check passed                    | PASS    | 1-slip / guess: 0.9 / 0.1 the exercise's first    |
|                                          |         | check, 0.9 / 0.2 a later one; then learning step  |
| exercise check failed                    | FAIL    | slip / 1-guess (the same guess); learning step    |
| each hint used on an attempt             | HINT    | 0.6 / 0.8 (`hint_if_*`): weak, no learning step   |
| debug reply naming an error and concept  | ERROR   | 0.5 / 0.75 (`error_if_*`): weak, no learning step |
| explanation request (concepts reply)     | EXPLAIN | none: covered, and counts as asking               |

A graded check is strong evidence (likelihood ratio 9 for a first-check pass, 1/9 for a
failed first check); a hint (3/4) or a debugged error (2/3) only nudges the estimate, since
people who know a topic still mistype a name or peek at a hint. Only a graded check is a
practice opportunity with BKT's learning step.

Explanation requests do not lower mastery: asking is how students learn, says nothing about
whether they could write the code, and penalising it would teach them not to ask. They
do mark the topic as covered and count toward the "same topic 3 times in 10 minutes" rule.
Code reviews are not evidence: style advice says little about one topic's mastery.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from learnflow_agents.contracts import AgentName, AgentReply, CheckResult, ReplyStatus
from learnflow_agents.store import AttemptRecord


class Kind(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    HINT = "hint"
    ERROR = "error"
    EXPLAIN = "explain"


GRADED = (Kind.PASS, Kind.FAIL)
# Signals of a student asking for help (the seed's repeated-question rule counts these).
ASKING = (Kind.ERROR, Kind.EXPLAIN)


@dataclass(frozen=True, slots=True)
class Evidence:
    at: datetime
    kind: Kind
    topic: str
    # Identifies the stored item (reply or attempt) so the same evidence is never counted twice.
    source: str
    # Orders items that share a timestamp (an attempt's hints come before its result).
    seq: int = 0
    exercise_id: str | None = None
    error_type: str | None = None
    failed_tests: tuple[str, ...] = field(default=())

    @property
    def sort_key(self) -> tuple[datetime, str, int]:
        return (self.at, self.source, self.seq)

    def describe(self) -> str:
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        if self.kind in GRADED:
            verb = "passed" if self.kind is Kind.PASS else "failed"
            tests = f" (failing: {', '.join(self.failed_tests[:3])})" if self.failed_tests else ""
            return f"{when}: {verb} exercise {self.exercise_id} on {self.topic}{tests}"
        if self.kind is Kind.HINT:
            return f"{when}: used a hint on exercise {self.exercise_id} ({self.topic})"
        if self.kind is Kind.ERROR:
            return f"{when}: {self.error_type} linked to {self.topic}"
        return f"{when}: asked for an explanation of {self.topic}"


def check_of(reply: AgentReply) -> CheckResult | None:
    """The graded attempt in an exercise check reply (`reply.check`); None for any other reply.

    Its `hints_used` are the hints the client revealed since the previous check (StudentQuery
    .hints_used, echoed by the exercise agent): weak evidence, one item each.
    """
    check = reply.check
    if reply.agent != AgentName.EXERCISE.value or check is None:
        return None
    if not check.exercise_id or not check.topic:
        return None  # nothing was attempted on a known exercise
    return check


def attempt_details(reply: AgentReply, check: CheckResult) -> dict[str, Any]:
    """What an attempt record keeps of its check reply."""
    return {
        "reply_id": str(reply.reply_id),
        "query_id": str(reply.query_id),
        "score": check.score,
        "failed_tests": [t.name for t in check.failures][:20],
    }


def from_attempt(attempt: AttemptRecord) -> list[Evidence]:
    source = f"attempt:{attempt.details.get('reply_id') or attempt.id}"
    items = [
        Evidence(attempt.created_at, Kind.HINT, attempt.topic, source, n, exercise_id=attempt.exercise_id)
        for n in range(attempt.hints_used)
    ]
    failed = tuple(str(t) for t in attempt.details.get("failed_tests", []))
    items.append(
        Evidence(
            attempt.created_at,
            Kind.PASS if attempt.passed else Kind.FAIL,
            attempt.topic,
            source,
            attempt.hints_used,
            exercise_id=attempt.exercise_id,
            failed_tests=failed,
        )
    )
    return items


def from_reply_fields(
    reply_id: str,
    agent: str,
    at: datetime,
    status: str | None,
    concepts: list[str] | None,
    error_type: str | None,
    helps: str | None,
) -> Evidence | None:
    """Evidence from a debug or concepts reply's fields (stored row or live message)."""
    if helps or status == ReplyStatus.ERROR.value or not concepts:
        # A saga helper's explanation belongs to the debug reply that asked for it.
        return None
    topic = concepts[0]
    source = f"reply:{reply_id}"
    if agent == AgentName.DEBUG.value and error_type:
        return Evidence(at, Kind.ERROR, topic, source, error_type=error_type)
    if agent == AgentName.CONCEPTS.value:
        return Evidence(at, Kind.EXPLAIN, topic, source)
    return None


def from_reply(reply: AgentReply) -> Evidence | None:
    error_type = reply.data.get("error_type")
    return from_reply_fields(
        str(reply.reply_id),
        reply.agent,
        reply.created_at,
        reply.status.value,
        list(reply.concepts),
        error_type if isinstance(error_type, str) else None,
        reply.helps.agent if reply.helps else None,
    )
