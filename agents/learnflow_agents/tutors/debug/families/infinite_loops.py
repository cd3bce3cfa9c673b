"""KeyboardInterrupt, pressed because a loop never ended: find the ``while`` whose
condition can never become false (its variable never changes in the body, changes in the
wrong direction, or the update fell outside the loop), or the ``while True`` with no
``break``."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.code_facts import (
    indent_of,
    insert_lines,
    line_at,
    replace_line,
    replace_node,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code
from learnflow_agents.tutors.debug.families.common import raise_site
from learnflow_agents.tutors.debug.families.logic_causes import discarded_call_on
from learnflow_agents.tutors.debug.situation import Situation

_GROWS = (ast.Lt, ast.LtE)
_SHRINKS = (ast.Gt, ast.GtE)
_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "add", "discard", "update", "popitem"}


def analyse(sit: Situation) -> Diagnosis | None:
    if sit.tree is None:
        # Without the cell's code the loop can't be inspected; the generic answer applies.
        return None
    line, _other, _text, _function = raise_site(sit)
    loops = [n for n in ast.walk(sit.tree) if isinstance(n, ast.While)]
    if not loops:
        return _no_loop(sit, line)
    inside = [w for w in loops if line is not None and w.lineno <= line <= (w.end_lineno or w.lineno)]
    loop = max(inside, key=lambda w: w.lineno) if inside else loops[0]
    test = loop.test
    if isinstance(test, ast.Constant) and test.value is True:
        breaks = [n for n in ast.walk(loop) if isinstance(n, ast.Break | ast.Return)]
        if not breaks:
            return _while_true(sit, loop, line)
        return None
    names = sorted({n.id for n in ast.walk(test) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)})
    changed = {n: _updates(loop, n) for n in names}
    never = [n for n in names if not changed[n] and not _mutated(loop, n)]
    cond = ast.get_source_segment(sit.code, test) or ast.unparse(test)
    if never and len(never) == len([n for n in names if n not in ("len",)]):
        return _never_changes(sit, loop, never[0], cond, line)
    for name, updates in changed.items():
        direction = _direction(test, name)
        for upd in updates:
            step = _step(upd)
            if direction and step and step != direction:
                return _wrong_direction(sit, loop, name, upd, cond, direction, line)
    return None


def _updates(loop: ast.While, name: str) -> list[ast.stmt]:
    return [node for stmt in loop.body for node in ast.walk(stmt) if _rebinds(node, name)]


def _rebinds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.AugAssign | ast.For):
        return isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return False


def _mutated(loop: ast.While, name: str) -> bool:
    if any(  # `name[i] = …` changes the list in place
        isinstance(n, ast.Subscript)
        and isinstance(n.ctx, ast.Store)
        and isinstance(n.value, ast.Name)
        and n.value.id == name
        for stmt in loop.body
        for n in ast.walk(stmt)
    ):
        return True
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == name
        and n.func.attr in _MUTATORS
        for stmt in loop.body
        for n in ast.walk(stmt)
    )


def _direction(test: ast.AST, name: str) -> str | None:
    """ "+" when the loop ends by the variable growing past a bound, "-" when by shrinking."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = test.ops[0]
        if isinstance(test.left, ast.Name) and test.left.id == name:
            return "+" if isinstance(op, _GROWS) else "-" if isinstance(op, _SHRINKS) else None
        if isinstance(test.comparators[0], ast.Name) and test.comparators[0].id == name:
            return "-" if isinstance(op, _GROWS) else "+" if isinstance(op, _SHRINKS) else None
    return None


def _step_parts(stmt: ast.stmt) -> tuple[ast.operator, ast.AST] | None:
    """(operator, amount) of ``n += 1`` or ``n = n + 1``."""
    if isinstance(stmt, ast.AugAssign):
        return stmt.op, stmt.value
    if (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.BinOp)
        and isinstance(stmt.value.left, ast.Name)
        and any(isinstance(t, ast.Name) and t.id == stmt.value.left.id for t in stmt.targets)
    ):
        return stmt.value.op, stmt.value.right
    return None


def _step(stmt: ast.stmt) -> str | None:
    parts = _step_parts(stmt)
    if parts is None:
        return None
    op, amount = parts
    if not (isinstance(amount, ast.Constant) and isinstance(amount.value, int | float)):
        return None
    positive = amount.value > 0
    if isinstance(op, ast.Add):
        return "+" if positive else "-"
    if isinstance(op, ast.Sub):
        return "-" if positive else "+"
    return None


