"""A bare "invalid syntax": read the failing line itself.

CPython only says "invalid syntax" when no specific rule applies, so the line is read here:
operators borrowed from other languages (`&&`, `||`, `!x`, `x++`, `===`, `cond ? a : b`),
misspelt keywords (`whlie`, `improt`, `If`; difflib against ``keyword.kwlist``), a keyword
where it cannot stand (an `else` with no `if` above it, `import a from b`), and two values
side by side. A repair is only offered when it keeps every other token of the line and the
cell then compiles (or gets further); otherwise the reply explains in words.
"""

from __future__ import annotations

import difflib
import keyword
import re

from learnflow_agents.tutors.debug.code_facts import BUILTIN_NAMES, code_only, compile_error, replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families.syntax_repair import progress
from learnflow_agents.tutors.debug.situation import Situation


def line_compiles(line: str) -> bool:
    """A suggested line compiles: alone, as a block header given a body, or where it may stand
    (an `else` after an `if`, a `return` or `break` inside a function's loop)."""
    body = line.strip()
    if not body:
        return False
    tries = [body, body + "\n    pass"]
    for t in list(tries):
        inner = "\n".join("        " + ln for ln in t.split("\n"))
        tries += [
            "def _f():\n    for _ in ():\n" + inner,
            "async def _f():\n    for _ in ():\n" + inner,
            "if 1:\n    pass\n" + t,
            "try:\n    pass\n" + t,
            "try:\n    pass\nexcept E:\n    pass\n" + t,
        ]
    return any(compile_error(t) is None for t in tries)


def complete_line(line: str) -> str | None:
    """A suggested line made whole when only its block colon is missing (or a `{` stands for it)."""
    body = line.rstrip()
    if re.match(r"^\s*(if|elif|else|for|while|def|class|try|except|finally|with)\b", body):
        fixed = re.sub(r"\s*\{\s*$", "", body)
        if not code_only(fixed).rstrip().endswith(":"):
            fixed += ":"
        return fixed if line_compiles(fixed) else None
    return None


def mask(text: str) -> str:
    """``text`` with the inside of strings and comments blanked, so regexes only see code."""
    return code_only(text)


def _where(sit: Situation) -> tuple[int, str, int]:
    assert sit.syntax is not None and sit.syntax.lineno is not None
    lineno = sit.syntax.lineno
    text = sit.text(lineno) or (sit.syntax.text or "")
    col = sit.syntax.col_start if sit.syntax.col_start is not None else 0
    return lineno, text, col


def _fix(sit: Situation, lineno: int, new_text: str) -> str | None:
    if not sit.has_code:
        return None
    candidate = replace_line(sit.code, lineno, new_text)
    return candidate if progress(sit.code, candidate) else None


def _diag(
    sit: Situation,
    lineno: int,
    *,
    summary: str,
    why: str,
    steps: str,
    concepts: list[str],
    fix: str | None = None,
    analysis: str = "",
    prevention: str = "Python has its own small set of operators and keywords; when code from another "
    "language "
    "or a tutorial doesn't run, compare it with the Python form.",
) -> Diagnosis:
    if fix is not None and compile_error(fix) is not None and not progress(sit.code, fix):
        fix = None
    diag = Diagnosis(
        summary=summary,
        plain=why,
        precise=why,
        fix_steps=steps,
        prevention=prevention,
        concepts=concepts,
        hints=[f"Look at the spot the `^` marks on line {lineno}.", summary, steps],
        fix_code=fix,
        culprit_line=lineno,
    )
    if analysis:
        diag.extra["analysis"] = analysis
    return diag


# --- operators and habits from other languages --------------------------------------------------

