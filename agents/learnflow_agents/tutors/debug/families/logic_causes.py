"""More likely causes for a program that runs without an error but does the wrong thing.

Each rule reads the program's shape (the AST) and, where it has one, the traced run (values the
variables took, what was printed, how often each line ran), and names one cause a beginner
meets often: a result computed and thrown away, a function never called, a list changed while
a loop walks it, a container replaced instead of added to, a `return` inside a loop, numbers
compared as text, a loop that was meant to be nested, a separator printed after the last item,
a method printed instead of called, `enumerate`'s pairs, a regex's whole match, a `break` that
runs on the first pass, Python 2's trailing comma, a branch that never ran. They are consulted by
``wrong_behaviour.likely_causes`` before its question-worded rules, so an answer names what the
code did, whatever words the question used.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections import Counter
from collections.abc import Callable

from learnflow_agents.sandbox.trace import TraceReport
from learnflow_agents.tutors.debug.code_facts import segment
from learnflow_agents.tutors.debug.diagnosis import code, short
from learnflow_agents.tutors.debug.families.wrong_behaviour import Cause

Rule = Callable[[ast.Module, str, str, TraceReport | None], Cause | None]

# Methods and functions that hand back a new value and change nothing: as a statement on their
# own, their result is lost.
_NEW_VALUE_METHODS = frozenset(
    [
        "replace",
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "format",
        "join",
        "split",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "removeprefix",
        "removesuffix",
        "encode",
        "decode",
    ]
)
_NEW_VALUE_FUNCTIONS = frozenset(
    [
        "sorted",
        "round",
        "abs",
        "int",
        "float",
        "str",
        "list",
        "tuple",
        "set",
        "reversed",
        "len",
        "max",
        "min",
        "sum",
    ]
)
_MATH = frozenset(["ceil", "floor", "sqrt", "trunc", "fabs", "pow", "exp", "log"])
_LIST_CHANGERS = frozenset({"remove", "pop", "insert", "append", "extend", "clear"})
# Methods that change their object in place (a loop calling them changes that object).
_CHANGERS = _LIST_CHANGERS | {"add", "update", "discard", "sort", "reverse", "setdefault", "popitem", "write"}
_SAME_LINE_WORDS = re.compile(r"same line|one line|single line|on a line|in a line|horizontal", re.I)
_SEPARATOR_WORDS = re.compile(
    r"comma|separator|at the end|last (one|comma|item|number)|extra|trailing|get rid|\bplus\b|\"\+\"|'\+'",
    re.I,
)


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _last_value(report: TraceReport | None, name: str) -> str | None:
    if report is None:
        return None
    for step in reversed(report.steps):
        if name in step.changed:
            return step.changed[name]
    return None


def _values(report: TraceReport | None, name: str, limit: int = 6) -> list[str]:
    if report is None:
        return []
    out: list[str] = []
    for step in report.steps:
        value = step.changed.get(name)
        if value is not None and (not out or out[-1] != value):
            out.append(value)
    return out[:limit]


def _user_functions_returning(tree: ast.Module) -> set[str]:
    return {
        fn.name
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef)
        and any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))
    }


def discarded_result(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`s.replace(a, b)`, `math.ceil(x)`, `sorted(xs)` or a call of the student's own function
    that returns a value, as a statement: the new value is computed and dropped."""
    returning = _user_functions_returning(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call, func = node.value, node.value.func
        text = segment(source, call)
        target: str | None = None
        if isinstance(func, ast.Attribute) and func.attr in _NEW_VALUE_METHODS:
            if isinstance(func.value, ast.Constant) and func.attr != "join":
                continue
            base = code(segment(source, func.value))
            what = f"`.{func.attr}()` returns a new value; it does not change {base}"
            if isinstance(func.value, ast.Name):
                target = func.value.id
        elif isinstance(func, ast.Attribute) and func.attr in _MATH and isinstance(func.value, ast.Name):
            what = f"{code(segment(source, func))} returns its answer; it does not change its argument"
            if call.args and isinstance(call.args[0], ast.Name):
                target = call.args[0].id
        elif isinstance(func, ast.Name) and func.id in _NEW_VALUE_FUNCTIONS and call.args:
            what = f"{code(func.id + '()')} returns its answer; it does not change its argument"
            if isinstance(call.args[0], ast.Name):
                target = call.args[0].id
        elif isinstance(func, ast.Name) and func.id in returning:
            what = f"{code(func.id + '()')} `return`s a value, and this call does nothing with it"
        else:
            continue
        keep = f"{target} = {text}" if target else f"result = {text}"
        return Cause(
            "result-discarded",
            node.lineno,
            f"Line {node.lineno} computes {code(text)} and throws the result away: {what}.",
            "A call that gives back a new value changes nothing by itself; the result is lost unless you "
            "store it (`=`), `return` it or use it. Strings and numbers never change in place.",
            f"Keep the result: {code(keep)}"
            + ("." if target or not _inside_function(tree, node) else ", or `return` it to the caller."),
            (target,) if target else (),
            ["return-values", "strings"],
        )
    return None


def discarded_call_on(node: ast.AST, name: str, source: str) -> tuple[int, str] | None:
    """(line, call text) of a statement inside ``node`` that calls a new-value method of
    ``name`` (`name.replace(…)`) and drops the result: why a loop on ``name`` never ends."""
    for stmt in ast.walk(node):
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr in _NEW_VALUE_METHODS
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == name
        ):
            return stmt.lineno, segment(source, stmt.value)
    return None


