"""Markdown building blocks for concept replies: level- and style-aware, no reply logic.

Every helper returns a list of blocks; the caller joins blocks with a blank line, so a
multi-line block (a table, a list) must be a single string.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from learnflow_agents.tutors.concepts.model import Concept, Level, Pitfall

# The heading over a level's key points says what kind of points they are.
POINTS_HEADING = {
    "beginner": "The key ideas",
    "intermediate": "Terms and variations",
    "advanced": "Trade-offs and edge cases",
}
# Display order and labels for comparison tables; unknown trait keys follow, title-cased.
TRAIT_LABELS = {
    "syntax": "Written as",
    "holds": "Holds",
    "kinds": "Kinds",
    "mutable": "Can it change?",
    "ordered": "Ordered?",
    "duplicates": "Duplicates",
    "access": "How you get items",
    "hashable": "Usable as a dict key?",
}


def short_title(concept: Concept) -> str:
    return concept.title.split(" (")[0]


def fence(code: str, language: str = "python") -> str:
    # A longer fence survives code that itself contains ``` (rare, but it would break the page).
    ticks = "````" if "```" in code else "```"
    return f"{ticks}{language}\n{code.rstrip()}\n{ticks}"


def example_with_output(level: Level) -> str:
    """The example as runnable code with its printed output appended as comments."""
    shown = "\n".join(f"# {line}".rstrip() for line in level.output.rstrip("\n").split("\n"))
    return f"{level.example.rstrip()}\n\n# Output:\n{shown}"


def example_section(level: Level, heading: str) -> list[str]:
    return [f"### {heading}", fence(level.example), "**It prints:**", fence(level.output, "text")]


def points_list(level: Level, *, numbered: bool = False, extra: str | None = None) -> str:
    items = [*level.points, *([extra] if extra else [])]
    return "\n".join(f"{i}. {p}" if numbered else f"- {p}" for i, p in enumerate(items, start=1))


def points_table(level: Level) -> str:
    rows = ["| # | Idea |", "|---|------|"]
    rows += [f"| {i} | {cell(p)} |" for i, p in enumerate(level.points, start=1)]
    return "\n".join(rows)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def style_body(concept: Concept, level_name: str, style: str) -> list[str]:
    """The middle of a single-topic explanation, in the order the learning style asks for."""
    level = concept.level(level_name)
    heading = POINTS_HEADING[level_name]
    if style == "step-by-step":
        run_it = "Run the example below and check it prints exactly what is shown."
        steps = points_list(level, numbered=True, extra=run_it)
        return ["### Step by step", steps, *example_section(level, "Try it")]
    if style == "visual":
        return [
            "### Picture it",
            fence(concept.diagram.strip("\n"), "text"),
            f"### {heading} at a glance",
            points_table(level),
            *example_section(level, "See it run"),
        ]
    # example-driven (the default): show the code first, then explain it.
    return [
        *example_section(level, "Example first"),
        f"### What is going on: {heading.lower()}",
        points_list(level),
    ]


def pitfall_lines(pitfall: Pitfall, number: int) -> list[str]:
    lines = [f"**{number}. {pitfall.title}.** {pitfall.why}"]
    if pitfall.wrong is not None and pitfall.right is not None:
        wrong, right = (textwrap.dedent(x).strip("\n") for x in (pitfall.wrong, pitfall.right))
        lines.append(fence(f"# ✗ wrong\n{wrong}\n\n# ✓ right\n{right}"))
    return lines


def pitfalls_section(pitfalls: list[Pitfall]) -> list[str]:
    lines = ["### Common pitfalls"]
    for i, pitfall in enumerate(pitfalls, start=1):
        lines += pitfall_lines(pitfall, i)
    return lines


def next_step_section(practice: list[Concept]) -> list[str]:
    names = " and ".join(f"**{short_title(c)}**" for c in practice)
    return [
        "### Next step",
        f"Practise {names}: ask for an exercise (`{'`, `'.join(c.slug for c in practice)}`) and try it "
        "without looking back at the example.",
    ]


def review_section(missing: list[Concept]) -> list[str]:
    if not missing:
        return []
    lines = [
        "### You may want to review first",
        "These come before this topic and are not in your covered list yet:",
    ]
    lines.append(bullets(f"**{short_title(c)}** (`{c.slug}`): {c.beginner.definition}" for c in missing))
    return lines


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def comparison_table(a: Concept, b: Concept, level_name: str) -> str:
    rows = [f"| | {cell(short_title(a))} | {cell(short_title(b))} |", "|---|---|---|"]
    if not (a.traits and b.traits):
        what_a, what_b = a.level(level_name).definition, b.level(level_name).definition
        rows.append(f"| What it is | {cell(what_a)} | {cell(what_b)} |")
    rows.append(f"| Use it when | {cell(a.use_when)} | {cell(b.use_when)} |")
    keys = [k for k in TRAIT_LABELS if k in a.traits or k in b.traits]
    keys += [k for k in {**a.traits, **b.traits} if k not in TRAIT_LABELS]
    for key in keys:
        label = TRAIT_LABELS.get(key, key.replace("_", " ").title())
        rows.append(f"| {label} | {cell(a.traits.get(key, '-'))} | {cell(b.traits.get(key, '-'))} |")
    return "\n".join(rows)
