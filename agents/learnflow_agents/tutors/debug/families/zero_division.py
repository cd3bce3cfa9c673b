"""ZeroDivisionError: find the divisor, why it is zero (a counter never increased, the
length of an empty list, a 0 in the data), and guard the division."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.code_facts import node_in_span, parent_map, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import (
    called_from,
    fragment_nodes,
    place,
    raise_site,
    wrap_in_guard,
)
from learnflow_agents.tutors.debug.situation import Situation

_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)
_SYMBOL = {ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    ops = [
        b
        for b in fragment_nodes(sit, line, (ast.BinOp, ast.AugAssign), text=text if other else None)
        if isinstance(b.op, _DIVISIONS)
    ]
    if not ops:
        return _divmod(sit, line, other, text, function)
    node = node_in_span(ops, line or 0, sit.span(line) if not other else None, sit.text(line)) or ops[0]
    divisor = node.right if isinstance(node, ast.BinOp) else node.value
    editable = sit.has_code and not other and sit.tree is not None
    div = segment(sit.code, divisor) if editable else ast.unparse(divisor)
    symbol = _SYMBOL[type(node.op)]
    where = cap(place(line, other, function) + called_from(sit))
    reason, culprit, cond = _why_zero(sit, divisor, div, line, function, other)
    fix = _guard(sit, node, divisor, cond, line) if editable else None
    steps = (
        f"Only divide when `{cond}` is true (e.g. `… if {cond} else 0`), or make sure `{div}` can't be 0."
        if cond
        else "Don't divide by zero: fix the divisor."
    )
    return Diagnosis(
        summary=f"{where} divides by `{div}` (`{symbol}`), which is 0: {reason}.",
        plain=f"Dividing by zero has no answer, so Python stops. On line {line}, `{div}` is 0 — {reason}.",
        precise=f"The right operand of `{symbol}` is 0 at runtime ({reason}); division and modulo by zero "
        "raise "
        "ZeroDivisionError for ints and floats.",
        analogy="sharing 10 sweets among 0 friends: the question has no sensible answer.",
        deeper="Averages of empty data are the usual source; decide explicitly what the answer should be "
        "(0, `None`, `float('nan')`) or raise a clearer error yourself.",
        fix_steps=steps,
        prevention="Whenever you divide by a count or a length, ask what should happen when it is 0 and "
        "handle that case first.",
        concepts=["numbers", "conditionals"],
        hints=[
            f"What is the value of `{div}` when line {line} runs?",
            f"`{div}` is 0: {reason}.",
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        culprit_where=other,
    )


def _why_zero(
    sit: Situation, divisor: ast.AST, div: str, line, function, other
) -> tuple[str, int | None, str | None]:
    if isinstance(divisor, ast.Constant):
        return "the code divides by the number 0 itself", line, None
    if (
        isinstance(divisor, ast.Call)
        and isinstance(divisor.func, ast.Name)
        and divisor.func.id == "len"
        and divisor.args
    ):
        seq = ast.unparse(divisor.args[0])
        caller = _empty_argument(sit, seq, function)
        if caller:
            return f"`{seq}` is empty ({caller})", line, seq
        return f"`{seq}` is empty, so its length is 0", line, seq
    if isinstance(divisor, ast.Name) and sit.tree is not None and line is not None and not other:
        name = divisor.id
        loop = next(
            (
                f
                for f in ast.walk(sit.tree)
                if isinstance(f, ast.For)
                and isinstance(f.target, ast.Name)
                and f.target.id == name
                and f.lineno <= line <= (f.end_lineno or f.lineno)
            ),
            None,
        )
        if loop is not None:
            data = ast.unparse(loop.iter)
            has_zero = isinstance(loop.iter, ast.Name) and _literal_has_zero(sit, loop.iter.id, loop.lineno)
            return (
                (
                    f"the loop on line {loop.lineno} sets `{name}` to each item of `{data}`"
                    + (", and one of them is 0" if has_zero else ", and one of them is 0 at that moment")
                ),
                line,
                f"{name} != 0",
            )
        binding = sit.facts.last_assignment_before(name, line)
        if binding is not None and isinstance(binding.value, ast.Constant) and binding.value.value == 0:
            changed = [b for b in sit.facts.bindings_of(name) if binding.line < b.line < line]
            return (
                (
                    f"`{name}` is set to 0 on line {binding.line}"
                    + ("" if changed else " and never changed before line " + str(line))
                ),
                binding.line,
                f"{name} != 0",
            )
        if binding is not None:
            return f"`{name}` (set on line {binding.line}) is 0 at this point", binding.line, f"{name} != 0"
    return f"`{div}` evaluates to 0 here", line, f"{div} != 0"


def _literal_has_zero(sit: Situation, name: str, line: int) -> bool:
    binding = sit.facts.last_assignment_before(name, line)
    if binding is None or not isinstance(binding.value, ast.List | ast.Tuple):
        return False
    return any(isinstance(e, ast.Constant) and e.value == 0 for e in binding.value.elts)


def _empty_argument(sit: Situation, param: str, function: str | None) -> str | None:
    """Name the call that passed an empty list to ``function``'s ``param``."""
    if not function or sit.tree is None:
        return None
    fdef = sit.facts.functions.get(function)
    if fdef is None:
        return None
    params = [a.arg for a in fdef.args.args]
    if param not in params:
        return None
    pos = params.index(param)
    for node in ast.walk(sit.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == function
            and len(node.args) > pos
        ):
            arg = node.args[pos]
            if isinstance(arg, ast.List | ast.Tuple) and not arg.elts:
                return f"line {node.lineno} calls `{function}({ast.unparse(arg)})` with an empty list"
    return None


