"""The progress tracker: mastery per topic by Bayesian Knowledge Tracing over the evidence
other agents' replies carry, achievements, recommendations over the prerequisite graph,
struggle alerts with their evidence, and the progress report.

Public API:
- `ProgressAgent`: the agent (topics progress-requests and agent-responses).
- `report(request, ctx, config=None) -> AgentReply`: the report alone.
- `BKTParams`, `ProgressConfig`: parameters (env LEARNFLOW_BKT_*, LEARNFLOW_PROGRESS_*).
- `observe`, `replay`: the BKT update and the replay of a history.
"""

from learnflow_agents.tutors.progress.achievements import Achievement, achievements
from learnflow_agents.tutors.progress.agent import ProgressAgent
from learnflow_agents.tutors.progress.bkt import Trace, observe, replay
from learnflow_agents.tutors.progress.config import BKTParams, ProgressConfig
from learnflow_agents.tutors.progress.evidence import Evidence, Kind
from learnflow_agents.tutors.progress.recommend import Recommendation, recommendations, skill_level
from learnflow_agents.tutors.progress.report import report
from learnflow_agents.tutors.progress.struggle import Finding, detect

__all__ = [
    "Achievement",
    "BKTParams",
    "Evidence",
    "Finding",
    "Kind",
    "ProgressAgent",
    "ProgressConfig",
    "Recommendation",
    "Trace",
    "achievements",
    "detect",
    "observe",
    "recommendations",
    "replay",
    "report",
    "skill_level",
]
