"""A bare "invalid syntax" where the line stops before a piece it needs, or holds a piece
Python 3.11 has no place for.

CPython names nothing in these messages, so the line is read here: an operator with no value on
its right (`total = price +`), a statement missing its required part (`import`, `for x`,
`assert x,`, `while:`), `:=` without the brackets it needs inside a bigger expression, a block
statement written after another one's colon on the same line, brackets around `import`'s
module names, and syntax only newer Pythons read (`type X = …`, `def f[T]()`, `t"…"`).
A fix is only shown when it keeps the student's other tokens and the cell then compiles.
"""

from __future__ import annotations

import keyword
import re

from learnflow_agents.tutors.debug.code_facts import code_only, compile_error, replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families.syntax_tokens import _diag, _fix, _where
from learnflow_agents.tutors.debug.situation import Situation

# Binary operators, longest first so `**` is not read as `*`.
_BINARY = re.compile(
    r"(?:\*\*|//|<<|>>|==|!=|<=|>=|[-+*/%@|&^<>]"
    r"|(?<![\w.])(?:and|or|in|is|not in|is not|else)|(?<![=!<>:+\-*/%@|&^])=)$"
)
_VALUE_END = re.compile(r"([A-Za-z_]\w*|\d[\w.]*|[)\]}]|['\"])$")
_KEYWORDS_NOT_VALUES = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "for",
    "while",
    "return",
    "yield",
    "lambda",
}


def _next_code_line(lines: list[str], after: int) -> int | None:
    """1-based number of the first line after ``after`` with code on it."""
    for n in range(after, len(lines)):
        if code_only(lines[n]).strip():
            return n + 1
    return None


_LONG_LINES = (
    "A line that ends with an operator is unfinished; when an expression must run over several lines, "
    "keep it inside round brackets."
)


def _continues(line: str, nxt: str, *, blank: bool) -> bool:
    """The next line reads as the rest of an expression, not as a statement of its own."""
    if len(nxt) - len(nxt.lstrip()) > len(line) - len(line.lstrip()):
        return True
    start = re.match(r"\s*([A-Za-z_]\w*)?\s*(\S)?", code_only(nxt))
    word, after = (start.group(1), start.group(2)) if start else (None, None)
    return not (blank or (word and (keyword.iskeyword(word) or after in ("=", "("))))


def dangling_operator(sit: Situation) -> Diagnosis | None:
    """`total = price +` (or `if x ==:`): an operator with no value on its right."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    if col > len(masked):
        col = len(masked)
    rest = masked[col:].strip()
    if (rest and rest[0] not in ")]}:,") or re.match(r"^\s*(from|import)\b", masked):
        return None
    before = masked[:col].rstrip()
    m = _BINARY.search(before)
    if m is None:
        return None
    op = m.group(0)
    left = before[: m.start()].rstrip()
    prev = _VALUE_END.search(left)
    if prev is None or prev.group(1) in _KEYWORDS_NOT_VALUES:
        return None
    head = re.match(r"^\s*(if|elif|while)\b", masked)
    if op == "=" and (head or "(" in left):
        return None  # `if x = :` and `f(a=)` have their own analyses
    shown = short(text[: m.end()].strip(), 50)
    fix = None
    continued = False
    lines = sit.code.split("\n") if sit.has_code else []
    if not rest and lines:
        # The student may have meant the next line to carry on the expression: inside brackets
        # Python joins lines, outside them a line ends the statement.
        nxt = _next_code_line(lines, lineno)
        if nxt is not None and _continues(text, lines[nxt - 1], blank=nxt > lineno + 1):
            indent = re.match(r"\s*", text).group(0)
            stmt = text[len(indent) :]
            target = re.match(r"^((?:[A-Za-z_][\w.\[\]'\"]*\s*(?:[-+*/%|&^@]|//|\*\*)?=\s*)+)", stmt)
            lead = target.group(1) if target and op != "=" else ""
            body = stmt[len(lead) :]
            joined_head = f"{indent}{lead}({body}"
            tail = lines[nxt - 1].rstrip()
            candidate_lines = [*lines[: lineno - 1], joined_head, *lines[lineno : nxt - 1], tail + ")"]
            candidate_lines += lines[nxt:]
            candidate = "\n".join(candidate_lines)
            if body.strip() and compile_error(candidate) is None:
                fix, continued = candidate, True
    what = "assignment" if op == "=" else f"`{op}`"
    if continued:
        nxt_text = lines[nxt - 1].strip()  # type: ignore[index]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} ends with {what} ({code(shown)}), which needs a value on its right; the "
            f"value is on the next line ({code(short(nxt_text, 40))}), but a line break ends a statement "
            "unless it is inside brackets.",
            why=f"Python's syntax reads a statement line by line. {code(shown)} stops with `{op}`, so the "
            "value after it is missing — Python does not look at the next line for it. Inside round "
            "brackets `( … )` an expression may run on over several lines.",
            steps=f"Put the whole expression in brackets so it may continue onto the next line, starting "
            f"with {code(short(joined_head.strip() + ' …', 50))} and ending with `)`, or write it on one "
            "line.",
            concepts=["syntax-basics"],
            fix=fix,
            analysis="syntax:dangling-operator",
            prevention=_LONG_LINES,
        )
    if op == "else":
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} ends its conditional expression with `else` and no value after it "
            f"({code(shown)}): `a if condition else b` needs the value `b` that is used when the "
            "condition is false.",
            why="A conditional expression always produces a value, so both branches must be given; by "
            "Python's syntax the value after `else` is required.",
            steps=f"Write the value after `else` ({code(short(text[: m.end()].strip() + ' …', 50))}), or use "
            "an `if` statement if nothing should happen otherwise.",
            concepts=["conditionals"],
            analysis="syntax:dangling-operator",
            prevention="Write both values of `a if condition else b` before running it.",
        )
    follows = {":": "the colon", ")": "the `)`", "]": "the `]`", "}": "the `}`", ",": "the comma"}.get(
        rest[:1], "the end of the line"
    )
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} has {what} with no value on its right ({code(shown)} is followed by "
        f"{follows}): `{op}` needs a value on each side.",
        why=f"`{op}` combines the value before it with the value after it; on line {lineno} nothing comes "
        f"after it, so by Python's syntax the expression is unfinished"
        + (" — the value being stored is missing." if op == "=" else "."),
        steps=f"Write the missing value after `{op}` ({code(short(text[: m.end()].strip() + ' …', 50))}), or "
        f"remove the `{op}` if nothing more should come.",
        concepts=["syntax-basics"],
        analysis="syntax:dangling-operator",
        prevention=_LONG_LINES,
    )


# What a statement keyword needs after it: regex on the masked line up to the caret, what is
# missing, and the student's own line completed with a placeholder ("{line}" is that line).
_NEEDS: list[tuple[str, str, str]] = [
    (r"^\s*import\s*$", "the name of the module to import", "import math"),
    (r"^\s*from\s*$", "the module, then `import` and the names", "from math import sqrt"),
    (r"^\s*from\s+[\w.]+\s*$", "`import` and the names to take from the module", "{line} import name"),
    (r"^\s*from\s+\.*\s*$", "the module, then `import` and the names", "from . import helpers"),
    (r"^\s*from\s+[\w.]+\s+import\s*$", "the names to import after `import`", "{line} name"),
    (r"^\s*assert\s*$", "a condition to check", "assert total > 0"),
    (r"^\s*del\s*$", "the name (or item) to delete", "del items[0]"),
    (r"^\s*(global|nonlocal)\s*$", "the variable name(s)", "{line} counter"),
    (r"^\s*raise\s*$", "the exception before `from`", "{line} ValueError('what went wrong') {rest}"),
    (r"^\s*(yield\s+from|await)\s*$", "the value after it", "{line} items"),
    (r"^\s*(if|elif|while)\s*$", "a condition before the colon", "{line} count < 10:"),
    (r"^\s*for\s*$", "a loop variable, `in` and the items", "for item in items:"),
    (r"^\s*for\s+[^:]*?\bin\s*$", "the items to loop over after `in`", "{line} items:"),
    (r"^\s*for\s+(?!.*\bin\b)[^:]+$", "`in` and the items to loop over", "{line} in items:"),
    (r"^\s*with\s*$", "the value to use (`with open(path) as f:`)", "with open('data.txt') as f:"),
    (r"^\s*(async\s+)?def\s*$", "the function's name before `(`", "{line} name{rest}"),
    (r"^\s*class\s*$", "the class's name", "{line} Name{rest}"),
    (r"^\s*except\s*$", "the exception type before `as`", "{line} ValueError {rest}"),
]
_CONCEPT = {
    "import": "modules-imports", "from": "modules-imports", "assert": "testing-assert",
    "raise": "exceptions", "except": "exceptions", "if": "conditionals", "elif": "conditionals",
    "while": "while-loops", "for": "for-loops", "with": "file-io", "def": "functions",
    "async": "functions", "class": "classes", "global": "scope", "nonlocal": "scope",
    "yield": "generators",
}  # fmt: skip


def incomplete_statement(sit: Situation) -> Diagnosis | None:
    """`import`, `from math`, `for x`, `while:`, `def ():`, `assert x,`: a statement that stops
    before a part it must have."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    col = min(col, len(masked))
    before, rest = masked[:col].rstrip(), masked[col:].strip()
    m = re.match(r"^(\s*assert\s+.+?),\s*$", before)
    if m and not rest:
        new_text = text[: len(m.group(1))] + text[len(before) :].replace(",", "", 1)
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} ends its `assert` with a comma and nothing after it: the comma in "
            "`assert condition, message` introduces the message shown when the check fails.",
            why="In `assert`'s syntax, a comma after the condition means 'here comes the message'; with "
            "nothing after the comma the statement is incomplete.",
            steps=f"Add the message after the comma ({code(short(before.strip(), 40) + ' ' + repr('failed'))}"
            f"), or remove the comma: {code(short(new_text.strip(), 50))}.",
            concepts=["testing-assert"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:incomplete-statement",
            prevention=_PREVENTION,
        )
    if rest not in ("", ":") and not (rest.startswith(("(", "from", "as")) and before.strip() in _BARE_WORDS):
        return None
    for pattern, missing, example in _NEEDS:
        if not re.match(pattern, before):
            continue
        word = before.split()[0] if before.split() else ""
        if word in ("def", "class") and not rest.startswith(("(", ":")):
            continue
        if word == "raise" and not rest.startswith("from"):
            continue
        if word == "except" and not rest.startswith("as"):
            continue
        tail = (
            text[len(before) :].strip() if rest else (":" if word in ("for", "if", "elif", "while") else "")
        )
        shown_example = example.format(line=text[: len(before)].strip(), rest=tail).strip()
        if word == "except" and re.fullmatch(r"as\s*:?", rest):
            shown_example = "except ValueError as err:"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno}'s `{word}` statement is incomplete: {code(short(text.strip(), 40))} is "
            f"missing {missing}, as in {code(short(shown_example, 50))}.",
            why=f"The syntax of a `{word}` statement has required parts, and Python stopped where the next "
            f"one should be: {missing}.",
            steps=f"Complete line {lineno} with {missing}, as in {code(short(shown_example, 50))} (with your "
            "own names).",
            concepts=[_CONCEPT.get(word, "syntax-basics")],
            analysis="syntax:incomplete-statement",
            prevention=_PREVENTION,
        )
    return None


