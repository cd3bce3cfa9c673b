"""Beginner logic bugs from the computing-education literature, read from the program's shape
(the AST) and, where the rule needs evidence, from its real traced run.

The kinds are the ones teaching material lists again and again (misconception inventories,
"common Python mistakes" pages): the `None` an in-place method gives back (`x = x.sort()`),
`x == a or b`, floats compared with `==`, an accumulator reset inside its own loop, `is` for a
value, a list aliased by `b = a`, a mutable default argument, a `for` variable changed inside the
loop, `return` in both branches inside a loop, an `elif` that an earlier branch already covers,
`-2 ** 2` and `a + b / 2`, and `random.seed` inside a loop. None of them is keyed to the
question's words: each names what the code is, and says what the run showed only when the run
shows it. Every piece of the student's code in a reply goes through ``code`` (safe quoting).
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable, Iterator

from learnflow_agents.sandbox.trace import TraceReport
from learnflow_agents.tutors.debug.code_facts import segment
from learnflow_agents.tutors.debug.diagnosis import code, short
from learnflow_agents.tutors.debug.families.wrong_behaviour import Cause

Rule = Callable[[ast.Module, str, str, TraceReport | None], Cause | None]

# In-place methods: they change their object and give back `None`.
_IN_PLACE = frozenset({"sort", "append", "extend", "insert", "remove", "reverse", "clear"})
_CHANGERS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "add", "update", "discard",
     "setdefault", "popitem"}
)  # fmt: skip
_LONG_FLOAT = re.compile(r"^-?\d+\.\d*(?:0{6,}\d|9{6,}\d*)\d*$|^-?\d+\.\d{15,}$")
_MEMO_NAMES = re.compile(r"memo|cache|seen|visited", re.I)
_MEAN_NAMES = re.compile(r"avg|average|mean|mid|middle|centre|center", re.I)


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter nested functions, classes or lambdas."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(n))


def _count(report: TraceReport | None, line: int) -> int:
    return 0 if report is None else report.line_counts.get(str(line), 0)


def _values_at(report: TraceReport | None, name: str, line: int, limit: int = 6) -> list[str]:
    if report is None:
        return []
    return [s.changed[name] for s in report.steps if s.line == line and name in s.changed][:limit]


def _all_values(report: TraceReport | None, name: str, limit: int = 200) -> list[str]:
    if report is None:
        return []
    return [s.changed[name] for s in report.steps if name in s.changed][:limit]


def _value_before(report: TraceReport | None, name: str, line: int) -> str | None:
    """The value ``name`` last took in a step before the first time ``line`` ran."""
    if report is None:
        return None
    last: str | None = None
    for step in report.steps:
        if step.line == line:
            return last
        if name in step.changed:
            last = step.changed[name]
    return None


def in_place_result_assigned(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`xs = xs.sort()`, `xs = xs.append(4)`: the method changes `xs` and returns `None`, which
    the assignment then stores."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in _IN_PLACE
            and isinstance(node.value.func.value, ast.Name)
        ):
            continue
        name, method = node.targets[0].id, node.value.func.attr
        base = node.value.func.value.id
        got = _values_at(report, name, node.lineno)
        if report is not None and got[-1:] != ["None"]:
            continue  # the run shows something else came back: not a list method
        shown = f" In this run {code(name)} became `None` on line {node.lineno}." if got else ""
        fix = f"{base}.{method}({', '.join(segment(source, a) for a in node.value.args)})"
        better = f" or {code(f'{name} = sorted({base})')}" if method == "sort" else ""
        return Cause(
            "in-place-result-assigned",
            node.lineno,
            f"Line {node.lineno} stores what {code('.' + method + '()')} gives back, and that is `None`: "
            f"{code(short(segment(source, node), 60))} changes {code(base)} in place and returns nothing.",
            f"List methods that change the list ({code('.' + method + '()')}, `.append()`, `.sort()`…) "
            f"do their work on the list itself and return `None`, so the `=` replaces {code(name)} with "
            f"`None`.{shown}",
            f"Call it on its own line, without `=`: {code(fix)}{better}.",
            (name,),
            ["lists", "mutability"],
        )
    return None


def _truthy_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value not in (
        None, 0, "", b""
    )  # fmt: skip


def or_always_true(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`if x == 'a' or 'b':` reads as `(x == 'a') or 'b'`, and a non-empty `'b'` is always true."""
    for node in ast.walk(tree):
        if not isinstance(node, (ast.If, ast.While, ast.IfExp)):
            continue
        test = node.test
        if not (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or)):
            continue
        compares = [v for v in test.values if isinstance(v, ast.Compare) and isinstance(v.left, ast.Name)]
        loose = [v for v in test.values if _truthy_constant(v)]
        if not compares or not loose:
            continue
        cmp, const = compares[0], loose[0]
        op = "==" if isinstance(cmp.ops[0], ast.Eq) else segment(source, cmp)[len(cmp.left.id) :].split()[0]
        left, value = cmp.left.id, segment(source, const)
        ran = _count(report, node.lineno)
        seen = (
            f" In this run the test was checked {ran:,} times and was true every time."
            if ran and isinstance(node, ast.If) and _count(report, node.body[0].lineno) == ran
            else ""
        )
        return Cause(
            "or-always-true",
            node.lineno,
            f"The test on line {node.lineno}, {code(short(segment(source, test), 70))}, is always true: "
            f"Python reads it as {code(f'({segment(source, cmp)}) or {value}')}, and {code(value)} on its "
            "own counts as true.",
            f"`or` joins two whole conditions; it does not share {code(left + ' ' + op)} with the value "
            f"after it. A non-empty string or a non-zero number is true by itself.{seen}",
            f"Repeat the comparison ({code(f'{left} {op} ... or {left} {op} {value}')}), or test "
            f"membership: {code(f'{left} in (..., {value})')}.",
            (left,),
            ["conditionals", "boolean-logic"],
        )
    return None