def _inside_function(tree: ast.Module, node: ast.AST) -> bool:
    return any(
        isinstance(fn, ast.FunctionDef) and fn is not node and node in list(ast.walk(fn)) for fn in tree.body
    )


def never_called(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """A function the program defines but never calls (outside its own body): nothing in it runs."""
    # Counted once for the whole cell, then once per function body: linear in the cell's size
    # (a cell of thousands of functions must not cost thousands of walks of the whole tree).
    uses = Counter(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    uses.update(n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute))
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        own = sum(1 for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == fn.name)
        if uses[fn.name] > own:
            continue
        calls_itself = any(_calls(n, fn.name) for n in ast.walk(fn))
        why = (
            f" The only call, `{fn.name}()` on line "
            f"{next(n.lineno for n in ast.walk(fn) if _calls(n, fn.name))}, is indented inside "
            f"{code(fn.name)} itself, so it would run only once the function already runs."
            if calls_itself
            else ""
        )
        return Cause(
            "function-never-called",
            fn.lineno,
            f"{code(fn.name + '()')} (line {fn.lineno}) is defined but never called, so none of its code "
            "runs.",
            "`def` only creates the function; its body runs when something calls it, e.g. "
            f"{code(fn.name + '(' + ', '.join(a.arg for a in fn.args.args) + ')')}.{why}",
            f"Call it at the end of the program, not indented: {code(_call_text(fn))}"
            + (" (and print what it returns)." if _returns(fn) else "."),
            (),
            ["functions"],
        )
    return None


def _returns(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))


def _call_text(fn: ast.FunctionDef) -> str:
    args = ", ".join("..." for _ in fn.args.args)
    return f"print({fn.name}({args}))" if _returns(fn) else f"{fn.name}({args})"