_PREVENTION = (
    "Write a statement's fixed parts first (`for … in …:`, `from … import …`), then fill them in; "
    "Python checks the whole shape of each line before running anything."
)
_BARE_WORDS = {"def", "async def", "class", "raise", "except"}


def _walrus_span(masked: str, start: int) -> int:
    """Where the value after a `:=` at ``start`` ends: the next comma or closing bracket at its level."""
    depth = 0
    for i in range(start, len(masked)):
        ch = masked[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif ch in ",:" and depth == 0 and masked[i : i + 2] != ":=":
            return i
    return len(masked.rstrip())


def unparenthesised_walrus(sit: Situation) -> Diagnosis | None:
    """`yield x := 1`, `{k: y := 1}`, `f(**x := 1)`: an assignment expression must be in its own
    brackets wherever it is not the whole condition or argument."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    if masked[col : col + 2] != ":=":
        return None
    name = re.search(r"([A-Za-z_]\w*)\s*$", masked[:col])
    value_end = _walrus_span(masked, col + 2)
    if name is None or not masked[col + 2 : value_end].strip():
        what = "a value after it" if name else "a variable name before it"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} has `:=` without {what}: the walrus operator is written "
            "`(name := value)`.",
            why="`:=` stores the value on its right in the name on its left and gives that value back; both "
            "sides are needed.",
            steps="Write the name and the value, in brackets: `(total := 0)`; to just store a value on a "
            "line "
            "of its own, use `=`.",
            concepts=["variables", "syntax-basics"],
            analysis="syntax:walrus-parentheses",
            prevention="Use `=` to store a value; keep `:=` for storing a value inside a condition.",
        )
    start = name.start(1)
    new_text = text[:start] + "(" + text[start:value_end].rstrip() + ")" + text[value_end:]
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    pair = text[start:value_end].strip()
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} uses `:=` inside a bigger expression without brackets: write "
        f"{code('(' + short(pair, 40) + ')')}" + (f" — {code(short(new_text.strip(), 60))}." if fix else "."),
        why="The walrus operator `:=` binds more loosely than anything around it, so Python only accepts it "
        "unbracketed as a whole condition or a whole call argument; after `yield`, as a dict value, after "
        "`**`, as an item of a list or set, or as a statement of its own, `name := value` needs its own "
        "round brackets.",
        steps=f"Put brackets around {code(short(pair, 40))}"
        + (f": {code(short(new_text.strip(), 60))}." if fix else ".")
        + " On a line of its own, a plain `=` is the usual way to store a value.",
        concepts=["variables", "syntax-basics"],
        fix=fix,
        analysis="syntax:walrus-parentheses",
        prevention="Use `=` to store a value; keep `:=` for storing a value inside a condition, in brackets.",
    )


_BLOCK_WORDS = ("if", "for", "while", "with", "def", "class", "try", "match", "async")
_FOLLOW_WORDS = ("elif", "else", "except", "finally", "case")


def block_on_same_line(sit: Situation) -> Diagnosis | None:
    """`if a: if b: pass`, `if a: x() elif b: y()`, `match v: case 1: ...`: a block statement
    after another header's colon, on the same line."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    word = re.match(r"[A-Za-z_]\w*", masked[col:])
    if word is None or word.group(0) not in _BLOCK_WORDS + _FOLLOW_WORDS:
        return None
    kw = word.group(0)
    header = re.match(
        r"^(\s*)(if|elif|else|for|while|with|def|class|try|except|finally|match|case)\b", masked
    )
    if header is None or ":" not in masked[header.end() : col]:
        return None
    indent = header.group(1)
    first = text[:col].rstrip().rstrip(";").rstrip()
    second_indent = indent
    if kw in _BLOCK_WORDS or (kw == "case" and header.group(2) == "match"):
        second_indent = indent + "    "
    if kw in ("else", "elif", "except", "finally") and header.group(2) not in _FOLLOW_OF.get(kw, ()):
        return None
    if first.endswith(":"):
        new_lines = [first, second_indent + text[col:].strip()]
    else:
        head_end = _header_colon(masked, header.end())
        head = text[:head_end].rstrip()
        body = text[head_end + 1 : col].strip().rstrip(";").rstrip()
        # `if a: x() if b: y()` is two statements; `if a: x() elif b: y()` one statement on two lines.
        second_indent = indent
        new_lines = [f"{head}: {body}", indent + text[col:].strip()]
    fix = None
    if sit.has_code:
        candidate = replace_line(sit.code, lineno, "\n".join(new_lines))
        fix = candidate if compile_error(candidate) is None or _later(sit.code, candidate) else None
    where = (
        "indented under it" if second_indent != indent else f"at the indentation of its `{header.group(2)}`"
    )
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} puts `{kw}` after the `{header.group(2)} …:` header on the same line; "
        f"{'an' if kw[0] in 'aeiou' else 'a'} `{kw}` starts a line of its own ({where}).",
        why="After a header's colon, only simple statements (`x = 1`, `print(x)`, `pass`, `break`, …) may "
        f"share its line. A block statement like `{kw}` (or any `if`, `for`, `while`, `elif`, `else`) must "
        "begin a new line, so Python can see by the indentation which block it belongs to.",
        steps=f"Start a new line at `{kw}`, {where}"
        + (f":\n```python\n{chr(10).join(new_lines)}\n```" if fix else "."),
        concepts=["indentation", "syntax-basics"],
        fix=fix,
        analysis="syntax:block-on-same-line",
        prevention="Give every `if`, `elif`, `else`, loop and `case` a line of its own; only short simple "
        "statements may follow a colon on the same line.",
    )


