"""Teaching points ruff does not cover, found on the AST of the cell.

The report-only checks live here (names hiding built-ins, deep nesting, long functions,
magic numbers, `global`, leftover debug prints); the checks that also rewrite the code
are in rewriting_checks.py. Every finding's `details` name the student's own identifiers.
"""

import ast
from collections.abc import Iterator

from learnflow_agents.tutors.code_review.analysis import (
    BUILTIN_NAMES,
    FUNCS,
    Analysis,
    function_label,
    own_nodes,
    short,
)
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.rewriting_checks import (
    check_bare_except,
    check_mutable_defaults,
    check_range_len,
    check_singleton_comparisons,
)

MAX_NESTING = 3
MAX_FUNCTION_LINES = 30
MAX_MAGIC_FINDINGS = 5
# Numbers whose meaning is obvious from the arithmetic itself (halving, percent, parity).
OBVIOUS_NUMBERS = {0, 1, 2, -1, 10, 100, 1000, 0.5}
_RENAME_FOR_BUILTIN = {
    "list": "items",
    "dict": "lookup",
    "str": "text",
    "int": "number",
    "float": "value",
    "sum": "total",
    "max": "largest",
    "min": "smallest",
    "id": "item_id",
    "input": "user_input",
    "type": "kind",
    "len": "length",
    "set": "unique_items",
    "tuple": "pair",
    "range": "span",
    "filter": "keep",
    "map": "mapping",
    "next": "next_item",
    "iter": "iterator",
    "format": "fmt",
    "hash": "digest",
    "object": "obj",
    "all": "all_items",
    "any": "found",
    "abs": "magnitude",
    "round": "round_number",
    "open": "is_open",
    "sorted": "sorted_items",
    "zip": "pairs",
    "print": "show",
    "bytes": "data",
    "vars": "variables",
    "dir": "folder",
    "help": "help_text",
    "chr": "char",
    "ord": "code",
    "pow": "power",
    "slice": "part",
    "bin": "binary",
    "hex": "hex_text",
    "file": "path",
}
_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)


# --- names that hide built-ins -------------------------------------------------------


def _bindings(an: Analysis) -> Iterator[tuple[str, ast.AST, str]]:
    for node in an.nodes(ast.Name, ast.arg, *FUNCS, ast.ClassDef, ast.ExceptHandler, ast.alias):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            parent = an.parents.get(node)
            if isinstance(parent, ast.comprehension):
                continue  # a comprehension variable lives only inside the brackets
            kind = "loop variable" if isinstance(parent, (ast.For, ast.AsyncFor)) else "variable"
            yield node.id, node, kind
        elif isinstance(node, ast.arg) and not isinstance(an.parents.get(an.parents.get(node)), ast.Lambda):
            yield node.arg, node, "parameter"
        elif isinstance(node, FUNCS):
            yield node.name, node, "function"
        elif isinstance(node, ast.ClassDef):
            yield node.name, node, "class"
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name, node, "exception variable"
        elif isinstance(node, ast.alias) and node.asname:
            yield node.asname, node, "import"


def check_shadowed_builtins(an: Analysis) -> list[Finding]:
    first: dict[str, tuple[ast.AST, str]] = {}
    for name, node, kind in _bindings(an):
        if name in BUILTIN_NAMES and hasattr(node, "lineno"):
            known = first.get(name)
            if known is None or node.lineno < known[0].lineno:  # type: ignore[attr-defined]
                first[name] = (node, kind)
    found = []
    for name, (node, kind) in first.items():
        func = an.enclosing_function(node)
        # A notebook keeps module-level names alive, so the damage outlives the cell.
        where = f"inside `{func.name}`" if func is not None else "in this cell and every cell run after it"
        suggest = _RENAME_FOR_BUILTIN.get(name, f"{name}_value")
        found.append(
            an.finding(
                "shadowed-builtin",
                node,
                f"the {kind} `{name}` hides Python's built-in `{name}()`",
                details={"name": name, "kind": kind, "suggest": suggest, "where": where},
            )
        )
    return found


# --- deep nesting --------------------------------------------------------------------


def _keyword(an: Analysis, stmt: ast.stmt) -> str:
    words = an.smap.line_text(stmt.lineno).strip().split()
    word = words[0].rstrip(":") if words else type(stmt).__name__.lower()
    return "async " + words[1] if word == "async" and len(words) > 1 else word


def _child_blocks(an: Analysis, stmt: ast.stmt) -> Iterator[tuple[list[ast.stmt], bool]]:
    """(statement list, is_elif) pairs for a compound statement."""
    if isinstance(stmt, ast.If):
        yield stmt.body, False
        elif_chain = (
            len(stmt.orelse) == 1
            and isinstance(stmt.orelse[0], ast.If)
            and an.smap.line_text(stmt.orelse[0].lineno).lstrip().startswith("elif")
        )
        if stmt.orelse:
            yield stmt.orelse, elif_chain
    elif isinstance(stmt, (ast.Try, ast.TryStar)):
        yield stmt.body, False
        for handler in stmt.handlers:
            yield handler.body, False
        yield stmt.orelse, False
        yield stmt.finalbody, False
    elif isinstance(stmt, ast.Match):
        for case in stmt.cases:
            yield case.body, False
    else:
        yield stmt.body, False  # type: ignore[attr-defined]
        yield getattr(stmt, "orelse", []), False