def changed_while_iterating(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for x in items:` whose body removes from (or adds to) `items`: the loop skips items."""
    for loop in ast.walk(tree):
        if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Name)):
            continue
        name = loop.iter.id
        for node in ast.walk(loop):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and node.func.attr in _LIST_CHANGERS
            ):
                text = segment(source, node)
                return Cause(
                    "list-changed-while-iterating",
                    node.lineno,
                    f"Line {node.lineno} changes {code(name)} ({code(text)}) while the `for` loop on line "
                    f"{loop.lineno} is walking through it, so the loop skips items.",
                    f"A `for` loop over a list moves by position. When {code(text)} removes an item, the "
                    "items "
                    "after it shift one place left, and the loop's next step jumps over the one that moved "
                    "into the gap.",
                    f"Loop over a copy ({code(f'for {segment(source, loop.target)} in {name}[:]:')}), or "
                    "build a "
                    "new list of the items to keep.",
                    (name,),
                    ["lists", "for-loops"],
                )
    return None


def _empty_container(node: ast.AST) -> bool:
    return (isinstance(node, (ast.List, ast.Set, ast.Dict, ast.Tuple)) and not getattr(node, "elts", None)
            and not getattr(node, "keys", None)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "dict", "set") and not node.args
    )  # fmt: skip


def container_replaced(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`items = []` before a loop, then `items = [x]` (or `items = other`) inside it: each pass
    replaces the container, so only the last pass's value is left."""
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        empties: dict[str, int] = {}
        for stmt in scope.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and _empty_container(stmt.value)
            ):
                empties[stmt.targets[0].id] = stmt.lineno
                continue
            if not isinstance(stmt, (ast.For, ast.While)):
                continue
            for node in ast.walk(stmt):
                if not (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in empties
                    and node.targets[0].id
                    not in {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                    and not _empty_container(node.value)
                ):
                    continue
                name, value = node.targets[0].id, node.value
                add = "add" if isinstance(value, ast.Set) else "append"
                item = (
                    segment(source, value.elts[0])
                    if isinstance(value, (ast.List, ast.Set)) and len(value.elts) == 1
                    else segment(source, value)
                )
                seen = _values(report, name)
                went = f" In this run {code(name)} went {', '.join(seen)}." if len(seen) > 1 else ""
                return Cause(
                    "container-replaced",
                    node.lineno,
                    f"Line {node.lineno} replaces {code(name)} on every pass ({code(segment(source, node))}) "
                    f"instead of adding to it, so only the last value is left.",
                    f"{code(name)} starts empty on line {empties[name]}, but `=` makes it a brand-new value "
                    "each "
                    f"time round the loop and throws the old one away.{went}",
                    f"Add to it instead: {code(f'{name}.{add}({item})')}.",
                    (name,),
                    ["lists", "for-loops"],
                )
    return None


def return_in_loop(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """A function whose `for` loop collects items (`.append`, `+=`) and `return`s inside the loop:
    it hands back after the first item it collects."""
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for loop in (n for n in ast.walk(fn) if isinstance(n, ast.For)):
            for block in _blocks(loop):
                rets = [s for s in block if isinstance(s, ast.Return)]
                collects = [
                    s
                    for s in block
                    if isinstance(s, ast.AugAssign)
                    or (
                        isinstance(s, ast.Expr)
                        and isinstance(s.value, ast.Call)
                        and isinstance(s.value.func, ast.Attribute)
                        and s.value.func.attr in ("append", "add", "extend", "update")
                    )
                ]
                if rets and collects and collects[0].lineno < rets[0].lineno:
                    ret = rets[0]
                    return Cause(
                        "return-inside-loop",
                        ret.lineno,
                        f"The `return` on line {ret.lineno} is inside the `for` loop of "
                        f"{code(fn.name + '()')}, so "
                        "the function ends on the first pass that reaches it, before the loop has seen the "
                        "other items.",
                        "`return` leaves the function at once, loop and all. The loop collects items "
                        f"(line {collects[0].lineno}), but only the first one is collected before it "
                        "returns.",
                        "Un-indent the `return` (and anything that uses the collected items) to after the "
                        "loop, "
                        f"level with the `for` on line {loop.lineno}.",
                        (),
                        ["functions", "for-loops"],
                    )
    return None


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list inside ``node``'s body (the body itself, its ifs' branches, …)."""
    out: list[list[ast.stmt]] = []
    for child in ast.walk(node):
        for field in ("body", "orelse"):
            block = getattr(child, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt) and child is not node:
                out.append(block)
    return [node.body, *out] if isinstance(node, ast.For) else out


_DIGIT_TEXT = re.compile(r"""^['"]\d+(\.\d+)?['"]$""")
_DIGIT_TEXT_ITEM = re.compile(r"""['"]\d+['"]""")


def numbers_as_text(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """Sorting or comparing values that the run shows are strings of digits: they are ordered
    character by character, so '14' comes before '4'."""
    if report is None:
        return None
    for node in ast.walk(tree):
        name: str | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "sort"
            and isinstance(node.func.value, ast.Name)
        ):
            name = node.func.value.id
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("sorted", "max", "min")
        ):
            if len(node.args) == 1 and isinstance(node.args[0], ast.Name):
                name = node.args[0].id
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.Lt, ast.Gt, ast.LtE, ast.GtE)):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Name) and _DIGIT_TEXT.match(_last_value(report, side.id) or ""):
                    name = side.id
        if name is None:
            continue
        value = _last_value(report, name) or ""
        if not (_DIGIT_TEXT.match(value) or len(_DIGIT_TEXT_ITEM.findall(value)) >= 2):
            continue
        return Cause(
            "numbers-as-text",
            node.lineno,
            f"Line {node.lineno} compares {code(name)} as text: in this run it holds strings of digits "
            f"({code(short(value, 50))}), and strings are compared character by character, so `'14' < '4'`.",
            "Text is ordered like words in a dictionary: the first characters decide, so `'9'` is bigger "
            "than `'10'`. Numbers stored as strings are sorted and compared that way, not by their value.",
            f"Keep them as numbers: convert with `int(...)` where they are made (not `str(...)`), or sort "
            f"with {code('key=int')}.",
            (name,),
            ["strings", "type-conversion"],
        )
    return None


def loops_not_nested(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for i …: v = i` then a second `for` that uses `v`: the first loop finished before the
    second started, so `v` only holds its last value."""
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        body = scope.body
        for first, second in itertools.pairwise(body):
            if not (isinstance(first, ast.For) and isinstance(second, ast.For)):
                continue
            made = {
                n.targets[0].id
                for n in first.body
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
            }
            made |= {first.target.id} if isinstance(first.target, ast.Name) else set()
            bound = {
                n.id for n in ast.walk(second) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
            read = {n.id for n in ast.walk(second) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            used = sorted((made & read) - bound)
            if not used:
                continue
            name = used[0]
            last = _last_value(report, name)
            holds = f" (in this run, {code(last)})" if last is not None else ""
            return Cause(
                "loops-not-nested",
                second.lineno,
                f"The loop on line {second.lineno} uses {code(name)}, but {code(name)} comes from the loop "
                "on "
                f"line {first.lineno}, which has already finished: it only holds its last value{holds}.",
                f"The two loops run one after the other, not together: the first loop runs to the end, "
                f"then the second starts, with {code(name)} left at the first loop's last value.",
                "To pair each value, nest the loops (indent the second inside the first), or walk both in "
                "one loop (`for a, b in zip(…, …):`).",
                (name,),
                ["for-loops"],
            )
    return None


def _print_calls_in_loops(tree: ast.Module) -> list[tuple[ast.Call, ast.For | ast.While]]:
    out = []
    for loop in ast.walk(tree):
        if isinstance(loop, (ast.For, ast.While)):
            out += [(n, loop) for n in ast.walk(loop) if _calls(n, "print")]
    return out


def separator_after_last(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """A loop that prints each item with `end=","` leaves the separator after the last item too."""
    if not _SEPARATOR_WORDS.search(question):
        return None
    for call, _loop in _print_calls_in_loops(tree):
        for kw in call.keywords:
            if kw.arg == "end" and isinstance(kw.value, ast.Constant) and "\n" not in str(kw.value.value):
                sep = str(kw.value.value)
                return Cause(
                    "separator-after-last",
                    call.lineno,
                    f"Line {call.lineno} prints {code(repr(sep))} after *every* item, the last one too, so "
                    "the "
                    "output ends with a separator.",
                    f"`end={sep!r}` is printed after each value; the loop cannot know which pass is the "
                    "last.",
                    f"Collect the items and print them once with the separator only between them: "
                    f"{code(f'print({sep!r}.join(items))')} (items as strings), or "
                    f"{code(f'print(*items, sep={sep!r})')}.",
                    (),
                    ["strings", "for-loops"],
                )
    return None


def one_per_line(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """'on the same line': a print inside a loop ends every value with a newline."""
    if not _SAME_LINE_WORDS.search(question):
        return None
    for call, _loop in _print_calls_in_loops(tree):
        if not any(kw.arg == "end" for kw in call.keywords):
            args = ", ".join(segment(source, a) for a in call.args)
            return Cause(
                "print-newline-each",
                call.lineno,
                f"Line {call.lineno} is a `print` inside a loop, and each `print` ends with a new line, so "
                "every value lands on its own line.",
                '`print` adds `end="\\n"` after what it prints unless you give another `end`.',
                "Print with a space instead of the new line: "
                f"{code('print(' + args + ', end=' + repr(' ') + ')')}, and call "
                "`print()` once after the loop to end the line.",
                (),
                ["strings", "for-loops"],
            )
    return None


def method_not_called(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`print(obj.method)` without `()`: the run printed `<bound method …>`."""
    if report is None or not re.search(r"<(bound method|function) ", report.output):
        return None
    for node in ast.walk(tree):
        if _calls(node, "print"):
            for arg in node.args:
                if isinstance(arg, (ast.Attribute, ast.Name)) and not isinstance(arg, ast.Call):
                    text = segment(source, arg)
                    shown = re.search(r"<(?:bound method|function) ([\w.]+)", report.output)
                    if shown and shown.group(1).split(".")[-1] == text.split(".")[-1]:
                        return Cause(
                            "method-not-called",
                            node.lineno,
                            f"Line {node.lineno} prints {code(text)} without `()`: that is the method "
                            "itself, "
                            f"so the output shows `<{'bound method' if '.' in text else 'function'} …>` "
                            "instead of its result.",
                            "Naming a function or method only refers to it; the parentheses are what call it "
                            "and run its code.",
                            f"Call it: {code(text + '()')}. If it `print`s its answer instead of `return`ing "
                            "it, "
                            "return it so `print` has something to show.",
                            (),
                            ["functions", "classes"],
                        )
    return None


def enumerate_pairs(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`for i, item in enumerate(rows)` where each row is itself a tuple: `item` is the whole tuple."""
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and _calls(loop.iter, "enumerate")
            and isinstance(loop.target, ast.Tuple)
            and len(loop.target.elts) == 2
            and all(isinstance(e, ast.Name) for e in loop.target.elts)
        ):
            continue
        second = loop.target.elts[1]
        assert isinstance(second, ast.Name)
        value = _last_value(report, second.id) or ""
        if not value.startswith(("(", "[")):
            continue
        first = loop.target.elts[0]
        assert isinstance(first, ast.Name)
        return Cause(
            "enumerate-pairs",
            loop.lineno,
            f"`enumerate` on line {loop.lineno} gives (position, item) pairs, so {code(first.id)} is the "
            f"position and {code(second.id)} is the whole item, a tuple here ({code(short(value, 40))}).",
            "Each item of the list is already a pair, so `enumerate` makes `(1, ('Team1', '91'))`-shaped "
            "pairs: the item still needs unpacking.",
            "Unpack the item too: "
            f"{code(f'for i, ({first.id}, {second.id}) in {segment(source, loop.iter)}:')} "
            "(with new names for the parts).",
            (second.id,),
            ["for-loops", "tuples"],
        )
    return None


def regex_whole_match(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`m.group()` on a pattern with a capturing group: group() is the whole match."""
    patterns = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and re.search(r"\((?!\?)", n.value)
    ]
    if not patterns or not any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "re"
        for n in ast.walk(tree)
    ):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "group"
            and not node.args
        ):
            obj = segment(source, node.func.value)
            return Cause(
                "regex-whole-match",
                node.lineno,
                f"Line {node.lineno} uses {code(obj + '.group()')}, which is the whole match, not the part "
                "in "
                "parentheses.",
                "`group()` (the same as `group(0)`) is everything the pattern matched; each `( … )` in the "
                "pattern captures a part, numbered from 1.",
                f"Use {code(obj + '.group(1)')} for the first captured part.",
                (),
                ["strings"],
            )
    return None


