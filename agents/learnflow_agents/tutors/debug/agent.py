"""The debug tutor's offline entry point: ``diagnose(query) -> AgentReply``.

Pipeline: gather the situation (traceback parsed, cell compiled, lines aligned), let the
analyser for the error's family derive the cause and a fix, verify the fix (compile, and
run it in a sandbox when that is safe), then render the level-appropriate reply.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from time import perf_counter

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    Provenance,
    ReplyStatus,
)
from learnflow_agents.tutors.debug.code_facts import compile_error
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, frame_place, message_text, short
from learnflow_agents.tutors.debug.families import analyse, no_error
from learnflow_agents.tutors.debug.families.syntax_repair import progress
from learnflow_agents.tutors.debug.families.syntax_tokens import complete_line, line_compiles
from learnflow_agents.tutors.debug.fix_verifier import (
    CLEAN_RUN,
    Verification,
    intent_problem,
    verify_fix,
    verify_none_fix,
)
from learnflow_agents.tutors.debug.situation import Situation, build_situation

AGENT_NAME = "debug"


def diagnose(query: StudentQuery, *, run_code: bool = True) -> AgentReply:
    """Explain why the student's cell failed and how to fix it, without any API.

    ``run_code=False`` never starts a sandbox process: fixes are only compiled and a cell
    without a traceback is only compiled, not run to reproduce the error.
    """
    started = perf_counter()
    sit = build_situation(query, allow_run=run_code)
    diag = analyse(sit) if sit.error_type else no_error(sit)
    if sit.error_type in SYNTAX_FAMILY and sit.has_code:
        _chain_syntax_fixes(query, sit, diag)
    verification: Verification | None = None
    if diag.fix_code is not None and not sit.error_type:
        verification = verify_none_fix(diag.fix_code, sit.run_stdout, run=run_code and sit.reproduced)
        if verification.status is None:
            diag.extra["rejected_fix"] = verification.detail
            diag.fix_code = None
    elif diag.fix_code is not None and sit.error_type:
        problem = intent_problem(sit.code, diag.fix_code) if sit.has_code else None
        if diag.fix_code.strip() == sit.code.strip():
            diag.fix_code = None
        elif problem is not None:
            # A fix that silences the error without doing what the student meant is worse
            # than none: the explanation stays, the "checked" cell goes.
            diag.extra["rejected_fix"] = problem
            diag.fix_code = None
        else:
            verification = verify_fix(
                diag.fix_code,
                error_type=sit.error_type,
                line=sit.raised_line,
                message=sit.message,
                run=run_code,
                outer_line=sit.line,
            )
            if verification.status is None:
                # A fix that does not even compile would teach the wrong thing: drop it.
                diag.extra["rejected_fix"] = verification.detail
                diag.fix_code = None
    _only_compiling_suggestions(sit, diag)
    latency_ms = (perf_counter() - started) * 1000
    return _reply(query, sit, diag, verification, latency_ms)


SYNTAX_FAMILY = ("SyntaxError", "IndentationError", "TabError")


def _chain_syntax_fixes(query: StudentQuery, sit: Situation, diag: Diagnosis, *, limit: int = 6) -> None:
    """A cell with several slips (an `||` here, a Python 2 `print` further down): Python only
    reports the first. Repair them one after the other, so the fixed cell compiles, and tell
    the student about each further slip."""
    current = diag.fix_code
    if current is None or compile_error(current) is None:
        return
    notes: list[str] = []
    for _ in range(limit):
        err = compile_error(current)
        if err is None:
            break
        nxt_sit = build_situation(
            StudentQuery(code=current, context=query.context, target_agent=query.target_agent),
            allow_run=False,
        )
        if nxt_sit.error_type is None:
            break
        nxt = analyse(nxt_sit)
        _only_compiling_suggestions(nxt_sit, nxt)
        if nxt.extra.get("analysis") != "generic":
            notes.append(nxt.summary)
        if nxt.fix_code is None or not progress(current, nxt.fix_code):
            current = None
            break
        current = nxt.fix_code
    if notes:
        diag.fix_steps += (
            "\n\nThis cell has more slips after this one; Python will stop at each in turn:\n"
            + "\n".join(f"- {note}" for note in notes)
        )
        diag.extra["further_slips"] = len(notes)
    diag.fix_code = current if current is not None and compile_error(current) is None else diag.fix_code


_SPAN = re.compile(r"``\s(.+?)\s``|`([^`\n]+)`")


def _only_compiling_suggestions(sit: Situation, diag: Diagnosis) -> None:
    """A rewritten line shown as code must compile: complete it (a missing block colon) or say
    in words that the line needs more fixing, rather than show code that still fails."""
    if not sit.has_code:
        return
    line = diag.culprit_line or sit.raised_line
    original = sit.text(line).strip() if line is not None and not diag.culprit_where else ""
    if len(original) < 4:
        return

    def repair(m: re.Match[str]) -> str:
        span = (m.group(1) or m.group(2)).strip()
        if (
            len(span) < 4
            or span in original
            or "…" in span
            or len(span) < 0.6 * len(original)
            or difflib.SequenceMatcher(None, span, original).ratio() < 0.6
            or line_compiles(span)
        ):
            return m.group(0)
        whole = complete_line(span)
        if whole is not None:
            return code(whole.strip())
        diag.extra.setdefault("suggestions_withheld", []).append(span)  # type: ignore[union-attr]
        return f"the corrected line {line}"

    diag.summary = _SPAN.sub(repair, diag.summary)
    diag.plain = _SPAN.sub(repair, diag.plain)
    diag.precise = _SPAN.sub(repair, diag.precise)
    diag.fix_steps = _SPAN.sub(repair, diag.fix_steps)
    diag.hints = [_SPAN.sub(repair, h) for h in diag.hints]


def _reply(
    query: StudentQuery,
    sit: Situation,
    diag: Diagnosis,
    verification: Verification | None,
    latency_ms: float,
) -> AgentReply:
    diag = replace(
        diag,
        **{name: _inert(getattr(diag, name)) for name in _PROSE},
        hints=[_inert(h) for h in diag.hints],
    )
    code_blocks: list[CodeBlock] = []
    actions: list[Action] = []
    if diag.fix_code is not None:
        code_blocks.append(
            CodeBlock(role=CodeRole.FIX, code=diag.fix_code, title=_fix_title(sit, verification))
        )
        actions.append(
            Action(kind=ActionKind.APPLY_FIX, label="Apply the fix to the cell", args={"code_block": 0})
        )
    if diag.concepts:
        main = diag.concepts[0]
        actions.append(
            Action(
                kind=ActionKind.EXPLAIN_CONCEPT,
                label=f"Explain {main.replace('-', ' ')}",
                args={"concept": main},
            )
        )
    data: dict[str, object] = {
        "error_type": sit.error_type,
        "message": sit.message,
        "line": sit.line,
        "raised_line": sit.raised_line,
        "culprit_line": diag.culprit_line if diag.culprit_line is not None else sit.raised_line,
        "culprit_where": diag.culprit_where,
        "conceptual": diag.conceptual,
        "fix_verified": verification.status if verification and diag.fix_code else None,
        "fix_check": verification.detail if verification else None,
        "reproduced": sit.reproduced,
    }
    data.update(diag.extra)
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT_NAME,
        status=ReplyStatus.OK if sit.error_type or diag.extra.get("likely_cause") else ReplyStatus.PARTIAL,
        summary=_fit(_visible(diag.summary), SUMMARY_LIMIT),
        explanation=_fit(_visible(_explanation(sit, diag, verification)), EXPLANATION_LIMIT),
        code_blocks=code_blocks,
        hints=[_fit(_visible(h), HINT_LIMIT) for h in diag.hints[:3]],
        actions=actions,
        concepts=diag.concepts,
        provenance=Provenance(agent=AGENT_NAME, provider="offline", latency_ms=round(latency_ms, 3)),
        data=data,
    )


# AgentReply's limits (contracts/reply.py). Quoted code is already shortened (diagnosis.code);
# this is the last line of defence, so prose that still runs long is cut, not refused by the
# contract (a refused reply is retried and dead-lettered: the student gets no answer at all).
SUMMARY_LIMIT = 2_000
HINT_LIMIT = 2_000
EXPLANATION_LIMIT = 50_000


# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional controls. A
# program's output, values and messages reach the prose; every renderer of the reply (the
# lab's markdown, the card's HTML, a terminal) would act on them: a right-to-left override
# in a printed line turns the tutor's own words after it around.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# The analysers' prose fields. An analyser quotes the student's code in code spans; a quote
# holding backticks (a string literal, a comment) can end its span early, and what follows
# would be read as markdown: a link, an image, HTML. The tutor's own prose has no links or
# HTML, so outside code spans those are shown as text (the last line of defence behind
# `code()`, which quotes safely where an analyser uses it).
_PROSE = ("summary", "plain", "precise", "fix_steps", "prevention", "analogy", "deeper")
_BACKTICKS = re.compile(r"`+")
# Markup that would act, not already escaped (an even run of backslashes before it): the
# joints of links and images, the start of an HTML tag or autolink. Brackets alone (`cell
# In[1]`) and emphasis (analysers write *base* on purpose) stay as they are.
_ACTIVE = re.compile(r"(?<!\\)((?:\\\\)*)(\](?=[(\[])|!(?=\[)|<(?=[A-Za-z/!?]))")
_BARE = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)


def _inert(text: str) -> str:
    """``text`` with link, image and HTML markup escaped outside its code spans."""

    def plain(part: str) -> str:
        part = _ACTIVE.sub(lambda m: m.group(1) + "\\" + m.group(2), part)
        return _BARE.sub(lambda m: "\\" + m.group(0), part)

    out, end = [], 0
    for start, stop in _code_spans(text):
        out += [plain(text[end:start]), text[start:stop]]
        end = stop
    out.append(plain(text[end:]))
    return "".join(out)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Where markdown's code spans are: a run of backticks opens one that the next run of the
    same length closes; a run with no partner is text. Linear, whatever the backticks (a
    program's output can hold 50,000 of them; a regex with a back-reference took seconds)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    partner: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = runs[i][1] - runs[i][0]
        partner[i] = last.get(size)
        last[size] = i
    spans, i = [], 0
    while i < len(runs):
        j = partner[i]
        if j is None:
            i += 1
            continue
        spans.append((runs[i][0], runs[j][1]))
        i = j + 1
    return spans


def _visible(text: str) -> str:
    """``text`` with each control character shown as its escape (`\\x1b`, `\\u202e`)."""
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; a code span the cut opens is
    closed, so the rest of the card is not swallowed by it."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 8].rstrip()
    fences = re.findall(r"`+", cut)
    open_fence = ""
    for fence in fences:
        open_fence = "" if fence == open_fence else (open_fence or fence)
    return cut + "…" + (f" {open_fence}" if open_fence else "")


def _fix_title(sit: Situation, verification: Verification | None) -> str:
    if verification and verification.status == "ran":
        if not sit.error_type:
            return "Fixed cell (checked: runs and prints no `None`)"
        if not _ran_clean(verification):
            # It got past this error and then raised another (maybe of the same type).
            return f"Fixed cell (checked: gets past this {sit.error_type}, then stops on another error)"
        return f"Fixed cell (checked: runs without the {sit.error_type})"
    return "Fixed cell (checked: compiles)"


def _ran_clean(verification: Verification) -> bool:
    """The trial run ended without any exception (not: past this one, then another)."""
    return verification.detail == CLEAN_RUN


def _explanation(sit: Situation, diag: Diagnosis, verification: Verification | None) -> str:
    parts: list[str] = []
    if sit.error_type:
        message = f": {message_text(sit.message, 160)}" if sit.message else ""
        parts.append(f"**{sit.error_type}**{message}")
        where = sit.line if sit.line is not None else sit.raised_line
        text = sit.text(where).strip()
        if where is not None and text:
            parts.append(f"Line {where}: {code(short(text, 100))}")
        culprit = diag.culprit_line
        if culprit is not None and culprit != where and not diag.culprit_where and sit.text(culprit).strip():
            parts.append(
                f"The bug itself is on line {culprit}: {code(short(sit.text(culprit).strip(), 100))}"
            )
        elif diag.culprit_where and sit.elsewhere:
            frame = next((f for f in reversed(sit.elsewhere) if f.lineno == culprit), sit.elsewhere[-1])
            source = (
                frame.context.get(culprit or 0) or (frame.source if frame.lineno == culprit else "") or ""
            )
            source = source.strip()
            if source:
                parts.append(
                    f"The bug itself is in {frame_place(diag.culprit_where)}, line {culprit}: "
                    f"{code(short(source, 100))}"
                )
    parts.append("### Why it happened")
    if sit.beginner:
        parts.append(diag.plain)
        if diag.analogy:
            parts.append(f"*Think of it like this:* {diag.analogy}")
    else:
        parts.append(diag.precise)
        if diag.deeper and sit.level.value == "advanced":
            parts.append(diag.deeper)
    parts.append("### How to fix it")
    parts.append(diag.fix_steps)
    if diag.fix_code is not None and verification is not None:
        if verification.status == "ran" and _ran_clean(verification):
            parts.append(
                f"The fixed cell below was checked: it compiles and runs without the {sit.error_type}."
            )
        else:
            parts.append(
                f"The fixed cell below was checked: it {verification.detail.removeprefix('the fix ')}."
            )
    parts.append("### How to avoid it next time")
    parts.append(diag.prevention)
    return "\n\n".join(p for p in parts if p)
