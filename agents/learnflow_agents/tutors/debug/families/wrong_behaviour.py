"""No error, but the program does the wrong thing ("my loop prints one too few", "the newline
doesn't appear"): run it traced in the sandbox and answer from what it actually did.

The reply shows what the program printed, a compact step-by-step trace of the lines that
matter (the variables each step changed, like Python Tutor), and the likely cause where a rule
can tell: an off-by-one `range`, `=` where `+=` was meant, `//` dropping the fraction, a
`while` loop whose variable never changes, a function that prints instead of returning (or
returns nothing), a missing `print`, a missing newline. Rules are static (the AST) and read
the trace only to show the evidence; with no rule, the trace and the output still answer.
"""

from __future__ import annotations

import ast
import bisect
import functools
import operator
import re
from dataclasses import dataclass, field

from learnflow_agents.sandbox.trace import Step, TraceReport, TraceUnavailableError, trace_program
from learnflow_agents.tutors.debug.code_facts import line_at, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.diagnosis import as_text as _as_text
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.situation import Situation

# Questions about an unexpected None belong to unexpected_none (it found nothing if we are here).
_ABOUT_NONE = re.compile(r"\bnone\b", re.IGNORECASE)
# Counting words specific enough to point at a loop's bounds ("the last one is missing", not
# "I'm missing something").
_COUNT_WORDS = re.compile(
    r"one (?:too )?(?:few|less|short|many|more|extra)|too (?:few|many)|off.by.one"
    r"|(?:miss(?:es|ing)?|skip(?:s|ping|ped)?|without|not|never|doesn'?t (?:print|show|include)) (?:the )?"
    r"(?:last|first|final)\b"
    r"|\b(?:last|first|final) (?:one|number|item|element|value|line|row|step|index)s?\b.{0,40}"
    r"\b(?:missing|skipped|not|never|isn'?t|doesn'?t)"
    r"|doesn'?t (?:include|reach|get to)|never (?:reaches|gets to)|stops? (?:early|before|one|too soon)"
    r"|\b(?:\d+|four|nine) instead of (?:\d+|five|ten)\b|\bonly (?:goes|prints|counts) (?:up )?to\b",
    re.IGNORECASE,
)
# Accumulators: `total = n` in a loop is a slip when a running total was meant.
_ACCUMULATE_WORDS = re.compile(r"\b(?:total|sum|add|adds|added|count|counts|accumulat\w*|running)\b", re.I)
_FRACTION_WORDS = re.compile(
    r"decimal|fraction|average|\bmean\b|\.5\b|float|round|percent|divi(?:de|sion)|exact|precise|\b0\b|zero"
    r"|\bodd\b|\beven\b|\bhalf\b|remainder",
    re.IGNORECASE,
)
_NEWLINE_WORDS = re.compile(r"new ?line|line break|same line|\\n|next line|one line", re.IGNORECASE)
_OUTPUT_WORDS = re.compile(
    r"nothing (?:is |gets )?print|doesn'?t (?:print|show|output)|no output|blank", re.I
)
MAX_ROWS = 14


@dataclass
class Cause:
    kind: str
    line: int
    summary: str
    why: str
    fix: str
    names: tuple[str, ...] = ()
    concepts: list[str] = field(default_factory=list)


def wants_trace(sit: Situation) -> bool:
    """A question about code that ran without an error (not about None, not a pasted log)."""
    text = sit.query.text.strip()
    return (
        sit.has_code
        and sit.tree is not None
        and not sit.error_type
        and not (sit.query.traceback or "").strip()
        and bool(text)
        and not _ABOUT_NONE.search(text)
    )


def analyse(sit: Situation) -> Diagnosis | None:
    if not wants_trace(sit):
        return None
    assert sit.tree is not None
    report: TraceReport | None = None
    not_run = ""
    safe, why = is_safe_to_run(sit.code, allowed_calls=frozenset({"input"}))
    if not sit.allow_run:
        not_run = "it wasn't run here"
    elif not safe:
        not_run = f"it wasn't run here because it {why}"
    else:
        try:
            report = trace_program(sit.code)
        except TraceUnavailableError as gone:
            not_run = f"I tried to run it, but {gone.reason}"
    causes = likely_causes(sit.tree, sit.code, sit.query.text, report)
    return _diagnosis(sit, report, not_run, causes)