def _floaty(node: ast.expr) -> bool:
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, float) and n.value != int(n.value)
        for n in ast.walk(node)
    ) or any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(node))


_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


def _arithmetic(node: ast.expr) -> float | int | None:
    """The value of an expression of number literals and + - * / // % (student code: never
    eval'd; a power is left out, `9**9**9` alone would stall the agent)."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value if abs(node.value) < 1e300 else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _arithmetic(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if left is None or right is None:
            return None
        try:
            value = _ARITHMETIC[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
        return value if abs(value) < 1e300 else None
    return None


def float_equality(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`if total == 0.3:` where `total` is computed with floats: binary floats round, so the run's
    value is `0.30000000000000004` and `==` is false."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq)
        ):
            continue
        left, right = node.left, node.comparators[0]
        for side, other in ((left, right), (right, left)):
            if not (isinstance(other, ast.Constant) and isinstance(other.value, float)):
                continue
            evidence = ""
            if isinstance(side, ast.Name):
                # Any value the run gave it: a loop's total drifts off its decimal only after a few passes.
                value = next((v for v in _all_values(report, side.id) if _LONG_FLOAT.match(v)), None)
                if value is None:
                    continue
                evidence = f" In this run {code(side.id)} was {code(value)}, not {code(repr(other.value))}."
            elif not (isinstance(side, ast.BinOp) and _floaty(side)):
                continue
            else:
                exact = _arithmetic(side)
                if exact is None:
                    continue
                if not isinstance(exact, float) or exact == other.value:
                    continue
                evidence = f" Here {code(segment(source, side))} is {code(repr(exact))}."
            return Cause(
                "float-equality",
                node.lineno,
                f"Line {node.lineno} compares floats with `==` ({code(short(segment(source, node), 60))}): "
                "decimal fractions are stored rounded in binary, so the two sides differ in the last "
                "digits and `==` is false.",
                "Most decimal fractions (0.1, 0.2, 0.3…) have no exact binary form; each sum rounds a "
                f"little, so a result that should be 0.3 can be 0.30000000000000004.{evidence}",
                "Compare with a tolerance: "
                f"{code(f'math.isclose({segment(source, side)}, {segment(source, other)})')}"
                " (import math), or round both sides, or count in whole numbers (cents).",
                (side.id,) if isinstance(side, ast.Name) else (),
                ["numbers", "comparison"],
            )
    return None


def _resets(stmt: ast.stmt) -> str | None:
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and (
            (
                isinstance(stmt.value, ast.Constant)
                and stmt.value.value in (0, 0.0, "")
                and not isinstance(stmt.value.value, bool)
            )
            or (
                isinstance(stmt.value, ast.List | ast.Dict | ast.Set)
                and not getattr(stmt.value, "elts", getattr(stmt.value, "keys", None))
            )
        )
    ):
        return stmt.targets[0].id
    return None


def _accumulates(body: list[ast.stmt], name: str) -> ast.AST | None:
    """A statement in ``body`` (not inside a nested loop) that adds to ``name``."""
    todo: list[ast.AST] = list(body)
    while todo:
        n = todo.pop(0)
        if isinstance(n, ast.For | ast.While | ast.FunctionDef | ast.ClassDef):
            continue
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name:
            return n
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("append", "add", "extend", "update")
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == name
        ):
            return n
        todo.extend(ast.iter_child_nodes(n))
    return None


def _blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for n in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(n, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def _reads(nodes: list[ast.stmt], name: str) -> int | None:
    for stmt in nodes:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
                return n.lineno
    return None


def _first_reads(block: list[ast.stmt]) -> dict[str, tuple[list[int], list[int]]]:
    """Per name read in `block`: the indexes of the statements that read it and, for each, the
    line of its first read there (ast.walk order). One walk of the block for all its loops: a
    walk of the rest of the block per loop made the work grow with the square of the cell."""
    out: dict[str, tuple[list[int], list[int]]] = {}
    for index, stmt in enumerate(block):
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                indexes, lines = out.setdefault(n.id, ([], []))
                if not indexes or indexes[-1] != index:
                    indexes.append(index)
                    lines.append(n.lineno)
    return out


def _read_after(reads: dict[str, tuple[list[int], list[int]]], name: str, index: int) -> int | None:
    """The line of the first read of `name` in a statement after `block[index]`."""
    indexes, lines = reads.get(name, ([], []))
    at = bisect.bisect_right(indexes, index)
    return lines[at] if at < len(lines) else None


def reset_inside_loop(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`total = 0` as a line of the loop that adds to `total`, read after the loop: every pass
    starts the total again, so only the last pass's share is left."""
    for block in _blocks(tree):
        reads: dict[str, tuple[list[int], list[int]]] | None = None
        for i, loop in enumerate(block):
            if not isinstance(loop, ast.For | ast.While):
                continue
            for k, stmt in enumerate(loop.body):
                name = _resets(stmt)
                if name is None:
                    continue
                adds = _accumulates(loop.body[k + 1 :], name)
                if adds is None:
                    continue
                if reads is None:
                    reads = _first_reads(block)
                after = _read_after(reads, name, i)
                if after is None:
                    continue
                runs = _count(report, stmt.lineno)
                if report is not None and runs < 2:
                    continue  # one pass: the reset cannot have lost anything
                seen = f" In this run it was reset {runs:,} times." if runs else ""
                first = f"{code(segment(source, stmt))}"
                return Cause(
                    "reset-inside-loop",
                    stmt.lineno,
                    f"Line {stmt.lineno} ({first}) is inside the loop on line {loop.lineno}, so "
                    f"{code(name)} starts again on every pass and line {after} sees only the last pass's "
                    "part.",
                    f"Each pass runs the whole loop body, the reset too: what line {adds.lineno} added to "
                    f"{code(name)} on earlier passes is thrown away.{seen}",
                    f"Move {first} above the loop (before line {loop.lineno}), so it runs once.",
                    (name,),
                    ["variables", "for-loops"],
                )
    return None


