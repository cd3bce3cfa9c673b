"""Knowledge-tracing parameters and the progress agent's thresholds.

Every value can be set in the constructor or through the environment
(`LEARNFLOW_BKT_P_INIT=0.3`, `LEARNFLOW_PROGRESS_MASTERED=0.9`, ...), so a course can
tune them without code.
"""

from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Probability = Annotated[float, Field(gt=0.0, lt=1.0)]
Weight = Annotated[float, Field(ge=0.0, le=1.0)]


class BKTParams(BaseSettings):
    """Bayesian Knowledge Tracing (Corbett & Anderson, 1995), one skill per topic.

    Defaults sit inside the ranges fitted on tutoring data in the BKT literature and
    make three clean passes from scratch reach "mastered" (0.2 -> 0.58 -> 0.87 -> 0.97).
    """

    model_config = SettingsConfigDict(env_prefix="LEARNFLOW_BKT_", extra="ignore", frozen=True)

    p_init: Probability = Field(0.2, description="P(L0): the topic is known before any evidence.")
    p_transit: Probability = Field(0.1, description="P(T): learnt at one practice opportunity.")
    p_slip: Probability = Field(0.1, description="P(S): a student who knows it still fails the check.")
    p_guess: Probability = Field(
        0.2, description="P(G): passes without knowing it (hidden tests make guessing rare)."
    )
    # Weak evidence moves the estimate this fraction of the way to the full BKT posterior
    # of a failed observation, without a learning step: it is not a graded practice.
    hint_weight: Weight = Field(0.25, description="Per hint used on an attempt (weak negative).")
    error_weight: Weight = Field(0.5, description="A debugged error tied to the topic (negative).")

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        # With slip + guess >= 1 a pass would be evidence *against* knowing the topic.
        if self.p_slip + self.p_guess >= 1.0:
            raise ValueError(f"p_slip + p_guess must be < 1, got {self.p_slip} + {self.p_guess}")
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
