"""Turn a pasted or captured traceback into frames, an error type and a message.

Handles what students actually paste: plain CPython 3.11+ tracebacks (``File "x.py", line
N, in f``, ``<stdin>``, ``<string>``), IPython/ipykernel output (``Cell In[7], line 3``,
``File ~/x.py:12, in f(a)``, the older ``Input In [3]`` and ``<ipython-input-3-…>``
headers, numbered context lines with a ``---->`` arrow), ANSI colour codes from
terminals and notebooks, the ``^^^^``/``~~~^~~~`` markers, chained exceptions (the last
one is what the student saw last and is the one to explain), SyntaxError caret blocks
and the interpreter's "Did you mean" suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ANSI = re.compile(r"\x1b\[([0-9;]*)m")
_OTHER_ESCAPES = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[A-Za-ln-z]")

_CHAIN_SEPARATORS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)

_PLAIN_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
_IPY_CELL_FRAME = re.compile(
    r"^\s*Cell In\s?\[(?P<cell>\d+)\], line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$"
)
_IPY_FILE_FRAME = re.compile(r"^\s*File (?P<file>[^\s\"].*?):(?P<line>\d+)(?:, in (?P<func>.+?))?\s*$")
_IPY_INPUT_FRAME = re.compile(r"^\s*Input In \[(?P<cell>\d+)\](?:, in (?P<func>.+?))?\s*$")
_IPY7_CELL_FRAME = re.compile(r"^\s*<ipython-input-(?P<cell>\d+)-[0-9a-f]+> in (?P<func>.+?)\s*$")
_IPY7_FILE_FRAME = re.compile(r"^\s*(?P<file>(?:/|~|[A-Za-z]:\\)\S+\.py) in (?P<func>.+?)\s*$")
_CONTEXT_LINE = re.compile(r"^(?P<arrow>\s*-*>)?\s*(?P<num>\d+)(?: (?P<code>.*))?$")
_ELIDED = re.compile(r"^\s*\(\.\.\.\)")
_IPY_SKIPPED = re.compile(
    r"\[\.\.\. skipping similar frames: (?P<func>.+?) at line (?P<line>\d+) \((?P<n>\d+) times\)\]"
)
_REPEATED = re.compile(r"^\s*\[Previous line repeated (?P<n>\d+) more times?\]")
_CARETS = re.compile(r"^(?P<lead>\s*)(?P<marks>[\^~][\s\^~]*)$")
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::(?P<msg>.*))?$")
_IPY_HEADER = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)\s{2,}Traceback \(most recent call last\)")

_SUGGESTIONS = (
    re.compile(r"Did you mean:? '(?P<s>[^']+)'\?"),
    re.compile(r"Did you mean (?P<s>print\(\.\.\.\)|exec\(\.\.\.\))\?"),
    re.compile(r"Did you forget to import '(?P<s>\w+)'"),
    re.compile(r"Maybe you meant '(?P<s>==)'"),
)


@dataclass
class Frame:
    """One stack entry. ``cell`` is set for IPython cell frames ("In[7]")."""

    filename: str
    lineno: int | None
    function: str | None = None
    cell: str | None = None
    source: str | None = None
    # Columns of the highlighted sub-expression within ``source.strip()`` (0-based, end exclusive).
    span: tuple[int, int] | None = None
    context: dict[int, str] = field(default_factory=dict)
    repeated: int = 0
    # "plain" (CPython's own format) or "ipython" (numbered context lines with an arrow).
    style: str = "plain"

    @property
    def is_library(self) -> bool:
        name = self.filename.replace("\\", "/")
        markers = ("site-packages/", "dist-packages/", "/lib/python3", "/lib64/python3", "<frozen ")
        return any(m in name for m in markers)

    @property
    def label(self) -> str:
        return f"cell {self.cell}" if self.cell else self.filename


@dataclass
class SyntaxLocation:
    """Where a SyntaxError points: the line, its text and the caret columns (0-based)."""

    lineno: int | None
    text: str | None
    col_start: int | None = None
    col_end: int | None = None


@dataclass
class ParsedTraceback:
    error_type: str
    qualified_type: str
    message: str
    frames: list[Frame] = field(default_factory=list)
    suggestion: str | None = None
    chained: int = 0
    syntax: SyntaxLocation | None = None

    @property
    def last_frame(self) -> Frame | None:
        return self.frames[-1] if self.frames else None


def strip_ansi(text: str) -> str:
    return _OTHER_ESCAPES.sub("", _ANSI.sub("", text))


def _strip_line_with_highlight(line: str) -> tuple[str, tuple[int, int] | None]:
    """Strip colour codes, remembering which characters IPython painted with a background.

    IPython marks the failing sub-expression with a background colour instead of carets,
    so that highlight is the same fact as ``^^^^`` in a plain traceback.
    """
    line = _OTHER_ESCAPES.sub("", line)
    out: list[str] = []
    highlighted: list[int] = []
    on = False
    pos = 0
    for match in _ANSI.finditer(line):
        chunk = line[pos : match.start()]
        if on:
            highlighted.extend(range(len(out), len(out) + len(chunk)))
        out.extend(chunk)
        codes = match.group(1).split(";") if match.group(1) else ["0"]
        for i, code in enumerate(codes):
            if code in ("0", "49"):
                on = False
            elif (code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107)) or (
                code == "48" and i + 1 < len(codes)
            ):
                on = True
        pos = match.end()
    chunk = line[pos:]
    if on:
        highlighted.extend(range(len(out), len(out) + len(chunk)))
    out.extend(chunk)
    text = "".join(out)
    if not highlighted:
        return text, None
    return text, (min(highlighted), max(highlighted) + 1)


def _last_block(lines: list[tuple[str, tuple[int, int] | None]]) -> tuple[list, int]:
    starts = [i + 1 for i, (text, _) in enumerate(lines) if text.strip() in _CHAIN_SEPARATORS]
    if not starts:
        return lines, 0
    return lines[starts[-1] :], len(starts)


def _frame_from_header(text: str) -> Frame | None:
    if m := _PLAIN_FRAME.match(text):
        return Frame(m["file"], int(m["line"]), _clean_func(m["func"]))
    for pattern in (_IPY_CELL_FRAME, _IPY_INPUT_FRAME, _IPY7_CELL_FRAME):
        if m := pattern.match(text):
            cell = f"In[{m['cell']}]"
            line = int(m["line"]) if "line" in m.groupdict() and m["line"] else None
            return Frame(cell, line, _clean_func(m["func"]), cell=cell, style="ipython")
    if m := _IPY_FILE_FRAME.match(text):
        return Frame(m["file"], int(m["line"]), _clean_func(m["func"]), style="ipython")
    if m := _IPY7_FILE_FRAME.match(text):
        return Frame(m["file"], None, _clean_func(m["func"]), style="ipython")
    return None


def _clean_func(func: str | None) -> str | None:
    """IPython writes ``avg(nums)`` and ``<cell line: 3>()``; keep the bare function name."""
    if func is None:
        return None
    func = func.strip()
    if func.startswith("<cell line"):
        return "<module>"
    if "(" in func and not func.startswith("<"):
        func = func.split("(", 1)[0]
    return func or None


def _find_exception_line(block: list[str]) -> int | None:
    """The exception line is the first column-0 ``Type: message`` after the last frame."""
    last_frame_at = -1
    for i, text in enumerate(block):
        if _frame_from_header(text) or _REPEATED.match(text) or _IPY_SKIPPED.search(text):
            last_frame_at = i
    for i in range(last_frame_at + 1, len(block)):
        text = block[i]
        if not text or text[0].isspace() or _IPY_HEADER.match(text) or _CARETS.match(text):
            continue
        if text.startswith("Traceback (most recent call last)"):
            continue
        m = _EXCEPTION_LINE.match(text.rstrip())
        if m and _looks_like_exception_name(m["type"]):
            return i
    return None


def _exception_line_after_frames(block: list[str]) -> int | None:
    """The line right after the last frame, when it reads ``name: message`` (or a bare
    ``name``) but the name is not one the strict search takes: a class of the student's own
    called `E`, `HTTPERROR` or `oops`, or whose `__name__` holds backticks or brackets. Python
    (and IPython, and the kernel capture) write the exception's line there, whatever it is."""
    last_frame_at = -1
    for i, text in enumerate(block):
        if _frame_from_header(text) or _REPEATED.match(text) or _IPY_SKIPPED.search(text):
            last_frame_at = i
    if last_frame_at < 0:
        return None
    for i in range(last_frame_at + 1, len(block)):
        text = block[i]
        if not text or text[0].isspace() or _IPY_HEADER.match(text) or _CARETS.match(text):
            continue
        if text.startswith(("Traceback (most recent call last)", "(", "[")) or _CONTEXT_LINE.match(text):
            continue
        name = text.split(": ", 1)[0].rstrip(":")
        return i if name and not any(c.isspace() for c in name) and len(name) <= 300 else None
    return None