def check_deep_nesting(an: Analysis) -> list[Finding]:
    found: list[Finding] = []
    reported: set[int] = set()

    def walk(stmts: list[ast.stmt], depth: int, chain: list[ast.stmt], owner: ast.AST) -> None:
        for stmt in stmts:
            if isinstance(stmt, (*FUNCS, ast.ClassDef)):
                walk(stmt.body, 0, [], stmt if isinstance(stmt, FUNCS) else owner)
                continue
            if not isinstance(stmt, _COMPOUND):
                continue
            level = depth + 1
            here = [*chain, stmt]
            if level > MAX_NESTING and id(owner) not in reported:
                reported.add(id(owner))
                found.append(
                    an.finding(
                        "deep-nesting",
                        stmt,
                        f"line {stmt.lineno} is nested {level} blocks deep in {function_label(owner)}",
                        details={
                            "func": function_label(owner),
                            "depth": str(level),
                            "chain": " → ".join(f"`{_keyword(an, s)}` (line {s.lineno})" for s in here),
                            "outer_line": str(here[0].lineno),
                            "outer_keyword": _keyword(an, here[0]),
                        },
                    )
                )
            for block, is_elif in _child_blocks(an, stmt):
                if is_elif:
                    walk(block, depth, chain, owner)
                else:
                    walk(block, level, here, owner)

    walk(an.tree.body, 0, [], an.tree)
    return found


# --- a function that forgets `return` ------------------------------------------------


def _returns_or_yields(func: ast.AST) -> bool:
    return any(
        (isinstance(node, ast.Return) and node.value is not None)
        or isinstance(node, ast.Yield | ast.YieldFrom)
        for node in own_nodes(func)
    )


def _calls_used_as_values(an: Analysis, name: str) -> list[ast.Call]:
    """Calls of `name` whose result is used (assigned, printed, compared...), not thrown away."""
    used = []
    for call in an.nodes(ast.Call):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name):
            continue
        if not isinstance(an.parents.get(call), ast.Expr):
            used.append(call)
    return used


def _forgotten_value(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ast.AST] | None:
    """The value the function's last statement computes and drops: a local assigned last, or an expression."""
    last = func.body[-1]
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return last.targets[0].id, last
    if isinstance(last, ast.AugAssign | ast.AnnAssign) and isinstance(last.target, ast.Name):
        return last.target.id, last
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call | ast.Constant | ast.Await):
        return ast.unparse(last.value), last
    return None