def is_for_value(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`x is 5`, `name is 'yes'`: `is` asks whether two things are the same object, not equal."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        for op, right in zip(node.ops, node.comparators, strict=False):
            if not isinstance(op, ast.Is | ast.IsNot):
                continue
            if not any(
                (isinstance(s, ast.Constant) and not isinstance(s.value, bool) and s.value is not None
                 and s.value is not Ellipsis)
                or isinstance(s, ast.List | ast.Dict | ast.Tuple | ast.JoinedStr)
                for s in (node.left, right)
            ):  # fmt: skip
                continue
            eq = "==" if isinstance(op, ast.Is) else "!="
            text = segment(source, node)
            return Cause(
                "is-for-value",
                node.lineno,
                f"Line {node.lineno} uses `{'is' if eq == '==' else 'is not'}` to compare values "
                f"({code(short(text, 60))}): `is` asks whether both sides are the very same object, not "
                "whether they are equal.",
                "Two equal strings or numbers are often different objects (text read or built while the "
                "program runs, larger numbers), so `is` can be false when `==` is true; Python even warns "
                "about `is` with a literal.",
                f"Compare values with `{eq}`; keep `is` for `None` (`x is None`).",
                (),
                ["comparison"],
            )
    return None


def _is_shuffle(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "shuffle") or (
        isinstance(func, ast.Name) and func.id == "shuffle"
    )


def _mutations(scope: list[ast.stmt], name: str, after: int) -> ast.AST | None:
    for stmt in scope:
        for n in ast.walk(stmt):
            if getattr(n, "lineno", 0) <= after:
                continue
            if (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr in _CHANGERS
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == name
            ):
                return n
            # random.shuffle(b) / shuffle(b) changes its argument in place, as b.sort() does.
            if isinstance(n, ast.Call) and _is_shuffle(n.func) and n.args:
                first = n.args[0]
                if isinstance(first, ast.Name) and first.id == name:
                    return n
            if isinstance(n, ast.Assign | ast.AugAssign):
                for t in n.targets if isinstance(n, ast.Assign) else [n.target]:
                    if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name:
                        return n
    return None


def list_aliased(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`b = a` where the run shows `a` is a list or dict, then `b` is changed and `a` read: both
    names are one object, so `a` changed too."""
    if report is None:
        return None
    for block in _blocks(tree):
        for i, stmt in enumerate(block):
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Name)
            ):
                continue
            new, old = stmt.targets[0].id, stmt.value.id
            value = _value_before(report, old, stmt.lineno) or ""
            if not value.startswith(("[", "{")) or _count(report, stmt.lineno) == 0:
                continue
            later = block[i + 1 :]
            changed = _mutations(later, new, stmt.lineno)
            if changed is None:
                continue
            read = _reads([s for s in later if s.lineno > getattr(changed, "lineno", 0)], old)
            if read is None:
                continue
            after_change = _values_at(report, old, getattr(changed, "lineno", 0))
            shown = (
                f" In this run {code(old)} became {code(short(after_change[-1], 50))} there."
                if after_change
                else ""
            )
            return Cause(
                "list-aliased",
                stmt.lineno,
                f"Line {stmt.lineno} ({code(segment(source, stmt))}) does not copy {code(old)}: "
                "both names now "
                f"refer to the same {'list' if value.startswith('[') else 'object'}, so changing "
                f"{code(new)} on line {changed.lineno} changes {code(old)} too.",  # type: ignore[attr-defined]
                f"`=` gives an existing object a second name; it never makes a copy.{shown}",
                f"Make a real copy: {code(f'{new} = {old}.copy()')} (or {code(f'{new} = list({old})')}; "
                "`copy.deepcopy` for lists of lists).",
                (old, new),
                ["lists", "mutability"],
            )
    return None


def _mutable_default(node: ast.expr) -> bool:
    return (isinstance(node, ast.List | ast.Dict | ast.Set)) or (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "dict", "set")
    )


def mutable_default(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`def add(x, items=[]):` that changes `items`, called more than once: the default list is
    made once, when `def` runs, and every call without the argument shares it."""
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = fn.args.args[len(fn.args.args) - len(fn.args.defaults) :]
        pairs = list(zip(params, fn.args.defaults, strict=False)) + [
            (a, d) for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=False) if d is not None
        ]
        for arg, default in pairs:
            # `def b(x=a())` where a() returns a list: the call runs once too, when `def` runs; the run
            # shows the parameter holding a list or dict.
            made = isinstance(default, ast.Call) and any(
                v.startswith(("[", "{")) for v in _all_values(report, arg.arg)
            )
            if not (_mutable_default(default) or made):
                continue
            if _MEMO_NAMES.search(arg.arg) or any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fn.name
                for n in ast.walk(fn)
            ):
                continue  # `def fib(n, memo={})`: a cache shared between calls on purpose
            changed = _mutations(fn.body, arg.arg, 0) or next(
                (n for n in _walk_scope(fn) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
                 and n.target.id == arg.arg), None)  # fmt: skip
            if changed is None:
                continue
            calls = _count(report, fn.body[0].lineno)
            if report is not None and calls < 2:
                continue
            went = _values_at(report, arg.arg, changed.lineno)  # type: ignore[attr-defined]
            seen = (
                f" In this run {code(arg.arg)} went "
                f"{', '.join(code(short(v, 30)) for v in went[:4])}: it kept "
                "the earlier calls' items."
                if len(went) > 1
                else ""
            )
            return Cause(
                "mutable-default",
                fn.lineno,
                f"The default {code(arg.arg + '=' + segment(source, default))} of "
                f"{code(fn.name + '()')} is made "
                f"once, when `def` runs, so every call that leaves it out shares that same "
                f"{type(default).__name__.lower() if not isinstance(default, ast.Call) else 'object'}, "
                "and what one call adds is still there in the next.",
                f"Line {changed.lineno} changes the shared default in place."  # type: ignore[attr-defined]
                f"{seen}",
                "Default to `None` and make a new one inside: "
                f"{code(f'def {fn.name}(..., {arg.arg}=None):')} "
                f"then {code(f'if {arg.arg} is None: {arg.arg} = {segment(source, default)}')}.",
                (arg.arg,),
                ["parameters", "mutability"],
            )
    return None


