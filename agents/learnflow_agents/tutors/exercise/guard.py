"""Graded mode: a reply never hands a student more of a course exercise's solution than
their own attempt already has.

Every string of a reply is searched (summary, explanation, code blocks, hints, actions and
their arguments, extra `data` fields) for code-like spans: ``` and ~~~ fences with or
without an info string, indented blocks, inline code, whole strings that are code, and
bare statements in prose (`f = lambda ...`, `return ...`). Spans are also looked for in
what the text decodes to (base64 and hex tokens, rot13, reversed text, simple
pseudo-code), in all the spans of the reply put together (a solution split across hints
or explained line by line), and, for a bare function body, inside the exercise's own
function header. Each resulting program that defines a name of a course exercise is run
against that exercise's tests, hidden ones included, in the sandbox (`check_code`); a
span whose program passes more tests than the student's own attempt is withheld and a
hint takes its place. Runs in a worker thread (it spawns sandboxes).
"""

import ast
import base64
import binascii
import codecs
import hashlib
import html
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnflow_agents.contracts import Action, ActionKind, AgentReply, StudentQuery
from learnflow_agents.tutors.exercise.bank import Bank, Exercise
from learnflow_agents.tutors.exercise.checker import check_code

WITHHELD_MARK = "*(A complete solution was withheld here: this is a graded exercise.)*"

# A fence opens with ``` or ~~~ (any info string) and closes with the same run, or at the end.
_FENCE = re.compile(
    r"^[ \t]*(?P<ticks>`{3,}|~{3,})[^\n]*\n(?P<code>.*?)(?:(?P=ticks)[ \t]*$|\Z)",
    re.DOTALL | re.MULTILINE,
)
_INLINE = re.compile(r"(?<!`)(?P<ticks>`{1,3})(?!`)(?P<code>[^\n`]+?)(?<!`)(?P=ticks)(?!`)")
_INDENTED = re.compile(r"(?:^(?:[ ]{4,}|\t)[^\n]*\n?(?:[ \t]*\n)*)+", re.MULTILINE)
# Where a statement may start inside a line of prose.
_STATEMENT_START = re.compile(
    r"(?:^|(?<=[\s:;,(\"'>]))(?=(?:async\s+def|def|class|return|lambda|for|while|if|import|from|with|yield)\b"
    r"|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*(?:[-+*/%|&^]|//|\*\*)?=(?!=)"
    r"|[A-Za-z_][\w.]*\()"
)
_CODE_HINTS = re.compile(r"\bdef\b|\breturn\b|\blambda\b|=|\bclass\b")
_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:\\x[0-9a-fA-F]{2}){8,}|(?:[0-9a-fA-F]{2}[ :]?){12,}")
# Top-level reply fields that are identifiers or bookkeeping, never shown as text.
_SKIP_TOP = frozenset({"reply_id", "query_id", "agent", "status", "provenance", "created_at"})
_SKIP_DATA = frozenset({"withheld", "graded_guard", "llm", "llm_fallback"})
MAX_ROUNDS = 3
# Sandbox runs one reply may cost (a guarded reply about an exercise typically needs 4-11).
# A reply that needs more (hundreds of small programs, each a run per exercise the question
# names) has the rest of its candidate programs withheld untested, not run.
MAX_RUNS_PER_REPLY = 48
# "exercise can-ride", "check can-ride": the ids a query names.
EXERCISE_MENTION = re.compile(r"\b(?:exercise|check)\s+(?P<id>[a-z0-9]+(?:-[a-z0-9]+)+)\b", re.IGNORECASE)


def exercise_ids(query: StudentQuery) -> list[str]:
    """The exercises a query is about: the one it asks to grade, and any its text names."""
    named = [m.group("id").lower() for m in EXERCISE_MENTION.finditer(query.text)]
    return list(dict.fromkeys([query.exercise_id.lower(), *named] if query.exercise_id else named))


