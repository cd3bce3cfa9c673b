"""Everything known about one failure, gathered once: the cell, the parsed traceback, the
lines that matter, the variable summary. Family analysers read this and never re-parse.

Line numbers are always 1-based lines of the student's cell. ``line`` is where the error
surfaced in this cell (the outermost frame: the line the student ran); ``raised_line``
is the deepest frame in this cell (inside a function defined in the cell, say);
``elsewhere`` holds deeper frames in other cells or the student's own files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from learnflow_agents.contracts.query import SkillLevel, StudentQuery, VariableSummary
from learnflow_agents.tutors.debug.code_facts import (
    CodeFacts,
    collect_facts,
    compile_error,
    line_at,
    parse,
)
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.sandbox import RunResult, run_cell
from learnflow_agents.tutors.debug.traceback_parser import (
    Frame,
    ParsedTraceback,
    SyntaxLocation,
    exception_name,
    parse_traceback,
)

SYNTAX_FAMILY = ("SyntaxError", "IndentationError", "TabError")
# The analysers match an exception's message with regexes, several of which backtrack for
# time quadratic in its length (`[\w.]+\(\)` over 50,000 digits took minutes). CPython's own
# messages are short (values are quoted with %.200R), so only this much of one is read.
MAX_MESSAGE = 1_000


@dataclass
class Situation:
    query: StudentQuery
    code: str
    has_code: bool
    error_type: str | None
    message: str
    tb: ParsedTraceback | None
    facts: CodeFacts
    level: SkillLevel
    variables: dict[str, VariableSummary] = field(default_factory=dict)
    suggestion: str | None = None
    line: int | None = None
    raised_line: int | None = None
    cell_frames: list[Frame] = field(default_factory=list)
    elsewhere: list[Frame] = field(default_factory=list)
    syntax: SyntaxLocation | None = None
    reproduced: bool = False
    # What the cell printed when it ran cleanly in the sandbox (a wrong-result question).
    run_stdout: str = ""
    known_lines: dict[int, str] = field(default_factory=dict)
    # Whether the student's code may be run in the sandbox at all (diagnose(run_code=...)).
    allow_run: bool = True
    # Set when the KeyboardInterrupt is our own: the sandboxed run was stopped after this many
    # seconds, so the student did not press stop and no line is known.
    time_limit: float | None = None

    @property
    def tree(self) -> ast.Module | None:
        return self.facts.tree

    @property
    def beginner(self) -> bool:
        return self.level == SkillLevel.BEGINNER

    def text(self, lineno: int | None) -> str:
        """The source of ``lineno`` in this cell, from the code or else from the traceback."""
        if lineno is None:
            return ""
        if self.has_code:
            return line_at(self.code, lineno)
        return self.known_lines.get(lineno, "")

    def span(self, lineno: int | None) -> tuple[int, int] | None:
        """The traceback's caret span on ``lineno`` (relative to the stripped line)."""
        for frame in reversed(self.cell_frames):
            if frame.lineno == lineno and frame.span:
                return frame.span
        return None

    @property
    def deepest(self) -> Frame | None:
        if self.elsewhere:
            return self.elsewhere[-1]
        return self.cell_frames[-1] if self.cell_frames else None

    @property
    def raised_function(self) -> str | None:
        frame = self.cell_frames[-1] if self.cell_frames else None
        return frame.function if frame and frame.function not in (None, "<module>") else None


def _from_syntax_error(exc: SyntaxError) -> ParsedTraceback:
    start = exc.offset - 1 if exc.offset else None
    end = exc.end_offset - 1 if exc.end_offset and exc.end_offset > 0 else None
    text = (exc.text or "").rstrip("\n")
    loc = SyntaxLocation(exc.lineno, text, start, end)
    return ParsedTraceback(type(exc).__name__, type(exc).__name__, exc.msg, [], syntax=loc)


def _pick_cell_frames(frames: list[Frame]) -> tuple[list[Frame], list[Frame]]:
    """Split frames into this cell's and the student's other code (other cells, own files)."""
    user = [f for f in frames if not f.is_library]
    if not user:
        return [], []
    first = user[0]
    key = first.cell or first.filename
    cell = [f for f in user if (f.cell or f.filename) == key]
    after_first = frames.index(cell[-1]) if cell else 0
    elsewhere = [f for f in frames[after_first:] if not f.is_library and (f.cell or f.filename) != key]
    return cell, elsewhere


def _align(code: str, frames: list[Frame]) -> None:
    """Shift frame line numbers when the traceback's lines are offset from the given cell.

    A script with a header, or a cell pasted without its first lines, still has the
    failing line's text; find it and move every frame by the same amount.
    """
    lines = code.split("\n")
    for frame in frames:
        if frame.lineno is None or not frame.source:
            continue
        if line_at(code, frame.lineno).strip() == frame.source.strip():
            return
        hits = [i + 1 for i, text in enumerate(lines) if text.strip() == frame.source.strip()]
        if len(hits) == 1:
            delta = hits[0] - frame.lineno
            for other in frames:
                if other.lineno is not None:
                    other.lineno += delta
            return


def _mismatched(code: str, frames: list[Frame]) -> bool:
    """The traceback's lines are not this cell's lines (after alignment)."""
    count = len(code.split("\n"))
    for frame in frames:
        if frame.lineno is None:
            continue
        if frame.lineno > count or frame.lineno < 1:
            return True
        if frame.source and line_at(code, frame.lineno).strip() != frame.source.strip():
            return True
    return False


