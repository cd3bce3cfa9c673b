"""Static guesses of what type an expression in the cell holds, when it failed.

Used to tell which operand of ``a + b`` is the string, which variable holds None and
where that None came from. The variable summary (real runtime types) wins over guesses.
"""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.situation import Situation

_CALL_RESULTS = {
    "int": "int", "float": "float", "str": "str", "list": "list", "dict": "dict", "set": "set",
    "tuple": "tuple", "len": "int", "input": "str", "range": "range", "sorted": "list", "round": "int",
    "bool": "bool", "print": "NoneType", "abs": None, "sum": None, "max": None, "min": None,
    "enumerate": "enumerate", "zip": "zip", "reversed": "reversed", "repr": "str", "chr": "str",
    "ord": "int", "format": "str", "type": "type", "id": "int", "hash": "int", "iter": "iterator",
}  # fmt: skip

# Methods that change their object in place and give back None.
IN_PLACE_METHODS = {
    "sort": "list", "append": "list", "extend": "list", "insert": "list", "reverse": "list",
    "remove": "list", "clear": "list", "update": "dict", "add": "set", "discard": "set",
    "shuffle": "list",
}  # fmt: skip

_STR_METHODS = {
    "upper", "lower", "strip", "lstrip", "rstrip", "replace", "join", "format", "title",
    "capitalize", "center", "zfill", "casefold", "swapcase", "removeprefix", "removesuffix",
}  # fmt: skip
_LIST_METHODS = {"split", "splitlines", "rsplit", "copy"}


def function_returns_value(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.Constant) and node.value.value is None:
                continue
            return True
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
    return False


def guess_type(sit: Situation, expr: ast.AST | None, line: int | None, depth: int = 0) -> str | None:
    if expr is None or depth > 6:
        return None
    if isinstance(expr, ast.Constant):
        return type(expr.value).__name__
    if isinstance(expr, ast.JoinedStr):
        return "str"
    kinds = {ast.List: "list", ast.ListComp: "list", ast.Dict: "dict", ast.DictComp: "dict", ast.Set: "set"}
    for kind, name in kinds.items():
        if isinstance(expr, kind):
            return name
    if isinstance(expr, ast.SetComp):
        return "set"
    if isinstance(expr, ast.Tuple):
        return "tuple"
    if isinstance(expr, ast.Call):
        return _call_type(sit, expr, line, depth)
    if isinstance(expr, ast.Name):
        return name_type(sit, expr.id, line, depth)
    if isinstance(expr, ast.BinOp):
        left = guess_type(sit, expr.left, line, depth + 1)
        right = guess_type(sit, expr.right, line, depth + 1)
        if isinstance(expr.op, ast.Div) and left in ("int", "float") and right in ("int", "float"):
            return "float"
        if left == right and left in ("int", "float", "str", "list"):
            return left
        if {left, right} == {"int", "float"}:
            return "float"
        if isinstance(expr.op, ast.Mult) and {left, right} in ({"str", "int"}, {"list", "int"}):
            return left if left != "int" else right
        if isinstance(expr.op, ast.Mod) and left == "str":
            return "str"
    return None


def _call_type(sit: Situation, call: ast.Call, line: int | None, depth: int) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in sit.facts.functions:
            return None if function_returns_value(sit.facts.functions[func.id]) else "NoneType"
        if func.id in sit.facts.classes:
            return func.id
        return _CALL_RESULTS.get(func.id)
    if isinstance(func, ast.Attribute):
        if func.attr in IN_PLACE_METHODS:
            receiver = guess_type(sit, func.value, line, depth + 1)
            if (
                receiver in (None, IN_PLACE_METHODS[func.attr], "list", "dict", "set")
                or func.attr == "shuffle"
            ):
                return "NoneType"
        if func.attr in _STR_METHODS:
            return "str"
        if func.attr in _LIST_METHODS:
            return "list"
    return None


def name_type(sit: Situation, name: str, line: int | None, depth: int = 0) -> str | None:
    var = sit.variables.get(name)
    if var is not None and var.type:
        return var.type
    if line is None:
        return None
    binding = sit.facts.last_assignment_before(name, line + 1)
    if binding is None or binding.value is None:
        return None
    if binding.kind == "for":
        value = binding.value
        is_range = (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "range"
        )
        return "int" if is_range else None
    if binding.kind == "augassign":
        return guess_type(sit, binding.value, binding.line, depth + 1)
    return guess_type(sit, binding.value, binding.line, depth + 1)
