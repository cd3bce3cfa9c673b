"""UnboundLocalError: a function reads a variable that it also assigns, so Python treats
it as local for the whole function — and it has no value yet. Prefers passing the value
in and returning it; ``global`` is explained as the last resort."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import (
    BUILTIN_NAMES,
    indent_of,
    insert_lines,
    line_at,
    replace_line,
    replace_nodes,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families import start_value
from learnflow_agents.tutors.debug.families.common import called_from, quoted_names, raise_site
from learnflow_agents.tutors.debug.situation import Situation

_FREE = re.compile(r"free variable '(?P<name>\w+)'")


def analyse(sit: Situation) -> Diagnosis | None:
    names = quoted_names(sit.message)
    if not names:
        return None
    name = names[0]
    line, other, _text, function = raise_site(sit)
    fdef = sit.facts.functions.get(function or "") if function else None
    if fdef is None or other:
        return _without_code(sit, name, line, function)
    assigns = sorted(
        b.line
        for b in sit.facts.bindings_of(name)
        if b.scope == fdef.name and b.kind in ("assign", "augassign", "for", "with")
    )
    if not assigns:
        return None
    first = assigns[0]
    if name in BUILTIN_NAMES and sit.facts.first_binding(name, "<module>") is None:
        return _shadowed_builtin(sit, name, line, fdef, first)
    global_binding = sit.facts.first_binding(name, "<module>")
    if global_binding is not None:
        return _shadowed_global(sit, name, line, fdef, first, global_binding.line)
    return start_value.analyse(sit, name, line, function, local=True) or _branch_only(
        sit, name, line, fdef, first
    )


_BETTER_NAME = {
    "max": "biggest", "min": "smallest", "sum": "total", "len": "length", "list": "items", "str": "text",
    "dict": "mapping", "input": "answer", "id": "ident", "type": "kind", "sorted": "ordered", "range": "span",
    "round": "rounded", "abs": "distance", "set": "unique", "map": "mapping", "filter": "kept",
    "open": "handle", "format": "layout", "next": "following", "iter": "iterator", "all": "every",
    "any": "some", "print": "output", "int": "number", "float": "number", "zip": "pairs",
}  # fmt: skip


def _shadowed_builtin(sit, name, line, fdef, first) -> Diagnosis:
    """`max = max(points)` inside a function: the built-in is hidden by the local variable."""
    new = _BETTER_NAME.get(name, f"{name}_value")
    taken = {b.name for b in sit.facts.bindings}
    while new in taken:
        new += "_"
    fix = _rename_local(sit, fdef, name, new)
    assignment = line_at(sit.code, first).strip()
    return Diagnosis(
        summary=f"Line {first} (`{assignment}`, inside `{fdef.name}`{called_from(sit)}) names a local "
        "variable "
        f"`{name}`, the same name as the built-in function `{name}()`: that variable shadows (hides) the "
        f"built-in in the whole function, so `{name}` on line {line} means the local variable, which has no "
        "value "
        f"yet. Rename the variable, e.g. to `{new}`.",
        plain=f"`{name}` is one of Python's built-in functions. Because `{fdef.name}` assigns to a variable "
        "called "
        f"`{name}` (line {first}), Python decides that inside this function `{name}` is always that "
        "variable — "
        f"so the built-in `{name}()` is hidden everywhere in the function, even on the right-hand side of "
        "the "
        "same line, where the variable is still empty.",
        precise=f"Assignment anywhere in a function makes `{name}` local for the whole body (scope is "
        "decided at "
        f"compile time), which shadows `builtins.{name}`; the read on line {line} finds the local unbound.",
        analogy="it's like naming your dog 'Phone': once the word means the dog in your house, you can't use "
        "it to ask for the phone any more.",
        fix_steps=f"Give the variable another name, such as `{new}`, everywhere in `{fdef.name}`, so "
        f"`{name}(...)` "
        "means the built-in again.",
        prevention="Don't name variables after built-ins (`max`, `min`, `sum`, `list`, `str`, `input`, …); "
        "the "
        "editor colours built-in names differently.",
        concepts=["scope", "variables"],
        hints=[
            f"What does `{name}` mean on the right-hand side of line {first}?",
            f"`{name}` is also the name of a built-in function, and your variable hides it.",
            f"Rename the variable to `{new}`.",
        ],
        fix_code=fix,
        culprit_line=first,
    )


def _rename_local(sit, fdef, name: str, new: str) -> str | None:
    """Rename the local variable ``name`` in ``fdef``: its assignment targets and every read
    after the first assignment, leaving the calls of the built-in alone."""
    targets = []
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and node.id == name:
            parent_call = any(
                isinstance(c, ast.Call) and c.func is node for c in ast.walk(fdef) if isinstance(c, ast.Call)
            )
            if not parent_call:
                targets.append(node)
    if not targets:
        return None
    try:
        return replace_nodes(sit.code, [(n, new) for n in targets])
    except Exception:
        return None


def _shadowed_global(sit, name, line, fdef, first, global_line) -> Diagnosis:
    fix, how = _pass_and_return(sit, name, fdef)
    if fix is None:
        body_line = fdef.body[0].lineno
        indent = indent_of(line_at(sit.code, body_line))
        fix = insert_lines(sit.code, body_line, [f"{indent}global {name}"])
        how = (
            f"add `global {name}` as the first line of `{fdef.name}` (the last resort: it ties the "
            "function to that global)"
        )
    assignment = line_at(sit.code, first).strip()
    if first == line:
        summary = (
            f"Line {line} (`{assignment}`, inside `{fdef.name}`{called_from(sit)}) both reads and assigns "
            f"`{name}`; "
            f"the assignment makes `{name}` a new, still-empty local variable of `{fdef.name}` instead of "
            "the "
            f"`{name}` from line {global_line}."
        )
    else:
        summary = (
            f"Line {line} (inside `{fdef.name}`{called_from(sit)}) reads `{name}`, but line {first} "
            f"(`{assignment}`) assigns to `{name}` inside the function, which makes `{name}` a new, "
            "still-empty "
            f"local variable instead of the `{name}` from line {global_line}."
        )
    return Diagnosis(
        summary=summary,
        plain=f"Inside `{fdef.name}`, line {first} changes `{name}`. Because of that, Python decides that "
        f"`{name}` in this "
        f"function is the function's *own* `{name}` — a different box from the `{name}` made on line "
        f"{global_line}. "
        "That own box is still empty when line "
        f"{line} tries to read it.",
        precise=f"Any assignment to `{name}` in a function body (line {first}) makes `{name}` local to the "
        "whole function "
        f"at compile time. The read on line {line} happens before the local is bound, so the global `{name}` "
        f"(line {global_line}) is never consulted.",
        analogy='it\'s like having your own notebook called "scores" in a classroom with a shared "scores" '
        'poster: once you write in your notebook, reading "scores" means your (empty) notebook.',
        deeper="Scope is decided statically per function (LEGB); `global`/`nonlocal` declarations change "
        "that, "
        "but functions that take inputs and return outputs are easier to test and reuse.",
        fix_steps=f"Pass `{name}` into `{fdef.name}` as a parameter and return the new value: {how}. "
        f"Writing `global {name}` at the top of the function also works, but use it only as a last resort.",
        prevention="Functions should get what they need through parameters and give results back with "
        "`return`, "
        "instead of changing variables outside themselves.",
        concepts=["scope", "functions", "return-values"],
        hints=[
            f"Does `{fdef.name}` assign to `{name}` anywhere?",
            f"Line {first} makes `{name}` local to the whole function"
            + (f", including line {line}." if first != line else "."),
            f"Pass `{name}` in as a parameter and return it.",
        ],
        fix_code=fix,
        culprit_line=first,
        conceptual=True,
    )


def _pass_and_return(
    sit: Situation, name: str, fdef: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[str | None, str]:
    if sit.tree is None or name in [a.arg for a in fdef.args.args]:
        return None, ""
    returns = [n for n in ast.walk(fdef) if isinstance(n, ast.Return)]
    if any(not (isinstance(r.value, ast.Name) and r.value.id == name) for r in returns):
        return None, ""
    calls = [
        s
        for s in sit.tree.body
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Name)
        and s.value.func.id == fdef.name
    ]
    other_calls = [
        c
        for c in ast.walk(sit.tree)
        if isinstance(c, ast.Call)
        and isinstance(c.func, ast.Name)
        and c.func.id == fdef.name
        and not any(c is s.value for s in calls)
    ]
    if not calls or other_calls:
        return None, ""
    code = sit.code
    edits: list[tuple[ast.AST, str]] = []
    for stmt in calls:
        call = stmt.value
        assert isinstance(call, ast.Call)
        args = [name, *(segment(code, a) for a in call.args), *(segment(code, k) for k in call.keywords)]
        edits.append((stmt, f"{name} = {fdef.name}({', '.join(args)})"))
    code = replace_nodes(code, edits)
    header = line_at(code, fdef.lineno)
    params = header[header.index("(") + 1 :]
    new_header = (
        header[: header.index("(") + 1]
        + name
        + (", " if not params.lstrip().startswith(")") else "")
        + params
    )
    code = replace_line(code, fdef.lineno, new_header)
    if not returns:
        last = fdef.body[-1]
        indent = indent_of(line_at(sit.code, fdef.body[0].lineno))
        code = insert_lines(code, (last.end_lineno or last.lineno) + 1, [f"{indent}return {name}"])
    how = (
        f"`def {fdef.name}({name}, …)`, end it with `return {name}`, and call it as `{name} = "
        f"{fdef.name}({name}, …)`"
    )
    return code, how


def _branch_only(sit, name, line, fdef, first) -> Diagnosis:
    body_line = fdef.body[0].lineno
    indent = indent_of(line_at(sit.code, body_line))
    fix = insert_lines(sit.code, body_line, [f"{indent}{name} = None"])
    assignment = line_at(sit.code, first).strip()
    return Diagnosis(
        summary=f"Line {line} (inside `{fdef.name}`{called_from(sit)}) reads `{name}`, but `{name}` only "
        "gets a value on "
        f"line {first} (`{assignment}`), which didn't run this time — give `{name}` a value on every path.",
        plain=f"`{name}` is only created when line {first} runs, and that line is inside a condition that "
        "was false "
        f"this time. So when line {line} needs `{name}`, it doesn't exist yet.",
        precise=f"`{name}` is local to `{fdef.name}` (assigned on line {first}), but that assignment is "
        "conditional; on "
        f"this execution path the local is unbound when line {line} reads it.",
        analogy='it\'s like a form where a box is filled in only when you tick "yes" — tick "no" and the '
        "box is "
        "empty when someone reads it.",
        deeper='Static analysers (e.g. pyflakes/mypy with `--warn-unreachable`) flag "possibly unbound" '
        "variables; initialising before branching avoids the whole class of bugs.",
        fix_steps=f"Give `{name}` a starting value before the `if` (the fix sets `{name} = None` at the top "
        "of "
        f"`{fdef.name}`; choose a better default), or add an `else:` branch that sets it.",
        prevention="Make sure every path through a function assigns the variables it uses later — an `else` "
        "for "
        "every `if` that sets a result.",
        concepts=["scope", "conditionals"],
        hints=[
            f"Which lines give `{name}` a value, and do they always run?",
            f"Line {first} is the only place `{name}` is set, and it was skipped.",
            f"Set `{name}` before the condition, or in an `else:` branch.",
        ],
        fix_code=fix,
        culprit_line=first,
        conceptual=True,
    )


def _without_code(sit: Situation, name: str, line, function) -> Diagnosis:
    where = f"line {line}" + (f" (inside `{function}`)" if function and function != "<module>" else "")
    return Diagnosis(
        summary=f"{where[0].upper() + where[1:]} reads `{name}` before the function has given its local "
        f"`{name}` a value: "
        f"an assignment to `{name}` elsewhere in the function makes it local everywhere in it.",
        plain=f"Because the function assigns to `{name}` somewhere, Python treats every `{name}` in it as "
        "the function's "
        "own variable, which has no value yet at this line.",
        precise=f"`{name}` is a local of the function (it is assigned in the body), unbound at {where}.",
        fix_steps=f"Pass `{name}` in as a parameter and return the new value, or set it before reading it.",
        prevention="Give functions their inputs as parameters and return their results.",
        concepts=["scope"],
        hints=[
            f"Where does the function assign to `{name}`?",
            "That assignment makes it local.",
            "Pass it in and return it.",
        ],
        culprit_line=line,
        conceptual=True,
    )
