"""The progress tracker: mastery per topic by Bayesian Knowledge Tracing over the evidence
other agents' replies carry, achievements, recommendations over the prerequisite graph,
struggle alerts with their evidence, and the progress report.

Public API:
- `ProgressAgent`: the agent (topics progress-requests and agent-responses).
- `report(request, ctx, config=None) -> AgentReply`: the report alone.
- `BKTParams`, `ProgressConfig`: parameters (env LEARNFLOW_BKT_*, LEARNFLOW_PROGRESS_*).
- `observe`, `replay`: the BKT update and the replay of a history.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentReply, AgentRequest, Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.tutors.progress.achievements import Achievement, achievements
from learnflow_agents.tutors.progress.agent import ProgressAgent
from learnflow_agents.tutors.progress.bkt import Trace, observe, replay
from learnflow_agents.tutors.progress.config import BKTParams, ProgressConfig
from learnflow_agents.tutors.progress.evidence import Evidence, Kind
from learnflow_agents.tutors.progress.narrative import progress_reply, progress_sections
from learnflow_agents.tutors.progress.recommend import Recommendation, recommendations, skill_level
from learnflow_agents.tutors.progress.reply_schema import ProgressOut
from learnflow_agents.tutors.progress.report import report
from learnflow_agents.tutors.progress.struggle import Finding, detect

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor


def answer(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    return report(request, ctx)


def _agent(spec: TutorSpec, llm: "LLMTutor | None" = None) -> ProgressAgent:
    # Progress listens to replies as well as requests, and reports from its own evidence;
    # the model, when configured, tells the report (narrative.py).
    return ProgressAgent(llm=llm)


TUTOR = TutorSpec(
    name="progress",
    request_topic=Topic.PROGRESS_REQUESTS,
    extra_topics=(Topic.AGENT_RESPONSES,),
    answer=answer,
    agent=_agent,
    model=ModelPolicy(
        reply_schema=ProgressOut,
        prompt=Path(__file__).with_name("prompt.v2.md"),
        # A progress report is about today's data; it reads history, so more context.
        cached=False,
        # Not streamed: the narrative's figures are checked against the offline ones before
        # the student reads any of it.
        streamed=False,
        context_scale=3,
        prompt_sections=progress_sections,
        to_reply=progress_reply,
    ),
    description="Mastery per topic from the evidence, struggle alerts, the progress report.",
)

__all__ = [
    "TUTOR",
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
