"""The concepts agent's offline answer: a StudentQuery in, an AgentReply out.

Every sentence of a reply comes from the curated base (or names what is missing from it):
the agent never improvises an explanation for a topic it has no notes on.
"""

from __future__ import annotations

import time
from functools import lru_cache

from learnflow_agents.contracts.query import StudentContext, StudentQuery
from learnflow_agents.contracts.reply import Action, ActionKind, AgentReply, CodeBlock, CodeRole, Provenance
from learnflow_agents.tutors.concepts import render
from learnflow_agents.tutors.concepts.catalog import concepts, get_concept, learning_order
from learnflow_agents.tutors.concepts.lookup import Analysis, Match, analyse, closest
from learnflow_agents.tutors.concepts.model import Concept

AGENT = "concepts"
# Mastery at or above this counts as "covered" even if the topic is missing from the list.
_COVERED_MASTERY = 0.5


def explain(query: StudentQuery, concept: str | None = None) -> AgentReply:
    """Explain `concept` (a slug, or any name for one) or else the topic of `query.text`."""
    started = time.perf_counter()
    analysis = _analysis_for(query, concept)
    accepted = analysis.accepted()
    context = query.context
    if not accepted:
        parts = _not_in_notes(query, concept, analysis)
    elif analysis.comparison and len(accepted) >= 2:
        # Compare in the order the student named them: "list vs set" puts lists first.
        first, second = sorted(accepted[:2], key=lambda m: m.first)
        parts = _comparison(get_concept(first.slug), get_concept(second.slug), context)
    else:
        parts = _single(get_concept(accepted[0].slug), context)
    parts["data"]["matches"] = [{"slug": m.slug, "score": m.score} for m in analysis.matches[:3]]
    latency = (time.perf_counter() - started) * 1000
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        provenance=Provenance(agent=AGENT, provider="offline", latency_ms=round(latency, 3)),
        **parts,
    )


def _analysis_for(query: StudentQuery, concept: str | None) -> Analysis:
    if concept is not None:
        slug = _as_slug(concept)
        if slug is not None:
            # A named topic (e.g. the debug agent's link) is as certain as a match can be.
            return Analysis([Match(slug, 2.0, 0, 1)], comparison=False)
        return analyse(concept)
    text = query.text.strip()
    analysis = analyse(text) if text else Analysis([], comparison=False)
    if analysis.accepted():
        return analysis
    # "what is this?" with a code cell: the code's keywords and calls name the topic; a
    # traceback's last line ("IndexError: list index out of range") names it too.
    fallbacks = []
    if (query.code or "").strip():
        fallbacks.append(analyse(query.code or "", code=True))
    error_lines = [line for line in (query.traceback or "").splitlines() if line.strip()]
    if error_lines:
        fallbacks.append(analyse(error_lines[-1]))
    return next((a for a in fallbacks if a.accepted()), analysis)


def _as_slug(name: str) -> str | None:
    base = concepts()
    candidate = name.strip().lower().replace("_", "-").replace(" ", "-")
    return candidate if candidate in base else None


@lru_cache(maxsize=1024)
def _resolve_topic(name: str) -> str | None:
    """Map a free-form covered-topic name ('Loops', 'dictionary') to a slug."""
    slug = _as_slug(name)
    if slug is not None:
        return slug
    accepted = analyse(name).accepted()
    return accepted[0].slug if accepted else None


def _covered(context: StudentContext) -> set[str]:
    names = list(context.topics_covered)
    names += [name for name, value in context.mastery.items() if value >= _COVERED_MASTERY]
    return {slug for name in names if (slug := _resolve_topic(name)) is not None}


def _missing_prerequisites(topics: list[Concept], covered: set[str]) -> list[Concept]:
    own = {c.slug for c in topics}
    slugs = [p for c in topics for p in c.prerequisites if p not in covered and p not in own]
    return [get_concept(s) for s in dict.fromkeys(slugs)]


def _actions(topics: list[Concept], missing: list[Concept], covered: set[str]) -> list[Action]:
    own = {c.slug for c in topics}
    # Uncovered prerequisites are the most useful next explanations, then related topics
    # the student has not met yet, then the rest.
    related = [s for c in topics for s in c.related if s not in own]
    ordered = [c.slug for c in missing] + [s for s in related if s not in covered] + related
    actions = [
        Action(
            kind=ActionKind.EXPLAIN_CONCEPT,
            label=f"Explain {render.short_title(get_concept(slug))}",
            args={"concept": slug},
        )
        for slug in list(dict.fromkeys(ordered))[:2]
    ]
    actions += [
        Action(
            kind=ActionKind.ASK_AGENT,
            label=f"Practise {render.short_title(get_concept(practice))}",
            args={"agent": "exercise", "topic": practice},
        )
        for practice in dict.fromkeys(c.practice for c in topics)
    ]
    return actions