def break_on_first_pass(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """A `break` directly in a loop body, right after an `if`: it runs on the first pass whatever
    the `if` found (it was meant inside the `if`)."""
    for loop in ast.walk(tree):
        if not isinstance(loop, (ast.For, ast.While)):
            continue
        body = loop.body
        for before, stmt in itertools.pairwise(body):
            if isinstance(stmt, ast.Break) and isinstance(before, ast.If):
                return Cause(
                    "break-on-first-pass",
                    stmt.lineno,
                    f"The `break` on line {stmt.lineno} is not inside the `if` on line {before.lineno}: it "
                    "is "
                    f"level with it, so it runs on the very first pass of the loop on line {loop.lineno}, "
                    "whatever the `if` found.",
                    "Indentation decides what belongs to the `if`. A `break` at the loop body's level runs "
                    "every time the body runs, so the loop never gets past its first pass.",
                    f"Indent the `break` on line {stmt.lineno} one level more, so it is inside the `if`.",
                    (),
                    ["for-loops", "indentation"],
                )
    return None


def python2_print_comma(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`print("a"),` — Python 2's "no new line" comma makes a tuple in Python 3 and changes nothing."""
    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Tuple)
            and any(_calls(e, "print") for e in node.value.elts)
        ):
            call = next(e for e in node.value.elts if _calls(e, "print"))
            args = ", ".join(segment(source, a) for a in call.args)
            return Cause(
                "python2-print-comma",
                node.lineno,
                f"The comma after `print(...)` on line {node.lineno} is Python 2's way to stay on the same "
                "line; in Python 3 it only makes a tuple, and `print` still ends the line.",
                "In Python 3, `print` is a function; what follows its output is set by its `end` argument.",
                f"Write {code('print(' + args + ', end=' + repr('') + ')')} (or `end=' '`) and drop the "
                "trailing comma.",
                (),
                ["strings"],
            )
    return None


