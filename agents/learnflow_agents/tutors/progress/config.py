"""Knowledge-tracing parameters and the progress agent's thresholds.

Every value can be set in the constructor or through the environment
(`LEARNFLOW_BKT_P_INIT=0.3`, `LEARNFLOW_PROGRESS_MASTERED=0.9`, ...), so a course can
tune them without code.
"""

from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


class BKTParams(BaseSettings):
    """Bayesian Knowledge Tracing (Corbett & Anderson, 1995), one skill per topic.

    Every kind of evidence is an observation with its own emission probabilities, P(seen |
    known) and P(seen | not known); only a graded check is a practice opportunity (the
    learning step P(T)). See evidence.py for the table of kinds.

    A graded check uses slip and guess. Its guess depends on whether it is the exercise's
    first check: BKT scores first attempts, because after a failed check the student has
    seen the failing tests' names and messages and can pass by fixing what they name, and
    re-checking a passed exercise repeats what it already showed. With these defaults a
    topic's first clean pass from scratch reads 72% (0.2 -> 0.72), a first-try pass of a
    second exercise 96% (mastered); passes that are not first checks need three.
    After an error and a hint on the topic (the welcome notebook), the pass reads 58%
    (from 11%): `tests/tutors/test_progress.py::test_the_welcome_notebook_sequence_*`.
    """

    model_config = SettingsConfigDict(env_prefix="LEARNFLOW_BKT_", extra="ignore", frozen=True)

    p_init: Probability = Field(0.2, description="P(L0): the topic is known before any evidence.")
    p_transit: Probability = Field(0.1, description="P(T): learnt at one graded practice opportunity.")
    p_slip: Probability = Field(0.1, description="P(S): a student who knows it still fails the check.")
    p_guess_first: Probability = Field(
        0.1, description="P(G) of an exercise's first check: pass every hidden test without knowing it."
    )
    p_guess: Probability = Field(
        0.2, description="P(G) of an exercise's later checks: its failing tests were shown, or it was passed."
    )
    # Weak evidence: an observation, not a practice opportunity (no learning step). Its
    # likelihood ratio if_known / if_unknown is what moves the estimate down: errors 2/3,
    # hints 3/4, against 1/9 for a failed first check.
    error_if_known: Probability = Field(
        0.5, description="P(a debugged error tied to the topic | known): typos and slips happen to anyone."
    )
    error_if_unknown: Probability = Field(
        0.75, description="P(a debugged error tied to the topic | not known)."
    )
    hint_if_known: Probability = Field(
        0.6, description="P(a hint used on an attempt | known): hints are one click away, students check."
    )
    hint_if_unknown: Probability = Field(0.8, description="P(a hint used on an attempt | not known).")

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        # With slip + guess >= 1 a pass would be evidence *against* knowing the topic.
        for name, guess in (("p_guess", self.p_guess), ("p_guess_first", self.p_guess_first)):
            if self.p_slip + guess >= 1.0:
                raise ValueError(f"p_slip + {name} must be < 1, got {self.p_slip} + {guess}")
        # Weak evidence of not knowing must be likelier when the topic is not known.
        for kind in ("error", "hint"):
            known, unknown = getattr(self, f"{kind}_if_known"), getattr(self, f"{kind}_if_unknown")
            if known > unknown:
                raise ValueError(f"{kind}_if_known must be <= {kind}_if_unknown, got {known} > {unknown}")
        return self


class ProgressConfig(BaseSettings):
    """Thresholds for mastery, skill level, recommendations and struggle rules."""

    model_config = SettingsConfigDict(env_prefix="LEARNFLOW_PROGRESS_", extra="ignore", frozen=True)

    mastered: Probability = Field(0.95, description="A topic counts as mastered from this estimate.")
    strong: Probability = Field(0.8, description="Shown as a strength from this estimate.")
    weak: Probability = Field(0.6, description="Below this a covered topic is a growth area.")
    # Skill level from the number of topics known (mastered, or implied by a mastered topic
    # that builds on them) out of the 48-topic curriculum.
    intermediate_from: int = Field(8, ge=1)
    advanced_from: int = Field(24, ge=1)
    # Struggle rules.
    repeat_count: int = Field(3, ge=2, description="Same topic or error type this many times ...")
    repeat_minutes: float = Field(10.0, gt=0, description="... within this many minutes (the seed's rule).")
    failed_attempts: int = Field(3, ge=2, description="Failed checks of one exercise since its last pass.")
    falling_drop: Probability = Field(0.2, description="Mastery fall from its recent peak that alerts.")
    falling_lookback: int = Field(5, ge=2, description="Mastery changes the peak is looked for in.")
    alert_window_hours: float = Field(
        24.0, gt=0, description="At most one alert per student, topic and rule per window."
    )
    history_limit: int = Field(1_000, ge=10, description="Newest evidence items replayed per source.")
    bkt: BKTParams = Field(default_factory=BKTParams)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.weak <= self.strong <= self.mastered:
            raise ValueError("thresholds must satisfy weak <= strong <= mastered")
        if self.intermediate_from >= self.advanced_from:
            raise ValueError("intermediate_from must be below advanced_from")
        return self
