"""Where did this None come from? Shared by AttributeError and TypeError on NoneType.

The usual sources: a method that changes a list in place (``x = x.sort()``), a function
without ``return``, ``print(...)`` used as a value, or a variable still holding ``None``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import (
    indent_of,
    insert_lines,
    line_at,
    replace_line,
    segment,
    statement_at,
)
from learnflow_agents.tutors.debug.diagnosis import code
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import IN_PLACE_METHODS, function_returns_value


@dataclass
class NoneOrigin:
    variable: str | None  # the name that holds None, if a name
    line: int  # where the None was produced
    reason: str  # one sentence, student's identifiers
    kind: str  # in-place, no-return, print, literal, search
    fix_code: str | None = None
    fix_steps: str = ""
    concept: str = "none"
    function: str | None = None


def find_none_origin(sit: Situation, receiver: ast.AST, line: int) -> NoneOrigin | None:
    if not sit.has_code or sit.tree is None:
        return None
    if isinstance(receiver, ast.Call):
        return origin_of_call(sit, receiver, line, variable=None, assign_line=line)
    if not isinstance(receiver, ast.Name):
        return None
    binding = sit.facts.last_assignment_before(receiver.id, line + 1)
    if binding is None or binding.value is None:
        return None
    if isinstance(binding.value, ast.Constant) and binding.value.value is None:
        return NoneOrigin(
            receiver.id,
            binding.line,
            f"{code(receiver.id)} was set to `None` on line {binding.line} and still holds `None` on line "
            f"{line}",
            "literal",
            fix_steps=f"Give {code(receiver.id)} a real value before line {line}, or check `if "
            f"{receiver.id} is not None:` first.",
        )
    if isinstance(binding.value, ast.Call):
        return origin_of_call(sit, binding.value, line, variable=receiver.id, assign_line=binding.line)
    return None


def origin_of_call(
    sit: Situation, call: ast.Call, line: int, *, variable: str | None, assign_line: int
) -> NoneOrigin | None:
    func = call.func
    holder = code(variable) if variable else "the result"
    if isinstance(func, ast.Attribute) and func.attr in IN_PLACE_METHODS:
        target = segment(sit.code, func.value)
        method = func.attr
        fix, steps = _in_place_fix(sit, call, assign_line, variable, target, method)
        return NoneOrigin(
            variable,
            assign_line,
            f"on line {assign_line}, {code(target + '.' + method + '(…)')} changes {code(target)} in place "
            "and "
            f"returns `None`, so {holder} is `None`",
            "in-place",
            fix_code=fix,
            fix_steps=steps,
            concept="mutability",
        )
    if isinstance(func, ast.Name) and func.id == "print":
        inner = ", ".join(segment(sit.code, a) for a in call.args) or "…"
        fix = None
        if variable and assign_line:
            text = line_at(sit.code, assign_line)
            stmt = statement_at(sit.tree, assign_line)
            if isinstance(stmt, ast.Assign) and stmt.value is call and len(call.args) == 1:
                fix = replace_line(sit.code, assign_line, f"{indent_of(text)}{variable} = {inner}")
        return NoneOrigin(
            variable,
            assign_line,
            f"on line {assign_line}, `print({inner})` only shows the value on screen and returns `None`, "
            f"so {holder} is `None`",
            "print",
            fix_code=fix,
            fix_steps=f"Store the value itself: {code(f'{variable} = {inner}')}."
            if variable
            else "Use the value itself, not `print(...)`.",
            concept="return-values",
        )
    fdef = _called_function(sit, func)
    if fdef is not None:
        return _from_function(sit, fdef, variable, holder, assign_line)
    if isinstance(func, ast.Attribute) and func.attr in ("match", "search", "fullmatch", "get"):
        what = "no match was found" if func.attr != "get" else "the key is missing"
        return NoneOrigin(
            variable,
            assign_line,
            f"on line {assign_line}, `.{func.attr}(…)` returns `None` when {what}, so {holder} is `None` "
            "(of type `NoneType`)",
            "search",
            fix_steps=f"Check `if {variable or 'result'} is not None:` before using it.",
        )
    return None


def _in_place_fix(
    sit: Situation, call: ast.Call, assign_line: int, variable: str | None, target: str, method: str
) -> tuple[str | None, str]:
    stmt = statement_at(sit.tree, assign_line)
    if (
        variable is None
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id == "print"
        and stmt.value.args == [call]
        and stmt.lineno == stmt.end_lineno
    ):
        # print(items.reverse()): change the list, then show it.
        indent = indent_of(line_at(sit.code, assign_line))
        call_text = segment(sit.code, call)
        fixed = replace_line(sit.code, assign_line, f"{indent}{call_text}")
        fixed = insert_lines(fixed, assign_line + 1, [f"{indent}print({target})"])
        return fixed, f"Call {code(call_text)} on its own line, then print {code(target)}."
    if variable is None or not isinstance(stmt, ast.Assign) or stmt.value is not call:
        return None, f"Call {code(target + '.' + method + '(…)')} on its own line, then use {code(target)}."
    text = line_at(sit.code, assign_line)
    indent = indent_of(text)
    call_text = segment(sit.code, call)
    if variable == target:
        new = f"{indent}{call_text}"
        return replace_line(sit.code, assign_line, new), (
            f"Call {code(call_text)} on its own, without `{variable} =`: the list itself is changed."
        )
    if method == "sort":
        args = ", ".join([target, *(segment(sit.code, k) for k in call.keywords)])
        new = f"{indent}{variable} = sorted({args})"
        return replace_line(sit.code, assign_line, new), (
            f"Use `sorted()`, which returns a new sorted list: {code(new.strip())}."
        )
    fixed = replace_line(sit.code, assign_line, f"{indent}{call_text}")
    fixed = insert_lines(fixed, assign_line + 1, [f"{indent}{variable} = {target}"])
    return fixed, f"Call {code(call_text)} on its own line, then write {code(f'{variable} = {target}')}."


def _add_return(sit: Situation, fdef: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str | None, str]:
    last = fdef.body[-1]
    text = line_at(sit.code, last.lineno)
    indent = indent_of(text)
    if (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Name)
        and last.value.func.id == "print"
        and len(last.value.args) == 1
        and last.lineno == last.end_lineno
    ):
        value = segment(sit.code, last.value.args[0])
        return replace_line(sit.code, last.lineno, f"{indent}return {value}"), (
            f"{code(fdef.name)} prints its result instead of returning it: change line {last.lineno} to "
            f"{code(f'return {value}')}."
        )
    # `self.w * self.h` on its own line: computed, then thrown away.
    if (
        isinstance(last, ast.Expr)
        and not isinstance(last.value, ast.Call | ast.Constant)
        and last.lineno == last.end_lineno
    ):
        value = segment(sit.code, last.value)
        return replace_line(sit.code, last.lineno, f"{indent}return {value}"), (
            f"{code(fdef.name)} works out {code(value)} but never hands it back: change line "
            f"{last.lineno} to {code(f'return {value}')}."
        )
    if isinstance(last, ast.Assign | ast.AugAssign) and last.lineno == last.end_lineno:
        target = last.targets[0] if isinstance(last, ast.Assign) else last.target
        if isinstance(target, ast.Name):
            return insert_lines(
                sit.code, (last.end_lineno or last.lineno) + 1, [f"{indent}return {target.id}"]
            ), (f"Add {code(f'return {target.id}')} at the end of {code(fdef.name)}.")
    result_names = [
        n.targets[0].id for n in fdef.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
    ]
    if result_names and not isinstance(last, ast.Return):
        name = result_names[-1]
        end = last.end_lineno or last.lineno
        body_indent = indent_of(line_at(sit.code, fdef.body[0].lineno))
        return insert_lines(sit.code, end + 1, [f"{body_indent}return {name}"]), (
            f"Add {code(f'return {name}')} at the end of {code(fdef.name)}."
        )
    return None, f"Add `return <value>` at the end of {code(fdef.name)}."


def _returns_in_place_call(fdef: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Return | None:
    """A `return items.sort()`-style statement in the function (its own body, not nested ones)."""
    for node in ast.walk(fdef):
        if (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in IN_PLACE_METHODS
        ):
            return node
    return None


def _called_function(sit: Situation, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The cell's own function (or method of one of its classes) that `func` calls."""
    if isinstance(func, ast.Name):
        return sit.facts.functions.get(func.id)
    if isinstance(func, ast.Attribute) and func.attr not in IN_PLACE_METHODS:
        for cls in sit.facts.classes.values():
            for node in cls.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func.attr:
                    return node
    return None