def _single(concept: Concept, context: StudentContext) -> dict:
    level_name = context.skill_level.value
    style = context.learning_style.value
    level = concept.level(level_name)
    covered = _covered(context)
    missing = _missing_prerequisites([concept], covered)
    lines = [f"## {concept.title}", f"**In one sentence:** {level.definition}"]
    if level.analogy:
        lines.append(f"> **Think of it like this:** {level.analogy}")
    lines += render.style_body(concept, level_name, style)
    lines += render.pitfalls_section(concept.pitfalls)
    lines += render.next_step_section([get_concept(concept.practice)])
    lines += render.review_section(missing)
    return {
        "summary": level.definition,
        "explanation": "\n\n".join(lines),
        "code_blocks": [
            CodeBlock(role=CodeRole.EXAMPLE, code=render.example_with_output(level), title=concept.title)
        ],
        "hints": list(concept.self_check[:2]),
        "actions": _actions([concept], missing, covered),
        "concepts": [concept.slug],
        "data": {
            "topic": concept.slug,
            "level": level_name,
            "style": style,
            "practice": concept.practice,
            "review_first": [c.slug for c in missing],
        },
    }


def _comparison(a: Concept, b: Concept, context: StudentContext) -> dict:
    level_name = context.skill_level.value
    style = context.learning_style.value
    covered = _covered(context)
    missing = _missing_prerequisites([a, b], covered)
    title_a, title_b = render.short_title(a), render.short_title(b)
    la, lb = a.level(level_name), b.level(level_name)
    note = a.compare.get(b.slug) or b.compare.get(a.slug)
    examples: list[str] = []
    for concept, level in ((a, la), (b, lb)):
        examples += render.example_section(level, f"{render.short_title(concept)} example")
    lines = [
        f"## {title_a} vs {title_b}",
        f"**{title_a}:** {la.definition}",
        f"**{title_b}:** {lb.definition}",
    ]
    if level_name == "beginner":
        lines += [f"> **{title_a}:** {la.analogy}", f"> **{title_b}:** {lb.analogy}"]
    if note:
        lines += ["### The key difference", note]
    if style == "step-by-step":
        steps = [
            f"1. If {a.use_when}, use **{title_a}**.",
            f"2. If {b.use_when}, use **{title_b}**.",
            "3. Run both examples below and compare what they print.",
        ]
        lines += ["### Choosing, step by step", "\n".join(steps), *examples]
    elif style == "visual":
        lines += ["### Side by side", render.comparison_table(a, b, level_name), *examples]
    else:
        lines += [*examples, "### Side by side", render.comparison_table(a, b, level_name)]
    lines += render.pitfalls_section([a.pitfalls[0], b.pitfalls[0]])
    lines += render.next_step_section([get_concept(a.practice), get_concept(b.practice)])
    lines += render.review_section(missing)
    summary = f"Use {title_a.lower()} when {a.use_when}; use {title_b.lower()} when {b.use_when}."
    return {
        "summary": summary,
        "explanation": "\n\n".join(lines),
        "code_blocks": [
            CodeBlock(role=CodeRole.EXAMPLE, code=render.example_with_output(level), title=concept.title)
            for concept, level in ((a, la), (b, lb))
        ],
        "hints": [f"When {a.use_when}, would you pick {title_a} or {title_b}? Why?", *b.self_check[:1]],
        "actions": _actions([a, b], missing, covered),
        "concepts": [a.slug, b.slug],
        "data": {
            "topic": a.slug,
            "compared": [a.slug, b.slug],
            "level": level_name,
            "style": style,
            "practice": a.practice,
            "review_first": [c.slug for c in missing],
        },
    }


def _not_in_notes(query: StudentQuery, concept: str | None, analysis: Analysis) -> dict:
    asked = concept if concept is not None else query.text
    subject = " ".join(analysis.unknown[:6]) or " ".join(asked.split())[:60] or "your question"
    near = [slug for slug, _ in closest(asked)]
    if near:
        intro = f"The closest topics I do have notes on: {_join(near)}."
    else:
        # Nothing resembles the question: offer the next topics on the student's path, and say so.
        covered = _covered(query.context)
        near = [s for s in learning_order() if s not in covered][:3]
        intro = (
            "Nothing in my notes is close to that. Topics I can explain that fit where you are: "
            f"{_join(near)}."
        )
    lines = [
        "## Not in my notes yet",
        f"I explain only topics from my curated, tested notes, and **{subject}** is not one of them yet, "
        "so I won't make up an explanation.",
        intro,
        render.bullets(
            f"**{render.short_title(get_concept(s))}** (`{s}`): {get_concept(s).beginner.definition}"
            for s in near
        ),
        "If your question is about a specific piece of Python code, send the code or the error message "
        "and the debug or code-review tutor can look at it.",
    ]
    return {
        "summary": f"'{subject}' is not in my notes yet, so I won't guess. {intro}",
        "explanation": "\n\n".join(lines),
        "actions": [
            Action(
                kind=ActionKind.EXPLAIN_CONCEPT,
                label=f"Explain {render.short_title(get_concept(s))}",
                args={"concept": s},
            )
            for s in near
        ],
        "data": {"topic": None, "closest": near, "unmatched": analysis.unknown[:10]},
    }


def _join(slugs: list[str]) -> str:
    names = [render.short_title(get_concept(s)) for s in slugs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