# ---- rules ------------------------------------------------------------------------------------


def likely_causes(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> list[Cause]:
    # logic_causes builds on Cause, defined here, so it is imported when first needed.
    from learnflow_agents.tutors.debug.families import logic_causes, logic_general, logic_idioms

    found: list[Cause] = []
    rules = (*logic_general.RULES, *logic_causes.RULES, *logic_idioms.RULES)
    for rule in (_stuck_while, *rules, _accumulate, _off_by_one, _print_not_return, _no_return,
                 _floor_division, _newline, _no_print):  # fmt: skip
        cause = rule(tree, source, question, report)
        if cause is not None:
            found.append(cause)
    if not found:
        found += [c for r in logic_causes.FALLBACK_RULES if (c := r(tree, source, question, report))]
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _assigned(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                # `items.pop()` changes `items` as surely as an assignment does.
                base = node.func.value
                if isinstance(base, ast.Name):
                    names.add(base.id)
    return names


def _stuck_while(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.While) or isinstance(loop.test, ast.Constant):
            continue
        if any(isinstance(n, (ast.Break, ast.Return)) for n in ast.walk(loop)):
            continue
        names = _names(loop.test)
        if not names or names & _assigned(loop.body):
            continue
        if any(isinstance(n, ast.Call) for n in ast.walk(loop.test)):
            continue  # a call in the condition can change its answer on its own
        if report is not None and report.stopped == "finished":
            continue  # it did end: something (a function, a global) changed the condition
        listed = ", ".join(code(n) for n in sorted(names))
        return Cause(
            "loop-variable-not-updated",
            loop.lineno,
            f"The `while` loop on line {loop.lineno} never changes {listed}, so its condition never becomes "
            "false and the loop repeats forever.",
            f"A `while` loop stops only when its condition {code(segment(source, loop.test))} turns false. "
            "Nothing "
            f"inside the loop changes {listed}, so every check gives the same answer.",
            f"Inside the loop, change {listed} towards the end condition (for example "
            f"{code(_step_hint(loop.test))}), or use a `for` loop over a `range`.",
            tuple(sorted(names)),
            ["while-loops"],
        )
    return None


def _step_hint(test: ast.expr) -> str:
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name):
        op = test.ops[0]
        sign = "-=" if isinstance(op, (ast.Gt, ast.GtE)) else "+="
        return f"{test.left.id} {sign} 1"
    return "i += 1"


def _loops(tree: ast.Module) -> list[ast.For | ast.While]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While))]