def defined_names(code: str) -> set[str]:
    """Top-level names a program binds: functions, classes, assignments (`f = lambda ...`,
    aliases), imports with `as`."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.add(sub.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _function_headers(starter: str) -> list[str]:
    try:
        tree = ast.parse(starter)
    except SyntaxError:
        return []
    lines = starter.splitlines()
    return [
        lines[node.lineno - 1].strip()
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and lines[node.lineno - 1].rstrip().endswith(":")
    ]


# -- finding code-like spans -----------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    code: str


def _trim_statement(text: str) -> str | None:
    """The longest prefix of `text` (prose may follow) that parses as Python."""
    text = text.rstrip()
    candidates = [text, text.rstrip(".,;:!?)"), re.split(r"\s[-—–]\s|\.\s", text)[0]]
    words = text.split(" ")
    candidates += [" ".join(words[:n]) for n in range(len(words) - 1, 0, -1)]
    for candidate in candidates:
        candidate = candidate.strip()
        if candidate and _CODE_HINTS.search(candidate) and _parses(candidate):
            return candidate
    return None


def find_spans(text: str) -> list[Span]:
    """Code-like spans of `text`, each with its region (to withhold) and its code (dedented)."""
    spans: list[Span] = []
    if not text or not text.strip():
        return spans
    covered = [False] * len(text)

    def add(start: int, end: int, code: str) -> None:
        spans.append(Span(start, end, code))
        for i in range(start, end):
            covered[i] = True

    stripped = textwrap.dedent(text).strip()
    whole_code = "\n" in stripped or _CODE_HINTS.search(stripped)
    if whole_code and _parses(stripped) and _looks_like_code(stripped):
        # The whole string is code (a raw code block, an action's payload, a data field).
        add(0, len(text), stripped)
        return spans
    for match in _FENCE.finditer(text):
        add(match.start(), match.end(), textwrap.dedent(match.group("code")).strip("\n"))
    for match in _INDENTED.finditer(text):
        if not any(covered[match.start() : match.end()]):
            block = textwrap.dedent(match.group(0)).strip("\n")
            if _parses(block):
                add(match.start(), match.end(), block)
    for match in _INLINE.finditer(text):
        if not any(covered[match.start() : match.end()]):
            add(match.start(), match.end(), match.group("code"))
    # Bare statements in prose lines.
    offset = 0
    for line in text.splitlines(keepends=True):
        if not any(covered[offset : offset + len(line)]) and _CODE_HINTS.search(line):
            for start in _STATEMENT_START.finditer(line):
                statement = _trim_statement(line[start.start() :])
                if statement is not None and _looks_like_code(statement):
                    begin = offset + start.start()
                    add(begin, begin + len(statement), statement)
                    break
        offset += len(line)
    return spans


def _combinable(code: str) -> bool:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return bool(re.match(r"\s*(?:async\s+def|def|class|for|while|if|elif|else|try|except|with)\b", code))
    return any(not isinstance(node, ast.Expr) for node in tree.body)


def _looks_like_code(code: str) -> bool:
    """More than a word or a bare expression: a definition, an assignment, a return, a call."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(
            node,
            ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.Assign
            | ast.AugAssign
            | ast.AnnAssign
            | ast.Return
            | ast.Lambda
            | ast.For
            | ast.While
            | ast.If
            | ast.Import
            | ast.ImportFrom,
        ):
            return True
    return False


# -- what text decodes to --------------------------------------------------------------------

