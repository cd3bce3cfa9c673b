"""Structural evidence that does not depend on wording: tracebacks, error messages, code.

These work in any language: a pasted `NameError: name 'x' is not defined` or a `def` block
means the same thing whether the sentence around it is English, Spanish or empty.
"""

import ast
import re
from dataclasses import dataclass

# The last line of a traceback names the exception; warnings are not failures, so they are left out.
_EXCEPTION_LINE = re.compile(
    r"^\s*(?:[\w.]+\.)?([A-Z]\w*(?:Error|Exception)|StopIteration|KeyboardInterrupt|SystemExit)\b"
    r"(?::\s*(.*))?\s*$",
    re.MULTILINE,
)
_TRACEBACK_MARKERS = re.compile(
    r"Traceback \(most recent call last\)|^\s*File \"[^\"]*\", line \d+|Cell In\s*\[\d*\],\s*line \d+"
    r"|^-{20,}\s*$",
    re.MULTILINE,
)
# An exception name written in a sentence ("got ZeroDivisionError idk why").
_EXCEPTION_NAME = re.compile(
    r"\b([A-Z][A-Za-z]*(?:Error|Exception)|StopIteration|KeyboardInterrupt)\b(\s*:\s*\S)?"
)
# Fragments of CPython's own error messages, so a paraphrased paste still counts.
_ERROR_MESSAGE = re.compile(
    "|".join(
        [
            r"is not defined",
            r"object is not (?:callable|iterable|subscriptable)",
            r"not (?:callable|iterable|subscriptable)",
            r"has no attribute",
            r"index out of range",
            r"out of range",
            r"unhashable type",
            r"invalid syntax",
            r"unexpected indent",
            r"unindent does not match",
            r"expected an indented block",
            r"expected ['\"]?:['\"]?",
            r"was never closed",
            r"unterminated string",
            r"inconsistent use of tabs",
            r"referenced before assignment",
            r"cannot access local variable",
            r"invalid literal for",
            r"division (?:or modulo )?by zero",
            r"maximum recursion depth",
            r"no module named",
            r"cannot import name",
            r"required positional argument",
            r"positional arguments? but \d+ (?:was|were) given",
            r"unsupported operand type",
            r"can only concatenate",
            r"does not support item assignment",
            r"too many values to unpack",
            r"not enough values to unpack",
            r"no such file or directory",
            r"errno \d+",
        ]
    )
)  # searched in lowercased text: re.IGNORECASE makes this alternation ~10x slower
# A line that is Python rather than prose. Deliberately conservative: a sentence that merely
# mentions `==` or a function name must stay prose.
_CODE_LINE = re.compile(
    r"""^\s*(?:
        (?:def|class)\s+\w+.*:\s*$
      | for\s+\w[\w, ()]*\s+in\s+.+:.*$
      | (?:while|if|elif)\s+.+:.*$
      | with\s+.+\s+as\s+\w+\s*:.*$
      | (?:else|try|finally)\s*:.*$
      | except\b.*:.*$
      | import\s+\w[\w.]*(?:\s+as\s+\w+)?\s*$
      | from\s+[\w.]+\s+import\s+\w.*$
      | return\b.*$
      | @\w[\w.]*.*$
      | \#.*$
      | [A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*(?:[-+*/%]|//)?=(?!=)\s*\S.*$
      | [A-Za-z_][\w.]*\(.*\)\s*$
    )""",
    re.VERBOSE,
)
# Lines of a block after its header ("    return x") are code whatever they contain.
_INDENTED = re.compile(r"^(?: {2,}|\t)\S")


@dataclass(frozen=True)
class Signals:
    """What the query's structure says, before any wording is read."""

    prose: str
    has_traceback: bool
    exception: str | None
    has_code: bool
    code_only: bool
    named_exception: str | None
    pasted_message: bool
    message_fragment: bool
    # CPython's message when the attached cell does not compile: a failing cell with no
    # traceback is still a failing cell, whatever else the student wrote (or did not).
    compile_error: str | None = None


def exception_of(traceback: str) -> str | None:
    matches = _EXCEPTION_LINE.findall(traceback)
    return matches[-1][0] if matches else None