def _accumulate(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`total = x` inside a loop where `total += x` was meant: only the last value survives."""
    for loop in _loops(tree):
        targets = _names(loop.target) if isinstance(loop, ast.For) else set()
        for stmt in loop.body:
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                continue
            name = stmt.targets[0].id
            if name in _names(stmt.value) or name in targets:
                continue
            initial = _initial_value(tree, name, loop.lineno)
            if initial is None or not (targets & _names(stmt.value) or isinstance(loop, ast.While)):
                continue
            # `last = line` keeps the last value on purpose; a zero or empty start, or a question
            # about totals, says a running total was meant.
            if initial not in ("0", "0.0", "''", '""') and not _ACCUMULATE_WORDS.search(question):
                continue
            if _formula_of_counter(loop, stmt.value):
                continue  # `t = n * (n + 1) / 2` recomputes a formula each pass; it is not an item to add
            if _names(stmt.value) & _running(loop):
                continue  # `pi = 4 * s` where the loop adds to `s`: a value derived afresh each pass
            value = segment(source, stmt.value)
            return Cause(
                "assign-instead-of-add",
                stmt.lineno,
                f"Line {stmt.lineno} replaces {code(name)} on every pass ({code(f'{name} = {value}')}), so "
                "only the "
                "last value is left: it never adds up.",
                f"{code(name)} starts at {code(initial)} before the loop, but `=` throws the old value away "
                "each "
                f"time. To keep a running total the new value has to be added to the old one.",
                f"Change line {stmt.lineno} to {code(f'{name} += {value}')} (the same as "
                f"{code(f'{name} = {name} + {value}')}).",
                (name,),
                ["variables", "for-loops"],
            )
    return None


def _running(loop: ast.For | ast.While) -> set[str]:
    """Names the loop itself keeps a running value in (`s += x`, `s = s + x`)."""
    out = {
        n.target.id for n in ast.walk(loop) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
    }
    out |= {
        n.targets[0].id
        for n in ast.walk(loop)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id in _names(n.value)
    }  # fmt: skip
    return out


def _formula_of_counter(loop: ast.For | ast.While, value: ast.expr) -> bool:
    """``value`` multiplies, divides or raises a counter the loop steps (`n += 1`, or the `for`
    variable): a closed formula recomputed each pass, such as the n-th triangular number."""
    counters = _names(loop.target) if isinstance(loop, ast.For) else set()
    counters |= {
        n.target.id for n in ast.walk(loop) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
    }
    return any(
        isinstance(n, ast.BinOp)
        and isinstance(n.op, (ast.Mult, ast.Div, ast.FloorDiv, ast.Pow))
        and _names(n) & counters
        for n in ast.walk(value)
    )


def _initial_value(tree: ast.Module, name: str, before: int) -> str | None:
    """The constant of the first `name = <constant>` (in ast.walk order) above line `before`."""
    found = _constant_assignments(tree).get(name)
    if found is None:
        return None
    lowest, nodes = found
    # `lowest` is the smallest line so far along the walk (non-increasing): the first entry
    # under `before` is where it first drops under it.
    index = bisect.bisect_left(lowest, -before + 1, key=operator.neg)
    return repr(nodes[index].value.value) if index < len(nodes) else None


@functools.lru_cache(maxsize=8)
def _constant_assignments(tree: ast.Module) -> dict[str, tuple[list[int], list[ast.Assign]]]:
    """Per name, its `name = <constant>` statements in ast.walk order and the lowest line among
    each one and those before it. One walk per cell: a walk per assignment in a loop made a
    100,000-character cell of small loops cost 66 s."""
    out: dict[str, tuple[list[int], list[ast.Assign]]] = {}
    for stmt in ast.walk(tree):
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)):
            continue
        for name in dict.fromkeys(t.id for t in stmt.targets if isinstance(t, ast.Name)):
            lowest, nodes = out.setdefault(name, ([], []))
            lowest.append(min(stmt.lineno, lowest[-1]) if lowest else stmt.lineno)
            nodes.append(stmt)
    return out


def _range_call(loop: ast.For) -> ast.Call | None:
    it = loop.iter
    if (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and 1 <= len(it.args) <= 2
    ):
        return it
    return None


def _off_by_one(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
        call = _range_call(loop)
        if call is None or not isinstance(loop.target, ast.Name):
            continue
        stop = call.args[-1]
        stop_text = segment(source, stop)
        minus_one = (
            isinstance(stop, ast.BinOp)
            and isinstance(stop.op, ast.Sub)
            and isinstance(stop.right, ast.Constant)
            and stop.right.value == 1
        )
        if not (minus_one or _COUNT_WORDS.search(question)):
            continue
        var = loop.target.id
        if minus_one and _reads_next_item(loop, var):
            continue  # `for j in range(len(xs) - 1): xs[j] == xs[j + 1]`: the `- 1` keeps j + 1 in range
        seen = _values_of(report, var, loop.lineno) if report else []
        went = ""
        if seen:
            tail = f" … {seen[-1]}" if len(seen) > 4 else ""
            went = f" In this run {code(var)} went {', '.join(seen[:4])}{tail}."
        start = segment(source, call.args[0]) if len(call.args) == 2 else "0"
        if minus_one:
            assert isinstance(stop, ast.BinOp)
            new_stop = segment(source, stop.left)
            fixed = f"range({_args(call, source, new_stop)})"
            fix = f"`range` already stops before its end: drop the `- 1` and write {code(fixed)}."
        else:
            new_stop = (
                str(stop.value + 1)
                if isinstance(stop, ast.Constant) and type(stop.value) is int
                else f"{stop_text} + 1"
            )
            fix = (
                f"If {code(stop_text)} itself should be included, write "
                f"{code(f'range({_args(call, source, new_stop)})')}"
                f"; if the loop should start at 1, not 0, give the start: {code(f'range(1, {new_stop})')}."
                if len(call.args) == 1
                else f"To include {code(stop_text)}, write {code(f'range({_args(call, source, new_stop)})')}."
            )
            if start == "0":
                # Numbering shown from 1 while the index stays at 0 (`print(i, items[i])`).
                fix += (
                    f" If only the numbers *shown* should start at 1 while {code(var)} still indexes from 0, "
                    f"print {code(var + ' + 1')} (or loop with `enumerate(items, start=1)`)."
                )
        return Cause(
            "off-by-one-range",
            loop.lineno,
            f"The loop on line {loop.lineno} runs {code(var)} from {code(start)} up to {code(stop_text)} "
            "*minus one*: "
            "`range` never includes its end value, so the loop is one pass short (or starts one too early).",
            f"{code(f'range({segment(source, call)[6:-1]})')} counts from {code(start)} and stops *before* "
            f"{code(stop_text)}.{went}",
            fix,
            (var,),
            ["range", "for-loops"],
        )
    return None


def _reads_next_item(loop: ast.For, var: str) -> bool:
    """The loop body indexes with ``var + k`` (k > 0), the reason a range stops one short."""
    for n in ast.walk(loop):
        if (
            isinstance(n, ast.Subscript)
            and isinstance(n.slice, ast.BinOp)
            and isinstance(n.slice.op, ast.Add)
        ):
            sides = (n.slice.left, n.slice.right)
            if any(isinstance(x, ast.Name) and x.id == var for x in sides) and any(
                isinstance(x, ast.Constant) and isinstance(x.value, int) and x.value > 0 for x in sides
            ):
                return True
    return False


def _args(call: ast.Call, source: str, new_stop: str) -> str:
    return f"{segment(source, call.args[0])}, {new_stop}" if len(call.args) == 2 else new_stop


def _values_of(report: TraceReport | None, name: str, line: int) -> list[str]:
    if report is None:
        return []
    values = [s.changed[name] for s in report.steps if s.line == line and name in s.changed]
    return values[:12]


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def _returns_value(fn: ast.FunctionDef) -> bool:
    # A generator function's call is a generator, never `None`, whether or not it has a `return`.
    return any(
        (isinstance(n, ast.Return) and n.value is not None) or isinstance(n, ast.Yield | ast.YieldFrom)
        for n in ast.walk(fn)
    )


def _result_used(tree: ast.Module, name: str) -> int | None:
    """The line where a call to `name` is used as a value (assigned, printed, in an expression)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            continue
        for child in ast.iter_child_nodes(node):
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id == name
                and not isinstance(node, ast.Expr)
            ):
                return child.lineno
    return None


