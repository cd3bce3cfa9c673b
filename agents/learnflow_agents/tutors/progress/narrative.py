"""The progress report told by the model, over the offline report's figures.

The offline report (report.py) computes every number: mastery per topic (BKT over the
stored evidence), attempts, passes, streak, achievements, recommendations, struggles. The
model is given those figures, with the student's latest graded attempts and struggle alerts
as stored, and writes the narrative
and the recommendations' wording; the reply keeps the offline figures (`reply.progress`,
its actions) and takes only the model's prose. A narrative quoting a number that is not
among the figures it was given is not shown: the offline report answers instead.
"""

import asyncio
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING
from uuid import UUID

from learnflow_agents.contracts import AgentReply, AgentRequest, Provenance
from learnflow_agents.llm.scrubbing import scrub_secrets
from learnflow_agents.tutors.progress.model_hooks import attempt_sections, struggle_sections
from learnflow_agents.tutors.progress.reply_schema import ProgressOut
from learnflow_agents.tutors.progress.report import report

if TYPE_CHECKING:
    from learnflow_agents.llm.tutor import LLMTutor
    from learnflow_agents.runtime.handler import HandlerContext

FIGURES_TITLE = "Progress figures (computed by LearnFlow from the stored evidence)"

# The offline report of the query being answered: computed once for the prompt, reused for
# the reply (one task answers one query, so a context variable is enough).
_computed: ContextVar[tuple[UUID, AgentReply] | None] = ContextVar("progress_offline_report", default=None)
# The evidence the model was given for it (figures and struggle alerts): what it may quote.
_given: ContextVar[tuple[UUID, str] | None] = ContextVar("progress_evidence_given", default=None)

# A number as written in prose: 3, 38%, 0.45; not part of a word (python3, lists-03) and not
# a Markdown list marker at the start of a line.
_NUMBER = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?(?![\w\-])")
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
# A score as written in prose: 15/15, 3 out of 4. Each of its numbers may be among the
# figures (a test named "multiples of 15"), so the pair itself must be: a narrative talked
# into "final grade 15/15" by the student's question is not shown.
_RATIO = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+(?:\.\d+)?)(?![\w\-])", re.IGNORECASE)


def remember(request: AgentRequest, computed: AgentReply) -> None:
    """The agent's own offline report for this query (computed with its configuration)."""
    _computed.set((request.query.query_id, computed))


async def offline_report(request: AgentRequest, ctx: "HandlerContext") -> AgentReply:
    """The offline report for this query (computed at most once per query and task)."""
    found = _computed.get()
    if found is None or found[0] != request.query.query_id:
        found = (request.query.query_id, await asyncio.to_thread(report, request, ctx))
        _computed.set(found)
    return found[1].model_copy(deep=True)


def figures(reply: AgentReply) -> str:
    """The offline report's figures, as the model reads them."""
    facts = reply.progress
    if facts is None:
        return reply.summary
    mastery = [f"- {topic}: {p:.0%} ({p:.2f})" for topic, p in facts.mastery.items()]
    recommended = [f"- {r.topic}" + (f": {r.reason}" if r.reason else "") for r in facts.recommendations]
    achieved = [f"- {a.title}" + (f": {a.detail}" if a.detail else "") for a in facts.achievements]
    lines = [
        f"Overall: {reply.summary}",
        "Mastery per topic:",
        *(mastery or ["- no topic has an estimate yet"]),
        f"Skill level: {facts.skill_level or 'unknown'}",
        f"Exercises passed: {facts.exercises_passed}; graded attempts: {facts.attempts}; "
        f"days in a row: {facts.streak_days}",
        f"Strengths: {', '.join(facts.strengths) or 'none yet'}",
        f"Growth areas: {', '.join(facts.growth_areas) or 'none'}",
        "Recommended next (in order):",
        *(recommended or ["- none"]),
        "Achievements:",
        *(achieved or ["- none yet"]),
        "The offline report's text:",
        reply.explanation,
    ]
    return scrub_secrets("\n".join(lines))


async def progress_sections(request: AgentRequest, ctx: "HandlerContext") -> list[tuple[str, str]]:
    """The figures the narrative may quote, then the stored attempts and struggle alerts."""
    computed = await offline_report(request, ctx)
    sections = [
        (FIGURES_TITLE, figures(computed)),
        *await attempt_sections(request, ctx),
        *await struggle_sections(request, ctx),
    ]
    _given.set((request.query.query_id, "\n".join(text for _, text in sections)))
    return sections


def numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(_LIST_MARKER.sub("", text))}


def ratios(text: str) -> set[tuple[float, float]]:
    return {(float(a), float(b)) for a, b in _RATIO.findall(text)}


def _prose(out: ProgressOut) -> str:
    parts = [out.summary, out.explanation, *out.strengths, *out.growth_areas, *out.recommendations]
    return "\n".join([*parts, out.encouragement])


def invented(out: ProgressOut, given: str) -> set[float]:
    """Numbers in the model's prose that are not among the figures it was given."""
    return numbers(_prose(out)) - numbers(given)


def invented_scores(out: ProgressOut, given: str) -> set[tuple[float, float]]:
    """Scores ("15/15", "3 out of 4") in the model's prose that the figures do not state."""
    return ratios(_prose(out)) - ratios(given)


async def progress_reply(
    llm: "LLMTutor",
    out: ProgressOut,
    request: AgentRequest,
    ctx: "HandlerContext",
    provenance: Provenance,
) -> AgentReply:
    """The offline report with the model's narrative: figures and actions stay offline."""
    from learnflow_agents.llm.tutor import Fallback

    computed = await offline_report(request, ctx)
    given = _given.get()
    evidence = given[1] if given and given[0] == request.query.query_id else figures(computed)
    extra = invented(out, evidence)
    if extra:
        shown = ", ".join(f"{n:g}" for n in sorted(extra))
        raise Fallback("ungrounded", f"the narrative quoted figures it was not given: {shown}")
    scores = invented_scores(out, evidence)
    if scores:
        shown = ", ".join(f"{a:g}/{b:g}" for a, b in sorted(scores))
        raise Fallback("ungrounded", f"the narrative stated scores it was not given: {shown}")
    steps = ["## Next steps", "\n".join(f"- {line}" for line in out.recommendations)]
    explanation = "\n\n".join([out.explanation.strip(), *steps, out.encouragement.strip()])
    reply = computed.model_copy(
        update={"summary": out.summary, "explanation": explanation, "provenance": provenance}
    )
    reply.data["narrative"] = {
        "by": "model",
        "figures": "offline",
        "strengths": list(out.strengths),
        "growth_areas": list(out.growth_areas),
        "recommendations": list(out.recommendations),
    }
    return reply