_PSEUDO_RULES = [
    (
        re.compile(r"^(\s*)(?:FUNCTION|PROCEDURE|DEFINE|DEF)\s+(\w+)\s*\((.*)\)\s*:?\s*$", re.I),
        r"\1def \2(\3):",
    ),
    (re.compile(r"^(\s*)(?:SET|LET)\s+(.+?)\s+(?:TO|=)\s+(.+)$", re.I), r"\1\2 = \3"),
    (re.compile(r"^(\s*)(\w+)\s*(?:←|<-|:=)\s*(.+)$"), r"\1\2 = \3"),
    (re.compile(r"^(\s*)RETURN\s+(.+)$", re.I), r"\1return \2"),
    (re.compile(r"^(\s*)ELSE\s*IF\s+(.+?)(?:\s+THEN)?\s*:?\s*$", re.I), r"\1elif \2:"),
    (re.compile(r"^(\s*)IF\s+(.+?)(?:\s+THEN)?\s*:?\s*$", re.I), r"\1if \2:"),
    (re.compile(r"^(\s*)ELSE\s*:?\s*$", re.I), r"\1else:"),
    (re.compile(r"^(\s*)FOR\s+(?:EACH\s+)?(\w+)\s+IN\s+(.+?)(?:\s+DO)?\s*:?\s*$", re.I), r"\1for \2 in \3:"),
    (re.compile(r"^(\s*)WHILE\s+(.+?)(?:\s+DO)?\s*:?\s*$", re.I), r"\1while \2:"),
]
_PSEUDO_END = re.compile(r"^\s*END\b", re.I)
_PSEUDO_WORDS = [
    (re.compile(r"\bAND\b"), "and"),
    (re.compile(r"\bOR\b"), "or"),
    (re.compile(r"\bNOT\b"), "not"),
    (re.compile(r"\bTRUE\b", re.I), "True"),
    (re.compile(r"\bFALSE\b", re.I), "False"),
]


def from_pseudocode(text: str) -> str | None:
    """Structured pseudo-code (FUNCTION/SET/RETURN/IF/END ...) as Python, or None."""
    if not re.search(r"\b(?:FUNCTION|PROCEDURE|DEFINE|RETURN|SET|END)\b", text):
        return None
    out = []
    for line in text.splitlines():
        if _PSEUDO_END.match(line) or not line.strip():
            continue
        for pattern, replacement in _PSEUDO_RULES:
            if pattern.match(line):
                line = pattern.sub(replacement, line)
                break
        for pattern, word in _PSEUDO_WORDS:
            line = pattern.sub(word, line)
        out.append(line)
    code = textwrap.dedent("\n".join(out))
    return code if _parses(code) else None


