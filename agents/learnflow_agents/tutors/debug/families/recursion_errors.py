"""RecursionError: a function that keeps calling itself. Finds the recursive function
(from the repeated frames), its base case, and why the base case is never reached:
missing, unreachable (``==`` with a step that jumps over it), no progress (the argument
doesn't change), or progress in the wrong direction."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import indent_of, insert_lines, line_at, replace_node
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, frame_place
from learnflow_agents.tutors.debug.situation import Situation


@dataclass
class Recursion:
    fdef: ast.FunctionDef
    source: str  # the code the def lives in (the cell, or rebuilt from another cell's frame)
    where: str | None  # None when the def is in this cell
    calls: list[ast.Call]
    base_ifs: list[ast.If]


def analyse(sit: Situation) -> Diagnosis | None:
    rec = _find(sit)
    if rec is None:
        return None
    f = rec.fdef
    params = [a.arg for a in f.args.args]
    cell = f" in {frame_place(rec.where)}" if rec.where else ""
    if not rec.base_ifs:
        return _missing_base(sit, rec, params, cell)
    for call in rec.calls:
        for i, arg in enumerate(call.args[: len(params)]):
            p = params[i]
            if isinstance(arg, ast.Name) and arg.id == p:
                return _no_progress(sit, rec, call, p, cell)
    for base in rec.base_ifs:
        test = base.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.left, ast.Name)
            and test.left.id in params
        ):
            found = _unreachable(sit, rec, base, test, params, cell)
            if found is not None:
                return found
    return _generic(sit, rec, cell)


def _find(sit: Situation) -> Recursion | None:
    frames = [fr for fr in (sit.tb.frames if sit.tb else []) if fr.function and fr.function != "<module>"]
    counts = Counter(fr.function for fr in frames)
    if not counts:
        return None
    name = counts.most_common(1)[0][0]
    assert name is not None
    fdef = sit.facts.functions.get(name)
    source, where = sit.code, None
    if fdef is None or sit.elsewhere:
        frame = next((fr for fr in reversed(frames) if fr.function == name and fr.context), None)
        if frame is not None:
            width = max(frame.context)
            rebuilt = "\n".join(frame.context.get(i, "") for i in range(1, width + 1))
            try:
                tree = ast.parse(rebuilt)
            except SyntaxError:
                tree = None
            found = (
                next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name), None)
                if tree
                else None
            )
            if found is not None:
                fdef, source, where = found, rebuilt, frame.label
    if not isinstance(fdef, ast.FunctionDef):
        return None
    calls = [
        c
        for c in ast.walk(fdef)
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == name
    ]
    base_ifs = [
        n
        for n in ast.walk(fdef)
        if isinstance(n, ast.If)
        and any(
            isinstance(r, ast.Return) and not any(c in calls for c in ast.walk(r))
            for s in n.body
            for r in ast.walk(s)
        )
    ]
    return Recursion(fdef, source, where, calls, base_ifs)


def _line(rec: Recursion, lineno: int) -> str:
    return line_at(rec.source, lineno).strip()


def _changing_param(rec: Recursion, params: list[str]) -> str:
    """The parameter the recursive call changes (``e`` in ``power(b, e - 1)``)."""
    for call in rec.calls:
        for i, arg in enumerate(call.args[: len(params)]):
            if isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Name) and arg.left.id == params[i]:
                return params[i]
    return params[0]


def _base_value(rec: Recursion, param: str) -> tuple[str, str]:
    """What the smallest case returns, and the bound that defines it.

    A product (factorial, power) bottoms out at 1 when the counter reaches 0; a sum or a
    Fibonacci-like recursion returns the argument itself for 0 and 1.
    """
    ret = next(
        (r.value for r in ast.walk(rec.fdef) if isinstance(r, ast.Return) and r.value is not None), None
    )
    if ret is None:
        return "", "0"
    if isinstance(ret, ast.BinOp) and isinstance(ret.op, ast.Mult):
        return "1", "0"
    if isinstance(ret, ast.List | ast.ListComp) or (
        isinstance(ret, ast.BinOp) and isinstance(ret.left, ast.List)
    ):
        return "[]", "0"
    return param, "1"


def _missing_base(sit: Situation, rec: Recursion, params: list[str], cell: str) -> Diagnosis:
    f = rec.fdef
    call_line = rec.calls[0].lineno if rec.calls else f.lineno
    fix = None
    steps = (
        f"Add a base case at the top of `{f.name}`: an `if` that returns without calling `{f.name}` again."
    )
    if params and rec.where is None and sit.has_code:
        p = _changing_param(rec, params)
        value, bound = _base_value(rec, p)
        indent = indent_of(line_at(sit.code, f.body[0].lineno))
        guard = [f"{indent}if {p} <= {bound}:", f"{indent}    return {value}".rstrip()]
        fix = insert_lines(sit.code, f.body[0].lineno, guard)
        steps = f"Add a base case at the top of `{f.name}`: `if {p} <= {bound}: return {value}`."
    return Diagnosis(
        summary=f"`{f.name}` (defined on line {f.lineno}{cell}) calls itself on line {call_line} but has no "
        "base case, "
        "so nothing ever stops the recursion.",
        plain=f'`{f.name}` solves a problem by calling itself on a smaller one. But there\'s no "stop here" '
        "rule (a "
        f"*base case*), so it calls itself again and again until Python gives up after about 1000 calls.",
        precise=f"Recursive function `{f.name}` has no base case — no path returns without recursing — so "
        "the call "
        "depth grows until it exceeds `sys.getrecursionlimit()` (1000 by default).",
        analogy="it's like two mirrors facing each other: the reflections go on forever unless something "
        "breaks the chain.",
        deeper="Every recursive definition needs a base case and a step that moves towards it; Python does "
        "not "
        "optimise tail calls, so even correct recursion is limited to about 1000 levels.",
        fix_steps=steps,
        prevention="Write the base case first when you write a recursive function, then the step that makes "
        "the "
        "problem smaller.",
        concepts=["recursion"],
        hints=[
            f"When should `{f.name}` stop calling itself?",
            f"`{f.name}` has no `if` that returns without recursing — no base case.",
            steps,
        ],
        fix_code=fix,
        culprit_line=f.lineno,
        culprit_where=rec.where,
        conceptual=True,
    )


def _no_progress(sit: Situation, rec: Recursion, call: ast.Call, p: str, cell: str) -> Diagnosis:
    f = rec.fdef
    old = ast.unparse(call)
    direction = "-"
    for base in rec.base_ifs:
        t = base.test
        if isinstance(t, ast.Compare) and isinstance(t.ops[0], ast.Gt | ast.GtE):
            direction = "+"
    new_arg = f"{p} {direction} 1"
    new = old.replace(f"({p}", f"({new_arg}", 1) if old.startswith(f"{f.name}({p}") else old
    fix = None
    if rec.where is None and sit.has_code:
        fix = replace_node(sit.code, call.args[[a.arg for a in f.args.args].index(p)], new_arg)
    return Diagnosis(
        summary=f"`{f.name}` (line {f.lineno}{cell}) calls `{old}` on line {call.lineno} with the same "
        f"`{p}` it received, "
        f"so it never gets closer to its base case: the call should be `{new}` (with `{new_arg}`).",
        plain=f"Each time `{f.name}` calls itself, `{p}` must move towards the stopping value. On line "
        f"{call.lineno} it "
        f"passes `{p}` unchanged, so every call is exactly the same as the last one.",
        precise=f"The recursive step on line {call.lineno} passes `{p}` unchanged, so the base case "
        f"(line {rec.base_ifs[0].lineno}) is never reached and the recursion is infinite.",
        analogy="it's like walking towards a door without taking a step: you'll never get there.",
        deeper="A recursive step must strictly decrease some measure (the *variant*) that the base case "
        "tests.",
        fix_steps=f"Change the call on line {call.lineno} to `{new}`.",
        prevention="Check that each recursive call gets a smaller (or closer-to-base) argument.",
        concepts=["recursion"],
        hints=[
            f"Compare the `{p}` that `{f.name}` receives with the one it passes on line {call.lineno}.",
            "The argument never changes.",
            f"Pass `{new_arg}`.",
        ],
        fix_code=fix,
        culprit_line=call.lineno,
        culprit_where=rec.where,
        conceptual=True,
    )


def _const(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        return -node.operand.value
    return None


def _step(rec: Recursion, p: str, params: list[str]) -> tuple[float, ast.AST] | None:
    for call in rec.calls:
        i = params.index(p)
        if i < len(call.args):
            arg = call.args[i]
            if isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Name) and arg.left.id == p:
                k = _const(arg.right)
                if k is not None and isinstance(arg.op, ast.Sub):
                    return -k, arg
                if k is not None and isinstance(arg.op, ast.Add):
                    return k, arg
    return None


def _start_value(sit: Situation, rec: Recursion, index: int) -> float | None:
    if sit.tree is None:
        return None
    for node in ast.walk(sit.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == rec.fdef.name
            and not (rec.fdef.lineno <= node.lineno <= (rec.fdef.end_lineno or 0))
            and len(node.args) > index
        ):
            return _const(node.args[index])
    return None


def _unreachable(
    sit: Situation, rec: Recursion, base: ast.If, test: ast.Compare, params: list[str], cell: str
) -> Diagnosis | None:
    f = rec.fdef
    p = test.left.id  # type: ignore[attr-defined]
    target = _const(test.comparators[0])
    step = _step(rec, p, params)
    if target is None or step is None:
        return None
    delta, arg_node = step
    start = _start_value(sit, rec, params.index(p))
    cond = _line(rec, base.lineno)
    op = test.ops[0]
    if start is not None and ((delta < 0 and start < target) or (delta > 0 and start > target)):
        flipped = (
            f"{p} {'+' if delta < 0 else '-'} {abs(int(delta)) if float(delta).is_integer() else abs(delta)}"
        )
        fix = replace_node(sit.code, arg_node, flipped) if rec.where is None and sit.has_code else None
        return _unreachable_diag(
            sit,
            rec,
            base,
            cell,
            summary=f"`{f.name}` (line {f.lineno}{cell}) starts at {start:g} and moves "
            f"{'down' if delta < 0 else 'up'} with "
            f"`{ast.unparse(arg_node)}`, away from its base case on line {base.lineno} (`{cond}`), so it "
            "never stops.",
            why=f"the base case waits for `{p}` to reach {target:g}, but each call moves `{p}` further away "
            "from it",
            steps=f"Make the step go towards the base case: `{f.name}({flipped})`, or change the base case.",
            fix=fix,
        )
    if isinstance(op, ast.Eq) and abs(delta) != 1:
        new_op = "<=" if delta < 0 else ">="
        new_test = f"{p} {new_op} {ast.unparse(test.comparators[0])}"
        fix = replace_node(sit.code, test, new_test) if rec.where is None and sit.has_code else None
        return _unreachable_diag(
            sit,
            rec,
            base,
            cell,
            summary=f"`{f.name}` (line {f.lineno}{cell}) only stops when `{ast.unparse(test)}` (line "
            f"{base.lineno}), but "
            f"`{ast.unparse(arg_node)}` jumps by {abs(delta):g}, so `{p}` can skip over {target:g} and "
            f"never equal it: use `{new_test}`.",
            why=f"`{p}` changes by {abs(delta):g} each call, so it can jump past {target:g} without ever "
            "being equal to it",
            steps=f"Change the base case on line {base.lineno} to `if {new_test}:`.",
            fix=fix,
        )
    if (
        isinstance(op, ast.Eq)
        and start is not None
        and (start % abs(delta) != target % abs(delta) or not float(start).is_integer())
    ):
        new_test = f"{p} {'<=' if delta < 0 else '>='} {ast.unparse(test.comparators[0])}"
        fix = replace_node(sit.code, test, new_test) if rec.where is None and sit.has_code else None
        return _unreachable_diag(
            sit,
            rec,
            base,
            cell,
            summary=f"`{f.name}` (line {f.lineno}{cell}) starts at {start:g} and never lands exactly on the "
            "base case "
            f"`{ast.unparse(test)}` (line {base.lineno}): use `{new_test}`.",
            why=f"starting from {start:g}, `{p}` never equals {target:g} exactly",
            steps=f"Change line {base.lineno} to `if {new_test}:`.",
            fix=fix,
        )
    return None


def _unreachable_diag(sit, rec: Recursion, base: ast.If, cell: str, *, summary, why, steps, fix) -> Diagnosis:
    f = rec.fdef
    return Diagnosis(
        summary=summary,
        plain=f"`{f.name}` has a stopping rule on line {base.lineno}, but it is never reached: {why}. So "
        "the function "
        "keeps calling itself until Python gives up.",
        precise=f"The base case (line {base.lineno}) is unreachable from the recursive step: {why}. The "
        "recursion "
        "depth therefore exceeds the interpreter's limit.",
        analogy="it's like waiting at a bus stop the bus doesn't stop at.",
        deeper="Use inequalities (`<=`, `>=`) in base cases so that overshooting still stops the recursion; "
        "check the step moves the argument towards the base case for every valid input.",
        fix_steps=steps,
        prevention="Test the base case with the smallest inputs and make sure every step moves towards it.",
        concepts=["recursion", "comparison"],
        hints=[
            f"Follow the value of the argument through a few calls of `{f.name}`.",
            f"It never satisfies the base case on line {base.lineno}: {why}.",
            steps,
        ],
        fix_code=fix,
        culprit_line=base.lineno,
        culprit_where=rec.where,
        conceptual=True,
    )


def _generic(sit: Situation, rec: Recursion, cell: str) -> Diagnosis:
    f = rec.fdef
    base = rec.base_ifs[0]
    return Diagnosis(
        summary=f"`{f.name}` (line {f.lineno}{cell}) keeps calling itself without reaching its base case on "
        "line "
        f"{base.lineno} (`{_line(rec, base.lineno)}`) for this input.",
        plain=f"`{f.name}` has a stopping rule on line {base.lineno}, but with the values used here it's "
        "never reached.",
        precise=f"For this input the recursion never satisfies the base case on line {base.lineno}, so the "
        "depth "
        "exceeds the recursion limit.",
        fix_steps=f"Trace the argument through a few calls (print it at the start of `{f.name}`) and make "
        "each call "
        "move towards the base case.",
        prevention="Every recursive call must bring the argument closer to the base case.",
        concepts=["recursion"],
        hints=[
            f"Print the argument at the start of `{f.name}`.",
            f"Does it ever satisfy `{_line(rec, base.lineno)}`?",
            "Change the step or the base case so it does.",
        ],
        culprit_line=base.lineno,
        culprit_where=rec.where,
        conceptual=True,
    )