def _diag(
    sit: Situation,
    *,
    summary,
    why,
    steps,
    fix,
    culprit,
    loop: ast.While,
    name: str | None,
    line,
    stray: bool = False,
) -> Diagnosis:
    cond = ast.get_source_segment(sit.code, loop.test) or ast.unparse(loop.test)
    return Diagnosis(
        summary=summary,
        plain=f"A `while` loop repeats as long as its condition (`{cond}`, line {loop.lineno}) is true. "
        f"{why} So the "
        f"condition stays true forever, the cell never finishes, and {_stopped(sit)}.",
        precise=f"The loop condition `{cond}` (line {loop.lineno}) is loop-invariant in practice: {why}"
        + (f" The interrupt arrived while the loop was running line {line}." if line is not None else ""),
        analogy="it's like a treadmill with no stop button: you keep walking and never arrive.",
        deeper="A loop terminates when some quantity the condition depends on moves monotonically towards "
        "making "
        "the condition false (a loop variant); check the update is inside the body and goes the right way.",
        fix_steps=steps,
        prevention="When you write a `while` loop, write the line that changes the condition's variable "
        "right away, "
        "inside the loop body; prefer `for … in range(…)` when you know how many times to repeat.",
        concepts=["while-loops", "indentation"] if stray else ["while-loops"],
        hints=[
            f"What has to happen for `{cond}` to become false?",
            why,
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        conceptual=True,
    )


def _never_changes(sit: Situation, loop: ast.While, name: str, cond: str, line) -> Diagnosis:
    direction = _direction(loop.test, name)
    body_end = max((s.end_lineno or s.lineno) for s in loop.body)
    body_indent = indent_of(line_at(sit.code, loop.body[0].lineno))
    after = [s for s in sit.tree.body if s.lineno > (loop.end_lineno or loop.lineno)] if sit.tree else []
    stray = next(
        (
            s
            for s in after[:2]
            if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name) and s.target.id == name
        ),
        None,
    )
    if stray is not None:
        stray_text = line_at(sit.code, stray.lineno).strip()
        fix = replace_line(sit.code, stray.lineno, body_indent + stray_text)
        return _diag(
            sit,
            summary=f"The loop `while {cond}` (line {loop.lineno}) never ends: `{stray_text}` on line "
            f"{stray.lineno} is not "
            f"indented, so it runs only *after* the loop — inside the loop `{name}` never changes.",
            why=f"`{stray_text}` (line {stray.lineno}) is outside the loop body, so `{name}` keeps its "
            "value while the loop runs.",
            steps=f"Indent line {stray.lineno} (`{stray_text}`) so it is inside the loop.",
            fix=fix,
            culprit=stray.lineno,
            loop=loop,
            name=name,
            line=line,
            stray=True,
        )
    dropped = discarded_call_on(loop, name, sit.code)
    if dropped is not None:
        lineno, text = dropped
        keep = f"{name} = {text}"
        return _diag(
            sit,
            summary=f"The loop `while {cond}` (line {loop.lineno}) never ends: line {lineno} computes "
            f"{code(text)} and throws the result away, because it returns a new value and does not change "
            f"`{name}`.",
            why=f"{code(text)} (line {lineno}) returns a new string (strings never change in place), and "
            f"nothing stores it, so `{name}` keeps its value.",
            steps=f"Keep the result on line {lineno}: {code(keep)}.",
            fix=replace_line(sit.code, lineno, indent_of(line_at(sit.code, lineno)) + keep),
            culprit=lineno,
            loop=loop,
            name=name,
            line=line,
        )
    fix = None
    update = None
    if direction:
        update = f"{name} {'+' if direction == '+' else '-'}= 1"
        fix = insert_lines(sit.code, body_end + 1, [body_indent + update])
    return _diag(
        sit,
        summary=f"The loop `while {cond}` (line {loop.lineno}) never ends because nothing inside it changes "
        f"`{name}`" + (f": add `{update}` at the end of the loop body." if update else "."),
        why=f"Nothing in the loop body changes `{name}`.",
        steps=f"Add `{update}` as the last line inside the loop."
        if update
        else f"Change `{name}` inside the loop so `{cond}` eventually becomes false.",
        fix=fix,
        culprit=loop.lineno,
        loop=loop,
        name=name,
        line=line,
    )


def _wrong_direction(
    sit: Situation, loop: ast.While, name: str, upd: ast.stmt, cond: str, direction: str, line
) -> Diagnosis:
    text = line_at(sit.code, upd.lineno).strip()
    parts = _step_parts(upd)
    assert parts is not None
    amount = ast.unparse(parts[1])
    if isinstance(upd, ast.AugAssign):
        new = f"{name} {'+=' if direction == '+' else '-='} {amount}"
    else:
        new = f"{name} = {name} {'+' if direction == '+' else '-'} {amount}"
    fix = replace_node(sit.code, upd, new)
    return _diag(
        sit,
        summary=f"The loop `while {cond}` (line {loop.lineno}) never ends: line {upd.lineno} (`{text}`) "
        f"moves `{name}` away "
        f"from ending the loop; it should be `{new}`.",
        why=f"`{text}` (line {upd.lineno}) changes `{name}` in the wrong direction, so `{cond}` stays true.",
        steps=f"Change line {upd.lineno} to `{new}`.",
        fix=fix,
        culprit=upd.lineno,
        loop=loop,
        name=name,
        line=line,
    )


