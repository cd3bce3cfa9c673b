"""Code or a traceback pasted into a question's text, moved into their own fields.

A student who types "why does this print one too few?" and pastes the loop under it sends
one text, no code: triage then sees no code and the debug tutor has nothing to run. The same
rule as the labextension's ask box (`splitPastedCode` in labextension/src/model.ts; the two are
kept in step, and tests/tutors/test_pasted_code.py holds the cases both must agree on):

* fenced blocks (```...```) are code;
* a `Traceback (most recent call last):` block, through its exception line, is the traceback;
* the longest run of code-looking lines is code (blank lines inside a run are kept); one line
  alone counts only when it is plainly code (`def f(x):`, `total = sum(xs)`, `print(x)`);
* a line that starts like code but reads as a sentence ("if I run this, why does it fail?")
  stays text.

    split = split_pasted_code(text)         # PastedSplit(text, code, traceback)
    query = with_pasted_code(query)         # a StudentQuery with no code/traceback of its own
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from learnflow_agents.contracts.query import MAX_CODE, MAX_TEXT, MAX_TRACEBACK, StudentQuery

_CODE_LINE = re.compile(
    "|".join(
        [
            r"^\s*(def|class|for|while|if|elif|else|try|except|finally|with|return|import|from|print|raise"
            r"|yield|lambda|assert|pass|break|continue)\b.*",
            r"^\s*[A-Za-z_][\w.\[\]'\"]*\s*(=|\+=|-=|\*=|/=)\s*\S.*$",
            r"^\s*[A-Za-z_][\w.]*\(.*\)\s*$",
            r"^\s*[\]\)\}]\s*$",
            r"^\s*#.*$",
            r"^( {4}|\t)\S.*$",
        ]
    ),
    re.ASCII,  # JavaScript's \w and \b are ASCII-only
)
_PROSE_WORDS = re.compile(
    r"\b(why|what|how|does|doesn't|don't|is|isn't|can|could|should|please|help|my|me|I|it|this|the)\b",
    re.IGNORECASE | re.ASCII,
)
_ENDS_LIKE_CODE = re.compile(r"[:=()\[\]]\s*$")
_PLAINLY = re.compile(
    r"^\s*(def|class|for|while|import|from|return|print)\b|^\s*[\w.\[\]]+\s*=\s*\S|^\s*[\w.]+\(.*\)\s*$",
    re.ASCII,
)
_FENCE = re.compile(r"```[\w-]*\n([\s\S]*?)```", re.ASCII)
_MANY_BLANKS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class PastedSplit:
    text: str
    code: str | None
    traceback: str | None


def _looks_like_code(line: str) -> bool:
    # JavaScript's RegExp.test finds a match anywhere, as re.search does (the patterns are anchored).
    if not _CODE_LINE.search(line):
        return False
    words = len(line.strip().split())
    prose = len(_PROSE_WORDS.findall(line))
    return not (words >= 5 and prose >= 3 and not _ENDS_LIKE_CODE.search(line.strip()))


def split_pasted_code(text: str) -> PastedSplit:
    """The question's words, and the code and traceback pasted into it (None when there are none)."""
    rest = text.replace("\r\n", "\n")
    code: list[str] = []

    def fenced(match: re.Match[str]) -> str:
        # str.rstrip, not re.sub(r"\s+$"): that regex retries every start in a run of spaces
        # that does not end the text, quadratic in the run (a question of spaces stalls the door).
        code.append(match.group(1).rstrip())
        return "\n"

    rest = _FENCE.sub(fenced, rest)
    traceback: str | None = None
    lines = rest.split("\n")
    start = next(
        (i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")), -1
    )
    if start >= 0:
        end = start + 1
        while end < len(lines) and (lines[end][:1].isspace() or lines[end].strip() == ""):
            end += 1
        # The exception line ("NameError: name 'x' is not defined") closes the traceback.
        if end < len(lines):
            end += 1
        traceback = "\n".join(lines[start:end]).rstrip()
        del lines[start:end]
    runs: list[tuple[int, int, int]] = []
    run_start, count = -1, 0

    def close(end_exclusive: int) -> None:
        nonlocal run_start, count
        end = end_exclusive
        while run_start >= 0 and end > run_start and lines[end - 1].strip() == "":
            end -= 1
        if run_start >= 0:
            runs.append((run_start, end, count))
        run_start, count = -1, 0

    for index, line in enumerate(lines):
        if _looks_like_code(line):
            run_start = index if run_start < 0 else run_start
            count += 1
        elif line.strip() != "" or run_start < 0:
            close(index)
    close(len(lines))
    candidates = [r for r in runs if r[2] >= 2 or _PLAINLY.search(lines[r[0]])]
    # Longest first; a stable sort keeps the earlier of two equal runs, as Array.sort does.
    candidates.sort(key=lambda r: -(r[1] - r[0]))
    if candidates:
        first, last, _ = candidates[0]
        code.append("\n".join(lines[first:last]))
        del lines[first:last]
    words = _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()
    return PastedSplit(words, "\n\n".join(code) if code else None, traceback)


def with_pasted_code(query: StudentQuery) -> StudentQuery:
    """`query` with code and a traceback pasted into its text moved to their fields.

    Only for a query that brought neither: a client that filled the fields has already split
    them (the labextension does), and then the text is the student's words as they are.
    """
    if query.code is not None or query.traceback is not None or not query.text.strip():
        return query
    split = split_pasted_code(query.text)
    if split.code is None and split.traceback is None:
        return query
    if not split.text and split.traceback is None and not _compiles(split.code or ""):
        # All of it "looks like code" but is not ("print(x) gives the wrong output"): one line
        # of words that starts like code is still the student's question.
        return query
    if (
        len(split.text) > MAX_TEXT
        or len(split.code or "") > MAX_CODE
        or len(split.traceback or "") > MAX_TRACEBACK
    ):
        return query
    return query.model_copy(update={"text": split.text, "code": split.code, "traceback": split.traceback})


def _compiles(source: str) -> bool:
    try:
        compile(source, "<pasted>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