def branch_never_ran(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """An `if`/`elif` in a loop that the run checked many times and never found true: the values
    its condition saw say why."""
    if report is None or not report.line_counts:
        return None
    counts = {int(k): v for k, v in report.line_counts.items()}
    for loop in ast.walk(tree):
        if not isinstance(loop, (ast.For, ast.While)):
            continue
        for node in ast.walk(loop):
            if not isinstance(node, ast.If) or counts.get(node.lineno, 0) < 3:
                continue
            if counts.get(node.body[0].lineno, 0):
                continue
            names = sorted({n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)})
            seen = {n: _values(report, n, 4) for n in names}
            shown = "; ".join(f"{code(n)} was {', '.join(v)}…" for n, v in seen.items() if v)
            if not shown:
                continue
            test = segment(source, node.test)
            return Cause(
                "branch-never-true",
                node.lineno,
                f"The condition {code(test)} on line {node.lineno} was checked {counts[node.lineno]:,} times "
                f"and was never true, so line {node.body[0].lineno} never ran: {shown}",
                f"In this run {shown} — values for which {code(test)} is always false. The other branches "
                "ran instead, every time.",
                f"Check the start value and how it changes: for {code(test)} to become true, the variables "
                "in it must reach values they never reached here.",
                tuple(names),
                ["conditionals"],
            )
    return None