def for_variable_reassigned(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for i in range(n): … i += 2`: the next pass takes the next value from `range` anyway, so
    changing `i` inside the loop does not skip anything."""
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and isinstance(loop.iter, ast.Call)
            and isinstance(loop.iter.func, ast.Name)
            and loop.iter.func.id == "range"
        ):
            continue
        var = loop.target.id
        for n in _walk_scope(loop):
            step = None
            if (
                isinstance(n, ast.AugAssign)
                and isinstance(n.target, ast.Name)
                and n.target.id == var
                and isinstance(n.op, ast.Add | ast.Sub)
            ) or (
                isinstance(n, ast.Assign)
                and len(n.targets) == 1
                and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id == var
                and isinstance(n.value, ast.BinOp)
                and isinstance(n.value.op, ast.Add | ast.Sub)
                and isinstance(n.value.left, ast.Name)
                and n.value.left.id == var
            ):
                step = n
            if step is None or isinstance(n, ast.For):
                continue
            # `i += 1` then `print(i)` (numbers shown from 1) uses the change in the same pass; only a
            # change inside an `if` (a skip) or one nothing reads before the next pass is a slip.
            if not (_in_if(loop, step) or _reads_after(loop, var, step.lineno) is None):
                continue
            if any(
                isinstance(m, ast.For)
                and m is not loop
                and var in {x.id for x in ast.walk(m.target) if isinstance(x, ast.Name)}
                for m in ast.walk(loop)
            ):
                break
            got = _values_at(report, var, loop.lineno)
            seen = (
                f" In this run {code(var)} still went {', '.join(code(short(v, 20)) for v in got[:5])} at "
                "the loop's start."
                if len(got) > 1
                else ""
            )
            return Cause(
                "for-variable-reassigned",
                step.lineno,
                f"Line {step.lineno} ({code(segment(source, step))}) changes the loop variable "
                f"{code(var)}, but "
                f"the `for` on line {loop.lineno} gives it the next value of the `range` at the start of "
                "every pass, so the change is lost.",
                "A `for` loop does not count with the variable: it takes items from the `range` one by one "
                f"and puts each in {code(var)}, whatever the body did to it.{seen}",
                "To skip or jump, use a `while` loop with its own counter, or give `range` a step "
                f"({code('range(start, stop, 2)')}), or `continue` past the items to skip.",
                (var,),
                ["for-loops", "range"],
            )
    return None


def _in_if(loop: ast.For, stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.If) and stmt in list(ast.walk(n)) for n in _walk_scope(loop))


def _reads_after(loop: ast.For, name: str, line: int) -> int | None:
    return next(
        (n.lineno for n in _walk_scope(loop)
         if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) and n.lineno > line),
        None,
    )  # fmt: skip


def _ends_with_return(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], ast.Return | ast.Break)


def returns_on_first_pass(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for x in xs: if test: return True / else: return False`: both branches leave, so the loop
    only ever looks at the first item."""
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for loop in _walk_scope(fn):
            if not isinstance(loop, ast.For) or not loop.body:
                continue
            last = loop.body[-1]
            if not (
                isinstance(last, ast.If) and _ends_with_return(last.body) and _ends_with_return(last.orelse)
            ):
                continue
            if not any(isinstance(s, ast.Return) for s in (last.body[-1], last.orelse[-1])):
                continue
            passes = _count(report, loop.body[0].lineno)
            calls = _count(report, fn.body[0].lineno)
            if report is not None and calls and passes > calls:
                continue  # the run went round more than once: something else ended it
            seen = (
                f" In this run {code(fn.name + '()')} ran {calls:,} time(s) and its loop body ran only "
                f"{passes:,} time(s): one pass a call."
                if calls
                else ""
            )
            return Cause(
                "return-both-branches-in-loop",
                last.lineno,
                f"Both branches of the `if` on line {last.lineno} leave the function, so the loop on line "
                f"{loop.lineno} of {code(fn.name + '()')} stops on its first item and never looks at the "
                "rest.",
                f"`return` ends the function at once. Whatever the first item is, one of the two branches "
                f"runs and returns.{seen}",
                "Keep only the return that can be decided from one item (e.g. `return True` when a match is "
                "found) inside the loop, and move the other one after the loop, level with the `for`, so "
                "it runs once every item has been checked.",
                (),
                ["functions", "for-loops", "conditionals"],
            )
    return None


def _bound(test: ast.expr) -> tuple[str, str, float] | None:
    """(name, op, number) for `name > 3`, `name >= 3`, `name < 3`, `name <= 3`, `name == 3`."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)):
        return None
    right = test.comparators[0]
    if (
        isinstance(right, ast.UnaryOp)
        and isinstance(right.op, ast.USub)
        and isinstance(right.operand, ast.Constant)
    ):
        num = right.operand.value
        num = -num if isinstance(num, int | float) and not isinstance(num, bool) else None
    else:
        num = right.value if isinstance(right, ast.Constant) else None
    if not isinstance(num, int | float) or isinstance(num, bool):
        return None
    ops = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "=="}
    op = ops.get(type(test.ops[0]))
    return (test.left.id, op, float(num)) if op else None