_FOLLOW_OF = {
    "elif": ("if", "elif"),
    "else": ("if", "elif", "for", "while", "try", "except"),
    "except": ("try", "except"),
    "finally": ("try", "except", "else"),
}


def _header_colon(masked: str, start: int) -> int:
    depth = 0
    for i in range(start, len(masked)):
        ch = masked[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0 and masked[i : i + 2] != ":=":
            return i
    return len(masked)


def _later(original: str, candidate: str) -> bool:
    a, b = compile_error(original), compile_error(candidate)
    return a is not None and b is not None and (b.lineno or 0) > (a.lineno or 0)


def import_brackets(sit: Situation) -> Diagnosis | None:
    """`import (math)`: brackets are only allowed around the names of `from m import (a, b)`."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    star = re.match(r"^\s*from\s+[\w.]+\s+import\s+(.*)$", masked)
    if star and "*" in star.group(1) and star.group(1).strip() != "*":
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} lists `*` together with other names after `import`; "
            "`from module import *` "
            "must stand alone — `*` already takes every public name.",
            why="In an import, `*` means 'all the names of the module'; Python's syntax does not allow it in "
            "a list of names (`, a`), since the list would say nothing more.",
            steps="Keep either `from module import *` or a list of the names you need "
            "(`from module import a, "
            "b`), which is clearer.",
            concepts=["modules-imports"],
            analysis="syntax:import-brackets",
            prevention="Prefer importing the names you use; `import *` hides where a name comes from.",
        )
    m = re.match(r"^(\s*)import\s*\((?P<names>[^()]*)\)\s*$", masked)
    if m is None or masked[col : col + 1] != "(":
        return None
    names = text[m.start("names") : m.end("names")].strip().rstrip(",").strip()
    new_text = f"{m.group(1)}import {names}"
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} puts round brackets `(` `)` around the module names of `import`; `import` "
        f"takes the names bare: {code(short(new_text.strip(), 50))}.",
        why="Brackets are only allowed around the names of a `from module import (a, b)` (to spread a long "
        "list over several lines); a plain `import` lists module names without them.",
        steps=f"Remove the brackets: {code(short(new_text.strip(), 50))}.",
        concepts=["modules-imports"],
        fix=_fix(sit, lineno, new_text),
        analysis="syntax:import-brackets",
        prevention="`import a, b` for whole modules; `from module import (a, b)` for names inside one.",
    )


_VERSION = (
    "Check which Python runs your code (`import sys; print(sys.version)`) when you copy syntax from a recent "
    "tutorial or documentation."
)


def newer_python(sit: Situation) -> Diagnosis | None:
    """Syntax Python 3.11 cannot read but newer versions can: the `type` statement and type
    parameters (3.12), template strings `t"…"` (3.14)."""
    if sit.syntax is None or sit.syntax.lineno is None:
        return None
    if sit.message not in ("invalid syntax", "expected '('"):
        return None
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = re.match(r"^(\s*)type\s+([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*=(?!=)", masked)
    if m and col == masked.index(m.group(2), m.start(0) + len(m.group(1)) + 4):
        new_text = m.group(1) + text[m.start(2) : m.end(2)] + " =" + text[m.end(0) :]
        params = " (and leave out the `[…]` type parameters)" if m.group(3) else ""
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses the `type {m.group(2)} = …` statement, which only Python 3.12 and "
            f"newer understand; this Python is older. Write a plain assignment{params}: "
            f"{code(short(new_text.strip(), 50))}.",
            why="`type Name = …` declares a type alias, added in Python 3.12. Older versions read `type` as "
            "an ordinary name followed by another name, which is not a statement.",
            steps=f"Write {code(short(new_text.strip(), 50))} (a type alias is also just a variable), or run "
            "the code with Python 3.12+.",
            concepts=["syntax-basics"],
            fix=_fix(sit, lineno, new_text) if not m.group(3) else None,
            analysis="syntax:newer-python",
            prevention=_VERSION,
        )
    m = re.match(r"^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)\s*\[", masked)
    if m and col >= masked.index("[", m.start(3)) - 1 and col <= masked.index("[", m.start(3)) + 1:
        kind = "function" if m.group(2) == "def" else "class"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} gives the {kind} `{m.group(3)}` type parameters in square brackets "
            f"(`{m.group(3)}[…]`), which only Python 3.12 and newer understand; this Python is older.",
            why="Generic type parameters written right after the name (`def first[T](items: list[T]) -> T`) "
            "were added in Python 3.12. Older versions expect `(` after a `def` name and `:` or `(` after "
            "a `class` name.",
            steps=f"Remove the `[…]` after `{m.group(3)}`; to keep the types, declare them with "
            "`from typing import TypeVar`, `T = TypeVar('T')` (and for a class, inherit from "
            "`Generic[T]`) — or run the code with Python 3.12+.",
            concepts=["syntax-basics", "functions" if kind == "function" else "classes"],
            analysis="syntax:newer-python",
            prevention=_VERSION,
        )
    m = re.search(r"(?<![\w.])([tT]|[tT][rR]|[rR][tT])(['\"])", masked[: col + 1])
    if m and m.end(1) == col:
        new_text = text[: m.start(1)] + m.group(1).replace("t", "f").replace("T", "F") + text[m.end(1) :]
        return _diag(
            sit,
            lineno,
            summary=f'Line {lineno} writes a template string `{m.group(1)}"…"`, which only Python 3.14 and '
            "newer understand; this Python reads the `t` as a name. An f-string "
            f'(`f"…"`) is the usual way to put values into text.',
            why="String prefixes Python 3.11 knows are `r`, `b`, `u`, `f` and their combinations; `t` "
            "(template strings) came in 3.14.",
            steps="Write `f` instead of `t` before the quote (or run the code with Python 3.14+).",
            concepts=["strings"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:newer-python",
            prevention=_VERSION,
        )
    return None


def pattern_shapes(sit: Situation) -> Diagnosis | None:
    """`match` bodies and patterns: a `match` block holds only `case` blocks, and a mapping
    pattern's `**rest` comes last."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    if sit.has_code and lineno > 1 and not re.match(r"^\s*case\b", masked):
        above = [ln for ln in sit.code.split("\n")[: lineno - 1] if code_only(ln).strip()]
        if above and re.match(r"^\s*match\b.*:\s*$", code_only(above[-1])):
            return _diag(
                sit,
                lineno,
                summary=f"The `match` above line {lineno} "
                f"is followed by {code(short(text.strip(), 40))}, but the body of a `match` may only hold "
                "`case` blocks (`case 1:`, `case _:`), each with its own indented body.",
                why="Python's syntax for `match` is a list of `case pattern:` blocks; any other statement "
                "belongs inside one of them (or before the `match`).",
                steps=f"Put {code(short(text.strip(), 40))} inside a `case` block (indented under "
                "`case …:`), or move it before the `match`.",
                concepts=["conditionals", "indentation"],
                analysis="syntax:match-body",
                prevention="Start every branch of a `match` with `case …:`.",
            )
    m = re.match(r"^\s*case\s*\{(?P<items>.*)\}\s*(if\b.*)?:", masked)
    if m:
        items = m.group("items")
        star = re.search(r"\*\*\s*([A-Za-z_]\w*)", items)
        if star and items[star.end() :].strip(" ,"):
            after = text[m.start("items") + star.end() : m.end("items")].strip(" ,")
            return _diag(
                sit,
                lineno,
                summary=f"The mapping pattern on line {lineno} has `**{star.group(1)}` before other keys "
                f"({code(short(after, 30))}); "
                f"`**{star.group(1)}` (the rest of the dict) must be the last item of the pattern.",
                why="`**rest` collects the keys the pattern does not name, so Python's syntax only allows "
                "it at the end of a `{…}` pattern.",
                steps=f"Move `**{star.group(1)}` to the end: `{{…, **{star.group(1)}}}`.",
                concepts=["dicts", "conditionals"],
                analysis="syntax:mapping-rest-last",
                prevention="In a mapping pattern, write the keys first and `**rest` last.",
            )
    key_spot = (
        m and re.search(r"[,{]\s*$", masked[:col]) and masked[col : col + 1] not in ("'", '"', "*", "-")
    )
    if key_spot and not re.match(r"[0-9]|None\b|True\b|False\b|[A-Za-z_]\w*\.", masked[col:]):
        return _diag(
            sit,
            lineno,
            summary=f"A key of the mapping pattern on line {lineno} "
            f"({code(short(text[col:].split(':')[0], 30))}) "
            "is not a literal or a dotted name: keys in a `{…}` pattern are compared, so they must be "
            'values like `"name"`, `1` or `Color.RED`.',
            why="In a mapping pattern only the values can capture or hold sub-patterns; Python's syntax "
            "wants each key to be a constant it can look up.",
            steps="Write the key as a literal and put the capture in the value position: "
            '`case {"key": value}:`.',
            concepts=["dicts", "conditionals"],
            analysis="syntax:mapping-key",
            prevention="In a mapping pattern, keys are fixed values; names that capture go after the colon.",
        )
    m = re.match(r"^.*?\blambda\s*\(", masked)
    if m and masked[col : col + 1] == "(":
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} puts brackets around a `lambda`'s parameters; a lambda lists them bare: "
            "`lambda a, b: a + b`.",
            why="A `lambda`'s syntax is `lambda params: expression` with no brackets around the parameters "
            "(Python 2 allowed a bracketed tuple to unpack an argument; Python 3 does not).",
            steps="Remove the brackets after `lambda`; to unpack a tuple argument, take it as one parameter "
            "and index it (`lambda pair: pair[0]`).",
            concepts=["lambda"],
            analysis="syntax:lambda-brackets",
            prevention="Write `lambda x, y: …` — brackets after `lambda` are never needed.",
        )
    return None


