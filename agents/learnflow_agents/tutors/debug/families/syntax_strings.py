"""Strings that never end: a missing closing quote, or an apostrophe inside single quotes."""

from __future__ import annotations

import re

from learnflow_agents.tutors.debug.code_facts import line_at, replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code
from learnflow_agents.tutors.debug.families.syntax_repair import OPENERS, code_end, progress, scan
from learnflow_agents.tutors.debug.situation import Situation

_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")


def unterminated_string(sit: Situation) -> Diagnosis | None:
    m = re.match(r"unterminated (triple-quoted )?(?:f-)?string literal", sit.message)
    if m is None and not sit.message.startswith("EOL while scanning string literal"):
        return None
    triple = bool(m and m.group(1))
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    fix, how = (None, "") if triple else _close_string(sit, lineno, text)
    if triple:
        steps = f"Close the triple-quoted string that starts on line {lineno} with the same three quotes."
    else:
        steps = how
    fixed_line = line_at(fix, lineno).strip() if fix else None
    apostrophe = "apostrophe" in how
    return Diagnosis(
        summary=(
            f"The string on line {lineno} ends early at the apostrophe inside it: "
            f"use double quotes around it ({code(fixed_line)})."
            if apostrophe and fixed_line
            else f"The string that starts on line {lineno} is never closed: "
            + (f"add the closing quote ({code(fixed_line)})." if fixed_line else "add the closing quote(s).")
        ),
        plain="A piece of text (a string) must start and end with the same kind of quote. "
        + (
            f"On line {lineno} the apostrophe inside the text is the same character as the quote around it, "
            "so "
            "Python thinks the text ends there."
            if apostrophe
            else f"On line {lineno} the opening quote has no closing partner, so Python keeps reading to "
            "the end "
            "of the line looking for it."
        ),
        precise=f"The tokenizer found a string literal on line {lineno} with no terminating quote before "
        "the end "
        "of the line"
        + (" (an unescaped `'` inside a single-quoted literal terminates it early)." if apostrophe else ".")
        + (
            " Triple-quoted strings may span lines but still need the closing triple quote." if triple else ""
        ),
        analogy="quotes work like brackets for text: an opening one promises a closing one.",
        deeper="Alternatives for quotes inside text: switch the outer quote type, escape with `\\'`, or use "
        "a triple-quoted string.",
        fix_steps=steps + (f" Fixed line: {code(fixed_line)}." if fixed_line else ""),
        prevention="Type both quotes first and then the text between them; use double quotes for text "
        'that contains apostrophes ("it\'s").',
        concepts=["strings", "syntax-basics"],
        hints=[
            f"Find where the text on line {lineno} starts and where it should end.",
            "The quote that ends a string must be the same character as the one that starts it, and "
            "must not appear inside the text.",
            steps,
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _close_string(sit: Situation, lineno: int, text: str) -> tuple[str | None, str]:
    open_quote = scan(text).open_quote
    if open_quote is None:
        return None, "Add the missing closing quote at the end of the text."
    quote, at = open_quote
    # "print('it's fine')": an apostrophe inside single quotes ends the string early;
    # wrap the whole text in the other kind of quote instead.
    if quote == "'" and (apostrophe := _APOSTROPHE.search(text)):
        opening = max(
            (m.start() for m in re.finditer(r"(?<![\w'])'", text[: apostrophe.start()])), default=-1
        )
        closing = max(
            (m.start() for m in re.finditer(r"'(?![\w'])", text) if m.start() > apostrophe.start()),
            default=-1,
        )
        if opening >= 0 and closing > opening:
            new_text = text[:opening] + '"' + text[opening + 1 : closing] + '"' + text[closing + 1 :]
            candidate = replace_line(sit.code, lineno, new_text) if sit.has_code else None
            if candidate and progress(sit.code, candidate):
                return (
                    candidate,
                    "The apostrophe in the text closes the `'` string early; wrap the text in `\"` instead.",
                )
    end = code_end(text) if scan(text).comment_at is not None else len(text.rstrip())
    tail_match = re.search(r"[)\]}:,\s]*$", text[:end])
    tail = tail_match.group(0) if tail_match else ""
    needed = scan(text[:at]).unclosed
    # Closing brackets at the end of the line belong to the code, not the text, when the
    # line opened that many brackets before the string started.
    keep = 0
    for ch in tail.rstrip().rstrip(":"):
        if ch in ")]}":
            keep += 1
    keep = min(keep, len(needed))
    stripped_tail = tail.rstrip()
    cut = len(text[:end].rstrip())
    count = 0
    while count < keep and cut > at:
        cut -= 1
        if text[cut] in ")]}":
            count += 1
    if stripped_tail.endswith(":") and keep:
        cut = min(cut, len(text[:end].rstrip()) - 1)
    new_text = text[:cut] + quote + text[cut:]
    candidate = replace_line(sit.code, lineno, new_text) if sit.has_code else None
    if candidate and progress(sit.code, candidate):
        return candidate, f"Add the closing `{quote}` right after the text on line {lineno}."
    # The brackets may all belong to the text; try closing at the very end of the line.
    closers = "".join(OPENERS[b] for b, _ in reversed(needed))
    new_text = text[:end].rstrip() + quote + closers + text[end:]
    candidate = replace_line(sit.code, lineno, new_text) if sit.has_code else None
    if candidate and progress(sit.code, candidate):
        return candidate, f"Add the closing `{quote}` at the end of the text on line {lineno}."
    return None, f"Add the closing `{quote}` where the text on line {lineno} should end."