def _prints(fn: ast.FunctionDef) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        for n in ast.walk(fn)
    )


def _print_not_return(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    for fn in _functions(tree):
        if _returns_value(fn) or not _prints(fn):
            continue
        # Only when a caller uses the value: a function that prints and whose result nobody reads
        # does what it should, whatever the question says about `return`.
        if _result_used(tree, fn.name) is None:
            continue
        return Cause(
            "print-instead-of-return",
            fn.lineno,
            f"{code(fn.name + '()')} prints its answer but does not `return` it, so the code that calls it "
            "gets nothing back (`None`).",
            "`print` only shows a value on the screen; `return` hands it back to the caller, who can store "
            "it or compute with it. A function without `return` gives back `None`.",
            f"In {code(fn.name)}, replace the `print(...)` of the result with `return ...`, and print where "
            "you call it if you want to see it.",
            (),
            ["return-values", "functions"],
        )
    return None


def _no_return(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    for fn in _functions(tree):
        if _returns_value(fn) or _prints(fn):
            continue
        used = _result_used(tree, fn.name)
        if used is None:
            continue
        return Cause(
            "missing-return",
            fn.lineno,
            f"{code(fn.name + '()')} computes a value but never `return`s it, so line {used} gets `None`.",
            "A function hands a value back only with `return`; without one, the call's value is `None` "
            "however much work the function did.",
            f"End {code(fn.name)} with `return` and the value you computed.",
            (),
            ["return-values", "functions"],
        )
    return None


def _floor_division(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    if not _FRACTION_WORDS.search(question):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
            whole = segment(source, node)
            fixed = f"{segment(source, node.left)} / {segment(source, node.right)}"
            return Cause(
                "integer-division",
                node.lineno,
                f"Line {node.lineno} uses `//` ({code(whole)}), which throws away the fraction: `7 // 2` is "
                "`3`.",
                "`//` is floor division: it rounds down to a whole number. `/` is true division and keeps "
                "the decimals (`7 / 2` is `3.5`).",
                f"Write {code(fixed)} to keep the decimals.",
                (),
                ["numbers"],
            )
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "int"
            and node.args
            and isinstance(node.args[0], ast.BinOp)
            and isinstance(node.args[0].op, ast.Div)
        ):
            return Cause(
                "integer-division",
                node.lineno,
                f"Line {node.lineno} turns the division into a whole number with `int(...)`, dropping the "
                "fraction.",
                "`int()` cuts off everything after the decimal point (`int(3.9)` is `3`).",
                f"Keep {code(segment(source, node.args[0]))} as it is, or use `round(..., 2)` to round it.",
                (),
                ["numbers", "type-conversion"],
            )
    return None


def _newline(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    if not _NEWLINE_WORDS.search(question):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "/n" in node.value:
            return Cause(
                "slash-n",
                node.lineno,
                f"Line {node.lineno} writes `/n` (forward slash); a newline is `\\n`, with a backslash.",
                'Inside a string, `\\n` (backslash, n) means "new line"; `/n` is just the two characters / '
                "and n.",
                "Replace `/n` with `\\n`.",
                (),
                ["strings"],
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            for kw in node.keywords:
                if kw.arg == "end" and isinstance(kw.value, ast.Constant) and "\n" not in str(kw.value.value):
                    return Cause(
                        "print-end",
                        node.lineno,
                        f"Line {node.lineno} prints with {code(segment(source, kw))}, which replaces the "
                        "newline "
                        "`print` normally adds, so the next output continues on the same line.",
                        '`print` ends its output with `end`, which is `"\\n"` unless you change it.',
                        "Drop the `end=` argument where a new line should start, or call `print()` on its "
                        "own "
                        "after the loop to end the line.",
                        (),
                        ["strings"],
                    )
    return None


def _no_print(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    has_print = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
                    for n in ast.walk(tree))  # fmt: skip
    if has_print or (report is not None and report.output_total) or not _OUTPUT_WORDS.search(question):
        return None
    last = tree.body[-1] if tree.body else None
    line = last.end_lineno or last.lineno if last is not None else 1
    return Cause(
        "missing-print",
        line,
        "Nothing in this code calls `print`, so it computes without showing anything.",
        "A program shows a value only when you `print` it (a notebook also shows the value of a cell's very "
        "last bare expression).",
        "Add `print(...)` with the value you want to see, at the point where it is ready.",
        (),
        ["functions"],
    )


# ---- the reply ---------------------------------------------------------------------------------


def _fenced(text: str, language: str = "text") -> str:
    """A fenced block that no run of backticks inside can close."""
    runs = [len(run) for run in re.findall("`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _rows(sit: Situation, report: TraceReport, names: tuple[str, ...]) -> list[str]:
    """The steps worth reading: where the named variables (or, without names, any) change or output "
    "appears."""
    wanted: list[tuple[int, Step, str]] = []
    printed_before = 0
    for number, step in enumerate(report.steps, start=1):
        shown = {k: v for k, v in step.changed.items() if not names or k in names}
        printed = report.output[printed_before : step.output_at]
        printed_before = step.output_at
        cells: list[str] = [f"{k} = {v}" for k, v in shown.items()]
        if printed.strip():
            cells.append(f"prints {short(repr(printed), 40)}")
        if step.returned is not None:
            cells.append(f"returns {step.returned}")
        if cells:
            wanted.append((number, step, "; ".join(cells)))
    if len(wanted) > MAX_ROWS:
        wanted = [*wanted[: MAX_ROWS - 3], (0, wanted[0][1], "…"), *wanted[-2:]]
    rows = ["| step | line | code | what changed |", "|---:|---:|---|---|"]
    for number, step, what in wanted:
        if number == 0:
            rows.append("| … | | | … |")
            continue
        text = short(line_at(sit.code, step.line).strip(), 40).replace("|", "\\|")
        rows.append(f"| {number} | {step.line} | {code(text)} | {_as_text(what)} |")
    return rows


def _what_it_did(sit: Situation, report: TraceReport, names: tuple[str, ...]) -> str:
    parts: list[str] = []
    if report.output:
        more = (
            ""
            if report.output_total <= len(report.output)
            else f"\n… ({report.output_total:,} characters in all)"
        )
        parts.append("**What it printed:**\n\n" + _fenced(report.output.rstrip("\n") + more))
    else:
        parts.append("**What it printed:** nothing.")
    if report.stopped == "input":
        where = f"line {report.input_line}" if report.input_line else "an `input()` call"
        parts.append(
            f"It asks for input at {where}. I ran it with no input, so it stopped there. To follow it "
            "further, "
            'replace the `input(...)` with a test value for now (e.g. `n = "5"`).'
        )
    elif report.stopped == "step-limit":
        parts.append(f"I stopped it after {report.steps_total:,} lines had run: it was still going.")
    elif report.stopped == "time-limit":
        parts.append(
            f"I stopped it after {report.steps_total:,} lines: it was still running when time ran out."
        )
    elif report.stopped == "error" and report.error_type:
        parts.append(
            f"It stopped with {code(report.error_type)} on line {report.error_line}: "
            f"{_as_text(report.error_message or '')}"
        )
    rows = _rows(sit, report, names)
    if len(rows) > 2:
        whose = f" (only {', '.join(code(n) for n in names)})" if names else ""
        lines = "1 line" if report.steps_total == 1 else f"{report.steps_total:,} lines"
        parts.append(f"**What it did, step by step**{whose}, {lines} run in all:")
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


def _diagnosis(
    sit: Situation, report: TraceReport | None, not_run: str, causes: list[Cause]
) -> Diagnosis | None:
    if report is None and not causes:
        return None
    cause = causes[0] if causes else None
    names = cause.names if cause else ()
    evidence = _what_it_did(sit, report, names) if report else f"I couldn't watch it run: {not_run}."
    if cause:
        summary = cause.summary
        why = f"{cause.why}\n\n{evidence}"
        fix = cause.fix
        others = [c.summary for c in causes[1:3]]
        if others:
            fix += "\n\nAlso worth checking:\n" + "\n".join(f"- {o}" for o in others)
    elif report is not None and report.stopped == "input":
        where = f" on line {report.input_line}" if report.input_line else ""
        summary = (
            f"Your program waits for input{where}; run here with no input, it stopped there. Put a test "
            "value "
            "in place of `input(...)` to see what it does with it."
        )
        why = evidence
        fix = "Replace `input(...)` with the value you typed (as a string) while you debug, then put it back."
    elif report is not None and report.stopped == "error" and report.error_type:
        # Not "runs without an error": this run raised (the cell was not run before, or it
        # behaves differently from run to run or when watched).
        summary = f"Run here, it stopped with {code(report.error_type)} on line {report.error_line}."
        why = evidence
        fix = f"Look at line {report.error_line} first: the error stops the program before it can finish."
    else:
        printed = short(report.output.strip(), 60) if report and report.output.strip() else ""
        summary = (
            f"It runs without an error and prints {code(printed)}; the step-by-step trace below shows where "
            "that "
            "comes from."
            if printed
            else "It runs without an error but prints nothing; the step-by-step trace below shows what it "
            "did."
        )
        why = evidence
        fix = (
            "Compare each step with what you expected: the first step where a variable holds something you "
            "did not expect is where the logic goes wrong."
        )
    hints = [
        "Before changing anything, say what each variable should hold after each line.",
        "Add a `print(...)` of the variables inside the loop and compare with the trace.",
    ]
    if cause:
        hints.insert(0, f"Look at line {cause.line}.")
    extra: dict[str, object] = {
        "analysis": "wrong-behaviour",
        "likely_cause": cause.kind if cause else None,
        "traced": report is not None,
    }
    if report is not None:
        extra["trace"] = {
            "stopped": report.stopped,
            "lines_run": report.steps_total,
            "output": report.output[:500],
            "steps": [s.model_dump() for s in report.steps[:40]],
        }
    else:
        extra["not_traced"] = not_run
    return Diagnosis(
        summary=summary,
        plain=why,
        precise=why,
        fix_steps=fix,
        prevention="Trace a small input by hand (or with a `print` per step) before trusting a loop's "
        "result.",
        concepts=(cause.concepts if cause else []) or ["for-loops"],
        hints=hints,
        culprit_line=cause.line if cause else None,
        extra=extra,
    )