_COMPARE = re.compile(r"(==|!=|<=|>=|<|>|\bnot\s+in\b|\bin\b|\bis\s+not\b|\bis\b)")


def half_comparison(sit: Situation) -> Diagnosis | None:
    """`x > 3 and < 5`: English drops the repeated subject, Python does not — each side of
    `and`/`or` is a whole condition."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = re.match(r"\s*(==|!=|<=|>=|<|>|is not\b|is\b|not in\b|in\b)", masked[col:])
    joined = re.search(r"\b(and|or)\s*$", masked[:col])
    if m is None or joined is None:
        return None
    left = masked[: joined.start()]
    cond = re.search(
        r"([A-Za-z_][\w.]*(?:\[[^\]]*\])?|\d[\w.]*)\s*(==|!=|<=|>=|<|>|is not|is|not in|in)\s+[^\s:]+\s*$"
        r"|([A-Za-z_][\w.]*(?:\[[^\]]*\])?|\d[\w.]*)\s*(==|!=|<=|>=|<|>)\s*[^\s:]+\s*$",
        left,
    )
    if cond is None:
        return None
    subject = cond.group(1) or cond.group(3)
    new_text = text[:col] + subject + " " + text[col:].lstrip()
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    op = m.group(1)
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} has `{joined.group(1)} {op}` with nothing on the left of `{op}`: each side "
        f"of `{joined.group(1)}` must be a whole condition, so `{subject}` has to be written again"
        + (f": {code(short(new_text.strip(), 60))}." if fix else "."),
        why=f"In English 'bigger than 3 and smaller than 5' leaves out the second 'it'; Python does not. "
        f"`{joined.group(1)}` joins two complete conditions, and `{op} …` alone is not one — `{op}` needs a "
        "value on its left.",
        steps=f"Repeat `{subject}` after `{joined.group(1)}`"
        + (f": {code(short(new_text.strip(), 60))}." if fix else ".")
        + " A range check can also be chained: `3 < x < 5`.",
        concepts=["boolean-logic", "comparison"],
        fix=fix,
        analysis="syntax:half-comparison",
        prevention="Read each side of `and`/`or` alone: it must make sense as a condition by itself.",
    )


def statement_word_misuse(sit: Situation) -> Diagnosis | None:
    """`global x = 3`, `lambda x: return x`, `my var = 3`, `from m import a as`: a keyword or
    name used in a shape Python does not have."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = re.match(r"^(\s*)(global|nonlocal)\s+([A-Za-z_]\w*)\s*=(?!=)\s*(.+?)\s*$", masked)
    if m:
        indent, word, name = m.group(1), m.group(2), m.group(3)
        value = text[m.start(4) : m.end(4)]
        new_text = f"{indent}{word} {name}\n{indent}{name} = {value}"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} assigns in the `{word}` statement itself; `{word} {name}` only declares "
            f"the name — assign on the next line: `{word} {name}` then `{name} = {value.strip()}`.",
            why=f"`{word}` is a declaration that takes names only; it cannot hold an `=`. The assignment is "
            "a separate statement after it.",
            steps=f"Split the line in two:\n```python\n{new_text.strip()}\n```",
            concepts=["scope"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:global-assign",
            prevention=f"Write `{word} name` on its own line at the top of the function, then use the name.",
        )
    m = re.match(r"^(.*\blambda\b[^:]*:\s*)return\s+", masked)
    if m and masked[col:].startswith("return"):
        new_text = text[: m.end(1)] + text[m.end() :]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} writes `return` inside a `lambda`; a lambda's body is a single "
            f"expression whose value is returned without the word: {code(short(new_text.strip(), 60))}.",
            why="`lambda params: expression` hands back the expression's value; `return` is a statement and "
            "only belongs in a `def` function.",
            steps=f"Drop `return`: {code(short(new_text.strip(), 60))}. For several steps, write a `def` "
            "function instead.",
            concepts=["lambda"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:lambda-return",
            prevention="A lambda is one expression; anything longer is a `def`.",
        )
    m = re.match(r"^(\s*)([A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)+)\s*=(?!=)", masked)
    if m and not any(keyword.iskeyword(w) for w in m.group(2).split()) and col > len(m.group(1)):
        words = m.group(2).split()
        joined_name = "_".join(words)
        new_text = m.group(1) + joined_name + text[m.end(2) :]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses `{m.group(2)}` as a variable name, but a name cannot contain "
            f"spaces: write `{joined_name}` — {code(short(new_text.strip(), 60))}.",
            why="A Python name is one word of letters, digits and `_`; Python reads `"
            + " ".join(words[:2])
            + "` as two names side by side, which is not a statement.",
            steps=f"Join the words with underscores: `{joined_name}` (and write it the same way everywhere "
            "you use it).",
            concepts=["variables"],
            fix=_joined_everywhere(sit, _fix(sit, lineno, new_text), words, joined_name),
            analysis="syntax:name-with-space",
            prevention="Write multi-word names with underscores (`total_price`), the Python convention.",
        )
    m = re.match(r"^\s*(from\s+[\w.]+\s+)?import\s+.*\bas\s*,?\s*$", masked)
    if m and col >= len(masked.rstrip().rstrip(",").rstrip()):
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} ends its import with `as` and no name after it: `as` gives the imported "
            "thing a new name, which must follow it (`import numpy as np`).",
            why="In an import, `as` renames what was imported; Python's syntax needs the new name right "
            "after it.",
            steps="Write the short name after `as`, or remove `as`.",
            concepts=["modules-imports"],
            analysis="syntax:incomplete-statement",
            prevention=_PREVENTION,
        )
    return None


