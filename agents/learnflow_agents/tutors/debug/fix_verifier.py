"""Check a proposed fix: it must compile, and where it is safe to run, it must run past
the original error.

"Safe" is decided statically and conservatively: only stdlib modules that cannot touch
the file system, the network or other processes; no ``input()``, ``open()``, ``eval``,
``exec`` or dunder tricks. Anything else is only compiled, never executed.
"""

from __future__ import annotations

import ast
import difflib
import io
import keyword
import re
import tokenize
from collections import Counter
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import code_only, compile_error, neutralise_ipython, parse
from learnflow_agents.tutors.debug.diagnosis import message_text
from learnflow_agents.tutors.debug.sandbox import RunResult, none_shown, run_cell

SAFE_MODULES = frozenset(
    {
        "math", "cmath", "random", "string", "collections", "itertools", "functools", "operator",
        "statistics", "fractions", "decimal", "datetime", "re", "json", "copy", "heapq", "bisect",
        "dataclasses", "typing", "enum", "textwrap", "unicodedata", "array", "abc", "numbers",
        "time", "calendar", "pprint", "contextlib",
    }
)  # fmt: skip

_FORBIDDEN_CALLS = frozenset(
    {
        "input", "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars",
        "getattr", "setattr", "delattr", "breakpoint", "help", "exit", "quit", "memoryview",
    }
)  # fmt: skip

_ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__doc__", "__class__", "__dict__"})


# The verdict's detail for a trial run that ended without any exception.
CLEAN_RUN = "compiles and runs without an error"


@dataclass
class Verification:
    status: str | None  # "ran", "compiled" or None (does not compile)
    detail: str


def is_safe_to_run(code: str, *, allowed_calls: frozenset[str] = frozenset()) -> tuple[bool, str]:
    """Whether ``code`` may be executed in the sandbox, and if not, why.

    ``allowed_calls`` lifts the ban on names the runner itself replaces (the tracer's
    ``input()`` reads nothing)."""
    # A line continuing brackets may start with `%` or `!=`; neutralise_ipython knows which are IPython's.
    if neutralise_ipython(code) != code:
        return False, "uses IPython magics or shell commands"
    tree = parse(code)
    if tree is None:
        return False, "does not parse"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in SAFE_MODULES:
                    return False, f"imports {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] not in SAFE_MODULES:
                return False, f"imports from {node.module}"
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_CALLS and node.id not in allowed_calls:
            return False, f"uses {node.id}()"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("__")
            and node.attr not in _ALLOWED_DUNDERS
        ):
            return False, f"touches {node.attr}"
        elif isinstance(node, ast.Attribute) and node.attr in {
            "system",
            "popen",
            "remove",
            "rmtree",
            "unlink",
        }:
            return False, f"calls .{node.attr}()"
    return True, ""


_WORD = re.compile(r"[A-Za-z_]\w*|\d[\w.]*")


