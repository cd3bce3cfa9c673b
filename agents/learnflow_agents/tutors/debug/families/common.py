"""Small helpers every family analyser shares: quoting the student's code and values."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import BUILTIN_NAMES, parse_fragment
from learnflow_agents.tutors.debug.diagnosis import code, frame_place
from learnflow_agents.tutors.debug.situation import Situation

_QUOTED = re.compile(r"'([^']*)'")


def quoted_names(message: str) -> list[str]:
    """The single-quoted items of an error message, in order ("name 'x' is not defined")."""
    return _QUOTED.findall(message)


def line_code(sit: Situation, line: int | None) -> str:
    return code(sit.text(line).strip()) if line is not None else ""


def line_tree(sit: Situation, line: int | None) -> ast.AST | None:
    """An AST that covers ``line``: the whole cell's when available, else the line alone."""
    if sit.tree is not None:
        return sit.tree
    return parse_fragment(sit.text(line))


def fragment_nodes(
    sit: Situation, line: int | None, kind: type | tuple[type, ...], *, text: str | None = None
) -> list:
    """Nodes of ``kind`` on ``line``; works with or without the full cell.

    ``text`` overrides the line's source, for frames in another cell or file whose code
    is only known from the traceback.
    """
    from learnflow_agents.tutors.debug.code_facts import nodes_on_line

    if text is None and sit.tree is not None:
        return nodes_on_line(sit.tree, line, kind)
    frag = parse_fragment(text if text is not None else sit.text(line))
    if frag is None:
        return []
    return sorted(
        (n for n in ast.walk(frag) if isinstance(n, kind)),
        key=lambda n: (n.end_col_offset or 0) - getattr(n, "col_offset", 0),
    )


def known_names(sit: Situation) -> list[str]:
    """Names the student could have meant: their own, their variables, then builtins."""
    own = [b.name for b in sit.facts.bindings]
    return [*own, *sit.variables, *sorted(BUILTIN_NAMES)]


def variable_repr(sit: Situation, name: str) -> str | None:
    var = sit.variables.get(name)
    return var.repr if var and var.repr else None


def variable_type(sit: Situation, name: str) -> str | None:
    var = sit.variables.get(name)
    return var.type if var else None


def where(line: int | None, function: str | None = None) -> str:
    if line is None:
        return "in your code"
    return f"on line {line}" + (f" (inside {code(function)})" if function and function != "<module>" else "")


def raise_site(sit: Situation) -> tuple[int | None, str | None, str, str | None]:
    """Where the exception was raised: (line, other cell/file or None, line text, function)."""
    if sit.elsewhere:
        frame = sit.elsewhere[-1]
        return frame.lineno, frame.label, frame.source or "", frame.function
    return sit.raised_line, None, sit.text(sit.raised_line), sit.raised_function


def place(line: int | None, other: str | None = None, function: str | None = None) -> str:
    """ "line 3", "line 3 (inside `area`)", "line 2 of cell In[4]"."""
    text = f"line {line}" if line is not None else "the failing line"
    if other:
        text += f" of {frame_place(other)}"
    if function and function not in ("<module>", None):
        text += f" (inside {code(function)})"
    return text


def called_from(sit: Situation) -> str:
    """ " — called from line 7" when the error surfaced through a call in this cell."""
    if sit.line is not None and (
        sit.elsewhere or (sit.raised_line is not None and sit.raised_line != sit.line)
    ):
        return f", called from line {sit.line}"
    return ""


def known_length(sit: Situation, expr: ast.AST, line: int | None) -> int | None:
    """Length of a list/str/tuple when the code or the variable summary makes it certain."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return len(expr.value)
    if isinstance(expr, ast.List | ast.Tuple):
        return len(expr.elts)
    if not isinstance(expr, ast.Name):
        return None
    var = sit.variables.get(expr.id)
    if var is not None and var.length is not None:
        return var.length
    if line is None or sit.tree is None:
        return None
    binding = sit.facts.last_assignment_before(expr.id, line + 1)
    if binding is None or binding.kind != "assign" or binding.value is None:
        return None
    # Only trust a literal when nothing in between can have changed the list.
    grows = [
        n
        for n in ast.walk(sit.tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == expr.id
        and n.func.attr in ("append", "extend", "insert", "pop", "remove", "clear")
    ]
    if grows:
        return None
    return (
        known_length(sit, binding.value, None)
        if isinstance(binding.value, ast.List | ast.Tuple | ast.Constant)
        else None
    )


def wrap_in_guard(sit: Situation, line: int, condition: str) -> str | None:
    """Wrap the single-line statement on ``line`` in ``if condition:``."""
    from learnflow_agents.tutors.debug.code_facts import indent_of, insert_lines, replace_line, statement_at

    stmt = statement_at(sit.tree, line)
    if stmt is None or stmt.lineno != line or (stmt.end_lineno or line) != line:
        return None
    if isinstance(stmt, ast.If | ast.For | ast.While | ast.With | ast.FunctionDef | ast.ClassDef | ast.Try):
        return None
    text = sit.text(line)
    indent = indent_of(text)
    fixed = replace_line(sit.code, line, f"{indent}    {text.strip()}")
    return insert_lines(fixed, line, [f"{indent}if {condition}:"])