def comprehension_else(sit: Situation) -> Diagnosis | None:
    """`[x for x in xs if x else 0]`: a filter `if` takes no `else`; a choice goes before `for`."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    if not masked[col:].startswith("else"):
        return None
    m = re.search(
        r"(?P<open>[\[({])(?P<expr>[^\[\](){}]+?)\s+for\s+(?P<target>[^\[\](){}]+?)\s+in\s+"
        r"(?P<iter>.+?)\s+if\s+(?P<cond>.+?)\s+else\s+(?P<other>[^\]})]+?)\s*(?P<close>[\]})])",
        masked,
    )
    if m is None or not (m.start("cond") < col < m.end("other")):
        return None
    g = {k: text[m.start(k) : m.end(k)] for k in ("expr", "target", "iter", "cond", "other")}
    # A later `for` clause (`... else 0 for m in ms`) stays after the first one: moved in front of
    # it with the value, the loops would run in the other order.
    later = re.search(r"\s+for\s", code_only(g["other"]))
    rest = g["other"][later.start() :] if later else ""
    other = g["other"][: later.start()] if later else g["other"]
    inner = f"{g['expr']} if {g['cond']} else {other} for {g['target']} in {g['iter']}{rest}"
    new_text = text[: m.start("expr")] + inner + text[m.end("other") :]
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} puts `if … else` after the `for` of a comprehension; there an `if` only "
        "filters and takes no `else`. To choose between two values, put the `if … else` before `for`"
        + (f": {code(short(new_text.strip(), 70))}." if fix else "."),
        why="In a comprehension, `for x in items if cond` keeps only the items that pass `cond`; "
        "`a if cond else b` is a value, so it belongs where the value is written — before `for`.",
        steps="Move `if … else …` in front of `for`"
        + (f": {code(short(new_text.strip(), 70))}" if fix else "")
        + "; or, to drop items instead, remove the `else` part.",
        concepts=["comprehensions", "conditionals"],
        fix=fix,
        analysis="syntax:comprehension-else",
        prevention="A comprehension reads `[value for item in items if keep]`; the value may be "
        "`a if cond else b`.",
    )


def parameter_list_comma(sit: Situation) -> Diagnosis | None:
    """`def f(x y):`: two parameters with no comma between them."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = re.match(r"^\s*(?:async\s+)?def\s+\w+\s*\(", masked)
    if (
        m is None
        or col <= m.end()
        or masked[m.end() - 1 : col].count("(") != 1 + masked[m.end() : col].count(")")
    ):
        return None
    prev = re.search(r"([A-Za-z_]\w*|[)\]'\"]|\d)\s+$", masked[:col])
    nxt = re.match(r"[A-Za-z_*]", masked[col:])
    if prev is None or nxt is None:
        return None
    new_text = text[: prev.end(1)] + "," + text[prev.end(1) :]
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    word = re.match(r"[A-Za-z_*]\w*", masked[col:])
    return _diag(
        sit,
        lineno,
        summary=f"The parameter list on line {lineno} has two parameters side by side without a comma, "
        f"before `{word.group(0) if word else masked[col]}`: parameters are separated by commas"
        + (f" — {code(short(new_text.strip(), 60))}." if fix else "."),
        why="Inside the brackets of a `def`, each parameter is a name (optionally with `: type` or "
        "`= default`), and commas separate them.",
        steps="Put a comma between the parameters"
        + (f": {code(short(new_text.strip(), 60))}." if fix else "."),
        concepts=["parameters"],
        fix=fix,
        analysis="syntax:parameter-comma",
        prevention="Separate parameters, arguments and list items with commas.",
    )


def dangling_dot(sit: Situation) -> Diagnosis | None:
    """`item.` / `print(i.)`: a dot with no attribute name after it."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    before = masked[:col].rstrip()
    m = re.search(r"([A-Za-z_]\w*|[)\]}])\s*\.$", before)
    if m is None or re.search(r"\d\.$", before) or before.endswith(".."):
        return None
    if re.match(r"\s*[A-Za-z_]", masked[col:]) and not re.match(
        r"\s*(for|if|else|in|and|or)\b", masked[col:]
    ):
        return None
    owner = text[m.start(1) : m.end(1)]
    shown = short(text[: len(before)].strip(), 40)
    after = re.match(r"\s*([A-Za-z_]\w*|\S)", masked[col:])
    came = f", but `{after.group(1)}` comes next" if after else ""
    if re.match(r"^\s*(from|import)\b", masked):
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} has a `.` in a module name with no name after it ({code(shown)}{came}): "
            "a dotted module path is names joined by single dots, like `os.path`.",
            why="In an import, each `.` separates a package from the module inside it, so a name must "
            "follow every dot (only the relative form `from . import x` starts with dots).",
            steps="Remove the extra dot, or write the missing module name after it.",
            concepts=["modules-imports"],
            analysis="syntax:dangling-dot",
            prevention="Copy module paths exactly: `import os.path`, `from collections import abc`.",
        )
    if owner[0].isalpha() or owner[0] == "_":
        example = _attribute_example(sit.code if sit.has_code else text, owner)
        wanted = f"the attribute or method you want from `{owner}`" + (
            f", e.g. `{owner}.{example}`" if example else ""
        )
    else:
        wanted = "the name of the attribute or method you want from the value before it"
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} has a `.` with no name after it ({code(shown)}{came}): a dot must be "
        f"followed by {wanted}.",
        why="`obj.name` looks up `name` on `obj`; Python's syntax needs a name right after the dot, and "
        "here the line goes on (or ends) without one.",
        steps="Write the attribute or method after the `.`, or remove the `.` if you did not mean one.",
        concepts=["syntax-basics"],
        analysis="syntax:dangling-dot",
        prevention="Type the attribute right after the dot; the editor's completion list shows what exists.",
    )


_EXAMPLE_METHOD = {"'": "upper()", '"': "upper()", "[": "append(4)", "{": "get(key)"}


def _attribute_example(source: str, owner: str) -> str | None:
    """An attribute ``owner`` surely has: one the cell uses on it elsewhere, or a method of the
    literal it was given (a string's upper(), a list's append()); None when neither is known, since
    a guess (`math.upper()`) would name a method the value lacks."""
    masked = code_only(source)
    used = re.search(rf"(?<![\w.]){re.escape(owner)}[ \t]*\.[ \t]*([A-Za-z_]\w*)([ \t]*\()?", masked)
    if used:
        return used.group(1) + ("()" if used.group(2) else "")
    given = re.search(rf"^\s*{re.escape(owner)}\s*=\s*(\S)", source, re.MULTILINE)
    return _EXAMPLE_METHOD.get(given.group(1)) if given else None


_BINARY_ONLY = re.compile(r"\*\*|//|==|!=|<=|>=|[*/%@<>|&^]")
_ANY_OP = re.compile(r"(\*\*|//|==|!=|<=|>=|<<|>>|[-+*/%@<>|&^])\s*$")


def double_operator(sit: Situation) -> Diagnosis | None:
    """`a +* b`: two operators side by side, the second of which needs a value on its left."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = _BINARY_ONLY.match(masked, col)
    prev = _ANY_OP.search(masked[:col])
    if m is None or prev is None or re.match(r"^\s*(def|lambda|from|import)\b", masked):
        return None
    first, second = prev.group(1), m.group(0)
    if first == "*" and second == "*" and masked[prev.end(1) - 1 : col + 1] == "**":
        return None
    left = masked[: prev.start(1)].rstrip()
    if not re.search(r"([A-Za-z_]\w*|\d[\w.]*|[)\]}'\"])$", left):
        return None
    both = text[prev.start(1) : m.end()].strip()
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} has two operators in a row (`{both}`): `{second}` needs a value on its left, "
        f"but `{first}` comes just before it. Keep the one you mean.",
        why=f"Between two values stands one operator; `{first}` and `{second}` together are not a Python "
        "operator (`**`, `//`, `==`, `<=` are written without spaces and are single operators).",
        steps=f"Delete `{first}` or `{second}` so one operator stands between the two values.",
        concepts=["syntax-basics"],
        analysis="syntax:double-operator",
        prevention="Read the expression aloud: each operator sits between two values.",
    )


