"""Facts about the student's cell read from its source: names, definitions, lines, tokens.

Everything here is static (ast/tokenize): the agent never imports or runs the student's
code in-process. Notebook cells may contain IPython syntax (``%magic``, ``!shell``,
top-level ``await``) that plain ``compile`` rejects, so it is neutralised first without
shifting line numbers.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import difflib
import functools
import io
import keyword
import re
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

_MAGIC_LINE = re.compile(r"^(\s*)(%{1,2}|!)\S")
_HELP_LINE = re.compile(r"^\s*[\w.]+\?{1,2}\s*$")
_COMPILE_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))


def neutralise_ipython(code: str) -> str:
    """Replace IPython-only lines with ``pass`` so the rest can be compiled and parsed.

    Only a line that starts a statement can be IPython's: inside brackets (`% (name, age)`,
    `!= b)` continuing a condition), after a backslash, or inside a triple-quoted string, a
    leading `%` or `!` is Python's, and masking it broke correct code."""
    if "%" not in code and "!" not in code and "?" not in code:
        return code
    out = []
    depth, continued = 0, False
    for line, masked in zip(code.split("\n"), code_only(code).split("\n"), strict=True):
        m = _MAGIC_LINE.match(line)
        starts = depth == 0 and not continued and (m is None or _MAGIC_LINE.match(masked) is not None)
        if starts and (m or _HELP_LINE.match(line)):
            indent = m.group(1) if m else line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass")
            continue
        out.append(line)
        for ch in masked:
            if ch in "([{":
                depth += 1
            elif ch in ")]}" and depth:
                depth -= 1
        continued = masked.rstrip().endswith("\\")
    return "\n".join(out)


def compile_error(code: str) -> SyntaxError | None:
    """The SyntaxError ``code`` raises at compile time, or None when it compiles."""
    try:
        with warnings.catch_warnings():
            # "'int' object is not callable; perhaps you missed a comma?" and friends are
            # the student's business, not noise for the agent's log.
            warnings.simplefilter("ignore")
            compile(neutralise_ipython(code), "<cell>", "exec", flags=_COMPILE_FLAGS, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, MemoryError, RecursionError):
        return None
    return None


def code_only(text: str) -> str:
    """``text`` with the inside of strings (closed or not) and comments blanked to spaces, so
    a regex or a name count only sees code. Lines and columns are kept."""
    out = list(text)
    i, quote = 0, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\n" and len(quote) == 1:
                quote = None  # an unterminated one-line string ends with its line
                i += 1
                continue
            if ch == "\\":
                out[i] = " "
                if i + 1 < len(text) and text[i + 1] != "\n":
                    out[i + 1] = " "
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            if ch != "\n":
                out[i] = " "
            i += 1
            continue
        if ch == "#":
            while i < len(text) and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return "".join(out)


def compiles(code: str) -> bool:
    return compile_error(code) is None


def parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(neutralise_ipython(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def parse_fragment(line: str) -> ast.AST | None:
    """Parse one line on its own (for tracebacks without the cell's code)."""
    text = line.strip()
    if not text:
        return None
    candidates = (
        text,
        text + "\n    pass",
        text.rstrip(":") + ":\n    pass",
        # "return x.uper()" is only valid inside a function.
        "def _fragment():\n    " + text,
        "def _fragment():\n    " + text + "\n        pass",
    )
    for candidate in candidates:
        try:
            return ast.parse(candidate)
        except SyntaxError:
            continue
    return None


def lines_of(code: str) -> list[str]:
    return code.split("\n")


def line_at(code: str, lineno: int | None) -> str:
    if lineno is None:
        return ""
    lines = lines_of(code)
    return lines[lineno - 1] if 1 <= lineno <= len(lines) else ""


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def replace_line(code: str, lineno: int, new_text: str) -> str:
    lines = lines_of(code)
    lines[lineno - 1] = new_text
    return "\n".join(lines)


def insert_lines(code: str, before: int, new_lines: Iterable[str]) -> str:
    """Insert ``new_lines`` so that the first of them becomes line ``before``."""
    lines = lines_of(code)
    lines[before - 1 : before - 1] = list(new_lines)
    return "\n".join(lines)


# A line with its ending, as ast.get_source_segment splits a source (not on form feeds).
_SOURCE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@functools.lru_cache(maxsize=8)
def _source_lines(code: str) -> tuple[str, ...]:
    return tuple(_SOURCE_LINE.findall(code))


def segment(code: str, node: ast.AST) -> str:
    """``ast.get_source_segment(code, node)``, or the node unparsed.

    The standard function splits the whole source, character by character in Python, on
    every call; the analysers call it for many nodes of one cell, so a 100,000-character
    cell of short loops took a minute. The split is made once per source here.
    """
    try:
        first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined,operator]
        start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    except (AttributeError, TypeError):
        return ast.unparse(node)
    lines = _source_lines(code)
    if end is None or not 0 <= first <= last < len(lines):
        return ast.unparse(node)
    if first == last:
        text = lines[first].encode()[start:end].decode()
    else:
        head = lines[first].encode()[start:].decode()
        tail = lines[last].encode()[:end].decode()
        text = "".join([head, *lines[first + 1 : last], tail])
    return text or ast.unparse(node)


def replace_node(code: str, node: ast.AST, new_text: str) -> str:
    """Replace the exact source span of ``node`` (which may span several lines)."""
    lines = lines_of(code)
    start, end = node.lineno, node.end_lineno or node.lineno
    s_col, e_col = node.col_offset, node.end_col_offset or node.col_offset
    # ast columns are UTF-8 byte offsets; convert to character offsets for non-ASCII lines.
    s_char = len(lines[start - 1].encode()[:s_col].decode(errors="ignore"))
    e_char = len(lines[end - 1].encode()[:e_col].decode(errors="ignore"))
    head = lines[start - 1][:s_char]
    tail = lines[end - 1][e_char:]
    lines[start - 1 : end] = (head + new_text + tail).split("\n")
    return "\n".join(lines)


@dataclass
class NameToken:
    name: str
    line: int
    col: int
    after_dot: bool


def name_tokens(code: str) -> list[NameToken]:
    """NAME tokens of ``code``; empty when it cannot be tokenised."""
    out: list[NameToken] = []
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.NAME:
                out.append(NameToken(tok.string, tok.start[0], tok.start[1], previous == "."))
            if tok.type not in (tokenize.NL, tokenize.COMMENT):
                previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def rename(code: str, old: str, new: str, *, only_line: int | None = None) -> str:
    """Rename every variable-position occurrence of ``old`` (not ``obj.old`` attributes)."""
    lines = lines_of(code)
    hits = [t for t in name_tokens(code) if t.name == old and not t.after_dot]
    if only_line is not None:
        hits = [t for t in hits if t.line == only_line]
    for tok in sorted(hits, key=lambda t: (t.line, t.col), reverse=True):
        text = lines[tok.line - 1]
        lines[tok.line - 1] = text[: tok.col] + new + text[tok.col + len(old) :]
    return "\n".join(lines)


def _text_spans(code: str) -> list[tuple[int, int]] | None:
    """Character ranges of ``code`` that are words, not code: comments, and strings except the
    ``{…}`` parts of an f-string. None when the cell cannot be tokenised."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans: list[tuple[int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type not in (tokenize.STRING, tokenize.COMMENT):
                continue
            begin = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()  # type: ignore[union-attr]
            if tok.type == tokenize.STRING and "f" in prefix:
                depth, edge, i, text = 0, begin, 0, tok.string
                while i < len(text):
                    if text[i] in "{}" and text[i : i + 2] in ("{{", "}}") and depth == 0:
                        i += 2
                        continue
                    if text[i] == "{":
                        if depth == 0:
                            spans.append((edge, begin + i + 1))
                        depth += 1
                    elif text[i] == "}" and depth:
                        depth -= 1
                        edge = begin + i if depth == 0 else edge
                    i += 1
                spans.append((edge, end))
            else:
                spans.append((begin, end))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return spans


def rename_in_code(code: str, pattern: str, new: str) -> str | None:
    """``re.sub(pattern, new, code)`` on the code only: the student's strings and comments keep
    their words (renaming a variable must not change what the cell prints). None when the cell
    cannot be tokenised."""
    spans = _text_spans(code)
    if spans is None:
        return None

    begins = [a for a, _ in spans]  # in order and apart: a bisect per match keeps big cells linear

    def _swap(m: re.Match[str]) -> str:
        i = bisect.bisect_right(begins, m.start()) - 1
        return m.group(0) if i >= 0 and m.start() < spans[i][1] else new

    return re.sub(pattern, _swap, code)


@dataclass
class Binding:
    """Where a name gets a value, and what kind of binding it is."""

    name: str
    line: int
    kind: str  # assign, augassign, for, def, class, import, param, with, except, comprehension, global
    scope: str  # "<module>" or the enclosing function's name
    value: ast.AST | None = None


@dataclass
class CodeFacts:
    tree: ast.Module | None
    bindings: list[Binding] = field(default_factory=list)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)

    def bound_names(self, scope: str | None = None) -> set[str]:
        return {b.name for b in self.bindings if scope is None or b.scope == scope}

    def bindings_of(self, name: str) -> list[Binding]:
        return [b for b in self.bindings if b.name == name]

    def first_binding(self, name: str, scope: str | None = None) -> Binding | None:
        found = [b for b in self.bindings_of(name) if scope is None or b.scope == scope]
        return min(found, key=lambda b: b.line) if found else None

    def last_assignment_before(self, name: str, line: int) -> Binding | None:
        found = [
            b for b in self.bindings_of(name) if b.line < line and b.kind in ("assign", "augassign", "for")
        ]
        return max(found, key=lambda b: b.line) if found else None


class _BindingCollector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.bindings: list[Binding] = []
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.scope = ["<module>"]

    def _bind(self, target: ast.AST, line: int, kind: str, value: ast.AST | None = None) -> None:
        # Only names themselves are bound: "d[key] = v" and "obj.x = v" bind nothing new.
        if isinstance(target, ast.Name):
            self.bindings.append(Binding(target.id, line, kind, self.scope[-1], value))
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, line, kind, None)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, line, kind, None)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.lineno, "assign", node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.lineno, "assign", node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind(node.target, node.lineno, "augassign", node.value)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind(node.target, node.lineno, "assign", node.value)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, node.lineno, "for", node.iter)
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._bind(node.target, node.lineno, "for", node.iter)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, node.lineno, "with", item.context_expr)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bindings.append(Binding(node.name, node.lineno, "except", self.scope[-1]))
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._bind(node.target, getattr(node.target, "lineno", 0), "comprehension", node.iter)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.bindings.append(Binding(name, node.lineno, "import", self.scope[-1]))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.bindings.append(Binding(alias.asname or alias.name, node.lineno, "import", self.scope[-1]))

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.bindings.append(Binding(name, node.lineno, "global", self.scope[-1]))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bindings.append(Binding(node.name, node.lineno, "def", self.scope[-1], node))
        self.functions.setdefault(node.name, node)
        for dec in node.decorator_list:
            self.visit(dec)
        self.scope.append(node.name)
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                self.bindings.append(Binding(arg.arg, node.lineno, "param", node.name))
        for stmt in node.body:
            self.visit(stmt)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for arg in node.args.args:
            self.bindings.append(Binding(arg.arg, node.lineno, "param", "<lambda>"))
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bindings.append(Binding(node.name, node.lineno, "class", self.scope[-1], node))
        self.classes.setdefault(node.name, node)
        self.scope.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self.scope.pop()


def collect_facts(code: str) -> CodeFacts:
    tree = parse(code)
    if tree is None:
        return CodeFacts(tree=None)
    collector = _BindingCollector()
    collector.visit(tree)
    return CodeFacts(tree, collector.bindings, collector.functions, collector.classes)


def walk_with_parents(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in ast.iter_child_nodes(node))


def parent_map(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for child, parent in walk_with_parents(tree) if parent is not None}


def nodes_on_line(tree: ast.AST | None, line: int | None, kind: type | tuple[type, ...]) -> list:
    if tree is None or line is None:
        return []
    found = [
        n
        for n in ast.walk(tree)
        if isinstance(n, kind)
        and getattr(n, "lineno", None) is not None
        and n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    # Innermost first: the smallest span is the most specific match.
    return sorted(
        found, key=lambda n: ((n.end_lineno or n.lineno) - n.lineno, (n.end_col_offset or 0) - n.col_offset)
    )


def statement_at(tree: ast.AST | None, line: int | None) -> ast.stmt | None:
    stmts = nodes_on_line(tree, line, ast.stmt)
    # The innermost statement whose first line is the line, else the innermost enclosing one.
    starting = [s for s in stmts if s.lineno == line]
    return starting[0] if starting else (stmts[0] if stmts else None)


def enclosing_function(
    tree: ast.AST | None, line: int | None
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    funcs = nodes_on_line(tree, line, (ast.FunctionDef, ast.AsyncFunctionDef))
    return funcs[0] if funcs else None


def enclosing_loop(tree: ast.AST | None, line: int | None) -> ast.For | ast.While | None:
    loops = nodes_on_line(tree, line, (ast.For, ast.While))
    return loops[0] if loops else None


def node_in_span(nodes: list, line: int, span: tuple[int, int] | None, line_text: str) -> ast.AST | None:
    """Pick the node whose columns match a traceback's caret span on ``line``."""
    if not nodes:
        return None
    if span is None:
        return nodes[0]
    indent = len(line_text) - len(line_text.lstrip())
    start, end = span[0] + indent, span[1] + indent
    exact = [n for n in nodes if n.lineno == line and n.col_offset == start and n.end_col_offset == end]
    if exact:
        return exact[0]
    covering = [
        n for n in nodes if n.lineno == line and n.col_offset <= start and (n.end_col_offset or 0) >= end
    ]
    return covering[0] if covering else nodes[0]


def name_ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def closest(name: str, candidates: Iterable[str], *, cutoff: float = 0.7) -> str | None:
    """The candidate a typo most likely meant: same letters ignoring case first, then difflib."""
    pool = [c for c in dict.fromkeys(candidates) if c and c != name]
    for c in pool:
        if c.lower() == name.lower():
            return c
    best: tuple[float, str] | None = None
    for c in pool:
        score = name_ratio(name, c)
        if sorted(c.lower()) == sorted(name.lower()):
            score += 0.15  # transposed letters ("lenght") are the commonest typo
        if c[:1].lower() == name[:1].lower():
            score += 0.05
        if score >= cutoff and (best is None or score > best[0]):
            best = (score, c)
    return best[1] if best else None


def is_keyword(word: str) -> bool:
    return keyword.iskeyword(word)


def first_code_line(code: str) -> int:
    """First line after the leading comments/docstring/imports: where a new import belongs."""
    tree = parse(code)
    if tree is None or not tree.body:
        return 1
    line = 1
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt is tree.body[0]
        ):
            line = (stmt.end_lineno or stmt.lineno) + 1
        else:
            break
    return line


def replace_nodes(code: str, edits: list[tuple[ast.AST, str]]) -> str:
    """Apply several non-overlapping node replacements, last position first."""
    ordered = sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True)
    for node, text in ordered:
        code = replace_node(code, node, text)
    return code
