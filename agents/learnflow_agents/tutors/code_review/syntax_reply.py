"""The reply for code that does not parse: where, what Python said, and a hand-over to debug."""

import re

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import Action, ActionKind, AgentReply, Provenance, ReplyStatus
from learnflow_agents.tutors.code_review.cell import Cell

AGENT = "code-review"
WINDOW = 160

# Python's own message, matched loosely, to the plain-words reason a learner needs.
_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), meaning)
    for pattern, meaning in (
        (
            r"expected ':'",
            "a line that opens a block (`if`, `for`, `while`, `def`, `class`, `else`, `try`…) "
            "must end with a colon `:`",
        ),
        (
            r"'(.)' was never closed",
            "the bracket `{0}` opened here is never closed — add the matching closing bracket",
        ),
        (r"unmatched '(.)'", "there is a closing `{0}` without a matching opening bracket"),
        (
            r"closing parenthesis '(.)' does not match opening parenthesis '(.)'",
            "the brackets are mixed up: `{1}` is closed with `{0}`",
        ),
        (
            r"unterminated (triple-quoted )?string",
            "a string starts with a quote but never ends — add the closing quote",
        ),
        (
            r"expected an indented block",
            "the line after a `:` must be indented (usually 4 spaces) to form the block's body",
        ),
        (
            r"unexpected indent",
            "this line is indented more than the code around it, but nothing above opens a block",
        ),
        (
            r"unindent does not match",
            "this line's indentation does not line up with any block above — "
            "use the same number of spaces as the block it belongs to",
        ),
        (r"inconsistent use of tabs", "the indentation mixes tabs and spaces — use spaces only"),
        (
            r"Perhaps you forgot a comma",
            "two values stand next to each other — a comma is probably missing between them",
        ),
        (r"Maybe you meant '==' or ':=' instead of '='", "`=` stores a value; to compare, use `==`"),
        (r"Missing parentheses in call to 'print'", "in Python 3 `print` is a function: `print(...)`"),
        (r"cannot assign to (.*)", "the left side of `=` must be a name (or an item/attribute), not {0}"),
        (r"'return' outside function", "`return` only makes sense inside a `def`"),
        (
            r"'(break|continue)' (outside|not properly in) loop",
            "`{0}` only works inside a `for` or `while` loop",
        ),
        (r"invalid decimal literal", "a name cannot start with a digit, and a number cannot contain letters"),
        (
            r"invalid character",
            "the line contains a character Python does not accept in code (often a curly "
            "quote or dash pasted from a document)",
        ),
        (
            r"invalid syntax",
            "Python could not make sense of the line at the caret — look for a missing "
            "operator, bracket or quote just before it",
        ),
    )
)


def plain_cause(message: str) -> str:
    for pattern, meaning in _CAUSES:
        match = pattern.search(message)
        if match:
            return meaning.format(*match.groups())
    return "Python could not read this line"


def syntax_reply(query: StudentQuery, cell: Cell, latency_ms: float) -> AgentReply:
    error = cell.syntax_error
    assert error is not None
    message = error.msg or str(error)
    line = error.lineno or 1
    source_line = cell.smap.line_text(line) or (error.text or "").rstrip("\n")
    reported_column = column = max(error.offset or 1, 1)
    end = error.end_offset if error.end_lineno == line and error.end_offset else column + 1
    width = max(end - column, 1)
    if len(source_line) > WINDOW:
        # A minified or generated line can be 100,000 characters; show the part that matters.
        start = max(column - 1 - WINDOW // 2, 0)
        source_line = source_line[start : start + WINDOW]
        column -= start
    caret = " " * (column - 1) + "^" * min(width, max(len(source_line) - column + 1, 1))
    cause = plain_cause(message)
    kind = type(error).__name__
    explanation = (
        f"Python cannot read this cell, so it cannot be reviewed yet. The first problem is on "
        f"**line {line}**, column {reported_column}:\n\n"
        f"```text\n{source_line}\n{caret}\n{kind}: {message}\n```\n\n"
        f"**What it means:** {cause}.\n\n"
        "Fix this line and run the cell again; ask the debug tutor if you want to go through the error "
        "step by step. Once it runs, ask for a review again."
    )
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        status=ReplyStatus.PARTIAL,
        summary=f"Line {line} has a {kind}: {message}. The cell must parse before it can be reviewed.",
        explanation=explanation,
        hints=[
            f"Look at line {line}, around column {reported_column}: `{source_line.strip()[:80]}`.",
            f"Python says: {message}. In plain words: {cause}.",
            f"If line {line} looks right, check the line just above it: an unclosed bracket or quote there "
            "often shows up on the next line.",
        ],
        actions=[
            Action(
                kind=ActionKind.ASK_AGENT,
                label="Ask the debug tutor about this error",
                args={"agent": "debug"},
            ),
        ],
        concepts=["indentation" if isinstance(error, IndentationError) else "syntax-basics"],
        provenance=Provenance(agent=AGENT, provider="offline", latency_ms=latency_ms),
        data={
            "syntax_error": True,
            "error_type": kind,
            "line": line,
            "column": reported_column,
            "message": message,
            "findings": [],
            "top": None,
        },
    )