def _call_args(masked: str, col: int) -> tuple[str, int, int] | None:
    """The call around ``col``: (function name, start of its arguments, end of its arguments)."""
    depth = 0
    for i in range(min(col, len(masked)) - 1, -1, -1):
        ch = masked[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                name = re.search(r"([A-Za-z_]\w*)\s*$", masked[:i])
                close, inner = i + 1, 0
                while close < len(masked):
                    if masked[close] in "([{":
                        inner += 1
                    elif masked[close] in ")]}":
                        if inner == 0:
                            break
                        inner -= 1
                    close += 1
                return (name.group(1) if name else "", i + 1, close)
            depth -= 1
    return None


_NAMES = r"([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)"


def _defined_names(source: str, skip_line: int) -> set[str]:
    """Names the cell gives a value (assignment, for, def and its parameters, import), read from
    its text since the cell does not parse; the failing line itself is left out."""
    names: set[str] = set()
    for n, line in enumerate(code_only(source).split("\n"), start=1):
        if n == skip_line:
            continue
        # Names joined by commas only: a free run of spaces in the pattern made a long line cost
        # quadratic time.
        for m in re.finditer(r"^\s*" + _NAMES + r"\s*(?:[-+*/%]|//)?=(?!=)", line):
            names.update(w for w in re.split(r"[\s,]+", m.group(1)) if w)
        for m in re.finditer(r"\bfor\s+" + _NAMES + r"\s+in\b", line):
            names.update(w for w in re.split(r"[\s,]+", m.group(1)) if w)
        m = re.match(r"^\s*def\s+(\w+)\s*\(([^)]*)", line)
        if m:
            names.add(m.group(1))
            names.update(re.findall(r"(?:^|,)\s*\**([A-Za-z_]\w*)", m.group(2)))
        m = re.match(r"^\s*(?:from\s+\S+\s+)?import\s+(.*)$", line)
        if m:
            names.update(w.split(".")[0] for w in re.findall(r"([\w.]+)\s*(?:,|$)", m.group(1)))
    return {n for n in names if not keyword.iskeyword(n)}


def _quote_text_keep_names(inside: str, names: set[str]) -> str | None:
    """`Your score is, score` -> `"Your score is", score`: the words become a string and the cell's
    own names stay names (quoting them all would print the word instead of the value). None when
    a name is stuck to the text in a way no quoting keeps."""
    if not names & set(re.findall(r"[A-Za-z_]\w*", inside)):
        return '"' + inside.strip() + '"'
    out = []
    for piece in inside.split(","):
        piece = piece.strip()
        if not piece:
            return None
        if piece in names:
            out.append(piece)
            continue
        m = re.fullmatch(r"(.*?\S)\s+([A-Za-z_]\w*)", piece)
        if m and m.group(2) in names:
            out += ['"' + m.group(1) + '"', m.group(2)]  # `The total is total`: text, then the value
        elif " " not in piece and names & set(re.findall(r"[A-Za-z_]\w*", piece)):
            return None  # `name!`
        else:
            out.append('"' + piece + '"')  # words of a phrase are text, whatever names they match
    return ", ".join(out)


def unquoted_text(sit: Situation) -> Diagnosis | None:
    """`print(Hello, World!)`: text meant to be shown, written without quotes."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    call = _call_args(masked, col)
    if call is None or call[0] not in ("print", "input"):
        return None
    _name, start, end = call
    inside = text[start:end]
    if "'" in inside or '"' in inside or not re.search(r"[A-Za-z]", inside):
        return None
    # Punctuation no code has (`World!`, `name?`) or three words in a row: text, not values.
    if not re.search(r"\w[!?]|[A-Za-z]\w*\s+[A-Za-z]\w*\s+[A-Za-z]", masked[start:end]):
        return None
    quoted = _quote_text_keep_names(inside, _defined_names(sit.code if sit.has_code else text, lineno))
    if quoted is None:
        return None  # a name of the cell stuck to the text (`name!`): no quoting keeps it a name
    new_text = text[:start] + quoted + text[end:]
    fix = _fix(sit, lineno, new_text)
    if fix is None or compile_error(fix) is not None:
        return None
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} passes {code(short(inside.strip(), 40))} to `{call[0]}()` without quotes; "
        f"text to show must be a string in quotes: {code(short(new_text.strip(), 60))}.",
        why="Without quotes Python reads the words as code — names, operators, punctuation — and "
        f"{code(short(inside.strip(), 30))} is not valid code. Quotes mark it as text, shown as written.",
        steps=f"Put the text in quotes: {code(short(new_text.strip(), 60))}.",
        concepts=["strings"],
        fix=fix,
        analysis="syntax:unquoted-text",
        prevention="Text always goes in quotes; a bare word is a variable name.",
    )


def nested_quotes(sit: Situation) -> Diagnosis | None:
    """`"He said "hi""`: a quote inside a string that uses the same quote ends it early."""
    lineno, text, col = _where(sit)
    m = None
    for cand in re.finditer(r"(?P<q>[\"'])(?P<body>[^\"'\n]*(?P=q)[^\"'\n]*(?P=q)[^\"'\n]*)(?P=q)", text):
        # "Perhaps you forgot a comma" points at the string's opening quote itself.
        opening = "forgot a comma" in sit.message and cand.start() == col
        if cand.start() < col < cand.end() or opening:
            m = cand
            break
    if m is None:
        return None
    q, body = m.group("q"), m.group("body")
    if re.search(r"[()\[\]{}]", body):
        return None  # `print('a') or print('b')`: two strings with code between, not one
    # The quoted word hugs its quotes (`"said "hi" twice"`); code between two strings does not
    # (`{"ann": 31 "bob": 25}` is a missing comma, `f("x" y "z")` too).
    middle = body.split(q)[1]
    if not re.fullmatch(r"[A-Za-z0-9][^\s]*(?:\s+[^\s]+)*", middle) or middle[-1].isspace():
        return None
    other = "'" if q == '"' else '"'
    if other in body:
        return None
    new_text = text[: m.start()] + other + body + other + text[m.end() :]
    fix = _fix(sit, lineno, new_text)
    if fix is None or compile_error(fix) is not None:
        return None
    return _diag(
        sit,
        lineno,
        summary=f"The string on line {lineno} contains the same quote `{q}` that starts it, so it ends early "
        f"at the inner `{q}`: use the other kind of quote outside — {code(short(new_text.strip(), 60))}.",
        why=f"A string runs from its opening `{q}` to the next `{q}`. The `{q}` meant as part of the text "
        "closes it instead, and what follows is read as code.",
        steps=f"Write the string with `{other}` outside ({code(short(new_text.strip(), 60))}), or put a "
        f"backslash before each inner quote (`\\{q}`).",
        concepts=["strings"],
        fix=fix,
        analysis="syntax:nested-quotes",
        prevention='Pick the outer quote that does not appear in the text: `\'He said "hi"\'`, `"It\'s"`.',
    )


def header_bracket_open(sit: Situation) -> Diagnosis | None:
    """`if (x > 5:`: a bracket opened in a block header and not closed before its colon."""
    lineno, text, col = _where(sit)
    masked = code_only(text)
    if masked[col : col + 1] != ":" or masked[col + 1 :].strip():
        return None
    if not re.match(r"^\s*(if|elif|while|for|with|def|class)\b", masked):
        return None
    depth, opener = 0, ""
    for ch in masked[:col]:
        if ch in "([{":
            depth, opener = depth + 1, ch
        elif ch in ")]}":
            depth -= 1
    if depth != 1:
        return None
    closer = {"(": ")", "[": "]", "{": "}"}[opener]
    new_text = text[:col].rstrip() + closer + text[col:]
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} opens a `{opener}` that is not closed before the colon: "
        + (f"{code(short(new_text.strip(), 60))}." if fix else f"add `{closer}` before `:`."),
        why=f"Inside an open `{opener}` Python is still reading the expression, so the `:` that should end "
        "the header comes too early.",
        steps=f"Close the `{opener}` with `{closer}` before the colon"
        + (f": {code(short(new_text.strip(), 60))}." if fix else "."),
        concepts=["syntax-basics"],
        fix=fix,
        analysis="syntax:header-bracket-open",
        prevention="Count brackets: each `(` needs its `)` before the colon ends the line.",
    )


def format_spec_outside(sit: Situation) -> Diagnosis | None:
    """`print("Total:", x:.2f)`: a format spec written outside an f-string's braces."""
    if sit.syntax is None or sit.syntax.lineno is None or "decimal literal" not in sit.message:
        return None
    lineno, text, col = _where(sit)
    masked = code_only(text)
    m = None
    for cand in re.finditer(
        r"(?<![\w.])([A-Za-z_][\w.]*(?:\[[^\]]*\])?)\s*:\s*(\.?\d*[a-zA-Z%]?)(?=\s*[,)])", masked
    ):
        if cand.start(2) <= col <= cand.end(2):
            m = cand
    if m is None or _call_args(masked, m.start()) is None:
        return None
    expr, spec = text[m.start(1) : m.end(1)], text[m.start(2) : m.end(2)]
    new_text = text[: m.start()] + 'f"{' + expr + ":" + spec + '}"' + text[m.end() :]
    fix = _fix(sit, lineno, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} writes the format spec `:{spec}` after `{expr}` outside an f-string; a "
        f'format spec only works inside an f-string\'s braces: `f"{{{expr}:{spec}}}"`.',
        why=f"`:{spec}` is part of the formatting language of f-strings and `format()`; in plain code Python "
        f"reads `{spec}` as a (malformed) number.",
        steps="Put the value and its spec in an f-string"
        + (f": {code(short(new_text.strip(), 60))}" if fix else "")
        + f", or call `format({expr}, '{spec}')`.",
        concepts=["f-strings"],
        fix=fix,
        analysis="syntax:format-spec-outside",
        prevention='Format numbers inside f-strings: `f"{total:.2f}"`.',
    )