def _guard(sit: Situation, node: ast.AST, divisor: ast.AST, cond: str | None, line: int | None) -> str | None:
    if cond is None or line is None or not isinstance(node, ast.BinOp) or sit.tree is None:
        return None
    if isinstance(divisor, ast.Call) and getattr(divisor.func, "id", "") == "len":
        cond = ast.unparse(divisor.args[0])
    parents = parent_map(sit.tree)
    parent = parents.get(node)
    expr = segment(sit.code, node)
    if isinstance(parent, ast.Return | ast.Assign) and parent.value is node:
        return replace_node(sit.code, node, f"{expr} if {cond} else 0")
    return wrap_in_guard(sit, line, cond) or replace_node(sit.code, node, f"({expr} if {cond} else 0)")


def _fraction(sit: Situation, line, other, text, function) -> Diagnosis | None:
    """`Fraction(n, 0)`: a fraction whose denominator is 0."""
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if len(c.args) >= 2 and ast.unparse(c.func).split(".")[-1] == "Fraction"
    ]
    if not calls:
        return None
    call = calls[0]
    den = ast.unparse(call.args[1])
    where = cap(place(line, other, function) + called_from(sit))
    return Diagnosis(
        summary=f"{where} makes {code(ast.unparse(call))}, a fraction whose denominator (the second "
        f"argument, {code(den)}) is 0: n/0 is not a number, so `Fraction` refuses it.",
        plain=f"`Fraction(a, b)` means a divided by b. With b = {code(den)} = 0 that is a division by zero.",
        precise="`fractions.Fraction` raises ZeroDivisionError when the denominator is 0.",
        fix_steps="Give `Fraction` a non-zero denominator, or check it first: `if b != 0:`.",
        prevention="Check a denominator before building a fraction from data.",
        concepts=["numbers", "conditionals"],
        hints=[
            f"What is the second argument of `Fraction` on line {line}?",
            "The denominator of a fraction can't be 0.",
            "Use a non-zero denominator.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _divmod(sit: Situation, line, other, text, function) -> Diagnosis | None:
    """`divmod(a, 0)`, `math.fmod(a, 0)`, `pow(a, -1, 0)`: the division is inside a call."""
    if (found := _fraction(sit, line, other, text, function)) is not None:
        return found
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if len(c.args) >= 2
        and ast.unparse(c.func)
        in ("divmod", "math.fmod", "operator.truediv", "operator.floordiv", "operator.mod")
    ]
    if not calls:
        return None
    call = calls[0]
    editable = sit.has_code and not other and sit.tree is not None
    div = segment(sit.code, call.args[1]) if editable else ast.unparse(call.args[1])
    func = ast.unparse(call.func)
    where = cap(place(line, other, function) + called_from(sit))
    return Diagnosis(
        summary=f"{where} calls `{func}(…)` with the divisor `{div}`, which is 0: `{func}` divides its first "
        "argument by its second, and division by zero has no answer.",
        plain=f"`{func}(a, b)` divides `a` by `b`. On line {line} the second argument `{div}` is 0, so "
        "Python stops, just as for `a / 0`.",
        precise=f"`{func}` performs a division (or modulo) by its second argument; it is 0 here.",
        fix_steps=f"Make sure `{div}` is not 0 before the call (`if {div} != 0:`), or decide what the answer "
        "should be when it is.",
        prevention="Whenever you divide, ask what should happen when the divisor is 0.",
        concepts=["numbers", "conditionals"],
        hints=[f"What is `{div}` on line {line}?", f"`{func}` divides by it.", "Guard against 0."],
        culprit_line=line,
        culprit_where=other,
    )
