"""What a progress report states, as typed facts on the reply (`AgentReply.progress`)."""

from datetime import datetime
from typing import Annotated

from pydantic import Field

from learnflow_agents.contracts.base import Contract

Mastery = Annotated[float, Field(ge=0.0, le=1.0)]


class Achievement(Contract):
    id: str
    title: str
    detail: str = ""
    earned_at: datetime | None = None


class Recommendation(Contract):
    """A topic to work on next and why."""

    topic: str
    reason: str = ""
    readiness: float | None = None
    current: float | None = None
    prerequisites: list[str] = Field(default_factory=list)


class ProgressFacts(Contract):
    mastery: dict[str, Mastery] = Field(default_factory=dict)
    achievements: list[Achievement] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    skill_level: str | None = None
    strengths: list[str] = Field(default_factory=list)
    growth_areas: list[str] = Field(default_factory=list)
    topics_covered: list[str] = Field(default_factory=list)
    exercises_passed: int = 0
    attempts: int = 0
    streak_days: int = 0