def foreign_statement(sit: Situation) -> Diagnosis | None:
    """Statements from other languages or from the terminal: `switch x:`, a C `for (i = 0; …)`,
    `catch E as e:`, `pip install numpy` typed into Python."""
    if sit.syntax is None or sit.syntax.lineno is None:
        return None
    lineno, text, _col = _where(sit)
    masked = code_only(text)
    m = re.match(r"^(\s*)switch\s*\(?(.+?)\)?\s*:\s*$", masked)
    if m:
        new_text = f"{m.group(1)}match {text[m.start(2) : m.end(2)].strip()}:"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses `switch` from C/Java/JavaScript; Python's statement is `match` "
            f"(3.10+): {code(new_text.strip() + ' …')}, with `case` blocks under it.",
            why="Python has no `switch`; it reads `switch` as a variable name followed by another value. "
            "`match value:` with `case …:` blocks does the same job (or a chain of `if`/`elif`).",
            steps=f"Write {code(new_text.strip() + ' …')}; each `case` compares with a literal, and "
            "`case _:` "
            "plays the part of `default`.",
            concepts=["conditionals"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:foreign-statement",
            prevention="Python's branching is `if`/`elif`/`else`, or `match`/`case` since 3.10.",
        )
    m = re.match(
        r"^(\s*)for\s*\(\s*(?:int\s+|let\s+|var\s+)?([A-Za-z_]\w*)\s*=\s*([^;]+?)\s*;\s*\2\s*(<=|<)\s*([^;]+?)\s*;"
        r"\s*(?:\2\s*\+\+|\+\+\s*\2|\2\s*\+=\s*1)\s*\)\s*(:|\{)?\s*$",
        masked,
    )
    if m:
        start, end = m.group(3).strip(), m.group(5).strip()
        stop = end if m.group(4) == "<" else f"{end} + 1"
        rng = f"range({stop})" if start == "0" else f"range({start}, {stop})"
        new_text = f"{m.group(1)}for {m.group(2)} in {rng}:"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} writes a C-style loop `for (…; …; …)`; Python's `for` walks "
            "over the values "
            f"of a sequence: {code(new_text.strip())}.",
            why="Python has no three-part `for`; `for name in range(start, stop):` gives `name` each whole "
            "number from `start` up to, not including, `stop`.",
            steps=f"Write {code(new_text.strip())}.",
            concepts=["for-loops", "range"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:foreign-statement",
            prevention="Loop over a `range(…)` or directly over a list: `for item in items:`.",
        )
    m = re.match(r"^(\s*)catch\b\s*\(?([^){]*?)\)?\s*[:{]?\s*$", masked)
    if m:
        caught = text[m.start(2) : m.end(2)].strip()
        parts = caught.split()
        if len(parts) == 2 and parts[0][:1].isupper():  # Java's `catch (Exception e)`
            caught = f"{parts[0]} as {parts[1]}"
        new_text = f"{m.group(1)}except {caught}:" if caught else f"{m.group(1)}except Exception:"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses `catch` from Java/JavaScript/C#; Python catches errors "
            "with `except`: "
            f"{code(new_text.strip())}.",
            why="After `try:` Python expects `except` (or `finally`); `catch` is just an unknown "
            "name to it, so "
            "the `try` looks unfinished.",
            steps=f"Write {code(new_text.strip())}.",
            concepts=["exceptions"],
            fix=_fix(sit, lineno, new_text),
            analysis="syntax:foreign-statement",
            prevention="`try:` … `except SomeError as e:` … `finally:` are Python's words.",
        )
    m = re.match(
        r"^\s*(pip3?|conda|python3?|py|cd|ls|dir|echo|mkdir|git|npm|brew|sudo|apt|apt-get)\s+\S", masked
    )
    if m and sit.message.startswith("invalid syntax"):
        word = m.group(1)
        # `!cd` would change the folder of a throwaway shell only; `%cd` is the notebook's own.
        shown = f"%{text.strip()}" if word in ("pip", "conda", "cd") else f"!{text.strip()}"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} ({code(short(text.strip(), 40))}) is a terminal command, not "
            "Python code: "
            f"type it in a terminal (command prompt), not into Python. In a notebook cell write "
            f"{code(short(shown, 40))}.",
            why=f"`{word} …` is run by the operating system's shell; Python reads it as names side by side, "
            "which is not Python syntax.",
            steps=f"Open a terminal and run {code(short(text.strip(), 40))} there (then restart Python if it "
            f"installed a package), or in Jupyter use {code(short(shown, 40))}.",
            concepts=["modules-imports"] if word in ("pip", "pip3", "conda") else ["syntax-basics"],
            analysis="syntax:terminal-command",
            prevention="Commands like `pip install …` go in the terminal; only Python code goes in "
            "a .py file "
            "or a notebook cell (there with `%pip`).",
        )
    return None