def _decode_token(token: str) -> str | None:
    raw: bytes | None = None
    if token.startswith("\\x") or re.fullmatch(r"[0-9a-fA-F: ]+", token):
        try:
            raw = bytes.fromhex(re.sub(r"\\x|[: ]", "", token))
        except ValueError:
            raw = None
    if raw is None:
        padded = token + "=" * (-len(token) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(padded)
                break
            except (binascii.Error, ValueError):
                continue
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Unicode spaces and invisible marks are not "printable", yet hide code in plain sight.
    printable = sum(
        ch.isprintable() or ch in "\n\t" or unicodedata.category(ch) in ("Zs", "Cf") for ch in text
    )
    return text if text and printable / len(text) > 0.95 else None


# What a Markdown renderer turns into other characters: entities, backslash escapes, line
# breaks and tags written as HTML.
_RENDERED = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|\\[!-/:-@\[-`{-~]"
    r"|<br\s*/?>"
    r"|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?>"
)


def _rendered(token: str) -> str:
    if token.startswith("&"):
        return html.unescape(token)
    if token.startswith("\\"):
        return token[1:]
    return "\n" if token[:3].lower() == "<br" else ""


def unicode_plain(text: str) -> tuple[str, list[int]]:
    """`text` as the student reads it and would retype it: HTML entities (`&gt;`, `&#62;`,
    `&nbsp;`), Markdown backslash escapes and `<br>` as the characters a renderer shows, other
    HTML tags dropped, invisible format characters (zero-width spaces, joiners, bidi marks)
    dropped, look-alikes folded by NFKC (fullwidth letters, no-break and other Unicode spaces);
    with, for each character kept, its index in `text`. A reader sees the same code either
    way; only the parser is fooled."""
    out: list[str] = []
    index: list[int] = []
    tokens = (
        {m.start(): m for m in _RENDERED.finditer(text)}
        if ("&" in text or "\\" in text or "<" in text)
        else {}
    )
    position = 0
    while position < len(text):
        match = tokens.get(position)
        chars, end = (_rendered(match.group(0)), match.end()) if match else (text[position], position + 1)
        for char in chars:
            if char.isascii():
                folded = char
            elif unicodedata.category(char) == "Cf":
                continue
            else:
                folded = " " if unicodedata.category(char) == "Zs" else unicodedata.normalize("NFKC", char)
            out.append(folded)
            index += [position] * len(folded)
        position = end
    return "".join(out), index


def _indexed(index: list[int], size: int) -> Any:
    def mapper(start: int, end: int) -> tuple[int, int]:
        begin = index[start] if start < len(index) else size
        return begin, (index[end - 1] + 1 if 0 < end <= len(index) else begin)

    return mapper


def decodings(text: str) -> list[tuple[str, Any]]:
    """(decoded text, region mapper) pairs; the mapper turns a region of the decoded text into
    the region of `text` to withhold."""
    found: list[tuple[str, Any]] = []
    size = len(text)
    plain, index = unicode_plain(text)
    if plain != text and _CODE_HINTS.search(plain):
        found.append((plain, _indexed(index, size)))
    rot = codecs.encode(text, "rot13")
    if _CODE_HINTS.search(rot):
        found.append((rot, _same))
    backwards = text[::-1]
    if _CODE_HINTS.search(backwards):
        found.append((backwards, _mirror(size)))
    for pattern in (_HEX, _B64):
        for match in pattern.finditer(text):
            decoded = _decode_token(match.group(0))
            if decoded and _CODE_HINTS.search(decoded):
                region = _fixed(match.start(), match.end())
                found += [(decoded, region), (codecs.encode(decoded, "rot13"), region)]
                plain_decoded = unicode_plain(decoded)[0]
                if plain_decoded != decoded:
                    found.append((plain_decoded, region))
    pseudo = from_pseudocode(text)
    if pseudo:
        found.append((pseudo, _fixed(0, size)))
    for match in _FENCE.finditer(text):
        pseudo = from_pseudocode(match.group("code"))
        if pseudo:
            found.append((pseudo, _fixed(match.start(), match.end())))
    return found


def _same(start: int, end: int) -> tuple[int, int]:
    return start, end


def _mirror(size: int) -> Any:
    def mapper(start: int, end: int) -> tuple[int, int]:
        return size - end, size - start

    return mapper


def _fixed(a: int, b: int) -> Any:
    def mapper(start: int, end: int) -> tuple[int, int]:
        return a, b

    return mapper


# -- the guard -------------------------------------------------------------------------------


class RunBudget:
    """The sandbox runs left for guarding one reply."""

    def __init__(self, runs: int) -> None:
        self.left = runs


class BudgetSpent(Exception):  # noqa: N818 - a control-flow signal
    """A program needed a sandbox run after the reply's budget was spent."""

    def __init__(self, exercise: Exercise) -> None:
        super().__init__(exercise.id)
        self.exercise = exercise


@dataclass(frozen=True)
class Withheld:
    exercise_id: str
    title: str
    where: str


@dataclass
class _Piece:
    owner: int  # index of the string it was found in
    start: int
    end: int
    code: str
    plain: bool  # found in the text as written (not decoded)


@dataclass
class _Text:
    path: tuple[Any, ...]
    value: str
    withhold: list[tuple[int, int]] = field(default_factory=list)


def _walk(value: Any, path: tuple[Any, ...], out: list[_Text]) -> None:
    if isinstance(value, str):
        out.append(_Text(path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if len(path) == 0 and key in _SKIP_TOP:
                continue
            if path == ("data",) and key in _SKIP_DATA:
                continue
            _walk(item, (*path, key), out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _walk(item, (*path, index), out)


def _where(path: tuple[Any, ...], dumped: dict[str, Any]) -> str:
    if path[0] == "code_blocks" and len(path) >= 2:
        return f"code block ({dumped['code_blocks'][path[1]]['role']})"
    if path == ("explanation",):
        return "explanation"
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")


# Calls that define names a parser cannot see (`exec(src)`, `globals()["f"] = g`).
_DYNAMIC = frozenset({"exec", "eval", "compile", "globals", "locals", "vars", "setattr", "__import__"})
MAX_ALIASES = 6


def _callables(code: str) -> tuple[list[str], bool]:
    """What a program defines that could stand in for an exercise's function under another
    name (top-level functions, names bound to a lambda, a class's methods as `Class.method`),
    and whether it defines names dynamically."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return [], False
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            found += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.ClassDef):
            found.append(node.name)
            found += [
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    dynamic = any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC
        for node in ast.walk(tree)
    )
    return list(dict.fromkeys(found)), dynamic


def _renamed(code: str, exercise: Exercise) -> list[str]:
    """`code` with each of its callables bound to the exercise's function and class names it
    lacks: a solution under another name ("call it can_ride") is as complete as one under its own. A
    program that defines names dynamically is tried as it is."""
    needed = [name for name in _exercise_names(exercise.starter) if name not in defined_names(code)]
    if not needed:
        return []
    callables, dynamic = _callables(code)
    variants = [code] if dynamic else []
    for name in needed:
        variants += [f"{code}\n{name} = {found}\n" for found in callables if found != name]
    if len(needed) > 1 and len(callables) >= len(needed):
        binds = "".join(f"{name} = {found}\n" for name, found in zip(needed, callables, strict=False))
        variants.append(f"{code}\n{binds}")
    return variants[:MAX_ALIASES]


def _exercise_names(starter: str) -> list[str]:
    try:
        tree = ast.parse(starter)
    except SyntaxError:
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]


def _reindent_flat(lines: list[str]) -> str:
    """Spans joined line by line, every line after a top-level `def`/`class` in its body."""
    out: list[str] = []
    inside = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if re.match(r"(?:async\s+def|def|class|import|from|@)\b", line) or (
            not inside and not line.startswith(("return", "yield"))
        ):
            inside = line.startswith(("def", "async def", "class")) or (inside and line.startswith("@"))
            out.append(line)
        else:
            out.append("    " + line)
    return "\n".join(out)


def _reindent_nested(lines: list[str]) -> str:
    """Each line ending with ':' opens a deeper block for the lines after it."""
    out: list[str] = []
    level = 0
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if re.match(r"(?:async\s+def|def|class)\b", line):
            level = 0
        elif re.match(r"(?:elif|else|except|finally)\b", line):
            level = max(level - 1, 1)
        out.append("    " * level + line)
        if line.endswith(":"):
            level += 1
    return "\n".join(out)


class GradedGuard:
    def __init__(self, banks: Iterable[Bank]) -> None:
        self._exercises: list[tuple[Exercise, frozenset[str]]] = []
        for bank in banks:
            for exercise in bank:
                names = frozenset(defined_names(exercise.starter))
                if names:
                    self._exercises.append((exercise, names))
        self._by_id = {ex.id: ex for ex, _ in self._exercises}
        self._points: dict[tuple[str, str], int] = {}
        self.sandbox_runs = 0

    # -- checks --------------------------------------------------------------------------

    def points(self, exercise: Exercise, code: str, budget: RunBudget | None = None) -> int:
        """Tests (points) `code` passes, hidden tests included; cached per code."""
        key = (exercise.id, hashlib.sha256(code.encode()).hexdigest())
        if key not in self._points:
            if not code.strip() or not _parses(code):
                self._points[key] = 0
            else:
                if budget is not None:
                    if budget.left <= 0:
                        raise BudgetSpent(exercise)
                    budget.left -= 1
                self.sandbox_runs += 1
                self._points[key] = check_code(exercise, code, include_hidden=True).points
        return self._points[key]

    def baseline(self, exercise: Exercise, student_code: str | None, budget: RunBudget | None = None) -> int:
        """What the student already has: their attempt's score (or the starter's); an attempt
        under other names counts as it would under the exercise's own (their `canride` quoted
        back, or renamed to `can_ride`, hands them nothing)."""
        best = self.points(exercise, exercise.starter, budget)
        if not student_code:
            return best
        if defined_names(student_code) & set(defined_names(exercise.starter)):
            return max(best, self.points(exercise, student_code, budget))
        for variant in _renamed(student_code, exercise):
            best = max(best, self.points(exercise, variant, budget))
        return best

    def candidates(self, code: str, exercise_ids: Iterable[str] = ()) -> list[Exercise]:
        named = set(exercise_ids)
        names = defined_names(code)
        return [ex for ex, needed in self._exercises if ex.id in named or (names and needed & names)]

    def related(self, exercise_ids: Iterable[str], student_code: str | None) -> list[Exercise]:
        """Exercises the query is about: named in it, or whose names the student's code defines."""
        named = {i for i in exercise_ids if i in self._by_id}
        names = defined_names(student_code or "")
        return [ex for ex, needed in self._exercises if ex.id in named or (names and needed & names)]

    def leaks(
        self,
        code: str,
        exercise_ids: Iterable[str] = (),
        student_code: str | None = None,
        budget: RunBudget | None = None,
    ) -> Exercise | None:
        """The exercise for which `code` passes more tests than the student's attempt, if any."""
        ids = list(exercise_ids)
        for exercise in self.candidates(code, ids):
            if not defined_names(code) & set(defined_names(exercise.starter)):
                continue
            if self.points(exercise, code, budget) > self.baseline(exercise, student_code, budget):
                return exercise
        return None

    def solves(self, code: str, exercise_ids: Iterable[str] = ()) -> Exercise | None:
        """The exercise whose every test (hidden included) this code passes, if any."""
        for exercise in self.candidates(code, exercise_ids):
            if check_code(exercise, code, include_hidden=True).passed:
                return exercise
        return None

    # -- the reply -----------------------------------------------------------------------

    def guard_reply(self, reply: AgentReply, query: StudentQuery) -> list[Withheld]:
        """The graded-mode door (llm/graded.py): guard `reply` to `query` in place."""
        return self.guard(reply, exercise_ids(query), query.code)

    def _programs(
        self, pieces: list[_Piece], related: list[Exercise]
    ) -> list[tuple[str, list[int], list[Exercise]]]:
        """(program, pieces it came from, exercises to try besides those its names point at)."""
        programs: list[tuple[str, list[int], list[Exercise]]] = []
        for index, piece in enumerate(pieces):
            programs.append((piece.code, [index], []))
            if re.search(r"\breturn\b", piece.code) and not re.search(r"^\s*def\b", piece.code, re.M):
                body = textwrap.indent(textwrap.dedent(piece.code).strip("\n"), "    ")
                for exercise in related:
                    for header in _function_headers(exercise.starter):
                        programs.append((f"{header}\n{body}\n", [index], [exercise]))  # noqa: PERF401
            for exercise in related:
                programs += [(variant, [index], [exercise]) for variant in _renamed(piece.code, exercise)]
        # Put together: every piece as written that could be part of a program (fragments
        # that do not parse alone, such as a `def` line, and statements), not bare expressions.
        plain = [i for i, p in enumerate(pieces) if p.plain and _combinable(p.code)]
        if len(plain) >= 2:
            lines = [line for i in plain for line in pieces[i].code.splitlines()]
            joined = "\n".join(pieces[i].code for i in plain)
            for program in (joined, _reindent_flat(lines), _reindent_nested(lines)):
                programs.append((program, plain, related))
        return programs

    def _round(
        self,
        texts: list[_Text],
        exercise_ids: list[str],
        student_code: str | None,
        related: list[Exercise],
        budget: RunBudget,
    ) -> list[tuple[int, Exercise]]:
        pieces: list[_Piece] = []
        for owner, text in enumerate(texts):
            for span in find_spans(text.value):
                pieces.append(_Piece(owner, span.start, span.end, span.code, True))  # noqa: PERF401
            for decoded, mapper in decodings(text.value):
                for span in find_spans(decoded):
                    start, end = mapper(span.start, span.end)
                    pieces.append(_Piece(owner, start, end, span.code, False))
        found: list[tuple[int, Exercise]] = []
        for program, sources, extra in self._programs(pieces, related):
            if not _parses(program):
                continue
            try:
                exercise = self.leaks(program, exercise_ids, student_code, budget)
                if exercise is None:
                    for candidate in extra:
                        if self.points(candidate, program, budget) > self.baseline(
                            candidate, student_code, budget
                        ):
                            exercise = candidate
                            break
            except BudgetSpent as spent:
                # Fail closed: a program that would need a run past the budget is withheld.
                exercise = spent.exercise
            if exercise is None:
                continue
            for index in sources:
                piece = pieces[index]
                texts[piece.owner].withhold.append((piece.start, piece.end))
                found.append((piece.owner, exercise))
        return found

    def guard(
        self, reply: AgentReply, exercise_ids: Iterable[str] = (), student_code: str | None = None
    ) -> list[Withheld]:
        """Withhold solutions from `reply` in place; returns what was withheld."""
        ids = [i.lower() for i in exercise_ids]
        related = self.related(ids, student_code)
        dumped = reply.model_dump(mode="json")
        withheld: list[Withheld] = []
        seen: set[tuple[str, str]] = set()
        dropped_blocks: set[int] = set()
        budget = RunBudget(MAX_RUNS_PER_REPLY)
        for _ in range(MAX_ROUNDS):
            texts: list[_Text] = []
            _walk(dumped, (), texts)
            found = self._round(texts, ids, student_code, related, budget)
            if not found:
                break
            for owner, exercise in found:
                where = _where(texts[owner].path, dumped)
                if (exercise.id, where) not in seen:
                    seen.add((exercise.id, where))
                    withheld.append(Withheld(exercise.id, exercise.meta.title, where))
            for text in texts:
                if not text.withhold:
                    continue
                if text.path[0] == "code_blocks":
                    dropped_blocks.add(text.path[1])
                    _set(dumped, text.path, "")
                    continue
                _set(dumped, text.path, _redact(text.value, text.withhold))
        if not withheld:
            return withheld
        self._apply(reply, dumped, dropped_blocks, withheld)
        return withheld

    def _apply(
        self, reply: AgentReply, dumped: dict[str, Any], dropped: set[int], withheld: list[Withheld]
    ) -> None:
        new_index: dict[int, int] = {}
        blocks = []
        for index, block in enumerate(dumped.get("code_blocks", [])):
            if index in dropped:
                continue
            new_index[index] = len(blocks)
            blocks.append(block)
        dumped["code_blocks"] = blocks
        actions = []
        for action in dumped.get("actions", []):
            target = (action.get("args") or {}).get("code_block")
            if isinstance(target, int):
                if target not in new_index:
                    continue
                action["args"] = {**action["args"], "code_block": new_index[target]}
            actions.append(action)
        dumped["actions"] = actions
        guarded = AgentReply.model_validate(dumped)
        first = withheld[0]
        exercise = self._by_id[first.exercise_id]
        next_step = exercise.hints[0] if exercise.hints else "try the next small step."
        nudge = (
            f"🔒 “{first.title}” is a graded exercise, so the tutor will not hand you a finished solution. "
            f"You are closer than you think: {next_step}"
        )
        guarded.hints = [nudge, *guarded.hints]
        hint_actions = [a for a in guarded.actions if a.kind is ActionKind.SHOW_HINT]
        for action in hint_actions:
            action.args = {**action.args, "hint_index": 0, "total": len(guarded.hints)}
        if not hint_actions:
            guarded.actions.append(
                Action(
                    kind=ActionKind.SHOW_HINT,
                    label="Show a hint",
                    args={"hint_index": 0, "total": len(guarded.hints)},
                )
            )
        guarded.explanation = f"{guarded.explanation}\n\n> {nudge}".strip()
        if not guarded.summary.strip():
            guarded.summary = nudge[:2_000]
        guarded.data["withheld"] = [w.__dict__ for w in withheld]
        for name in AgentReply.model_fields:
            setattr(reply, name, getattr(guarded, name))


def _set(root: Any, path: tuple[Any, ...], value: Any) -> None:
    node = root
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _redact(text: str, regions: list[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for start, end in sorted(regions):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(WITHHELD_MARK)
        last = end
    out.append(text[last:])
    return "".join(out)


def graded_guard(exercises_dir: Path | None) -> GradedGuard:
    """The guard over the shipped bank and a course's exercise notebooks (the declaration's
    graded-mode policy)."""
    from learnflow_agents.tutors.exercise.bank import load_bank, load_directory

    banks = [load_bank()]
    if exercises_dir is not None:
        banks.append(load_directory(exercises_dir))
    return GradedGuard(banks)
