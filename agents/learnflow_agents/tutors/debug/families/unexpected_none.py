"""No error, but a `None` where the student expected a value ("why does this print None?").

The cell runs cleanly, so there is no traceback to analyse; the question (or the sandbox
run's output) says what went wrong instead. The causes are the ones `none_origin` traces for
AttributeError/TypeError on None: a function without `return` (often one that prints its
result), an in-place method such as `list.sort()` used as a value, `print()` used as a value,
or a search that found nothing.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

from learnflow_agents.tutors.debug.code_facts import indent_of, line_at, replace_line, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families.none_origin import NoneOrigin, find_none_origin, origin_of_call
from learnflow_agents.tutors.debug.sandbox import none_shown
from learnflow_agents.tutors.debug.situation import Situation

# "None", "none", "null", "nothing": the words a student uses for the value they did not expect.
_ASKS_ABOUT_NONE = re.compile(r"\b(none|null|nothing)\b", re.IGNORECASE)


@dataclass
class NoneUse:
    origin: NoneOrigin
    line: int  # where the None is shown or used
    shown: bool  # printed (what the student saw), rather than only stored


def analyse(sit: Situation) -> Diagnosis | None:
    if sit.tree is None or sit.error_type:
        return None
    if not (_ASKS_ABOUT_NONE.search(sit.query.text) or none_shown(sit.run_stdout)):
        return None
    use = _first_none_use(sit)
    if use is None:
        return None
    origin = _dropped_recursion(sit, use.origin)
    shown = (
        f"; `print(…)` on line {use.line} shows that `None`"
        if use.shown
        else f", and line {use.line} uses it"
        if use.line != origin.line
        else ""
    )
    concepts = list(dict.fromkeys([origin.concept, "none", "return-values"]))
    return Diagnosis(
        summary=f"No error here, but {origin.reason}{shown}.",
        plain="A function hands back a value only with `return`; `print()` just shows text on the screen, "
        f"and methods that change a list in place hand back nothing. Here {origin.reason}{shown}.",
        precise=f"{_capitalised(origin.reason)}{shown}. A function body that ends without `return`, an "
        "in-place method (`list.sort()`, `.append()`, `.reverse()`, `dict.update()`) and `print()` all "
        "evaluate to `None`.",
        analogy="it's like asking a friend to work out a sum and they say the answer out loud but never "
        "write it down for you: when you look at the paper, there's nothing on it.",
        fix_steps=origin.fix_steps,
        prevention="Decide for each function whether it *shows* something (`print`) or *gives back* a value "
        "(`return`): code that uses the result needs `return`.",
        concepts=concepts,
        hints=_hints(sit, use),
        fix_code=origin.fix_code,
        culprit_line=origin.line,
        conceptual=origin.kind in ("in-place", "no-return", "print"),
        extra={"unexpected_none": origin.kind},
    )


def _dropped_recursion(sit: Situation, origin: NoneOrigin) -> NoneOrigin:
    """When the `None` comes from a function without a `return` on some path, and a function of the
    cell that returns values calls itself as a bare statement (`search(xs, i + 1)` where
    `return search(xs, i + 1)` was meant), that dropped call is the path: name it and its function,
    not whichever caller passed the `None` on."""
    if origin.kind != "no-return" or sit.tree is None:
        return origin
    for fn in ast.walk(sit.tree):
        if not isinstance(fn, ast.FunctionDef) or not any(
            isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn)
        ):
            continue
        for stmt in ast.walk(fn):
            if not (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id == fn.name
            ):
                continue
            call = segment(sit.code, stmt.value)
            text = line_at(sit.code, stmt.lineno)
            fix = (
                replace_line(sit.code, stmt.lineno, f"{indent_of(text)}return {call}")
                if stmt.lineno == stmt.end_lineno and text.strip() == call
                else None
            )
            return replace(
                origin,
                line=stmt.lineno,
                reason=f"{code(fn.name)} calls itself on line {stmt.lineno} ({code(short(call, 50))}) but "
                "drops what that call returns, so that path reaches the end of the function without a "
                "`return` and gives back `None`",
                fix_code=fix,
                fix_steps=f"Hand the recursive call's answer back: {code('return ' + short(call, 50))}.",
                concept="recursion",
                function=fn.name,
            )
    return origin


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_none_use(sit: Situation) -> NoneUse | None:
    """The first place where a None-producing call's result is printed, else used."""
    assert sit.tree is not None
    printed: list[NoneUse] = []
    stored: list[NoneUse] = []
    for node in ast.walk(sit.tree):
        if _is_print(node):
            assert isinstance(node, ast.Call)
            for arg in node.args:
                origin = _origin(sit, arg, node.lineno)
                if origin is not None:
                    printed.append(NoneUse(origin, node.lineno, shown=True))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
            target = node.targets[0]
            if not isinstance(target, ast.Name) or _is_print(node.value):
                continue  # `x = print(...)` shows its text; whether x is used decides below
            later = _later_use(sit.tree, target.id, node.lineno)
            if later is None:
                continue
            origin = origin_of_call(sit, node.value, later, variable=target.id, assign_line=node.lineno)
            if origin is not None:
                stored.append(NoneUse(origin, later, shown=False))
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and not _is_print(node.value):
            origin = origin_of_call(sit, node.value, node.lineno, variable=None, assign_line=node.lineno)
            if origin is not None and origin.kind == "in-place":
                stored.append(NoneUse(origin, node.lineno, shown=False))
    for found in (printed, stored):
        if found:
            return min(found, key=lambda u: (u.line, u.origin.line))
    return None


def _origin(sit: Situation, arg: ast.expr, line: int) -> NoneOrigin | None:
    if isinstance(arg, ast.Call):
        return origin_of_call(sit, arg, line, variable=None, assign_line=line)
    if isinstance(arg, ast.Name):
        return find_none_origin(sit, arg, line)
    return None


def _is_print(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"


def _later_use(tree: ast.Module, name: str, after: int) -> int | None:
    lines = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) and n.lineno > after
    ]
    return min(lines) if lines else None


def _hints(sit: Situation, use: NoneUse) -> list[str]:
    origin = use.origin
    if origin.kind == "no-return" and origin.function:
        return [
            f"What does {code(origin.function + '(…)')} give back? Try `result = {origin.function}(…)` and "
            "`print(type(result))`.",
            "A function without `return` gives back `None`, even if it prints something.",
            origin.fix_steps,
        ]
    if origin.kind == "in-place":
        node = _line_call(sit, origin.line)
        call = short(segment(sit.code, node), 60) if node is not None else "the method call"
        return [
            f"Look at line {origin.line}: what does {code(call)} return?",
            "Methods that change a list in place (`sort`, `append`, `reverse`) return `None`.",
            origin.fix_steps,
        ]
    return [
        f"Look at line {origin.line}: which value ends up `None`?",
        "`print()` and functions without `return` both give back `None`.",
        origin.fix_steps,
    ]


def _line_call(sit: Situation, line: int) -> ast.AST | None:
    assert sit.tree is not None
    calls = [
        n
        for n in ast.walk(sit.tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.lineno == line
    ]
    return calls[0] if calls else None