def _unterminated(line: str) -> bool:
    """The line has a quote that is never closed (its words were meant as text all along)."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any(t.type == tokenize.ERRORTOKEN and t.string.strip() in ("'", '"') for t in toks)


def _names(src: str) -> set[str]:
    """Names in the code part of ``src`` (string prefixes such as the f of f"…" left out), on
    lines whose strings are all closed: a stray apostrophe makes the rest of its line look
    like names that were really text."""
    src = "\n".join("" if _unterminated(line) else line for line in src.split("\n"))
    masked = code_only(src)
    return {
        m.group(0)
        for m in re.finditer(r"[A-Za-z_]\w*", masked)
        if src[m.end() : m.end() + 1] not in ("'", '"') and not keyword.iskeyword(m.group(0))
    }


def _content(line: str) -> list[str]:
    return _WORD.findall(line)


_CURLY = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u201e": '"'})


def intent_problem(original: str, fixed: str) -> str | None:
    """Why ``fixed`` does not keep what the student wrote, or None when it does.

    A fix may rename, add, reorder and re-indent, but it must not silence the error by turning
    a name into text (`brek` → `"brek"`) or by deleting the student's expression (`a = ⍺` →
    `a = `, a line dropped)."""
    # Curly quotes pasted from a document were quotes to the student: read them as such.
    original = original.translate(_CURLY)
    before, after = _names(original), _names(fixed)
    # The text inside the fix's strings and comments, at its own positions.
    string_text = "".join(c if c != m else " " for c, m in zip(fixed, code_only(fixed), strict=True))
    # (Text the student wrote themselves, 'my-var is' beside a renamed my_var, is not a turned name.)
    own_text = "".join(c if c != m else " " for c, m in zip(original, code_only(original), strict=True))
    for name in sorted(before - after):
        word = rf"\b{re.escape(name)}\b"
        if len(re.findall(word, string_text)) > len(re.findall(word, own_text)):
            return f"the fix turns the name `{name}` into text"
    a, b = original.split("\n"), fixed.split("\n")
    kept = Counter(w for line in b for w in _content(code_only(line)))
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op not in ("delete", "replace"):
            continue
        old = [w for line in a[i1:i2] for w in _content(code_only(line))]
        new = [w for line in b[j1:j2] for w in _content(code_only(line))]
        if op == "delete" and old and not all(kept[w] for w in old):
            return "the fix deletes part of the student's code"
        if op == "replace":
            text_all_along = any(_unterminated(line) for line in a[i1:i2])
            if old and not text_all_along and len(new) < len(old) / 2 and not all(kept[w] for w in old):
                return "the fix deletes most of the changed line"
            if any(re.search(r"(?<![=!<>])=\s*$", code_only(line)) for line in b[j1:j2]):
                return "the fix leaves an assignment without a value"
    return None


def same_error(result: RunResult, error_type: str, line: int | None, message: str) -> bool:
    if result.error_type != error_type:
        return False
    # Same type on another line with another message is a different problem further on.
    return line is None or result.line == line or result.outer_line == line or result.message == message


def _trial_run(fixed_code: str, run: bool, timeout: float) -> Verification | RunResult:
    """Compile the fix and, when allowed and safe, run it: the verdict when it stops short
    of a run (does not compile, not run), else the run's result for the caller to judge."""
    err = compile_error(fixed_code)
    if err is not None:
        return Verification(None, f"the fix does not compile: {err.msg} (line {err.lineno})")
    if not run:
        return Verification("compiled", "compiles; not run")
    safe, why_not = is_safe_to_run(fixed_code)
    if not safe:
        return Verification("compiled", f"compiles; not run because it {why_not}")
    return run_cell(fixed_code, timeout=timeout)


def verify_fix(
    fixed_code: str,
    *,
    error_type: str,
    line: int | None = None,
    message: str = "",
    run: bool = True,
    timeout: float = 3.0,
    outer_line: int | None = None,
) -> Verification:
    """``line`` is where the error was raised in the cell, ``outer_line`` the cell's statement
    that was running (the same line unless the error came from inside a call)."""
    result = _trial_run(fixed_code, run, timeout)
    if isinstance(result, Verification):
        return result
    if error_type == "KeyboardInterrupt" and not result.completed:
        return Verification("compiled", "compiles, but still runs without stopping")
    if not result.completed:
        return Verification("compiled", f"compiles; the trial run was stopped ({_said(result)})")
    if result.clean:
        return Verification("ran", CLEAN_RUN)
    if same_error(result, error_type, line, message):
        return Verification("compiled", f"compiles, but still raises {_raised(result)}")
    first = outer_line if outer_line is not None else line
    if first is not None and result.outer_line is not None and result.outer_line < first:
        # It stopped before the statement that failed (a name from another cell, a program
        # that behaves differently here): the fixed line never ran, so nothing was checked.
        return Verification(
            "compiled",
            f"compiles; the trial run stopped on line {result.outer_line}, before line {first} ran: "
            f"it raises {_raised(result)}",
        )
    return Verification(
        "ran",
        f"compiles and runs past the {error_type}; later it raises {_raised(result)}",
    )


def _said(result: RunResult) -> str:
    return message_text(result.message)


def _raised(result: RunResult) -> str:
    """What the trial run raised, as text: the fixed cell is still the student's program, and
    its exception (even its class's name) says what that program chose."""
    return f"{message_text(result.error_type or '')}: {_said(result)}"


def verify_none_fix(
    fixed_code: str, stdout_before: str, *, run: bool = True, timeout: float = 3.0
) -> Verification:
    """A fix for an unexpected `None` (no error to remove): it must compile, and when the cell
    was run it must still run cleanly and print `None` less often than before."""
    result = _trial_run(fixed_code, run, timeout)
    if isinstance(result, Verification):
        return result
    if not result.clean:
        # Worse than the question it answers: a cell that ran now fails or hangs.
        return Verification(None, f"the fix no longer runs cleanly ({_raised(result)})")
    before, after = none_shown(stdout_before), none_shown(result.stdout)
    if after < before:
        return Verification("ran", f"runs and prints `None` {after} time(s) instead of {before}")
    return Verification("compiled", "compiles and runs, but still prints `None` as often as before")
