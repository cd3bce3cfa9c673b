"""`total = total + n` (or `total += n`) before `total` has any value: the commonest first
loop. The name is not misspelt and no cell is missing: the running total needs a starting
value above the loop, which is what the student must hear (not "put it in quotes")."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.code_facts import indent_of, lines_of
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, place
from learnflow_agents.tutors.debug.situation import Situation


def _self_update(tree: ast.AST, name: str, line: int) -> tuple[ast.stmt, ast.expr] | None:
    """The statement on `line` that computes `name` from its own old value, and the added value."""
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) != line:
            continue
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node, node.value
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
            and isinstance(node.value, ast.BinOp)
        ):
            first = node.value  # `line = line + word + ' '`: the leftmost operand is the old value
            while isinstance(first, ast.BinOp):
                first = first.left
            if isinstance(first, ast.Name) and first.id == name:
                return node, node.value
    return None


def _operands(expr: ast.expr) -> list[ast.expr]:
    """The values `+`-ed together (a name inside a call, len(w), is not one of them)."""
    if isinstance(expr, ast.BinOp):
        return [*_operands(expr.left), *_operands(expr.right)]
    return [expr]


def _is_text(node: ast.expr) -> bool:
    return (
        (isinstance(node, ast.Constant) and isinstance(node.value, str))
        or isinstance(node, ast.JoinedStr)
        or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("str", "input")
        )
    )


def _is_texts(node: ast.expr, lists: set[str]) -> bool:
    """A run of texts: a word (its letters), a list of words, `s.split()`, a name holding one."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return bool(node.elts) and all(_is_text(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("split", "splitlines")
    return _is_text(node) or (isinstance(node, ast.Name) and node.id in lists)


def _text_names(tree: ast.AST) -> set[str]:
    """Names the cell gives text values: `w` of `for w in ['hi', 'there']`, `sep = ', '`."""
    texts: set[str] = set()
    lists: set[str] = set()
    for _ in range(2):  # `words = s.split()` may come before or after its loop in the walk
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                if _is_text(node.value):
                    texts.add(node.targets[0].id)
                elif _is_texts(node.value, lists | texts):
                    lists.add(node.targets[0].id)
            elif (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and _is_texts(node.iter, lists | texts)
            ):
                texts.add(node.target.id)
    return texts


def _start(stmt: ast.stmt, added: ast.expr, tree: ast.AST) -> str:
    op = stmt.op if isinstance(stmt, ast.AugAssign) else stmt.value.op  # type: ignore[attr-defined]
    # (For `x = x + a * b` the outer operator decides: a sum starts at 0, a product at 1.)
    if isinstance(op, ast.Mult):
        return "1"
    texty = any(
        (isinstance(n, ast.Constant) and isinstance(n.value, str))
        or isinstance(n, ast.JoinedStr)
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "str")
        for n in ast.walk(added)
    )
    text_names = _text_names(tree)
    if texty or any(isinstance(n, ast.Name) and n.id in text_names for n in _operands(added)):
        return "''"
    if isinstance(added, ast.List | ast.ListComp):
        return "[]"
    return "0"


def _outer_loop(tree: ast.AST, stmt: ast.stmt) -> ast.stmt | None:
    """The outermost `for`/`while` of the statement's own scope that holds it."""
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.While) and node.lineno < stmt.lineno <= (node.end_lineno or 0):
            inner = [
                f
                for f in ast.walk(node)
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                and f.lineno <= stmt.lineno <= (f.end_lineno or 0)
            ]
            if not inner and (best is None or node.lineno < best.lineno):
                best = node
    return best


def analyse(
    sit: Situation, name: str, line: int | None, function: str | None, *, local: bool = False
) -> Diagnosis | None:
    """`local`: the error is an UnboundLocalError, so the update made the name local to `function`."""
    if sit.tree is None or line is None or not sit.has_code:
        return None
    found = _self_update(sit.tree, name, line)
    if found is None:
        return None
    stmt, added = found
    if any(b.line < line for b in sit.facts.bindings_of(name) if b.kind != "global"):
        return None  # it has a value somewhere above: a branch not taken, another story
    start = _start(stmt, added, sit.tree)
    loop = _outer_loop(sit.tree, stmt)
    if function is not None and local and loop is None:
        # No loop in the function around it: a count kept across calls, or one that restarts.
        return _local_counter(sit, name, line, function, start)
    above = loop if loop is not None else stmt
    lines = lines_of(sit.code)
    indent = indent_of(lines[above.lineno - 1])
    new_line = f"{indent}{name} = {start}"
    fixed = "\n".join([*lines[: above.lineno - 1], new_line, *lines[above.lineno - 1 :]])
    where = cap(place(line, None, function) + called_from(sit))
    shown = code(lines[line - 1].strip())
    spot = f"above the loop on line {loop.lineno}" if loop is not None else f"above line {line}"
    summary = (
        f"{where}: {shown} computes `{name}` from its own old value, but `{name}` has no value yet the "
        f"first time: give it a starting value {spot}: {code(new_line.strip())}."
    )
    steps = f"Add {code(new_line.strip())} {spot}" + (
        ", not inside it (it would restart each time)." if loop else "."
    )
    return Diagnosis(
        summary=summary,
        plain=f"To add to `{name}`, Python first reads its current value; before any value was stored there "
        f"is nothing to read. A running total starts from {start}.",
        precise=f"{shown} loads `{name}` before any assignment to it has run, so the name lookup fails; "
        "an accumulator must be initialised before the loop that updates it.",
        analogy="it's like adding today's coins to a piggy bank you never bought.",
        fix_steps=steps,
        prevention="Before a loop that keeps a running total, count or text, set its starting value.",
        concepts=["variables", "for-loops"] if loop is not None else ["variables"],
        hints=[
            f"What is `{name}` the very first time line {line} runs?",
            f"Where does `{name}` get its first value?",
            steps,
        ],
        fix_code=fixed,
        culprit_line=line,
    )


def _local_counter(sit: Situation, name: str, line: int, function: str, start: str) -> Diagnosis:
    """`count = count + 1` inside a function: assigning makes `count` local to it, so its old value
    is looked for inside the function only. A counter kept across calls (often set in another
    cell) needs `global`; one that starts afresh needs its start inside the function."""
    shown = code(lines_of(sit.code)[line - 1].strip())
    steps = (
        f"If `{name}` is meant to keep counting across calls (a variable set outside `{function}`, maybe in "
        f"another cell), add `global {name}` as the first line of `{function}`; if it should start afresh "
        f"on each call, set `{name} = {start}` inside `{function}` before line {line}."
    )
    return Diagnosis(
        summary=f"Line {line}, inside `{function}`: {shown} assigns `{name}`, which makes `{name}` a local "
        f"variable of `{function}`; reading its old value there finds none. {steps}",
        plain=f"A name you assign to inside a function belongs to that function. So on line {line} Python "
        f"looks for `{name}` inside `{function}` only, where it has no value yet.",
        precise=f"Assignment anywhere in `{function}` makes `{name}` local for the whole body (decided at "
        "compile time); the load before the first store raises UnboundLocalError. `global` rebinds the "
        "module-level name instead.",
        fix_steps=steps,
        prevention="Prefer passing the value in and returning the new one (`count = add_one(count)`) to "
        "changing a global from inside a function.",
        concepts=["scope", "functions"],
        hints=[
            f"Where does `{name}` live: inside `{function}` or outside it?",
            f"Assigning `{name}` inside `{function}` makes it `{function}`'s own variable.",
            steps,
        ],
        culprit_line=line,
    )