def _reproduce(code: str) -> tuple[str, ParsedTraceback] | None:
    result = run_cell(code)
    if not (result.completed and result.error_type):
        return None
    return result.traceback, run_traceback(result)


def run_traceback(result: RunResult) -> ParsedTraceback:
    """The traceback of a sandboxed run that raised. Its exception line was written by the
    program's class (its module, qualified name and str()), so the run's own report of the
    class's name and message is what counts when the line does not parse to that name."""
    tb = parse_traceback(result.traceback)
    if tb is not None and tb.error_type == result.error_type:
        return tb
    name = exception_name(result.error_type or "")
    frames = parse_traceback(f"Traceback (most recent call last):\n{result.frames}Exception: x")
    return ParsedTraceback(
        name, name, result.message.strip(), frames.frames if frames is not None else [], chained=0
    )


def _reconstruct(frames: list[Frame]) -> dict[int, str]:
    known: dict[int, str] = {}
    for frame in frames:
        known.update(frame.context)
        if frame.lineno is not None and frame.source and frame.lineno not in known:
            known[frame.lineno] = frame.source
    return known


def build_situation(
    query: StudentQuery, *, allow_run: bool = True, parsed: ParsedTraceback | None = None
) -> Situation:
    """``parsed``: the query's traceback as already read from a sandboxed run of its code."""
    code = query.code or ""
    has_code = bool(code.strip())
    tb = parsed if parsed is not None else parse_traceback(query.traceback)
    reproduced = False
    run_stdout = ""
    time_limit: float | None = None
    own_syntax = compile_error(code) if has_code else None
    if own_syntax is not None and (tb is None or tb.error_type in SYNTAX_FAMILY):
        # Our own compile gives exact columns; a pasted caret block may be shifted or cut.
        tb = _from_syntax_error(own_syntax)
    if tb is None and has_code and own_syntax is None and allow_run and is_safe_to_run(code)[0]:
        result = run_cell(code)
        # A run killed before it could report (a resource limit, the program ending its own
        # process) says nothing about whether the cell works: not "ran without an error".
        reproduced = result.completed or result.error_type == "Timeout"
        if result.completed and result.error_type:
            tb = run_traceback(result)
        elif result.clean:
            run_stdout = result.stdout
        elif not result.completed and result.error_type == "Timeout":
            tb = ParsedTraceback("KeyboardInterrupt", "KeyboardInterrupt", "", [])
            tb.frames = [Frame("<cell>", None)]
            time_limit = result.stopped_after
    if tb is not None and len(tb.message) > MAX_MESSAGE:
        tb.message = tb.message[:MAX_MESSAGE]
    facts = collect_facts(code) if has_code else CodeFacts(tree=None)
    sit = Situation(
        query=query,
        code=code,
        has_code=has_code,
        error_type=tb.error_type if tb else None,
        message=tb.message if tb else "",
        tb=tb,
        facts=facts,
        level=query.context.skill_level,
        variables={v.name: v for v in query.variables},
        suggestion=tb.suggestion if tb else None,
        reproduced=reproduced,
        run_stdout=run_stdout,
        allow_run=allow_run,
        time_limit=time_limit,
    )
    if tb is None:
        return sit
    cell, elsewhere = _pick_cell_frames(tb.frames)
    if has_code:
        _align(code, cell)
        if own_syntax is None and _mismatched(code, cell):
            # The traceback came from another version of the cell. Re-run the code we were
            # given when that is safe; otherwise trust the traceback and drop the code.
            rerun = _reproduce(code) if allow_run and is_safe_to_run(code)[0] else None
            if rerun is not None:
                text, parsed = rerun
                return build_situation(
                    query.model_copy(update={"traceback": text}), allow_run=False, parsed=parsed
                )
            return build_situation(query.model_copy(update={"code": None}), allow_run=allow_run)
    sit.cell_frames, sit.elsewhere = cell, elsewhere
    sit.known_lines = _reconstruct(cell)
    if not has_code and sit.known_lines:
        width = max(sit.known_lines)
        rebuilt = "\n".join(sit.known_lines.get(i, "") for i in range(1, width + 1))
        if parse(rebuilt) is not None:
            sit.facts = collect_facts(rebuilt)
            sit.code, sit.has_code = rebuilt, True
    if tb.error_type in SYNTAX_FAMILY:
        sit.syntax = tb.syntax
        if sit.syntax and own_syntax is None and cell:
            # Pasted caret columns count from the stripped line; make them count from
            # the cell's own line, indentation included, like compile()'s offsets.
            sit.syntax.lineno = cell[-1].lineno
            indent = len(sit.text(sit.syntax.lineno)) - len(sit.text(sit.syntax.lineno).lstrip())
            if sit.syntax.col_start is not None:
                sit.syntax.col_start += indent
                sit.syntax.col_end = (sit.syntax.col_end or sit.syntax.col_start) + indent
        sit.line = sit.raised_line = sit.syntax.lineno if sit.syntax else None
    else:
        lines = [f.lineno for f in cell if f.lineno is not None]
        sit.line = lines[0] if lines else None
        sit.raised_line = lines[-1] if lines else None
    return sit
