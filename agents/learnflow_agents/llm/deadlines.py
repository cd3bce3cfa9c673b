"""One deadline budget for the whole chain, from a student's question to the answer on screen.

The kernel waits `answer_seconds` for an answer (LEARNFLOW_LLM_ANSWER_SECONDS, 120 s by
default; the kernel's `c.LearnFlow.reply_timeout` defaults to it). What the model may take
is carved out of that one number, so that the offline answer always has time to reach the
student before the kernel stops waiting:

- routing by the model (triage): at most ROUTE_SHARE of it;
- the answer's first streamed words: at most SOFT_SHARE ("soft" deadline). A model that has
  said nothing by then is given up on and the offline tutor answers at once;
- the whole answer, one repair included: at most HARD_SHARE ("hard" deadline);
- the rest, at least 1 - ROUTE_SHARE - HARD_SHARE, is left for the offline tutor and delivery.

A model that started streaming before the soft deadline may go on until the hard one (the
student is reading its words as they come). A late model's answer is dropped, not sent
after the offline one: a question gets one reply.
"""

from dataclasses import dataclass
from typing import Protocol

ROUTE_SHARE = 0.1
SOFT_SHARE = 0.25
HARD_SHARE = 0.6


class DeadlineSettings(Protocol):
    answer_seconds: float
    deadline_seconds: float | None
    soft_deadline_seconds: float | None


@dataclass(frozen=True)
class Deadlines:
    # What the kernel waits; every other figure is less.
    answer: float
    route: float
    soft: float
    hard: float

    def soft_before(self, hard: float) -> float | None:
        """The soft deadline, when it comes before `hard` (else it means nothing)."""
        return self.soft if self.soft < hard else None

    @property
    def offline_reserve(self) -> float:
        """What is left for the offline answer after the longest model path (route + hard)."""
        return self.answer - self.route - self.hard


def deadlines_for(settings: DeadlineSettings) -> Deadlines:
    """The chain's deadlines; an explicit `deadline_seconds` or `soft_deadline_seconds` can
    only shorten its share, never take time the offline answer needs."""
    answer = settings.answer_seconds
    hard = answer * HARD_SHARE
    if settings.deadline_seconds is not None:
        hard = min(hard, settings.deadline_seconds)
    soft = min(answer * SOFT_SHARE, hard)
    if settings.soft_deadline_seconds is not None:
        soft = min(soft, settings.soft_deadline_seconds)
    return Deadlines(answer=answer, route=min(answer * ROUTE_SHARE, hard), soft=soft, hard=hard)
