"""Bracket slips (never closed, one too many, wrong kind) and missing commas."""

from __future__ import annotations

import contextlib
import io
import itertools
import keyword
import re
import tokenize

from learnflow_agents.tutors.debug.code_facts import (
    BUILTIN_NAMES,
    compile_error,
    line_at,
    lines_of,
    replace_line,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families.syntax_repair import (
    CLOSERS,
    OPENERS,
    code_end,
    progress,
    repeat,
    scan,
)
from learnflow_agents.tutors.debug.situation import Situation

_NAMES = {
    "(": "round bracket", "[": "square bracket", "{": "curly brace",
    ")": "round bracket", "]": "square bracket", "}": "curly brace",
}  # fmt: skip


def bracket_problem(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    if m := re.match(r"'(.)' was never closed", msg):
        return _never_closed(sit, m.group(1))
    if m := re.match(r"unmatched '(.)'", msg):
        return _unmatched(sit, m.group(1))
    if m := re.match(
        r"closing parenthesis '(.)' does not match opening parenthesis '(.)'(?: on line (\d+))?", msg
    ):
        return _mismatched(sit, m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None)
    if msg.startswith("unexpected EOF while parsing"):
        # Only a bracket left open explains it here; a trailing backslash or an unfinished
        # block is explained by the message table.
        lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
        if not scan(sit.text(lineno)).unclosed:
            return None
        return _never_closed(sit, None)
    return None


def _never_closed(sit: Situation, opener: str | None) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    col = sit.syntax.col_start if sit.syntax and sit.syntax.col_start is not None else None
    if opener is None:
        unclosed = scan(text).unclosed
        opener, col = unclosed[0] if unclosed else ("(", None)
    closer = OPENERS[opener]
    fix = _close_bracket(sit.code, lineno, col or 0) if sit.has_code else None
    before = text[: col + 1].strip() if col is not None else text.strip()
    fixed_line = line_at(fix, lineno).strip() if fix else None
    return Diagnosis(
        summary=f"The `{opener}` opened on line {lineno} ({code(short(before, 40))}…) is never closed: "
        f"add the matching `{closer}`.",
        plain=f"Every opening {_NAMES[opener]} `{opener}` needs a closing `{closer}`. On line {lineno} one "
        "is opened "
        "and never closed, so Python keeps reading the next lines as if they were still inside it.",
        precise=f"The `{opener}` at line {lineno}, column {(col or 0) + 1} has no matching `{closer}`; the "
        "tokenizer "
        "reaches the end of the statement (or the cell) with the bracket still open.",
        analogy="brackets are like a pair of shoes — if you put one on, Python waits for the other before "
        "it lets you walk.",
        deeper="Inside open brackets newlines are implicit line continuations, which is why the error "
        "is often reported lines later; 3.10+ points back to the opening bracket.",
        fix_steps=(
            f"Close it on line {lineno}: {code(fixed_line)}."
            if fixed_line
            else f"Add `{closer}` where the expression that starts at the `{opener}` on line {lineno} ends."
        ),
        prevention="Type the closing bracket right after the opening one, then fill in the middle; count "
        "brackets on long lines, or split them into smaller steps with variables.",
        concepts=["syntax-basics"],
        hints=[
            f"Count the opening and closing brackets on line {lineno}.",
            f"The `{opener}` at column {(col or 0) + 1} has no partner.",
            f"Add `{closer}`" + (f": {code(fixed_line)}." if fixed_line else "."),
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _close_bracket(code_text: str, lineno: int, col: int) -> str | None:
    lines = lines_of(code_text)
    fallback: str | None = None
    for last in range(lineno, min(lineno + 6, len(lines)) + 1):
        segment = "\n".join(lines[lineno - 1 : last])
        unclosed = scan(segment, col).unclosed
        if not unclosed:
            continue
        closers = "".join(OPENERS[b] for b, _ in reversed(unclosed))
        text = lines[last - 1]
        end = code_end(text)
        body = text[:end]
        # A block header keeps its colon last: "if (x > 3:" becomes "if (x > 3):".
        if body.endswith(":") and re.match(r"\s*(if|elif|while|for|def|with|class)\b", lines[lineno - 1]):
            new = body[:-1] + closers + ":" + text[end:]
        else:
            new = body + closers + text[end:]
        candidate = replace_line(code_text, last, new)
        # A closer that makes the whole cell compile beats one that only moves the error on.
        if compile_error(candidate) is None:
            return candidate
        if fallback is None and progress(code_text, candidate):
            fallback = candidate
    return fallback


def _unmatched(sit: Situation, closer: str) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    col = sit.syntax.col_start if sit.syntax else None
    if col is None or col >= len(text) or text[col] != closer:
        extras = scan(text).unmatched
        col = extras[0][1] if extras else None
    fix = None
    if col is not None and sit.has_code:
        candidate = replace_line(sit.code, lineno, text[:col] + text[col + 1 :])
        fix = candidate if progress(sit.code, candidate) else None
    opener = CLOSERS[closer]
    return Diagnosis(
        summary=f"Line {lineno} has an extra `{closer}` with no `{opener}` to match it"
        + (f" (column {col + 1})" if col is not None else "")
        + ": remove it.",
        plain=f"Line {lineno} closes a {_NAMES[closer]} `{closer}` that was never opened — there is one "
        f"`{closer}` "
        f"more than there are `{opener}`.",
        precise=f"The `{closer}` at line {lineno} has no corresponding `{opener}` on the bracket stack.",
        analogy="it's like closing a door that was never opened.",
        fix_steps=f"Delete the extra `{closer}`"
        + (f": {code(line_at(fix, lineno).strip())}." if fix else "."),
        prevention="When you add or delete a bracket, check its partner at the same time; editors highlight "
        "the matching bracket when the cursor is next to one.",
        concepts=["syntax-basics"],
        hints=[
            f"Count `{opener}` and `{closer}` on line {lineno}.",
            f"There is one `{closer}` too many.",
            "Remove the extra bracket" + (f": {code(line_at(fix, lineno).strip())}." if fix else "."),
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _mismatched(sit: Situation, closer: str, opener: str, open_line: int | None) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    col = sit.syntax.col_start if sit.syntax else None
    right = OPENERS[opener]
    fix = None
    if col is not None and col < len(text) and text[col] == closer and sit.has_code:
        candidate = replace_line(sit.code, lineno, text[:col] + right + text[col + 1 :])
        fix = candidate if progress(sit.code, candidate) else None
    opened = f" (opened on line {open_line})" if open_line and open_line != lineno else ""
    return Diagnosis(
        summary=f"Line {lineno} closes a `{opener}`{opened} with `{closer}`; the two don't match — it needs "
        f"`{right}`.",
        plain=f"A bracket must be closed with the same kind: `{opener}` goes with `{right}`. On line "
        f"{lineno} a "
        f"`{opener}` is closed with `{closer}`.",
        precise=f"Bracket kinds must nest properly; the innermost open bracket is `{opener}`{opened}, so the "
        f"next closer must be `{right}`, not `{closer}`.",
        analogy="it's like a box you opened with a key and try to close with a different key.",
        fix_steps=f"Replace `{closer}` with `{right}`"
        + (f": {code(line_at(fix, lineno).strip())}." if fix else "."),
        prevention="Lists use `[ ]`, calls and tuples `( )`, dicts and sets `{ }` — close with the same "
        "shape.",
        concepts=["syntax-basics"],
        hints=[
            f"Which bracket opens the expression that `{closer}` closes on line {lineno}?",
            f"`{opener}` must be closed by `{right}`.",
            f"Change `{closer}` to `{right}`.",
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    # Code with a syntax error still tokenises up to the problem; keep what came before it.
    out: list[tokenize.TokenInfo] = []
    with contextlib.suppress(tokenize.TokenError, IndentationError, SyntaxError):
        out.extend(tokenize.generate_tokens(io.StringIO(text).readline))
    return out


def _ends_value(tok: tokenize.TokenInfo) -> bool:
    if tok.type in (tokenize.NUMBER, tokenize.STRING):
        return True
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in ("True", "False", "None")
    return tok.type == tokenize.OP and tok.string in ")]}"


def _starts_value(tok: tokenize.TokenInfo) -> bool:
    if tok.type in (tokenize.NUMBER, tokenize.STRING):
        return True
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in ("True", "False", "None", "lambda", "not")
    return tok.type == tokenize.OP and tok.string in "([{"


def _comma_positions(text: str, start: int, end: int) -> list[int]:
    toks = [t for t in _tokens(text) if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    spots = []
    for a, b in itertools.pairwise(toks):
        same_line = a.end[0] == 1 and b.start[0] == 1
        in_span = start <= a.start[1] and b.start[1] <= end
        adjacent_strings = a.type == tokenize.STRING and b.type == tokenize.STRING
        if same_line and in_span and _ends_value(a) and _starts_value(b) and not adjacent_strings:
            spots.append(a.end[1])
    return spots


def missing_comma(sit: Situation) -> Diagnosis | None:
    if "Perhaps you forgot a comma" not in sit.message:
        return None
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    start = sit.syntax.col_start if sit.syntax and sit.syntax.col_start is not None else 0
    end = sit.syntax.col_end if sit.syntax and sit.syntax.col_end else len(text)
    words = re.findall(r"[A-Za-z_]\w*", text[start:end])
    known = sit.facts.bound_names() | set(sit.variables) | BUILTIN_NAMES
    only_words = re.fullmatch(r"[A-Za-z_][\w ]*[\w!?.]?", text[start:end].strip() or "-") is not None
    if only_words and len(words) >= 2 and not any(w in known or keyword.iskeyword(w) for w in words):
        return _missing_quotes(sit, lineno, text, start, end)
    spots = _comma_positions(text, start, end)
    if not spots:
        return None
    a_end = spots[0]
    before = text[:a_end].rstrip()
    after = text[a_end:].lstrip()
    left_tok = re.search(r"(\S+)$", before)
    right_tok = re.match(r"(\S+?)(?=[,)\]}\s]|$)", after)
    left = re.split(r"[(\[{]", left_tok.group(1))[-1] if left_tok else ""
    right = right_tok.group(1) if right_tok else ""

    def step(current: str) -> str | None:
        err = compile_error(current)
        if err is None or "forgot a comma" not in err.msg or not err.lineno:
            return None
        line = line_at(current, err.lineno)
        found = _comma_positions(line, (err.offset or 1) - 1, (err.end_offset or len(line) + 1) - 1)
        if not found:
            return None
        at = found[0]
        return replace_line(current, err.lineno, line[:at].rstrip() + ", " + line[at:].lstrip())

    fix = repeat(sit.code, step) if sit.has_code else None
    container = _container_kind(text, start)
    return Diagnosis(
        summary=f"Line {lineno} is missing a comma between {code(left)} and {code(right)} in the "
        f"{container}.",
        plain=f"In a {container}, the items must be separated by commas. On line {lineno}, {code(left)} and "
        f"{code(right)} sit next to each other with only a space between them.",
        precise=f"Two expressions are juxtaposed without a separator in the {container} on line {lineno}; "
        "Python has no implicit operator between them, so the parser suggests a missing comma.",
        analogy='it\'s like a shopping list written without line breaks — "eggs milk bread" could be one '
        "strange item or three; the comma tells Python where one item ends.",
        deeper='Adjacent *string* literals are the one exception: `"a" "b"` is implicitly concatenated, '
        "which is how a missing comma in a list of strings silently merges two items.",
        fix_steps=f"Put a comma after {code(left)}: {code(short((left + ', ' + right), 60))}."
        + (" The fixed cell adds every missing comma it found." if fix else ""),
        prevention="After typing an item in a list or a function call, type the comma before the next item; "
        "put one item per line for long lists.",
        concepts=[
            "lists"
            if container == "list"
            else "functions"
            if container == "function call"
            else "syntax-basics",
            "syntax-basics",
        ],
        hints=[
            f"Look between {code(left)} and {code(right)} on line {lineno}.",
            f"Items in a {container} need a separator.",
            f"Add a comma: {code(left + ', ' + right)}.",
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _container_kind(text: str, col: int) -> str:
    stack = scan(text[:col]).unclosed
    if not stack:
        return "expression"
    opener, at = stack[-1]
    if opener == "[":
        return "list"
    if opener == "{":
        return "dict" if ":" in text[at:] else "set"
    if opener == "(" and at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_)]"):
        return "function call"
    return "tuple"


def _missing_quotes(sit: Situation, lineno: int, text: str, start: int, end: int) -> Diagnosis:
    words = text[start:end].strip()
    new_text = text[:start] + f'"{words}"' + text[start + len(text[start:end].rstrip()) :]
    # Never a fixed cell: turning names into a string can only be right when they were meant as
    # text, and only the student knows whether they were separate values (missing commas).
    fix = None
    commas = ", ".join(words.split())
    return Diagnosis(
        summary=f"Line {lineno} has the words {code(words)} side by side with no comma or operator between "
        "them. "
        f"If they are separate values, separate them with commas ({code(commas)}); if they are text, put "
        "them "
        f"in quotes: {code(chr(34) + words + chr(34))}.",
        plain="Python treats words without quotes as names of variables. To write text (a *string*), put it "
        f"in quotes: {code(chr(34) + words + chr(34))}.",
        precise=f"Unquoted words are parsed as identifiers; {code(words)} is a sequence of names with no "
        "operator between them. A string literal needs quotes.",
        analogy="quotes are like the speech marks in a story: they show the exact words, rather than "
        "things the words refer to.",
        fix_steps=f"Separate the values with a comma ({code(commas)}) if they are variables; if you meant "
        "the "
        "words as text, put them in quotes"
        + (
            f": {code(new_text.strip())}."
            if compile_error(new_text.strip()) is None
            else f" ({code(chr(34) + words + chr(34))})."
        ),
        prevention="Whenever you mean the text itself, wrap it in quotes; names without quotes must be "
        "variables you created.",
        concepts=["strings"],
        hints=[
            f"Are {code(words)} variables, or text you want to show?",
            "Text in Python goes inside quotes.",
            f"Write {code(new_text.strip())}.",
        ],
        fix_code=fix,
        culprit_line=lineno,
    )
