"""Text-level repairs for code that does not parse, each checked by recompiling.

A syntax fix is only offered when the repaired cell compiles, or at least gets past the
original error (the next error is then a different problem on a later line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import compile_error

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}


@dataclass
class Scan:
    unclosed: list[tuple[str, int]]  # (bracket, column) still open at the end
    unmatched: list[tuple[str, int]]  # closers with no opener
    comment_at: int | None
    open_quote: tuple[str, int] | None  # a string still open at the end of the text


def scan(text: str, start: int = 0) -> Scan:
    """Walk one line, skipping strings and comments, tracking brackets."""
    stack: list[tuple[str, int]] = []
    unmatched: list[tuple[str, int]] = []
    i = start
    quote: str | None = None
    quote_at = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if ch == "#":
            return Scan(stack, unmatched, i, None)
        if ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            quote_at = i
            i += len(quote)
            continue
        if ch in OPENERS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            if stack and stack[-1][0] == CLOSERS[ch]:
                stack.pop()
            else:
                unmatched.append((ch, i))
        i += 1
    return Scan(stack, unmatched, None, (quote, quote_at) if quote else None)


def code_end(text: str) -> int:
    """Column just after the last code character (before a trailing comment/whitespace)."""
    found = scan(text)
    body = text[: found.comment_at] if found.comment_at is not None else text
    return len(body.rstrip())


def error_key(code: str) -> tuple[str, int] | None:
    err = compile_error(code)
    return None if err is None else (err.msg, err.lineno or 0)


def progress(original: str, candidate: str) -> bool:
    """The candidate compiles, or fails later in the cell than the original did."""
    before, after = error_key(original), error_key(candidate)
    if after is None:
        return True
    return before is not None and after[1] > before[1]


def repeat(code: str, step: Callable[[str], str | None], *, limit: int = 12) -> str | None:
    """Apply ``step`` until the cell compiles; None if it never gets there.

    The same slip is often repeated (three Python 2 prints, a keyword used as a variable
    on several lines), so one repair is re-applied to each occurrence in turn.
    """
    current = code
    for _ in range(limit):
        if compile_error(current) is None:
            return current if current != code else None
        nxt = step(current)
        if nxt is None or nxt == current:
            return current if current != code and progress(code, current) else None
        current = nxt
    return current if compile_error(current) is None else None