def _joined_everywhere(sit: Situation, fix: str | None, words: list[str], joined: str) -> str | None:
    """The fix with every other use of the spaced name (`print(my list)`) joined too: left as it
    was, a later repair reads the two words as two values and writes `print(my, list)`, which
    compiles and prints something else."""
    if fix is None:
        return None
    spaced = re.compile(r"(?<![\w.])" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")
    out = []
    for line in fix.split("\n"):
        masked = code_only(line)
        for hit in reversed(list(spaced.finditer(masked))):
            line = line[: hit.start()] + joined + line[hit.end() :]
        out.append(line)
    return "\n".join(out)


def name_with_space_header(sit: Situation) -> Diagnosis | None:
    """`def my function():`, `class my class:`, `for my item in items:`: a name with a space."""
    if sit.syntax is None or sit.syntax.lineno is None:
        return None
    lineno, text, _col = _where(sit)
    masked = code_only(text)
    loop = re.match(r"^(\s*(?:async\s+)?for\s+)([A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)+)\s+in\b", masked)
    if loop and not any(keyword.iskeyword(w) for w in loop.group(2).split()):
        # `for my item in items:` was read as a header missing its colon before `item`.
        words, name = loop.group(2).split(), "_".join(loop.group(2).split())
        new_text = text[: loop.start(2)] + name + text[loop.end(2) :]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} names the loop variable `{loop.group(2)}`, with a space; a name is one "
            f"word: {code(short(new_text.strip(), 60))}.",
            why="A Python name is one word of letters, digits and `_`; after `for` Python expects one "
            "name (or names separated by commas) and then `in`.",
            steps=f"Write the name as one word, `{name}`, here and wherever the loop body uses it.",
            concepts=["variables", "for-loops"],
            fix=_joined_everywhere(sit, _fix(sit, lineno, new_text), words, name),
            analysis="syntax:name-with-space",
            prevention="Write multi-word names with underscores (`total_price`), the Python convention.",
        )
    m = re.match(r"^(\s*(?:async\s+)?(?:def|class)\s+)([A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)+)\s*(?=[(:])", masked)
    if m is None or any(keyword.iskeyword(w) for w in m.group(2).split()):
        return None
    name = "_".join(m.group(2).split())
    new_text = text[: m.start(2)] + name + text[m.end(2) :]
    kind = "function" if "def" in m.group(1) else "class"
    if kind == "class":
        name_shown = "".join(w[:1].upper() + w[1:] for w in m.group(2).split())
        new_text = text[: m.start(2)] + name_shown + text[m.end(2) :]
        name = name_shown
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} names the {kind} `{m.group(2)}`, with a space; a name is one word: "
        f"{code(short(new_text.strip(), 60))}.",
        why="Python names are letters, digits and `_` with no spaces; after the first word Python expected "
        + ("`(` and the parameters." if kind == "function" else "`:` or `(`."),
        steps=f"Write the name as one word, `{name}` (and call it by that name).",
        concepts=["functions" if kind == "function" else "classes"],
        fix=_joined_everywhere(sit, _fix(sit, lineno, new_text), m.group(2).split(), name),
        analysis="syntax:name-with-space",
        prevention="Function names use underscores (`my_function`), class names CapWords (`MyClass`).",
    )