def _covers(earlier: tuple[str, float], later: tuple[str, float]) -> bool:
    """Every number the later test accepts, the earlier one accepts too."""
    (eo, ev), (lo, lv) = earlier, later
    if lo == "==":
        return {">": lv > ev, ">=": lv >= ev, "<": lv < ev, "<=": lv <= ev, "==": lv == ev}[eo]
    if eo in (">", ">=") and lo in (">", ">="):
        return lv > ev or (lv == ev and (eo == ">=" or lo == ">"))
    if eo in ("<", "<=") and lo in ("<", "<="):
        return lv < ev or (lv == ev and (eo == "<=" or lo == "<"))
    return False


def shadowed_elif(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`if score > 50: … elif score > 90: …`: every score above 90 is above 50, so the first branch
    takes it and the `elif` can never run."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        chain: list[ast.If] = [node]
        while len(chain[-1].orelse) == 1 and isinstance(chain[-1].orelse[0], ast.If):
            chain.append(chain[-1].orelse[0])
        bounds = [_bound(b.test) for b in chain]
        for j, later in enumerate(bounds):
            if later is None:
                continue
            for i in range(j):
                earlier = bounds[i]
                if earlier is None or earlier[0] != later[0] or not _covers(earlier[1:], later[1:]):
                    continue
                e_node, l_node = chain[i], chain[j]
                ran = _count(report, l_node.body[0].lineno)
                if report is not None and ran:
                    continue
                return Cause(
                    "elif-shadowed",
                    l_node.lineno,
                    f"The test on line {l_node.lineno} ({code(segment(source, l_node.test))}) can never be "
                    "reached as true: every value it accepts also passes "
                    f"{code(segment(source, e_node.test))} "
                    f"on line {e_node.lineno}, which is checked first.",
                    "An `if`/`elif` chain runs only the first branch whose test is true, and skips the rest. "
                    "A broader test placed first takes every value the narrower one was meant for.",
                    "Put the narrower test first (e.g. the highest threshold first when testing `>`), or "
                    "give each branch a range (`50 < x <= 90`).",
                    (later[0],),
                    ["conditionals"],
                )
    return None


def precedence(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`-2 ** 2` is `-(2 ** 2)`; `avg = a + b / 2` divides only `b`."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.BinOp)
            and isinstance(node.operand.op, ast.Pow)
            and isinstance(node.operand.left, ast.Constant)
        ):
            text = segment(source, node)
            if text.lstrip().startswith("-("):
                continue
            base = segment(source, node.operand.left)
            power = segment(source, node.operand.right)
            return Cause(
                "operator-precedence",
                node.lineno,
                f"Line {node.lineno}: {code(text)} is {code(f'-({base} ** {power})')}, because `**` binds "
                "tighter than the minus sign in front.",
                "Python raises to the power first and applies the leading `-` to the result, as in "
                "mathematics: `-2 ** 2` is `-4`.",
                f"Put the negative number in brackets: {code(f'(-{base}) ** {power}')}.",
                (),
                ["numbers"],
            )
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _MEAN_NAMES.search(node.targets[0].id)
            and isinstance(node.value, ast.BinOp)
            and isinstance(node.value.op, ast.Add)
            and isinstance(node.value.right, ast.BinOp)
            and isinstance(node.value.right.op, ast.Div | ast.FloorDiv)
            and isinstance(node.value.right.right, ast.Constant)
            and isinstance(node.value.right.right.value, int)
            and node.value.right.right.value >= 2
        ):
            continue
        name, value = node.targets[0].id, node.value
        left, div = segment(source, value.left), value.right
        start = {n.id for n in ast.walk(value.left) if isinstance(n, ast.Name)}
        if start and start <= {n.id for n in ast.walk(div.left) if isinstance(n, ast.Name)}:
            continue  # `mid = low + (high - low) // 2`: an offset from `low`, written right
        slash = "//" if isinstance(div.op, ast.FloorDiv) else "/"
        fixed = f"({left} + {segment(source, div.left)}) {slash} {segment(source, div.right)}"
        got = _values_at(report, name, node.lineno)
        seen = f" In this run {code(name)} was {code(short(got[-1], 30))}." if got else ""
        return Cause(
            "operator-precedence",
            node.lineno,
            f"Line {node.lineno} divides only the last term: {code(segment(source, value))} is "
            f"{code(f'{left} + ({segment(source, div)})')}, because `{slash}` binds tighter than `+`.",
            f"Division and multiplication happen before addition, as in mathematics; an average needs the "
            f"whole sum divided.{seen}",
            f"Bracket the sum: {code(f'{name} = {fixed}')}.",
            (name,),
            ["numbers"],
        )
    return None


def seed_in_loop(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`random.seed(1)` inside the loop that draws numbers: every pass restarts the same sequence."""
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.For | ast.While):
            continue
        for n in _walk_scope(loop):
            if not (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "seed"
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == "random"
                and n.args
                and isinstance(n.args[0], ast.Constant)
            ):
                continue
            return Cause(
                "seed-in-loop",
                n.lineno,
                f"Line {n.lineno} ({code(segment(source, n))}) restarts the random generator at the same "
                f"point on every pass of the loop on line {loop.lineno}, so each pass draws the same "
                "numbers.",
                "A seed fixes the sequence of 'random' numbers that follows it. Seeding again with the same "
                "value goes back to the start of that same sequence.",
                "Seed once, before the loop (or not at all, to get different numbers on each run).",
                (),
                ["modules-imports"],
            )
    return None


RULES: tuple[Rule, ...] = (
    in_place_result_assigned,
    or_always_true,
    is_for_value,
    float_equality,
    reset_inside_loop,
    list_aliased,
    mutable_default,
    for_variable_reassigned,
    returns_on_first_pass,
    shadowed_elif,
    precedence,
    seed_in_loop,
)
