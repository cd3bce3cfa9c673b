"""What the model learns about the student and the query, within a token budget.

Profile first (level, style, strongest and weakest topics), then a compact line per
recent query until the budget is spent; the query itself has its own, larger budget.
Everything here is student-supplied or derived from it, so it is scrubbed of secrets and
later fenced as data.
"""

import asyncio
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnflow_agents.contracts import StudentContext, StudentQuery
from learnflow_agents.llm.scrubbing import scrub_secrets

if TYPE_CHECKING:
    from learnflow_agents.store import QueryRecord, Store

RECENT_LIMIT = 10
STRONGEST = 5
WEAKEST = 3


def estimate_tokens(text: str) -> int:
    """About four characters a token for English and code: close enough for a budget."""
    return math.ceil(len(text) / 4)


def clip_head(text: str, tokens: int) -> str:
    limit = tokens * 4
    if len(text) <= limit:
        return text
    rest = text[limit:].count("\n") + 1
    return f"{text[:limit]}\n… ({rest} more lines not shown)"


def clip_tail(text: str, tokens: int) -> str:
    """Tracebacks end with the error: keep the end."""
    limit = tokens * 4
    if len(text) <= limit:
        return text
    return f"… (start not shown)\n{text[-limit:]}"


def one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class StudentFacts:
    context: StudentContext
    profile: str
    recent: str


def _mastery_lines(context: StudentContext) -> list[str]:
    ranked = sorted(context.mastery.items(), key=lambda item: (-item[1], item[0]))
    lines = []
    if ranked:
        strong = ", ".join(f"{topic} {level:.2f}" for topic, level in ranked[:STRONGEST])
        lines.append(f"Strongest topics (mastery 0-1): {strong}")
        weak = [item for item in reversed(ranked[STRONGEST:]) if item[1] < 0.6][:WEAKEST]
        if weak:
            lines.append("Weakest topics: " + ", ".join(f"{topic} {level:.2f}" for topic, level in weak))
    covered = [t for t in context.topics_covered if t not in context.mastery][:10]
    if covered:
        lines.append("Also covered: " + ", ".join(covered))
    return lines


def _recent_line(record: "QueryRecord") -> str:
    agent = record.routing.target_agent if record.routing else (record.target_agent or "?")
    error = ""
    if record.traceback:
        last = [line for line in record.traceback.strip().splitlines() if line.strip()]
        error = f" [{one_line(last[-1], 80)}]" if last else ""
    text = one_line(record.text, 100) if record.text.strip() else "(code only)"
    return f"- {agent}: {text}{error}"


def summarise_recent(records: list["QueryRecord"], budget_tokens: int) -> str:
    if not records:
        return ""
    counts: dict[str, int] = {}
    for record in records:
        agent = record.routing.target_agent if record.routing else (record.target_agent or "?")
        counts[agent] = counts.get(agent, 0) + 1
    header = f"{len(records)} recent questions: " + ", ".join(f"{n} {agent}" for agent, n in counts.items())
    lines = [header]
    used = estimate_tokens(header)
    for record in records:
        line = _recent_line(record)
        cost = estimate_tokens(line) + 1
        if used + cost > budget_tokens:
            break
        lines.append(line)
        used += cost
    return scrub_secrets("\n".join(lines))


async def gather_facts(
    query: StudentQuery, student_id: str, store: "Store | None", budget_tokens: int
) -> StudentFacts:
    """The student's profile (stored mastery overlaid on the query's) and recent history."""
    context = query.context.model_copy(deep=True)
    records: list[QueryRecord] = []
    if store is not None:
        stored, records = await asyncio.gather(
            asyncio.to_thread(store.get_student_context, student_id),
            asyncio.to_thread(store.recent_queries, student_id, RECENT_LIMIT + 1),
        )
        if stored is not None:
            # The mastery table is evidence-based (progress agent): it wins over the kernel's copy.
            context.mastery = {**context.mastery, **stored.mastery}
        records = [r for r in records if r.query_id != query.query_id][:RECENT_LIMIT]
    profile_lines = [
        f"Skill level: {context.skill_level.value}",
        f"Learning style: {context.learning_style.value}",
        *_mastery_lines(context),
    ]
    profile = scrub_secrets("\n".join(profile_lines))
    remaining = max(0, budget_tokens - estimate_tokens(profile))
    return StudentFacts(context=context, profile=profile, recent=summarise_recent(records, remaining))


def query_sections(query: StudentQuery, budget_tokens: int) -> list[tuple[str, str]]:
    """The query as titled, scrubbed, clipped parts; code gets most of the budget."""
    text_budget = min(estimate_tokens(query.text), budget_tokens // 4)
    trace_budget = budget_tokens // 4
    code_budget = budget_tokens - text_budget - min(estimate_tokens(query.traceback or ""), trace_budget)
    variables = "\n".join(
        f"- {v.name}: {v.type}"
        + (f" (len {v.length})" if v.length is not None else "")
        + (f" shape {v.shape}" if v.shape else "")
        + (f" = {one_line(v.repr, 120)}" if v.repr else "")
        for v in query.variables[:20]
    )
    return [
        ("Question", clip_head(scrub_secrets(query.text), text_budget)),
        ("Code (Python)", clip_head(scrub_secrets(query.code or ""), max(code_budget, 100))),
        ("Traceback", clip_tail(scrub_secrets(query.traceback or ""), trace_budget)),
        ("Variables", scrub_secrets(variables)),
    ]