_FLOAT = re.compile(r"^-?\d+\.\d+$")


def float_as_text(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`len(str(x))` or `str(x)` where the run shows `x` is a float made by `/`: its text has a
    decimal point and digits after it that a whole number would not."""
    if report is None:
        return None
    divided = {
        n.targets[0].id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        and len(n.targets) == 1
        and isinstance(n.targets[0], ast.Name)
        and any(isinstance(b, ast.BinOp) and isinstance(b.op, ast.Div) for b in ast.walk(n.value))
    }
    for node in ast.walk(tree):
        if not (_calls(node, "str") and len(node.args) == 1 and isinstance(node.args[0], ast.Name)):
            continue
        name = node.args[0].id
        value = _last_value(report, name) or ""
        if name not in divided or not _FLOAT.match(value):
            continue
        return Cause(
            "float-as-text",
            node.lineno,
            f"Line {node.lineno} turns {code(name)} into text, but {code(name)} is a float ({code(value)} in "
            f"this run, because `/` always gives a float), so {code('str(' + name + ')')} has a decimal "
            "point "
            "and digits after it: more characters than the whole number has digits.",
            "`/` is true division: `6 / 2` is `3.0`, never `3`. The text of a float keeps its `.0`, so "
            "counting "
            f"the characters of {code('str(' + name + ')')} counts two more than the digits you meant.",
            f"Use `//` (floor division) where {code(name)} is computed, so it stays a whole number, or "
            f"convert it with {code('int(' + name + ')')} before `str`.",
            (name,),
            ["numbers", "type-conversion"],
        )
    return None


def _loop_changes(loop: ast.For | ast.While) -> set[str]:
    names = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(loop):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name)
            and n.func.attr in _CHANGERS
        ):
            names.add(n.func.value.id)
    return names


def same_every_pass(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """A line in a loop whose value uses nothing the loop changes: the run shows the same value on
    every pass (a `find` that always searches from the start, a sum of the same two values)."""
    if report is None:
        return None
    for loop in ast.walk(tree):
        if not isinstance(loop, (ast.For, ast.While)):
            continue
        changing = _loop_changes(loop)
        for stmt in loop.body:
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and not isinstance(stmt.value, ast.Constant)
                and not _empty_container(stmt.value)
            ):
                continue
            used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            if not used or used & changing or not any(isinstance(n, ast.Call) for n in ast.walk(stmt.value)):
                continue
            name = stmt.targets[0].id
            runs = report.line_counts.get(str(stmt.lineno), 0)
            values = {s.changed[name] for s in report.steps if s.line == stmt.lineno and name in s.changed}
            if runs < 3 or len(values) > 1:
                continue
            value = next(iter(values), None)
            shown = f" ({code(short(value, 40))})" if value is not None else ""
            return Cause(
                "same-every-pass",
                stmt.lineno,
                f"Line {stmt.lineno} gives {code(name)} the same value on every pass{shown}: "
                f"{code(short(segment(source, stmt.value), 70))} uses nothing that the loop changes, so it "
                f"computes the same thing all {runs:,} times.",
                "A loop repeats its body, but each repetition only differs in what the loop changes (its "
                "variable, or values updated inside it). A call such as `find` with the same arguments "
                "searches from the beginning and gives the same answer every time.",
                "Make the line depend on the loop: use the loop variable, or keep a position that moves on "
                "(e.g. give `find` the place to start from: `text.find(x, start)`, then move `start` past "
                "the match).",
                (name,),
                ["for-loops"],
            )
    return None


def never_reset(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`found = []` before an outer loop, filled in an inner loop and checked in the outer one,
    never emptied per item: it keeps what earlier items put in it."""
    for outer in ast.walk(tree):
        if not isinstance(outer, ast.For):
            continue
        # One walk of the outer loop: the names it assigns, and the last line that reads each name.
        assigned: set[str] = set()
        last_read: dict[str, int] = {}
        for n in ast.walk(outer):
            if isinstance(n, ast.Assign):
                assigned |= {t.id for t in n.targets if isinstance(t, ast.Name)}
            elif isinstance(n, ast.Name):
                last_read[n.id] = max(last_read.get(n.id, 0), n.lineno)
        for inner in (n for n in ast.walk(outer) if isinstance(n, (ast.For, ast.While)) and n is not outer):
            for call in ast.walk(inner):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("append", "add")
                    and isinstance(call.func.value, ast.Name)
                ):
                    continue
                name = call.func.value.id
                if name in assigned or last_read.get(name, 0) <= (inner.end_lineno or inner.lineno):
                    continue  # emptied inside the outer loop, or not looked at after the inner one
                grew = _values(report, name, 40)
                shown = f" In this run it grew to {code(short(grew[-1], 50))}." if grew else ""
                return Cause(
                    "never-reset",
                    outer.lineno,
                    f"{code(name)} is filled inside the loop on line {inner.lineno} but never emptied for "
                    "each "
                    f"new item of the loop on line {outer.lineno}, so it keeps everything earlier items put "
                    "in "
                    "it.",
                    f"{code(name)} is created once, before the loops. Each pass of the outer loop adds to "
                    "the "
                    "same list, so checks on it later in that pass see the earlier items' entries "
                    f"too.{shown}",
                    f"Reset it at the start of each outer pass: put {code(name + ' = []')} as the first line "
                    f"inside the loop on line {outer.lineno}.",
                    (name,),
                    ["lists", "for-loops"],
                )
    return None