def _split_traceback(text: str) -> tuple[str, str]:
    """Separate a traceback pasted into the text box from the words around it."""
    marker = _TRACEBACK_MARKERS.search(text)
    if marker is None:
        return text, ""
    start = text.rfind("\n", 0, marker.start()) + 1
    tail = text[start:]
    # The traceback ends at its last exception line; whatever follows is the student talking again.
    ends = [m.end() for m in _EXCEPTION_LINE.finditer(tail)]
    end = start + (ends[-1] if ends else len(tail))
    return text[:start] + text[end:], text[start:end]


def _is_code_line(line: str, inside_block: bool) -> bool:
    return bool((inside_block and _INDENTED.match(line)) or _CODE_LINE.match(line))


def split_code(text: str) -> tuple[str, str]:
    """Return (prose, code) from a text box into which a student may have pasted code."""
    prose: list[str] = []
    code: list[str] = []
    inside_block = False
    for line in text.splitlines():
        if not line.strip():
            continue  # blank lines neither end a code block nor carry words
        if _is_code_line(line, inside_block):
            code.append(line)
            inside_block = True
        else:
            prose.append(line)
            inside_block = False
    return "\n".join(prose), "\n".join(code)


# Bigger cells are not compiled here, so routing stays cheap (a pathological 18 KB f-string
# took 100 ms to compile); the tutor they reach reads them anyway.
MAX_COMPILED = 10_000
# IPython lines (`%time`, `!pip`, `x = !ls`, `x?`, autocall's `/f a`, `,f a b`) are not
# Python; each is replaced by `pass` at its own indent, so a block whose body it is still has one.
_IPYTHON_LINE = re.compile(
    r"^([ \t]*)(?:[%!/,;]|\?\??\w|[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[!%]).*$"
    r"|^([ \t]*)\S.*\?\??[ \t]*$",
    re.MULTILINE,
)
# A cell magic decides what its body is: only these run it as Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3"})
_CELL_MAGIC = re.compile(r"\A\s*%%(\w+)[^\n]*(?:\n|\Z)")


def _ipython_masked(code: str) -> str | None:
    """The cell with IPython's own syntax replaced by `pass`, or None when a cell magic makes
    its body something other than Python (%%bash, %%html, %%sql...)."""
    magic = _CELL_MAGIC.match(code)
    if magic:
        if magic.group(1) not in _PYTHON_CELL_MAGICS:
            return None
        code = "\n" + code[magic.end() :]
    # A magic line continued with a backslash takes the next line with it.
    code = re.sub(r"^([ \t]*[%!].*)\\\n.*$", r"\1", code, flags=re.MULTILINE)
    return _IPYTHON_LINE.sub(lambda m: (m.group(1) or m.group(2) or "") + "pass", code)


def _compile(code: str) -> None:
    compile(code, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def compile_error(code: str | None) -> str | None:
    """The SyntaxError CPython raises for the cell, if it raises one (IPython syntax aside)."""
    if not code or not code.strip() or len(code) > MAX_COMPILED:
        return None
    try:
        # Plain Python first: masking IPython lines would break correct code whose comment
        # ends in '?' or whose continuation line starts with '%' or '!='.
        _compile(code)
        return None
    except SyntaxError:
        pass
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return None  # NUL bytes, absurd nesting: not something routing should decide on
    masked = _ipython_masked(code)
    if masked is None:
        return None
    try:
        _compile(masked)
    except SyntaxError as exc:  # IndentationError and TabError are SyntaxErrors
        return f"{type(exc).__name__}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return None


def read_signals(text: str, code: str | None, traceback: str | None) -> Signals:
    prose, pasted_tb = _split_traceback(text)
    prose, code_in_text = split_code(prose)
    tb = "\n".join(part for part in ((traceback or "").strip(), pasted_tb.strip()) if part)
    has_code = bool((code or "").strip() or code_in_text.strip())
    named = _EXCEPTION_NAME.search(prose)
    code_only = has_code and not prose.strip() and not tb
    return Signals(
        prose=prose,
        has_traceback=bool(tb),
        exception=exception_of(tb) if tb else None,
        has_code=has_code,
        code_only=code_only,
        named_exception=named.group(1) if named else None,
        pasted_message=bool(named and named.group(2)),
        message_fragment=bool(_ERROR_MESSAGE.search(prose.lower())),
        # Only a cell sent with no words is routed by it; other queries do not pay for compiling.
        compile_error=compile_error(code) if code_only else None,
    )