def check_missing_return(an: Analysis) -> list[Finding]:
    """A function that works out a value and drops it: its callers get `None`."""
    found = []
    for func in an.nodes(*FUNCS):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or func.name.startswith("__"):
            continue
        if _returns_or_yields(func):
            continue
        forgotten = _forgotten_value(func)
        calls = _calls_used_as_values(an, func.name)
        if forgotten is None and not calls:
            continue
        if forgotten is None:
            # Used as a value, but nothing obvious to return: name the function's last local.
            locals_ = [
                n.id for n in own_nodes(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            ]
            if not locals_:
                continue
            value, node = locals_[-1], func
        else:
            value, node = forgotten
        if calls:
            call_src = short(an.smap.segment(calls[0]), 40)
            use = f"`{short(an.smap.segment(an.parents[calls[0]]), 50)}` on line {calls[0].lineno}"
        else:
            call_src = f"{func.name}(...)"
            use = f"every call of `{func.name}`"
        found.append(
            an.finding(
                "missing-return",
                node,
                f"`{func.name}` computes `{short(value, 30)}` but never returns it",
                details={
                    "func": func.name,
                    "value": short(value, 40),
                    "what": f"`{short(value, 40)}`",
                    "use": use,
                    "call": call_src,
                },
            )
        )
    return found


# --- long functions ------------------------------------------------------------------


def check_long_functions(an: Analysis) -> list[Finding]:
    found = []
    for func in an.nodes(*FUNCS):
        if func.end_lineno is None:
            continue
        first = func.body[0]
        start = func.body[0].lineno
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            start = (first.end_lineno or first.lineno) + 1  # the docstring is documentation, not length
        code_lines = 0
        for lineno in range(start, func.end_lineno + 1):
            text = an.smap.line_text(lineno).strip()
            if text and not text.startswith("#"):
                code_lines += 1
        if code_lines > MAX_FUNCTION_LINES:
            found.append(
                an.finding(
                    "long-function",
                    func,
                    f"`{func.name}` has {code_lines} lines of code",
                    details={"func": func.name, "length": str(code_lines), "limit": str(MAX_FUNCTION_LINES)},
                )
            )
    return found


# --- magic numbers -------------------------------------------------------------------


def _number(node: ast.AST) -> float | int | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    return None


def _defines_constant(stmt: ast.stmt | None) -> bool:
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    return bool(targets) and all(isinstance(t, ast.Name) and t.id.isupper() for t in targets)


def _operand_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _operand_name(node.func)
    if isinstance(node, ast.Subscript):
        return _operand_name(node.value)
    return ""


def _constant_name(an: Analysis, parent: ast.AST, number_node: ast.AST) -> str:
    if isinstance(parent, ast.Compare):
        others = [n for n in [parent.left, *parent.comparators] if n is not number_node]
        suffix = "LIMIT"
    else:
        others = [parent.left if parent.right is number_node else parent.right]  # type: ignore[attr-defined]
        op = parent.op  # type: ignore[attr-defined]
        suffix = (
            "FACTOR"
            if isinstance(op, ast.Mult | ast.Div)
            else "OFFSET"
            if isinstance(op, ast.Add | ast.Sub)
            else "DIVISOR"
            if isinstance(op, ast.Mod | ast.FloorDiv)
            else "VALUE"
        )
    base = next((name for name in map(_operand_name, others) if name), "")
    if not base:
        stmt = an.statement_of(parent)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            base = stmt.targets[0].id
        else:
            func = an.enclosing_function(parent)
            base = func.name if func is not None else "NAMED"
    return f"{base.upper()}_{suffix}"


def check_magic_numbers(an: Analysis) -> list[Finding]:
    found: list[Finding] = []
    seen: set[float] = set()
    for parent in an.nodes(ast.Compare, ast.BinOp):
        if isinstance(parent, ast.Compare):
            operands = [parent.left, *parent.comparators]
        elif isinstance(parent, ast.BinOp):
            # `x ** 2` and `x ** 0.5` are the notation for squares and roots, not magic.
            operands = [parent.left] if isinstance(parent.op, ast.Pow) else [parent.left, parent.right]
        else:
            continue
        for operand in operands:
            value = _number(operand)
            if value is None or value in OBVIOUS_NUMBERS or value in seen:
                continue
            if _defines_constant(an.statement_of(parent)) or an.in_test_code(parent):
                continue
            seen.add(value)
            const = _constant_name(an, parent, operand)
            found.append(
                an.finding(
                    "magic-number",
                    operand,
                    f"the number {value} in `{short(an.smap.segment(parent), 40)}` has no name",
                    details={
                        "value": str(value),
                        "expr": short(an.smap.segment(parent), 50),
                        "const": const,
                        "func": function_label(an.enclosing_function(parent)),
                    },
                )
            )
            if len(found) >= MAX_MAGIC_FINDINGS:
                return found
    return found


# --- global --------------------------------------------------------------------------


def check_globals(an: Analysis) -> list[Finding]:
    found = []
    for node in an.nodes(ast.Global):
        if isinstance(node, ast.Global):
            func = an.enclosing_function(node)
            names = ", ".join(node.names)
            found.append(
                an.finding(
                    "global-statement",
                    node,
                    f"`global {names}` lets {function_label(func)} change a variable outside it",
                    details={"names": names, "first": node.names[0], "func": function_label(func)},
                )
            )
    return found


# --- leftover debug prints -----------------------------------------------------------


def _looks_like_debug(an: Analysis, call: ast.Call) -> bool:
    if not call.args:
        return False
    if all(isinstance(arg, ast.Name | ast.Attribute | ast.Subscript) for arg in call.args):
        return True
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "debug" in arg.value.lower():
            return True
        if isinstance(arg, ast.JoinedStr):
            text = an.smap.segment(arg)
            if "debug" in text.lower() or "=}" in text or "=!r}" in text:
                return True
    return False


def check_debug_prints(an: Analysis) -> list[Finding]:
    found = []
    for func in an.nodes(*FUNCS):
        nodes = list(own_nodes(func))
        if not any(isinstance(n, ast.Return) and n.value is not None for n in nodes):
            continue  # a function that only prints is showing its result, not debugging
        for node in nodes:
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if isinstance(call.func, ast.Name) and call.func.id == "print" and _looks_like_debug(an, call):
                printed = ", ".join(short(an.smap.segment(a), 20) for a in call.args)
                found.append(
                    an.finding(
                        "debug-print",
                        node,
                        f"`{short(an.smap.segment(call), 50)}` in `{func.name}` looks like a leftover "
                        "debug print",
                        details={
                            "func": func.name,
                            "print_src": short(an.smap.segment(call), 50),
                            "printed": printed,
                        },
                    )
                )
    return found


CHECKS = (
    check_missing_return,
    check_range_len,
    check_singleton_comparisons,
    check_mutable_defaults,
    check_bare_except,
    check_shadowed_builtins,
    check_deep_nesting,
    check_long_functions,
    check_magic_numbers,
    check_globals,
    check_debug_prints,
)


def run_checks(analysis: Analysis) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(analysis)]


__all__ = ["Analysis", "run_checks"]