def class_attribute_shared(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """A list, dict, set or object made in the class body (not in `__init__`) and changed through
    an instance: every instance shares that one value."""
    # One walk of the cell: every `x.attr.… = …` / `x.attr.append(…)`, by attribute name.
    changes: dict[str, list[tuple[ast.AST, ast.Attribute]]] = {}
    for node in ast.walk(tree):
        attr: ast.Attribute | None = None
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, (ast.Attribute, ast.Subscript)) and isinstance(t.value, ast.Attribute):
                    attr = t.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CHANGERS
            and isinstance(node.func.value, ast.Attribute)
        ):
            attr = node.func.value
        if attr is not None:
            changes.setdefault(attr.attr, []).append((node, attr))
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        shared: dict[str, int] = {}
        for stmt in cls.body:
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, (ast.List, ast.Dict, ast.Set, ast.Call))
            ):
                continue
            func = stmt.value.func if isinstance(stmt.value, ast.Call) else None
            if isinstance(func, ast.Name) and func.id in _NOT_OBJECTS:
                continue  # a number, a string, a decorator: nothing to share by mistake
            shared[stmt.targets[0].id] = stmt.lineno
        for name, made in shared.items():
            node = next(
                (
                    n
                    for n, a in changes.get(name, [])
                    if not (isinstance(a.value, ast.Name) and a.value.id == cls.name)
                ),
                None,
            )
            if node is None:
                continue
            return Cause(
                "class-attribute-shared",
                made,
                f"{code(name)} is made once, in the body of class {code(cls.name)} (line {made}), so every "
                f"{code(cls.name)} shares that same object: changing it through one instance (line "
                f"{getattr(node, 'lineno', made)}) changes it for all of them.",
                "Names assigned in the class body belong to the class, not to each instance. A list, dict or "
                "object stored there is one object; `copy.deepcopy` of an instance does not copy it either, "
                "because it is not in the instance.",
                f"Give each instance its own: create it in `__init__` ({code(f'self.{name} = ...')}) "
                "instead of in the class body.",
                (),
                ["classes"],
            )
    return None