def _while_true(sit: Situation, loop: ast.While, line) -> Diagnosis:
    return Diagnosis(
        summary=f"`while True:` on line {loop.lineno} has no `break` (or `return`) inside, so the loop can "
        "never stop.",
        plain='`while True` means "repeat forever" — the only ways out are `break` or `return`, and the '
        "loop on line "
        f"{loop.lineno} has neither. The cell kept running until {_stopped(sit, short=True)}.",
        precise=f"The loop on line {loop.lineno} has a constant-true condition and no "
        "`break`/`return`/`raise` in its body.",
        analogy="it's like a song on repeat with no stop button.",
        fix_steps="Add an `if <finished>: break` inside the loop, for the situation in which it should stop.",
        prevention="Every `while True:` needs a reachable `break`; write it together with the loop.",
        concepts=["while-loops", "break-continue"],
        hints=[
            "When should this loop stop?",
            f"There is no `break` in the loop on line {loop.lineno}.",
            "Add `if …: break` with the stopping condition.",
        ],
        culprit_line=loop.lineno,
        conceptual=True,
    )


def _stopped(sit: Situation, *, short: bool = False) -> str:
    """Who stopped the cell: the student (a real KeyboardInterrupt) or our own time limit."""
    if sit.time_limit is not None:
        return f"LearnFlow stopped it after {sit.time_limit:g} seconds when it ran it"
    return "you stopped it" if short else "you had to stop it (that's the KeyboardInterrupt)"


def _no_loop(sit: Situation, line) -> Diagnosis:
    if line is None:
        return _stopped_somewhere(sit)
    text = sit.text(line).strip()
    waiting = "input(" in text
    return Diagnosis(
        summary=f"The cell was interrupted on line {line} (`{text}`)"
        + (
            ": it was waiting for you to type an answer to `input()`."
            if waiting
            else " while it was still running."
        ),
        plain="You stopped the cell (KeyboardInterrupt)."
        + (
            " `input()` waits until you type something and press Enter."
            if waiting
            else f" It was busy on line {line}; if it never finishes, look for something that repeats "
            "without end or takes very long."
        ),
        precise=f"KeyboardInterrupt was delivered while executing line {line}.",
        fix_steps="Type the answer in the input box and press Enter."
        if waiting
        else f"Check what line {line} is doing and why it takes so long.",
        prevention="Use small inputs while developing; add `print` progress messages to long computations.",
        concepts=["while-loops"] if not waiting else ["functions"],
        hints=[
            f"What was line {line} doing?",
            "It hadn't finished.",
            "Make it finish sooner or stop waiting.",
        ],
        culprit_line=line,
    )


def _stopped_somewhere(sit: Situation) -> Diagnosis:
    """No loop to blame and no line known: the run was stopped by our time limit (or the
    interrupt's traceback was lost), so say what is known and how to find the slow part."""
    waiting = "input(" in sit.code
    if sit.time_limit is not None:
        summary = f"When LearnFlow ran the cell it was still running after {sit.time_limit:g} seconds"
        plain = f"{summary}, so it was stopped before it finished. No loop here repeats forever"
    else:
        summary = "The cell was interrupted before it finished"
        plain = "You stopped the cell (KeyboardInterrupt) before it finished. No loop here repeats forever"
    plain += (
        ": something takes very long, such as a `sleep`, a huge number (`10**10**8`), a search "
        "through a very large range, or a regular expression that backtracks."
    )
    if waiting:
        plain += " `input()` also waits until someone types an answer."
    return Diagnosis(
        summary=summary + ".",
        plain=plain,
        precise="KeyboardInterrupt with no line of the cell in its traceback"
        + (f" (the sandbox's {sit.time_limit:g} s limit)." if sit.time_limit is not None else "."),
        fix_steps="Run the cell's lines one at a time, or add `print` calls between them, to see which "
        "one does not finish; then make that step smaller.",
        prevention="Try long computations on small inputs first, and print progress in long loops.",
        concepts=["while-loops"] if not waiting else ["functions"],
        hints=[
            "Which line is still running when the cell stops?",
            "Put a `print` before and after the slow-looking lines.",
            "Make that step smaller: fewer repeats, smaller numbers.",
        ],
        culprit_line=None,
    )