# What the rest of the tutor may put in a reply as an exception's name: an identifier (a
# class's `__name__` is any text its program chose: backticks, brackets, newlines, 100 kB).
_NOT_NAME = re.compile(r"\W+")
NAME_LIMIT = 60


def exception_name(raw: str) -> str:
    """``raw`` as a name safe in the tutor's markdown: runs of other characters become `_`,
    a long name is cut in the middle."""
    name = _NOT_NAME.sub("_", raw).strip("_") or "Exception"
    if len(name) > NAME_LIMIT:
        name = name[: NAME_LIMIT // 2] + "_" + name[-(NAME_LIMIT // 2 - 1) :]
    return name if name[0].isalpha() or name[0] == "_" else f"_{name}"


def _looks_like_exception_name(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper() and not last.isupper()


def parse_traceback(raw: str | None) -> ParsedTraceback | None:
    """Parse ``raw``; None when it contains no recognisable exception line."""
    if not raw or not raw.strip():
        return None
    raw_lines = raw.replace("\r\n", "\n").split("\n")
    all_lines = [_strip_line_with_highlight(line.rstrip("\r")) for line in raw_lines]
    block_pairs, chained = _last_block(all_lines)
    texts = [t.rstrip() for t, _ in block_pairs]
    exc_at = _find_exception_line(texts)
    if exc_at is not None:
        m = _EXCEPTION_LINE.match(texts[exc_at])
        assert m is not None
        qualified, first = m["type"], m["msg"] or ""
    else:
        exc_at = _exception_line_after_frames(texts)
        if exc_at is None:
            return None
        raw, _, first = texts[exc_at].partition(": ")
        qualified = exception_name(raw.rstrip(":").rsplit(".", 1)[-1])
    message_lines = [first.strip()]
    for extra in texts[exc_at + 1 :]:
        if not extra.strip() or _IPY_HEADER.match(extra):
            break
        message_lines.append(extra.strip())
    message = "\n".join(line for line in message_lines if line).strip()
    frames, syntax = _parse_frames(block_pairs[:exc_at])
    parsed = ParsedTraceback(
        error_type=qualified.rsplit(".", 1)[-1],
        qualified_type=qualified,
        message=message,
        frames=frames,
        chained=chained,
    )
    for pattern in _SUGGESTIONS:
        if s := pattern.search(message):
            parsed.suggestion = s["s"]
            break
    if syntax is not None and (parsed.error_type.endswith("Error") and _is_syntax_family(parsed.error_type)):
        parsed.syntax = syntax
    elif _is_syntax_family(parsed.error_type) and frames:
        last = frames[-1]
        parsed.syntax = SyntaxLocation(last.lineno, last.source)
    return parsed


def _is_syntax_family(error_type: str) -> bool:
    return error_type in {"SyntaxError", "IndentationError", "TabError"}


def _parse_frames(
    pairs: list[tuple[str, tuple[int, int] | None]],
) -> tuple[list[Frame], SyntaxLocation | None]:
    frames: list[Frame] = []
    syntax: SyntaxLocation | None = None
    current: Frame | None = None
    shown_source: str | None = None  # the source line as displayed, before dedent
    for raw_text, highlight in pairs:
        text = raw_text.rstrip()
        if not text.strip():
            continue
        header = _frame_from_header(text)
        if header is not None:
            current = header
            shown_source = None
            frames.append(current)
            continue
        if m := _REPEATED.match(text):
            if frames:
                frames[-1].repeated += int(m["n"])
            continue
        if m := _IPY_SKIPPED.search(text):
            if frames:
                frames[-1].repeated += int(m["n"])
            continue
        if current is None or _ELIDED.match(text):
            continue
        if m := _CARETS.match(text):
            if shown_source is not None:
                start = len(m["lead"]) - (len(shown_source) - len(shown_source.lstrip()))
                marks = m["marks"].rstrip()
                current.span = (max(start, 0), max(start, 0) + len(marks))
            continue
        ctx = _CONTEXT_LINE.match(text) if current.style == "ipython" else None
        if ctx and ctx["num"] and (ctx["code"] is not None or ctx["arrow"]):
            num = int(ctx["num"])
            code = ctx["code"] or ""
            current.context[num] = code
            if ctx["arrow"]:
                if current.lineno is None:
                    current.lineno = num
                current.source = code.strip()
                if highlight is not None:
                    # The highlight columns count the "----> 3 " prefix; make them relative
                    # to the stripped source like caret spans.
                    prefix = len(text) - len(code)
                    indent = len(code) - len(code.lstrip())
                    current.span = (max(highlight[0] - prefix - indent, 0), highlight[1] - prefix - indent)
            continue
        if current.source is None:
            shown_source = text
            current.source = text.strip()
    if frames and frames[-1].lineno is not None:
        last = frames[-1]
        syntax = SyntaxLocation(last.lineno, last.source)
        if last.span:
            syntax.col_start, syntax.col_end = last.span
    return frames, syntax