_NOT_OBJECTS = _NEW_VALUE_FUNCTIONS | {"property", "staticmethod", "classmethod", "bool", "range"}
_EMPTY_ITEMS = re.compile(r"""^\[(?:(?:''|"")(?:, )?)+\]$""")


def truthy_empty_items(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`if not items:` where the run shows a list of empty strings: it has items, so it is true."""
    if report is None:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        test = (
            node.test.operand
            if isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
            else node.test
        )
        if not isinstance(test, ast.Name):
            continue
        values = [s.changed[test.id] for s in report.steps if s.line < node.lineno and test.id in s.changed]
        if not values or not _EMPTY_ITEMS.match(values[-1]):
            continue
        return Cause(
            "truthy-empty-items",
            node.lineno,
            f"On line {node.lineno}, {code(test.id)} is {code(values[-1])}: a list of empty strings is not "
            "empty (it has items), so it counts as true and `not` makes the test false.",
            "A list is false only when it has no items at all; what the items are does not matter. Three "
            "empty strings are three items.",
            f"To ask whether every item is empty, test the items: {code(f'if not any({test.id}):')} (or "
            f"{code(f'all(s == {chr(34) * 2} for s in {test.id})')}).",
            (test.id,),
            ["conditionals", "lists"],
        )
    return None


RULES: tuple[Rule, ...] = (
    never_called,
    discarded_result,
    changed_while_iterating,
    container_replaced,
    return_in_loop,
    numbers_as_text,
    loops_not_nested,
    float_as_text,
    never_reset,
    class_attribute_shared,
    truthy_empty_items,
    separator_after_last,
    one_per_line,
    method_not_called,
    enumerate_pairs,
    regex_whole_match,
    break_on_first_pass,
    python2_print_comma,
)
# Read only when no rule above or in wrong_behaviour names a cause: it describes the run.
FALLBACK_RULES: tuple[Rule, ...] = (same_every_pass, branch_never_ran)