def _from_function(
    sit: Situation,
    fdef: ast.FunctionDef | ast.AsyncFunctionDef,
    variable: str | None,
    holder: str,
    assign_line: int,
) -> NoneOrigin | None:
    returned = _returns_in_place_call(fdef)
    if returned is not None:
        inner = segment(sit.code, returned.value)
        return NoneOrigin(
            variable,
            returned.lineno,
            f"{code(fdef.name)} returns {code(inner)} on line {returned.lineno}, and that method changes "
            f"the list in place and returns `None`, so {holder} is `None`",
            "in-place",
            fix_steps=f"In {code(fdef.name)}, call {code(inner)} on its own line, then return the list; "
            "or return `sorted(...)`, which makes a new list.",
            concept="mutability",
            function=fdef.name,
        )
    if function_returns_value(fdef):
        return NoneOrigin(
            variable,
            assign_line,
            f"{code(fdef.name)} (defined on line {fdef.lineno}) reaches its end without a `return` on some "
            f"path, so {holder} is `None`",
            "no-return",
            fix_steps=f"Make sure every path through {code(fdef.name)} ends in `return <value>`.",
            concept="return-values",
            function=fdef.name,
        )
    fix, steps = _add_return(sit, fdef)
    return NoneOrigin(
        variable,
        fdef.lineno,
        f"{code(fdef.name)} (defined on line {fdef.lineno}) has no `return` statement, so calling it on "
        "line "
        f"{assign_line} gives back `None`",
        "no-return",
        fix_code=fix,
        fix_steps=steps,
        concept="return-values",
        function=fdef.name,
    )