_FOREIGN: list[tuple[str, str, str, str]] = [
    # (regex on the masked line, replacement, what it is, where it comes from)
    (r"&&", " and ", "`&&` (logical and)", "`and`"),
    (r"\|\|", " or ", "`||` (logical or)", "`or`"),
    (r"===", "==", "`===` (strict equality)", "`==`"),
    (r"!==", "!=", "`!==` (strict inequality)", "`!=`"),
    (r"<>", "!=", "`<>` (not equal)", "`!=`"),
    # `!x` negates; a `!` closing a word (`World!)`) is punctuation of unquoted text.
    (r"!(?!=)(?!\s*[)\],]|\s*$)", "not ", "`!` (logical not)", "`not`"),
    (r"(?<=[\w\])])\s*\+\+", " += 1", "`++` (increment)", "`+= 1`"),
    (r"(?<=[\w\])])\s*--(?=\s*(;|$))", " -= 1", "`--` (decrement)", "`-= 1`"),
    (r"^\s*\+\+(?=\w)", "", "`++` (increment)", "`x += 1`"),
]


def _replace_foreign(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Every operator from another language on the line, replaced; and which ones they were."""
    found: list[tuple[str, str]] = []
    current = text
    for _ in range(8):
        masked = mask(current)
        for pattern, repl, what, python in _FOREIGN:
            m = re.search(pattern, masked)
            if m is None:
                continue
            if pattern.startswith("^\\s*\\+\\+"):
                name = re.match(r"\w+", masked[m.end() :])
                current = (
                    re.match(r"\s*", current).group(0) or ""
                ) + f"{name.group(0) if name else 'x'} += 1"
            else:
                current = current[: m.start()] + repl + current[m.end() :]
                if repl.startswith(" "):
                    current = re.sub(r"(?<=\S)  +", " ", current)
            if "+=" in repl or "-=" in repl:
                current = re.sub(r";\s*$", "", current)
            if (what, python) not in found:
                found.append((what, python))
            break
        else:
            break
    return current, found


def foreign_operator(sit: Situation) -> Diagnosis | None:
    lineno, text, _col = _where(sit)
    masked = mask(text)
    new_text, found = _replace_foreign(text)
    if found:
        whole = complete_line(new_text) if not line_compiles(new_text) else new_text
        fix = _fix(sit, lineno, whole) if whole else None
        what, python = found[0]
        shown = f": {code(short(whole.strip(), 70))}" if whole else ""
        more = "; " + ", ".join(f"{w} → {p}" for w, p in found[1:]) if len(found) > 1 else ""
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses {what}, which comes from other languages (C, Java, JavaScript); "
            f"Python writes it as {python}{more}{shown}.",
            why="Python spells its logical operators as words — `and`, `or`, `not` — and has no `++`/`--` or "
            f"`===`. The {what.split(' ')[0]} on line {lineno} is not a Python operator.",
            steps=f"Write {python} instead"
            + (f"{more}{shown}." if whole else f"{more}, and check the rest of the line."),
            concepts=[
                "boolean-logic"
                if python in ("`and`", "`or`", "`not`")
                else "comparison"
                if "=" in python and "+" not in python and "-" not in python
                else "variables"
            ],
            fix=fix,
        )
    # `cond ? a : b`
    m = re.search(
        r"^(?P<head>.*?=\s*)(?P<cond>[^?=]+?)\s*\?\s*(?P<a>[^:]+?)\s*:\s*(?P<b>.+?)\s*;?\s*$", masked
    )
    if m and "?" in masked:
        new_text = (
            text[: m.start("cond")]
            + f"{text[m.start('a') : m.end('a')]} if {text[m.start('cond') : m.end('cond')]} else "
            f"{text[m.start('b') : m.end('b')]}"
        )
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} uses the `cond ? a : b` operator from other languages; Python writes a "
            f"conditional expression as `a if cond else b`: {code(short(new_text.strip(), 70))}.",
            why="Python has no `?` operator; its conditional expression puts the condition in the middle.",
            steps=f"Write {code(short(new_text.strip(), 70))}.",
            concepts=["conditionals"],
            fix=_fix(sit, lineno, new_text),
        )
    # `if x > 3 { body }` on one line
    m = re.match(r"^(\s*(?:if|elif|else|for|while)\b[^{]*?)\s*\{(.*)\}\s*;?\s*$", masked)
    if m and m.group(2).strip():
        new_text = text[: m.end(1)].rstrip() + ": " + text[m.start(2) : m.end(2)].strip().rstrip(";")
        if line_compiles(new_text):
            return _diag(
                sit,
                lineno,
                summary=f"Line {lineno} puts the block in `{{ }}` braces as in C or Java; Python ends the "
                "header "
                f"with a colon `:` instead: {code(short(new_text.strip(), 70))}.",
                why="Python has no braces around blocks: after the colon comes the body, on the same line or "
                "indented on the lines below.",
                steps=f"Write {code(short(new_text.strip(), 70))}.",
                concepts=["indentation", "syntax-basics"],
                fix=_fix(sit, lineno, new_text),
            )
    # `if x > 3 {` — braces instead of a colon
    m = re.match(r"^(\s*(?:if|elif|else|for|while|def|class|try|except|finally|with)\b.*?)\s*\{\s*$", masked)
    if m:
        new_text = text[: m.end(1)].rstrip() + ":"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} opens a block with `{{` as in C or Java; Python ends the header with a "
            f"colon `:` and marks the block by indentation: {code(new_text.strip())}.",
            why="Python has no braces around blocks: the lines indented under a header ending in `:` are the "
            "block, and a closing `}` is not needed.",
            steps=f"Replace "
            f"`{{` with `:` ({code(new_text.strip())}), indent the body, and delete the closing `}}`.",
            concepts=["indentation", "syntax-basics"],
            fix=_fix(sit, lineno, new_text),
        )
    m = re.match(r"^\s*(//|/\*)", masked)
    if m:
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} starts a comment with `{m.group(1)}` as in C/Java/JavaScript; Python "
            "comments "
            "start with `#`.",
            why="In Python `//` is floor division and `/*` is not an operator; only `#` starts a comment.",
            steps=f"Replace `{m.group(1)}` with `#`.",
            concepts=["syntax-basics"],
            fix=_fix(sit, lineno, text.replace(m.group(1), "#", 1).replace("*/", "")),
        )
    m = re.match(r"^(\s*)(var|let|const|int|float|double|String|string|auto)\s+([A-Za-z_]\w*)\s*=", masked)
    if m:
        new_text = m.group(1) + text[m.start(3) :]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} declares a variable with `{m.group(2)}` as in other languages; Python "
            "needs no "
            f"declaration word — just assign: {code(short(new_text.strip(), 60))}.",
            why="A Python variable is created by assigning to it; there are no `var`, `let` or type "
            "declarations.",
            steps=f"Remove `{m.group(2)}`: {code(short(new_text.strip(), 60))}.",
            concepts=["variables"],
            fix=_fix(sit, lineno, new_text),
        )
    m = re.match(r"^(\s*)(function|func|fn|fun|void|public static void)\s+([A-Za-z_]\w*)\s*\(", masked)
    if m:
        rest = text[m.start(3) :].rstrip().rstrip("{").rstrip()
        new_text = f"{m.group(1)}def {rest}" + ("" if rest.endswith(":") else ":")
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} defines a function with `{m.group(2)}`; Python uses `def`: "
            f"{code(short(new_text.strip(), 60))}.",
            why="Functions are defined with `def name(parameters):` followed by an indented body.",
            steps=f"Write {code(short(new_text.strip(), 60))}.",
            concepts=["functions"],
            fix=_fix(sit, lineno, new_text),
        )
    m = re.search(r"\$([A-Za-z_]\w*)", masked)
    if m:
        new_text = text[: m.start()] + text[m.start() + 1 :]
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} writes `${m.group(1)}`: Python names don't start with `$` (as in PHP or "
            f"shell); write `{m.group(1)}`.",
            why="A Python name is letters, digits and `_`, starting with a letter or `_`.",
            steps=f"Remove the `$`: {code(short(new_text.strip(), 60))}.",
            concepts=["variables"],
            fix=_fix(sit, lineno, new_text),
        )
    return None


# --- misspelt keywords ---------------------------------------------------------------------------

_STATEMENT_WORDS = [
    "if", "elif", "else", "for", "while", "def", "class", "return", "import", "from", "try", "except",
    "finally", "with", "break", "continue", "pass", "raise", "global", "nonlocal", "lambda", "yield",
    "assert", "del", "async", "await",
]  # fmt: skip
_INNER_WORDS = ["in", "not", "and", "or", "is", "else", "as", "if", "for", "import", "lambda"]


def _defined(sit: Situation) -> set[str]:
    names = set(re.findall(r"^\s*([A-Za-z_]\w*)\s*(?:=[^=]|[-+*/]=)", sit.code, flags=re.M))
    names |= set(re.findall(r"\b(?:def|class|import|as)\s+([A-Za-z_]\w*)", sit.code))
    return names | sit.facts.bound_names() | set(sit.variables)


def close_keyword(word: str, *, first: bool) -> str | None:
    """The keyword ``word`` is a slip of: a case slip (`If`) or a close spelling (`whlie`)."""
    if keyword.iskeyword(word):
        return None
    if word.lower() in keyword.kwlist and word.lower() not in ("true", "false", "none"):
        return word.lower()
    if len(word) < 3 and not first:
        return None
    found = close_keywords(word, first=first)
    return found[0] if found else None


def close_keywords(word: str, *, first: bool) -> list[str]:
    """Every keyword ``word`` may be a slip of, closest first (`elf` → `elif`, `else`)."""
    if keyword.iskeyword(word):
        return []
    if word.lower() in keyword.kwlist and word.lower() not in ("true", "false", "none"):
        return [word.lower()]
    pool = _STATEMENT_WORDS if first else _INNER_WORDS
    if len(word) < 3 and not first:
        return []
    return difflib.get_close_matches(word.lower(), pool, n=6, cutoff=0.75 if len(word) > 3 else 0.5)


def keyword_typo(sit: Situation) -> Diagnosis | None:
    lineno, text, _col = _where(sit)
    if not sit.has_code:
        return None
    masked = mask(text)
    defined = _defined(sit)
    words = list(re.finditer(r"[A-Za-z_]\w*", masked))
    for i, m in enumerate(words):
        word = m.group(0)
        if word in defined or word in BUILTIN_NAMES or keyword.iskeyword(word):
            continue
        if m.start() > 0 and masked[m.start() - 1] == ".":
            continue
        first = i == 0 and not masked[: m.start()].strip()
        # The closest keyword may not fit the line (`elf:` is closest to `elif`, which needs a
        # condition): the first candidate whose line compiles is the slip.
        tries = [
            (kw, new_text, _fix(sit, lineno, new_text))
            for kw in close_keywords(word, first=first)
            for new_text in [text[: m.start()] + kw + text[m.end() :]]
        ]
        if not any(fix is not None for _, _, fix in tries):
            continue
        # One that compiles wins; else the closest spelling, whose fix (if any) only gets further.
        kw, new_text, fix = next(
            (t for t in tries if t[2] is not None and compile_error(t[2]) is None), tries[0]
        )
        shown = f": {code(short(new_text.strip(), 70))}" if fix is not None else ""
        if fix is None and kw in ("if", "elif", "while"):
            shown = f"; it also needs a condition before its colon, as in `{kw} x > 0:`"
        # Without a checked fix the keyword is shown as `kw …`: a bare `kw` would read as the
        # rewritten line, which the agent withholds when it does not compile.
        said = f"`{kw}`" if fix is not None else f"`{kw} …`"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} has `{word}`, a misspelling of the keyword {said}{shown}.",
            why=f"Python only recognises its keywords spelled exactly (and in lowercase); `{word}` is read "
            "as an "
            f"unknown name, so the rest of line {lineno} is no longer valid syntax.",
            steps=f"Write {said} instead of `{word}`{shown}.",
            concepts=["syntax-basics"],
            fix=fix,
            prevention="Keywords turn a different colour in the editor; if a word you meant as a keyword "
            "stays "
            "plain, it is misspelt.",
        )
    return None


# --- the token Python stopped at -----------------------------------------------------------------

_KEYWORD_PLACE = {
    "else": "an `else:` must come straight after the indented body of an `if`, `for`, `while` or `try`, at "
    "the "
    "same indentation as that `if`; here there is no such block right above it (check the indentation of "
    "`else` and of the lines before it), or `else` is followed by a condition (use `elif` for that)",
    "elif": "an `elif` must come straight after the body of an `if` (or another `elif`) at the same "
    "indentation "
    "and before any `else`",
    "except": "an `except` must follow the body of a `try:` at the same indentation",
    "finally": "a `finally:` must follow the body of a `try:` (or its `except` blocks) at the same "
    "indentation",
    "import": "an import is written `import module` or `from module import name` — `import a from b` is "
    "backwards",
    "from": "`from` starts an import (`from module import name`), or appears in `yield from`/`raise … from`",
    "in": "`in` belongs in `for x in items:` or a membership test `x in items`; it needs a value on each "
    "side",
    "not": "`not` goes before the value it negates (`not done`, `x not in items`)",
    "and": "`and` needs a value on each side (`a and b`)",
    "or": "`or` needs a value on each side (`a or b`)",
    "is": "`is` needs a value on each side (`x is None`)",
    "yield": "`yield` inside an expression needs its own brackets (`f((yield x))`), or must start the "
    "statement",
    "return": "`return` is a statement of its own, at the start of a line inside a function; it cannot be "
    "inside an expression",
    "lambda": "`lambda params: expression` cannot take statements or an annotation",
    "def": "`def name(params):` starts a line of its own",
    "class": "`class Name:` starts a line of its own",
    "for": "`for` starts a loop line (`for x in items:`) or sits inside brackets in a comprehension",
    "if": "`if` starts a line (`if cond:`) or sits in a conditional expression `a if cond else b`",
    "as": "`as` only follows `import …`, `with …` or `except …` and is followed by a name",
    "pass": "`pass` is a statement of its own",
    "None": "`None` is a value, not a name you can assign to or call",
    "True": "`True` is a value, not a name you can assign to",
    "False": "`False` is a value, not a name you can assign to",
    "await": "`await` only works inside `async def` and needs a value after it",
    "async": "`async` only comes before `def`, `for` or `with`",
    "global": "`global name` is a statement of its own at the top of a function",
    "nonlocal": "`nonlocal name` is a statement of its own in a nested function",
    "del": "`del name` is a statement of its own",
    "assert": "`assert condition` is a statement of its own",
    "raise": "`raise Error(...)` is a statement of its own",
    "while": "`while condition:` starts a line of its own",
    "with": "`with … as name:` starts a line of its own",
    "try": "`try:` starts a line of its own",
    "break": "`break` is a statement of its own inside a loop",
    "continue": "`continue` is a statement of its own inside a loop",
}

_OPERATOR_NOTE = {
    "=": "a single `=` stores a value and can only follow a name at the start of a statement (or name a "
    "keyword "
    "argument); to compare two values use `==`",
    ":": "a colon ends a block header (`if …:`), separates a dict key from its value, or splits a slice "
    "(`a[1:3]`); it has no meaning here",
    ",": "a comma separates items; here it has no item before or after it",
    ")": "a closing bracket came where a value was expected — something is missing just before it",
    "]": "a closing bracket came where a value was expected — something is missing just before it",
    "}": "a closing brace came where a value was expected — something is missing just before it",
    "->": "`->` only marks a function's return annotation, after the `)` of a `def`",
    "?": "Python has no `?` operator (in IPython, `name?` shows help only on a line of its own)",
    "$": "`$` is not used in Python code",
    "`": "backticks are not Python syntax; use `repr(x)` or quotes",
    "!": "`!` alone is not a Python operator (use `not`; `!=` means not equal)",
    "@": "`@` is a decorator (at the start of a line, before `def`) or matrix multiplication between two "
    "values",
    "~": "`~` (bit inversion) needs a value after it",
    "/": "`/` divides two values, or in a parameter list marks the end of the positional-only parameters "
    "(after at least one parameter)",
    "*": "`*` multiplies two values, unpacks (`*args`), or in a parameter list starts the keyword-only ones",
    "**": "`**` is power between two values, or unpacks a dict (`**kwargs`)",
    ".": "a `.` must be followed by an attribute name (`obj.name`)",
    ";": "`;` only separates two statements on one line",
}


def _token_at(text: str, col: int) -> str | None:
    m = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\*\*|//|->|:=|[=!<>]=|\.\.\.|[^\s\w]").match(text, col)
    return m.group(0) if m else None


def _prev_token(masked: str, col: int) -> str | None:
    before = masked[:col].rstrip()
    m = re.search(r"([A-Za-z_]\w*|\d[\w.]*|[)\]}]|['\"])$", before)
    if m:
        return m.group(1)
    return before[-1:] or None


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def unclosed_above(sit: Situation) -> Diagnosis | None:
    """A bracket opened on an earlier line is still open where Python gave up: the slip is the
    missing closing bracket up there, not the line Python points at."""
    lineno, text, col = _where(sit)
    if not sit.has_code or lineno < 2:
        return None
    lines = sit.code.split("\n")
    stack: list[tuple[str, int, int]] = []
    masked_lines = code_only("\n".join(lines[:lineno])).split("\n")
    for n, line in enumerate(masked_lines, 1):
        limit = col if n == lineno else len(line)
        for c, ch in enumerate(line[:limit]):
            if ch in _PAIRS:
                stack.append((ch, n, c))
            elif ch in _PAIRS.values():
                if stack and _PAIRS[stack[-1][0]] == ch:
                    stack.pop()
                else:
                    return None
    opened = [s for s in stack if s[1] < lineno]
    if not opened:
        return None
    # Only when the line Python stopped at reads as a new statement: a continuation line of a
    # list or call that is still open is more likely missing a comma than a bracket.
    # An import's brackets hold only names, so anything else there shows the bracket was left open.
    in_import = re.match(r"^\s*from\s+[\w.]+\s+import\s*\(", lines[opened[-1][1] - 1])
    names_only = re.fullmatch(r"[\w\s,.]*", code_only(text)) and not re.search(r"\w\s+\w", code_only(text))
    if not (in_import and not names_only) and not re.match(
        r"\s*((if|elif|else|for|while|def|class|return|import|from|try|except|with|print)\b"
        r"|[A-Za-z_][\w.]*\s*(=[^=]|[-+*/]=))",
        text,
    ):
        return None
    opener, open_line, _open_col = opened[-1]
    closer = _PAIRS[opener]
    open_text = lines[open_line - 1]
    end = len(code_only(open_text).rstrip())
    new_text = open_text[:end] + closer + open_text[end:]
    fix = _fix(sit, open_line, new_text)
    if fix is not None and compile_error(fix) is not None:
        fix = None
    return _diag(
        sit,
        open_line,
        summary=f"The `{opener}` opened on line {open_line} ({code(short(open_text.strip(), 50))}) is never "
        "closed, "
        f"so Python reads the following lines as part of it and only gives up on line {lineno} "
        f"({code(short(text.strip(), 30))}). Add the "
        "missing "
        f"`{closer}`" + (f": {code(short(new_text.strip(), 60))}." if fix else "."),
        why=f"An open bracket tells Python the expression continues, even onto the next lines. Because the "
        f"`{opener}` "
        f"on line {open_line} has no matching `{closer}`, line {lineno} is read as if it were still inside "
        "it, "
        "where it makes no sense — so the error shows up later than the real slip.",
        steps=f"Close the `{opener}` on line {open_line} with `{closer}`"
        + (f": {code(short(new_text.strip(), 60))}." if fix else " where its contents end."),
        concepts=["syntax-basics"],
        fix=fix,
        analysis="syntax:unclosed-bracket-above",
    )


def parameters(sit: Situation) -> Diagnosis | None:
    """Slips in a parameter or argument list that CPython only calls "invalid syntax"."""
    lineno, text, _col = _where(sit)
    masked = code_only(text)
    m = re.match(r"^\s*(?:async\s+)?(?:def\s+\w+\s*\((?P<p>.*)\)|lambda(?P<l>[^:]*):)", masked)
    if m:
        params = [p.strip() for p in (m.group("p") if m.group("p") is not None else m.group("l")).split(",")]
        seen_default = False
        for p in params:
            if p in ("/", "*") or p.startswith("*"):
                if p.startswith("*"):
                    seen_default = False
                continue
            name = re.match(r"[A-Za-z_]\w*", p)
            if "=" in p:
                seen_default = True
            elif seen_default and name:
                return _diag(
                    sit,
                    lineno,
                    summary=f"On line {lineno} the parameter `{name.group(0)}` has no default value but "
                    "comes after "
                    "a parameter with a default (`=`); parameters with defaults must come after those "
                    "without.",
                    why="Arguments fill parameters from left to right, so once one parameter has a default, "
                    "every "
                    "later one needs a default too: `def f(a, b=1)`, not `def f(a=1, b)`.",
                    steps=f"Move `{name.group(0)}` before the parameters that have defaults, or give it a "
                    "default.",
                    concepts=["parameters"],
                    analysis="syntax:parameter-order",
                )
            if name is None and re.search(r"[-+*/%]", p) and not p.startswith("*"):
                return _diag(
                    sit,
                    lineno,
                    summary=f"The parameter list on line {lineno} contains an expression ({code(p)}); a "
                    "parameter is "
                    "just a name (optionally `name=default`), and calculations belong in the body.",
                    why="Parameters are the names that receive the arguments; Python cannot store an "
                    "argument into "
                    "an expression.",
                    steps="Use a plain name as the parameter and compute with it inside the function.",
                    concepts=["parameters"],
                    analysis="syntax:parameter-expression",
                )
    m = re.search(r"\b([A-Za-z_]\w*)\s*=\s*(?=[,)])", masked)
    if m:
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} has `{m.group(1)}=` with no value after the `=`; a keyword argument or "
            "default "
            f"needs its value: `{m.group(1)}=…`.",
            why="`name=value` passes (or declares) a value for `name`; without the value the `=` has "
            "nothing to give.",
            steps=f"Write the value after `{m.group(1)}=`, or remove `{m.group(1)}=`.",
            concepts=["parameters"],
            analysis="syntax:missing-value",
        )
    m = re.search(r"(\*{1,2})([A-Za-z_]\w*)\s*=(?!=)", masked)
    if m and "(" in masked[: m.start()]:
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} writes `{m.group(1)}{m.group(2)}=…`: a starred "
            f"`{m.group(1)}{m.group(2)}` "
            "unpacks or collects several values and cannot take a `=` value.",
            why=f"`{m.group(1)}name` already means 'all the remaining arguments'; give the values without "
            "`=`, "
            f"e.g. `f({m.group(1)}[0])`.",
            steps="Drop the `=`, or use a normal keyword argument instead.",
            concepts=["parameters", "unpacking"],
            analysis="syntax:starred-argument",
        )
    return None


def malformed_number(sit: Situation) -> Diagnosis | None:
    lineno, text, _col = _where(sit)
    masked = code_only(text)
    m = re.search(r"(?<![\w.])\d+\.\d+(\.\d+)+", masked)
    if m is None:
        return None
    number = m.group(0)
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno} has `{number}`, which is not a number: a number can have only one decimal "
        "point. "
        f"A version or a date like this is text (`'{number}'`) or a tuple of numbers "
        f"(`({number.replace('.', ', ')})`).",
        why="Python reads digits with one `.` as a decimal number; the second `.` makes it look like an "
        "attribute "
        "access on a number, which is invalid.",
        steps=f"Write it as a string `'{number}'`, or as separate numbers, depending on what you need it "
        "for.",
        concepts=["numbers"],
        analysis="syntax:malformed-number",
    )


def at_caret(sit: Situation) -> Diagnosis | None:
    lineno, text, col = _where(sit)
    masked = mask(text)
    tok = _token_at(text, col)
    if tok is None:
        return None
    stripped = text.strip()
    # `import a from b`
    m = re.match(r"^(\s*)import\s+(.+?)\s+from\s+([\w.]+)\s*$", masked)
    if m and tok == "from":
        new_text = f"{m.group(1)}from {m.group(3)} import {text[m.start(2) : m.end(2)]}"
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} writes `import … from …` backwards; Python's form is "
            f"{code(new_text.strip())}.",
            why="An import that picks names out of a module starts with `from`: `from module import name`.",
            steps=f"Write {code(new_text.strip())}.",
            concepts=["modules-imports"],
            fix=_fix(sit, lineno, new_text),
        )
    if keyword.iskeyword(tok):
        place = _KEYWORD_PLACE.get(tok)
        if place is None:
            return None
        misplaced = tok in ("else", "elif", "except", "finally") and stripped.startswith(tok)
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno}: Python did not expect the keyword `{tok}` at this spot"
            + (f" — this `{tok}` has no matching block above it" if misplaced else "")
            + f". {place[0].upper() + place[1:]}.",
            why=f"Keywords may only stand where the grammar allows them: {place}.",
            steps=(
                f"Line `{tok}` up with the `if`/`try` it belongs to (same indentation), and make sure "
                "nothing "
                "else sits between that block and it."
                if misplaced
                else f"Rewrite line {lineno} so `{tok}` stands where it is allowed ({short(place, 80)})."
            ),
            concepts=["conditionals" if tok in ("else", "elif", "if") else "syntax-basics"],
            analysis="syntax:misplaced-keyword",
        )
    prev = _prev_token(masked, col)
    value_like = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|['\"]|[)\]}]")
    if (
        prev
        and value_like.fullmatch(prev)
        and not keyword.iskeyword(prev)
        and (re.fullmatch(r"[A-Za-z_]\w*|\d[\w.]*", tok) or tok in ("'", '"', "(", "[", "{"))
        and not keyword.iskeyword(tok)
    ):
        header = re.match(r"^\s*(if|elif|while|for|with|def|class)\b", masked)
        if header and ":" not in masked[:col]:
            kw = header.group(1)
            head = text[:col].rstrip()
            return _diag(
                sit,
                lineno,
                summary=f"Line {lineno} starts an `{kw}` block but has no colon `:` before `{tok}`: the "
                f"header {code(short(head.strip(), 50))} must end with `:` before the body starts.",
                why=f"After the `{kw}` line's condition (or loop, or name) comes a colon; the body follows "
                "it, on the same line or indented below. Without the colon Python reads the body as more "
                "of the condition.",
                steps=f"Put `:` after {code(short(head.strip(), 50))}.",
                concepts=["syntax-basics", "conditionals"] if kw in ("if", "elif") else ["syntax-basics"],
                analysis="syntax:missing-colon-before-body",
            )
        shown = short(text[max(0, col - 12) : col + 12].strip(), 40)
        return _diag(
            sit,
            lineno,
            summary=f"Line {lineno} has two values side by side with nothing between them, just before "
            f"`{tok}` "
            f"({code(shown)}): an operator (`+`, `*`, …), a comma, or a line break is missing.",
            why="Python reads `a b` as two separate things with no rule connecting them. Between two values "
            "there must be an operator, a comma (inside brackets), or they belong on separate lines.",
            steps=f"Add the missing operator or comma before `{tok}`, or start a new line there.",
            concepts=["syntax-basics"],
            analysis="syntax:values-side-by-side",
        )
    note = _OPERATOR_NOTE.get(tok)
    if note is None and re.fullmatch(r"[-+%<>|&^]|==|!=|<=|>=|//", tok):
        note = f"`{tok}` is an operator between two values, and here the value on one side is missing"
    if note is None:
        return None
    return _diag(
        sit,
        lineno,
        summary=f"Line {lineno}: Python did not expect `{tok}` at this spot — {note}.",
        why=f"Python read line {lineno} up to `{tok}` and the line stopped making sense there: {note}.",
        steps=f"Look just before `{tok}` on line {lineno} for the missing or extra piece.",
        concepts=["syntax-basics"],
        analysis="syntax:token-note",
    )
