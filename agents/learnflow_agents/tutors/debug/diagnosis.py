"""What a family analyser concludes, before it is turned into the shared reply model.

The analyser says why in two registers (``plain`` for beginners, ``precise`` with the
proper terms) plus an optional beginner ``analogy`` and an advanced ``deeper`` note; the
reply composer picks by the student's level, so the facts stay the same and only the
telling changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The concept slugs shared with the concepts agent; a diagnosis may only link to these.
CONCEPT_SLUGS = frozenset(
    {
        "variables", "numbers", "type-conversion", "strings", "f-strings", "string-methods", "indexing",
        "slicing", "lists", "tuples", "dicts", "sets", "mutability", "none", "conditionals",
        "boolean-logic", "comparison", "for-loops", "while-loops", "range", "break-continue",
        "comprehensions", "enumerate-zip", "unpacking", "functions", "parameters", "return-values",
        "scope", "recursion", "lambda", "modules-imports", "exceptions", "file-io", "classes",
        "inheritance", "dunder-methods", "iterators", "generators", "decorators", "sorting", "big-o",
        "testing-assert", "indentation", "syntax-basics",
    }
)  # fmt: skip


@dataclass
class Diagnosis:
    summary: str
    plain: str
    precise: str
    fix_steps: str
    prevention: str
    concepts: list[str]
    hints: list[str]
    analogy: str = ""
    deeper: str = ""
    fix_code: str | None = None
    culprit_line: int | None = None
    # Set when the culprit is outside this cell, e.g. "In[3]" or "helpers.py".
    culprit_where: str | None = None
    conceptual: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [c for c in self.concepts if c not in CONCEPT_SLUGS]
        if unknown:
            raise ValueError(f"unknown concept slugs: {unknown}")


# Longest code or value quoted inline in prose; a longer one keeps its head and tail around
# an ellipsis, so one pasted 400-item line cannot push a summary past the reply's limits.
CODE_LIMIT = 200


def code(text: object, limit: int = CODE_LIMIT) -> str:
    """Inline code for markdown, safe for text that itself contains backticks: the span's
    fence is longer than any run of backticks inside, and line breaks (shown as spaces in a
    span anyway) cannot end its paragraph, so no text a student controls escapes it. Text
    longer than ``limit`` is shortened in the middle (see ``middle``)."""
    s = middle(str(text).replace("\r", " ").replace("\n", " "), limit)
    if "`" not in s:
        return f"`{s}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", s)) + 1)
    return f"{fence} {s} {fence}"


# A program's own words (its output, its values, an exception message it chose, a pasted
# traceback) are shown as text, never as markup, so they cannot pose as the tutor's prose or
# add links.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")
# What GFM's renderers (the lab's) turn into links without any brackets: `https://…`, `www.…`.
_BARE_LINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)


def as_text(text: str) -> str:
    """Inline text on one line, with the markdown that would act escaped: links (bracketed
    or bare), emphasis, HTML, code spans and table cells."""
    escaped = _MARKUP.sub(r"\\\1", " ".join(text.split()))
    return _BARE_LINK.sub(lambda m: "\\" + m.group(0), escaped)


def message_text(message: str, limit: int = 120) -> str:
    """An exception message, shortened, as text: the program (or whoever pasted the
    traceback) chose its words."""
    return as_text(short(message, limit))


def middle(text: str, limit: int = CODE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters by an ellipsis in the middle: the start says what
    the line is and the end is where a missing quote, colon or bracket usually is."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def frame_place(label: str) -> str:
    """A frame's cell or file name for prose: a notebook cell ("cell In[3]") as it is, a
    file name (any text: a pasted traceback or compile() chose it) as inline code."""
    if re.fullmatch(r"cell In\[\d+\]", label):
        return label
    return code(label)


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def line_ref(line: int | None) -> str:
    return f"line {line}" if line is not None else "the failing line"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
