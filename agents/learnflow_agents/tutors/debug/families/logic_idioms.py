"""Misread Python semantics behind "it runs but does the wrong thing", read from the program's
shape (the AST) and, where a rule needs evidence, from its real traced run.

Each kind is one a Python course teaches as a rule of the language, not a pattern of one
program: a special method spelt wrong (`__neq__`), an iterator read twice, `enumerate`'s
`start=` taken for a skip, `str()` of a list or of bytes, `print`'s separator after a `"\\n"`,
a loop's list or `range` bound changed inside the loop, a parameter the function never reads,
a value compared with a whole `range`/list, `not` taken to bind tighter than `==`, a lazy
`range`/`map` object printed, a list's item used as its index, an in-place method's `None`
used, `.format` given more values than `{}`, `.join` of one string, a bare `except` in an input
loop, `.index` of an item that repeats, `yield` in `__next__`, digit strings joined with `+`,
a loop variable rebound instead of the list changed, and a loop whose body always returns.
None is keyed to the question's words. Every piece of the student's code in a reply goes
through ``code`` (safe quoting).
"""

from __future__ import annotations

import ast
import bisect
import difflib
import re
import string
from collections.abc import Callable

from learnflow_agents.sandbox.trace import TraceReport
from learnflow_agents.tutors.debug.code_facts import segment
from learnflow_agents.tutors.debug.diagnosis import code, short
from learnflow_agents.tutors.debug.families.logic_causes import _last_value as _last
from learnflow_agents.tutors.debug.families.wrong_behaviour import Cause

Rule = Callable[[ast.Module, str, str, TraceReport | None], Cause | None]

# The data model's method names (Python 3.11) that Python itself calls.
_SPECIAL = frozenset(
    [
        "init",
        "new",
        "del",
        "repr",
        "str",
        "bytes",
        "format",
        "lt",
        "le",
        "eq",
        "ne",
        "gt",
        "ge",
        "hash",
        "bool",
        "getattr",
        "getattribute",
        "setattr",
        "delattr",
        "dir",
        "get",
        "set",
        "delete",
        "set_name",
        "init_subclass",
        "class_getitem",
        "call",
        "len",
        "length_hint",
        "getitem",
        "setitem",
        "delitem",
        "missing",
        "iter",
        "next",
        "reversed",
        "contains",
        "add",
        "sub",
        "mul",
        "matmul",
        "truediv",
        "floordiv",
        "mod",
        "divmod",
        "pow",
        "lshift",
        "rshift",
        "and",
        "xor",
        "or",
        "radd",
        "rsub",
        "rmul",
        "rmatmul",
        "rtruediv",
        "rfloordiv",
        "rmod",
        "rdivmod",
        "rpow",
        "rlshift",
        "rrshift",
        "rand",
        "rxor",
        "ror",
        "iadd",
        "isub",
        "imul",
        "imatmul",
        "itruediv",
        "ifloordiv",
        "imod",
        "ipow",
        "ilshift",
        "irshift",
        "iand",
        "ixor",
        "ior",
        "neg",
        "pos",
        "abs",
        "invert",
        "complex",
        "int",
        "float",
        "index",
        "round",
        "trunc",
        "floor",
        "ceil",
        "enter",
        "exit",
        "await",
        "aiter",
        "anext",
        "aenter",
        "aexit",
        "buffer",
        "release_buffer",
        "post_init",
        "slots",
        "dict",
        "doc",
        "module",
        "annotations",
        "qualname",
        "name",
        "weakref",
        "instancecheck",
        "subclasscheck",
        "subclasshook",
        "prepare",
        "mro_entries",
        "fspath",
        "sizeof",
        "reduce",
        "reduce_ex",
        "getstate",
        "setstate",
        "getnewargs",
        "getnewargs_ex",
        "copy",
        "deepcopy",
        "subclasses",
        "match_args",
    ]
)
# Python 2 names and common misspellings, with the name Python 3 calls.
_MEANT = {
    "neq": "__ne__", "cmp": "__eq__", "nonzero": "__bool__", "div": "__truediv__",
    "idiv": "__itruediv__", "rdiv": "__rtruediv__", "unicode": "__str__", "getslice": "__getitem__",
    "setslice": "__setitem__", "gte": "__ge__", "lte": "__le__", "equals": "__eq__", "equal": "__eq__",
    "tostring": "__str__", "string": "__str__", "length": "__len__", "size": "__len__",
    "constructor": "__init__", "notequal": "__ne__", "long": "__int__",
}  # fmt: skip
_ITERATOR_FUNCS = frozenset({"iter", "map", "filter", "zip", "enumerate", "reversed"})
_ITERTOOLS = frozenset({"takewhile", "dropwhile", "islice", "chain", "groupby", "starmap", "compress",
                        "accumulate", "permutations", "combinations", "product", "zip_longest",
                        "filterfalse", "pairwise", "combinations_with_replacement"})  # fmt: skip
_CONSUMERS = frozenset(
    {"list", "tuple", "set", "sorted", "sum", "max", "min", "dict", "any", "all", "frozenset"}
)
_IN_PLACE_NONE = frozenset(
    {"sort", "reverse", "append", "extend", "insert", "remove", "clear", "update", "add"}
)
_LAZY_OUTPUT = re.compile(
    r"<(map|filter|zip|enumerate|reversed|generator|list_reverseiterator|itertools\.\w+) object"
    r"|\brange\(\d+, -?\d+(, -?\d+)?\)"
)
_OP = {ast.Add: "+", ast.Mult: "*", ast.Sub: "-", ast.BitOr: "|"}
_DIGITS = re.compile(r"""^['"]\d+['"]$""")
# The tracer shortens long values with "…" before the closing bracket.
_DIGIT_LIST = re.compile(r"""^\[\s*['"]\d+['"]\s*(,\s*['"]\d+['"]\s*)+(,\s*…\s*)?\]$""")
_OBJECT_REPR = re.compile(r"<__main__\.(\w+) object at 0x")
_STR_LIST = re.compile(r"""^\[\s*(['"]).*\1\s*\]$""")


def _values(report: TraceReport | None, name: str, limit: int = 50) -> list[str]:
    if report is None:
        return []
    return [s.changed[name] for s in report.steps if name in s.changed][:limit]


def _ran(report: TraceReport | None, line: int) -> bool:
    """The run reached ``line`` (or there was no run to ask)."""
    return report is None or report.line_counts.get(str(line), 0) > 0


def _is_call(node: ast.AST, *names: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _stores(node: ast.AST, name: str) -> list[ast.stmt]:
    """Statements under ``node`` that bind ``name`` (`=`, `+=`, a `for` target)."""
    out: list[ast.stmt] = []
    for n in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(n, ast.Assign):
            targets = n.targets
        elif isinstance(n, ast.AugAssign | ast.AnnAssign):
            targets = [n.target]
        if any(t.id == name for tg in targets for t in _bound_names(tg)):
            out.append(n)  # type: ignore[arg-type]
    return out


def _bound_names(target: ast.expr) -> list[ast.Name]:
    """The names a target rebinds: `x`, `a, b`, `*rest`; not `xs[i]` or `obj.x` (those change an
    object the name already holds)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _bound_names(e)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def misspelt_special_method(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`def __neq__(self, o)`: a name that looks special but is not one Python calls, so the
    operator uses the inherited method instead."""
    called = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            m = re.fullmatch(r"__([a-z_]+?)__", fn.name)
            if not m or m.group(1) in _SPECIAL or fn.name in called:
                continue
            meant = _MEANT.get(m.group(1).replace("_", ""))
            if meant is None:
                close = difflib.get_close_matches(m.group(1), _SPECIAL, n=1, cutoff=0.75)
                meant = f"__{close[0]}__" if close else None
            hint = f" The name Python calls is {code(meant)}." if meant else ""
            return Cause(
                "misspelt-special-method",
                fn.lineno,
                f"Python never calls {code(fn.name)} (line {fn.lineno}): it is not one of the special method "
                f"names, so the operator it was meant for uses the method {code(cls.name)} inherits.{hint}",
                "Operators and built-ins look for exact special names (`__eq__` for `==`, `__ne__` for `!=`, "
                "`__lt__` for `<`, `__str__` for `str()`…). Any other name is an ordinary method that runs "
                "only when your code calls it.",
                f"Rename it{' to ' + code(meant) if meant else ''}.",
                (),
                ["classes", "functions"],
            )
    return None


def _makes_iterator(value: ast.expr, generators: set[str]) -> bool:
    if isinstance(value, ast.GeneratorExp):
        return True
    if not isinstance(value, ast.Call):
        return False
    f = value.func
    if isinstance(f, ast.Name):
        return f.id in _ITERATOR_FUNCS or f.id in generators or f.id in _ITERTOOLS
    return (
        isinstance(f, ast.Attribute)
        and isinstance(f.value, ast.Name)
        and f.value.id == "itertools"
        and (f.attr in _ITERTOOLS)
    )


def _consumed(node: ast.AST) -> str | None:
    """The name ``node`` reads in full (a loop over it with no break, list(name), *name…)."""
    it: ast.AST | None = None
    if isinstance(node, ast.For):
        it = node.iter
        if isinstance(it, ast.Name) and any(isinstance(n, ast.Break | ast.Return) for n in ast.walk(node)):
            return None
    elif isinstance(node, ast.comprehension):
        it = node.iter
    elif isinstance(node, ast.Call) and node.args:
        f = node.func
        if (isinstance(f, ast.Name) and f.id in _CONSUMERS) or (
            isinstance(f, ast.Attribute) and f.attr == "join"
        ):
            it = node.args[0]
    elif isinstance(node, ast.Starred):
        it = node.value
    return it.id if isinstance(it, ast.Name) else None


def iterator_reused(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`it = iter(xs)` (or map/zip/enumerate/a generator) read in full twice: the first read uses
    it up, so the second gets nothing."""
    generators = {
        f.name
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef)
        and any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(f))
    }
    scopes: list[ast.AST] = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
    for scope in scopes:
        body = scope.body  # type: ignore[attr-defined]
        # One walk per statement: where each name is read in full and where it is bound again
        # (a scan forward from every iterator made a cell of many of them quadratic).
        reads: dict[str, list[tuple[int, ast.AST]]] = {}
        binds: dict[str, list[int]] = {}
        for k, stmt in enumerate(body):
            for n in ast.walk(stmt):
                name = _consumed(n)
                if name is not None and (not reads.get(name) or reads[name][-1][0] != k):
                    reads.setdefault(name, []).append((k, n))
                if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign):
                    for tg in n.targets if isinstance(n, ast.Assign) else [n.target]:
                        for b in _bound_names(tg):
                            binds.setdefault(b.id, []).append(k)
        for i, stmt in enumerate(body):
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and _makes_iterator(stmt.value, generators)
            ):
                continue
            name = stmt.targets[0].id
            later = binds.get(name, [])
            end = next((b for b in later[bisect.bisect_right(later, i) :]), len(body))
            got = reads.get(name, [])
            start = bisect.bisect_right([k for k, _ in got], i)
            uses = [n for k, n in got[start : start + 2] if k < end or (k == end and k > i)]
            if len(uses) < 2:
                continue
            first, second = uses
            made = short(segment(source, stmt.value), 40)
            return Cause(
                "iterator-reused",
                second.lineno,  # type: ignore[attr-defined]
                f"{code(name)} is an iterator ({code(made)}, line {stmt.lineno}): line "
                f"{first.lineno} reads it to the end, so it is used up and line {second.lineno} "  # type: ignore[attr-defined]
                "gets nothing from it.",
                "An iterator (what `iter`, `map`, `filter`, `zip`, `enumerate`, a generator give) hands out "
                "each item only once; after one full pass it is exhausted and stays empty.",
                f"Make a list once ({code(f'{name} = list({made})')}) and read the list as often as you "
                "like, or create the iterator again before the second use.",
                (name,),
                ["for-loops", "lists"],
            )
    return None


def enumerate_start_skips(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for j, y in enumerate(A, start=i + 1)`: `start` only changes the numbers counted; the
    loop still begins at A's first item."""
    for loop in ast.walk(tree):
        if not (isinstance(loop, ast.For) and _is_call(loop.iter, "enumerate") and loop.iter.args):  # type: ignore[union-attr]
            continue
        call: ast.Call = loop.iter  # type: ignore[assignment]
        start = next(
            (k.value for k in call.keywords if k.arg == "start"), call.args[1] if len(call.args) > 1 else None
        )
        if start is None or isinstance(start, ast.Constant) or not isinstance(call.args[0], ast.Name):
            continue  # a constant start numbers from 1; `enumerate(A[i + 1:], start=i + 1)` is the fix
        seq = segment(source, call.args[0])
        return Cause(
            "enumerate-start",
            loop.lineno,
            f"On line {loop.lineno}, {code(segment(source, start))} as `enumerate`'s start only changes the "
            f"numbers it counts from: the loop still goes over every item of {code(seq)} from the first.",
            "`enumerate(items, start=k)` numbers the items k, k+1, …; it does not skip any. To begin "
            "later in the list, slice the list.",
            "Loop over the rest of the list: "
            f"{code(f'enumerate({seq}[{segment(source, start)}:], start={segment(source, start)})')}.",
            (),
            ["for-loops", "lists"],
        )
    return None


def str_of_container(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`str(letters)` of a list of strings gives its brackets and quotes; `str(b'..')` gives
    `b'..'`: neither joins nor decodes."""
    for node in ast.walk(tree):
        if not (_is_call(node, "str") and len(node.args) == 1 and not node.keywords):  # type: ignore[attr-defined]
            continue
        arg = node.args[0]  # type: ignore[attr-defined]
        value = repr(arg.value) if isinstance(arg, ast.Constant) else (
            _last(report, arg.id) if isinstance(arg, ast.Name) else None
        )  # fmt: skip
        if not value or not _ran(report, node.lineno):
            continue
        text = segment(source, arg)
        # The tracer shows a bytes value as `<bytes object>`.
        if value.startswith(("b'", 'b"', "<bytes object")):
            return Cause(
                "str-of-bytes",
                node.lineno,
                f"Line {node.lineno}: {code(f'str({short(text, 30)})')} of bytes gives their written form, "
                "`b'...'` and all, not the text they hold.",
                "`str()` of a bytes value shows it the way Python writes bytes. Turning bytes into text "
                "needs the encoding they were written in.",
                f"Decode them: {code(f'{short(text, 30)}.decode()')} (UTF-8, or name the encoding).",
                (),
                ["strings", "type-conversion"],
            )
        if _STR_LIST.match(value) and isinstance(arg, ast.Name):
            return Cause(
                "str-of-list",
                node.lineno,
                f"Line {node.lineno}: {code(f'str({text})')} writes the list as Python shows it, brackets, "
                f"quotes and commas included ({code(short(value, 40))}); it does not join the items.",
                "`str()` of a list gives the list's printed form. Joining strings into one is a separate "
                "step.",
                f"Join the items: {code(f'{chr(39) * 2}.join({text})')}.",
                (text,),
                ["strings", "lists"],
            )
    return None


def newline_then_separator(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`print("Hello\\n", a)`: print puts its separator (a space) between the arguments, so the
    line after the `\\n` starts with a space."""
    for node in ast.walk(tree):
        if not (_is_call(node, "print") and len(node.args) > 1):  # type: ignore[attr-defined]
            continue
        if any(k.arg == "sep" for k in node.keywords):  # type: ignore[attr-defined]
            continue
        first = node.args[0]  # type: ignore[attr-defined]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.strip(" "):
            continue  # print("", a, "\n", b): the spaces the separator adds are the layout wanted
        for arg in node.args[:-1]:  # type: ignore[attr-defined]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.endswith("\n"):
                return Cause(
                    "newline-then-separator",
                    node.lineno,
                    f"Line {node.lineno}: `print` puts its separator, a space, between its arguments, so "
                    "after "
                    f"{code(segment(source, arg))} the next line starts with that space.",
                    "`print(a, b)` writes `a`, then `sep` (a space unless you say otherwise), then `b`. A "
                    "`\\n` "
                    "at the end of `a` comes before that space.",
                    f"Pass {code('sep=' + repr(''))} (and put the spaces you want in the strings), or build "
                    "one "
                    "string with an f-string.",
                    (),
                    ["strings"],
                )
    return None


def loop_source_changed(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for x in xs: … xs = [...]` or `for i in range(n): … n += 1`: the loop's list or range
    was taken once, when the loop started; rebinding the name later changes nothing."""
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.For):
            continue
        it = loop.iter
        if isinstance(it, ast.Name):
            names, what = [it.id], "list"
        elif _is_call(it, "enumerate", "reversed") and it.args and isinstance(it.args[0], ast.Name):  # type: ignore[attr-defined]
            names, what = [it.args[0].id], "list"  # type: ignore[attr-defined]
        elif _is_call(it, "range"):
            names = [n.id for a in it.args for n in ast.walk(a) if isinstance(n, ast.Name)]  # type: ignore[attr-defined]
            what = "range"
        else:
            continue
        for name in names:
            stores = [s for b in loop.body for s in _stores(b, name)]
            if not stores or not _ran(report, stores[0].lineno):
                continue
            s = stores[0]
            return Cause(
                "loop-source-changed",
                s.lineno,
                f"Line {s.lineno} ({code(short(segment(source, s), 40))}) changes {code(name)} inside the "
                "loop "
                f"on line {loop.lineno}, but the loop already has its {what}: "
                f"{code(short(segment(source, it), 40))} was worked out once, when the loop started, "
                "so the change does not alter which items the loop goes over.",
                "A `for` loop evaluates what follows `in` one time and then walks that object. Giving the "
                "name a "
                "new value later points the name at something else; the loop keeps the old one.",
                "Use a `while` loop that checks the changing value on every pass, or change the list itself "
                "(append/remove on the same list object) if that is what you meant.",
                (name,),
                ["for-loops", "range"] if what == "range" else ["for-loops", "lists"],
            )
    return None


def parameter_never_used(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`def get_marks(student_name): for m in marks.items(): print(m)`: the function is called with
    a value it never reads."""
    calls = _calls_by_name(tree)
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or fn.name not in calls or not fn.args.args:
            continue
        body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if not body or all(isinstance(s, ast.Pass) for s in body):
            continue
        read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        if read & {"locals", "vars", "eval", "exec"}:
            continue
        params = [a for a in fn.args.args if not a.arg.startswith("_") and a.arg not in ("self", "cls")]
        passed = {x.id for c in calls[fn.name] for x in c.args if isinstance(x, ast.Name)}
        if passed & read:
            continue  # `f(text)` whose body reads the global `text`: the right value arrives anyway
        # Only a function that reads none of its parameters: one unused parameter among used ones
        # is often a stub's or a not-yet-written part, not why the output is wrong.
        if not params or any(a.arg in read for a in params) or fn.args.vararg or fn.args.kwarg:
            continue
        a = params[0]
        if a:
            return Cause(
                "parameter-never-used",
                fn.lineno,
                f"{code(fn.name + '()')} never uses its parameter {code(a.arg)}: whatever the call passes "
                "in is "
                "ignored, so the function does the same thing for every argument.",
                f"A parameter is a name for the value the call hands over. The body of {code(fn.name)} never "
                f"reads {code(a.arg)}, so that value cannot change what it does.",
                f"Use {code(a.arg)} in the body where the given value matters (a lookup, a test, a filter).",
                (a.arg,),
                ["functions", "parameters"],
            )
    return None


def compared_with_collection(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`i == range(7, 98, 10)` or `x == [1, 2]` for a single value: a number is never equal to a
    whole range or list; membership is `in`."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq)
        ):
            continue
        left, right = node.left, node.comparators[0]
        for one, many in ((left, right), (right, left)):
            if not (_is_call(many, "range") or (isinstance(many, ast.List) and len(many.elts) > 1)):
                continue
            if not isinstance(one, ast.Name):
                continue
            seen = _values(report, one.id)
            if report is None or not seen or any(v.startswith(("[", "(", "{", "range")) for v in seen):
                continue
            return Cause(
                "compared-with-collection",
                node.lineno,
                f"Line {node.lineno} compares {code(one.id)}, a single value, with the whole "
                f"{code(short(segment(source, many), 30))}: the two are never equal, so the test is never "
                "true"
                f"{'' if isinstance(node.ops[0], ast.Eq) else ' (here: always true)'}.",
                "`==` asks whether two objects are equal as a whole. A number is never equal to a range or a "
                "list; whether it is one of their items is `in`.",
                f"Test membership: {code(f'{one.id} in {short(segment(source, many), 30)}')}.",
                (one.id,),
                ["comparison", "range"],
            )
    return None


def not_binds_loosely(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`not(A and B) == (not A) or (not B)`: `not` applies to the whole comparison, because `==`
    binds tighter than `not`, `and`, `or`."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.Not)
            and isinstance(node.operand, ast.Compare)
        ):
            continue
        cmp = node.operand
        whole, left = segment(source, cmp), segment(source, cmp.left)
        if not (whole.startswith("(") and not left.startswith("(")):
            continue  # only `not(x) == y`: the parentheses wrap the left side, not the comparison
        return Cause(
            "not-binds-loosely",
            node.lineno,
            f"Line {node.lineno}: {code(short(segment(source, node), 50))} is read as `not (… == …)`: `==` "
            "binds tighter than `not`, `and` and `or`, so the comparison happens first and `not` "
            "flips its result.",
            "Operator precedence: comparisons (`==`, `<`…) are evaluated before `not`, then `and`, then "
            "`or`. Parentheses right after `not` do not change that; they only group what is inside them.",
            "Put parentheses around each whole side: `(not (A and B)) == ((not A) or (not B))`.",
            (),
            ["boolean-logic", "comparison"],
        )
    return None


def lazy_object_shown(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`print(range(10))`, `print(map(...))`: the run printed the lazy object, not its items."""
    if report is None:
        return None
    m = _LAZY_OUTPUT.search(report.output)
    if m is None:
        return None
    kind = m.group(1) or "range"
    for node in ast.walk(tree):
        if not _is_call(node, "print"):
            continue
        for arg in node.args:  # type: ignore[attr-defined]
            # The object itself or inside a list display: `print("of " + str(r))` shows it on purpose.
            shown = [*arg.elts] if isinstance(arg, ast.List | ast.Tuple) else [arg]
            if any(_is_call(n, kind) or (isinstance(n, ast.Name) and kind in (_last(report, n.id) or ""))
                   for n in shown):  # fmt: skip
                return Cause(
                    "lazy-object-shown",
                    node.lineno,
                    f"Line {node.lineno} prints the `{kind}` object itself ({code(short(m.group(0), 40))}), "
                    "not the values in it.",
                    f"In Python 3 `{kind}(...)` does not build a list: it gives a lazy object that hands out "
                    "its values when something loops over it, and printing it shows only the object.",
                    "Turn it into a list to see the values: "
                    f"{code('list(' + short(segment(source, arg), 30) + ')')}.",
                    (),
                    ["lists", "range"] if kind == "range" else ["lists", "for-loops"],
                )
    return None


def item_used_as_index(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for i in a: west = a[0:i]`: `i` takes the list's items, not their positions."""
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and isinstance(loop.iter, ast.Name)
        ):
            continue
        var, seq = loop.target.id, loop.iter.id
        for n in ast.walk(loop):
            if not (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == seq):
                continue
            if not any(isinstance(x, ast.Name) and x.id == var for x in ast.walk(n.slice)):
                continue
            seen = _values(report, var)
            if seen and not all(re.fullmatch(r"-?\d+", v) for v in seen):
                continue
            if (_last(report, seq) or "").startswith("{"):
                continue  # `for k in d: d[k]`: a dict's loop gives its keys, which is what d[k] wants
            return Cause(
                "item-used-as-index",
                n.lineno,
                f"Line {n.lineno} uses {code(var)} as a position in {code(seq)} "
                f"({code(short(segment(source, n), 30))}), but the loop on line {loop.lineno} gives "
                f"{code(var)} the items' values, not their positions"
                f"{' (' + ', '.join(code(v) for v in seen[:5]) + ')' if seen else ''}.",
                f"`for {var} in {seq}` hands out each value in turn. A value is only the right index by "
                "accident.",
                f"Loop over positions: {code(f'for i, {var} in enumerate({seq}):')} (or "
                f"{code(f'for i in range(len({seq})):')}) and index with `i`.",
                (var,),
                ["for-loops", "lists"],
            )
    return None


def in_place_result_used(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`print(a.sort())`, `z = x.update(y)`: the method changes its object and returns `None`,
    which is what gets printed or stored."""
    for node in ast.walk(tree):
        call, where = None, ""
        if _is_call(node, "print"):
            call = next((a for a in node.args if isinstance(a, ast.Call)), None)  # type: ignore[attr-defined]
            where = "prints"
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            call, where = node.value, "stores"
            got = _values(report, node.targets[0].id)
            if report is None or got[-1:] != ["None"]:
                continue
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in _IN_PLACE_NONE
            and isinstance(call.func.value, ast.Name)
        ):
            continue
        if where == "prints" and (report is None or "None" not in report.output):
            continue
        base, method = call.func.value.id, call.func.attr
        if isinstance(node, ast.Assign) and node.targets[0].id == base:  # type: ignore[union-attr]
            continue  # `xs = xs.sort()` is logic_general.in_place_result_assigned's
        return Cause(
            "in-place-result-used",
            node.lineno,
            f"Line {node.lineno} {where} what {code(f'{base}.{method}()')} gives back, and that is `None`: "
            "the "
            f"method changes {code(base)} itself and returns nothing.",
            "Methods that change their object in place (`.sort()`, `.reverse()`, `.append()`, a dict's "
            "`.update()`…) do their work on the object and return `None`.",
            f"Call it on its own line, then use {code(base)}"
            + (f" (or {code(f'sorted({base})')}, which returns a new list)" if method == "sort" else "")
            + (f" (or {code(f'{{**{base}, **…}}')} for a merged copy)" if method == "update" else "")
            + ".",
            (base,),
            ["lists", "mutability"],
        )
    return None


def format_extra_values(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`"{:>5}".format(x, "m")`: more values than `{}` fields; the extras are silently ignored."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and not any(isinstance(a, ast.Starred) for a in node.args)
        ):
            continue
        try:
            parts = list(string.Formatter().parse(node.func.value.value))
            fields = [f for _, f, _, _ in parts if f is not None]
        except ValueError:
            continue
        if any(f.split(".")[0].split("[")[0] not in ("",) for f in fields) or any(
            "{" in (spec or "") for _, _, spec, _ in parts
        ):
            continue  # numbered, named or nested fields (`{:{1}}`): counting them is not enough
        if len(node.args) <= len(fields):
            continue
        extra = node.args[len(fields)]
        return Cause(
            "format-extra-values",
            node.lineno,
            f"Line {node.lineno}: {code(short(segment(source, node.func.value), 30))} has {len(fields)} "
            f"`{{}}` "
            f"but `.format` gets {len(node.args)} values, so {code(short(segment(source, extra), 20))} "
            "(and any after it) is ignored.",
            "`.format` fills the `{}` fields in order and silently drops values left over.",
            'Add a `{}` for each value (e.g. `"{:>5} {}"`), or put the text in the string itself.',
            (),
            ["strings"],
        )
    return None


def join_of_one_string(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`'\\n\\n'.join(f'{a} {b}')`: join walks a string letter by letter, so the separator goes
    between every character."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and len(node.args) == 1
        ):
            continue
        arg = node.args[0]
        is_text = isinstance(arg, ast.JoinedStr) or (
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        )
        if isinstance(arg, ast.Name):
            v = _last(report, arg.id) or ""
            # One word spaced out letter by letter (' '.join('PYTHON'), a hangman board) is often
            # the aim; text of several words split into letters is not.
            is_text = len(v) > 3 and v[0] in "'\"" and " " in v.strip("'\"")
        if not is_text:
            continue
        return Cause(
            "join-of-one-string",
            node.lineno,
            f"Line {node.lineno}: {code(short(segment(source, node), 40))} joins the characters of one "
            "string: "
            f"`join` goes over its argument item by item, and a string's items are its letters, so "
            f"{code(repr(node.func.value.value))} goes between every character.",
            "`sep.join(items)` puts `sep` between the items of a list (or any iterable). Given one string, "
            "the items are its characters.",
            "Pass a list of the strings to join, e.g. "
            f"{code(repr(node.func.value.value) + '.join([first, second])')}.",
            (),
            ["strings", "lists"],
        )
    return None


def bare_except_in_loop(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`while True: try: int(input()) … except: pass`: a bare `except` also catches Ctrl+C
    (KeyboardInterrupt) and the end of input (EOFError), so nothing can stop the loop."""
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.While):
            continue
        for t in (n for n in ast.walk(loop) if isinstance(n, ast.Try)):
            reads_input = any(_is_call(n, "input") for s in t.body for n in ast.walk(s))
            for h in t.handlers:
                broad = h.type is None or (isinstance(h.type, ast.Name) and h.type.id == "BaseException")
                quiet = all(isinstance(s, ast.Pass | ast.Continue) for s in h.body)
                if broad and quiet and reads_input:
                    return Cause(
                        "bare-except-loop",
                        h.lineno,
                        f"The `except:` on line {h.lineno} catches every exception, Ctrl+C's "
                        "`KeyboardInterrupt` and the `EOFError` of ended input included, and goes round the "
                        f"loop on line {loop.lineno} again: nothing can stop it.",
                        "A bare `except` (or `except BaseException`) is not only for bad values: it swallows "
                        "the exceptions Python uses to stop a program too.",
                        "Catch only what a bad answer raises: `except ValueError:`.",
                        (),
                        ["while-loops"],
                    )
    return None


def index_of_repeated_item(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for x in a: print(a.index(x))` over a list with repeats: `.index` gives the first position
    of an equal item, every time."""
    nested: set[int] | None = None
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and isinstance(loop.iter, ast.Name)
        ):
            continue
        var, seq = loop.target.id, loop.iter.id
        for n in ast.walk(loop):
            if not (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "index"
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == seq
                and len(n.args) == 1
                and isinstance(n.args[0], ast.Name)
                and n.args[0].id == var
            ):
                continue
            if _stored_under_item(loop, n, var):
                continue  # `first[w] = words.index(w)`: the first position of each item is the aim
            # The tracer records a value only when it changes, so a repeat shows as fewer distinct
            # values than passes of the loop; an outer loop runs this one again over the same
            # items, which is no repeat, so the list's own value decides when the run shows it.
            held = _literal(_last(report, seq))
            if isinstance(held, list):
                if len(set(map(repr, held))) == len(held):
                    continue
            else:
                distinct = len(set(_values(report, var, 500)))
                passes = report.line_counts.get(str(loop.body[0].lineno), 0) if report else 0
                if nested is None:
                    nested = _nested_loops(tree)
                if passes <= distinct or id(loop) in nested:
                    continue  # no repeats in this run: .index gives the right position
            return Cause(
                "index-of-repeated-item",
                n.lineno,
                f"Line {n.lineno}: {code(f'{seq}.index({var})')} gives the position of the FIRST item equal "
                "to "
                f"{code(var)}; {code(seq)} holds repeated values, so every repeat gets the first one's "
                "position.",
                "`.index` searches from the start and stops at the first match; it does not know which pass "
                "of the loop you are on.",
                f"Let the loop count: {code(f'for i, {var} in enumerate({seq}):')}.",
                (var,),
                ["lists", "for-loops"],
            )
    return None


def yield_in_next(tree: ast.Module, source: str, question: str, report: TraceReport | None) -> Cause | None:
    """`def __next__(self): … yield …`: a `yield` makes `__next__` a generator function, so
    each `next()` returns a new generator instead of an item."""
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for fn in cls.body:
            if (
                isinstance(fn, ast.FunctionDef)
                and fn.name == "__next__"
                and any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(fn))
            ):
                return Cause(
                    "yield-in-next",
                    fn.lineno,
                    f"The `yield` in {code(cls.name + '.__next__')} (line {fn.lineno}) makes it a "
                    "generator "
                    "function: each `next()` call gets a new generator object, not an item.",
                    "A function with `yield` in it returns a generator when called. `__next__` must "
                    "`return` one item per call (and raise `StopIteration` at the end).",
                    "Move the loop with `yield` into `__iter__` (then `__next__` is not needed), or make "
                    "`__next__` return the next item and keep the position on `self`.",
                    (),
                    ["classes", "functions"],
                )
    return None


def digit_strings_added(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`grades[0] + grades[1]` where the run shows the items are strings of digits: `+` joins
    text, `'9' + '7'` is `'97'`."""
    if report is None:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)) or not _ran(
            report, node.lineno
        ):
            continue
        leaves = _add_leaves(node)
        hits = []
        for s in leaves:
            base = s.value if isinstance(s, ast.Subscript) else s
            v = _last(report, base.id) if isinstance(base, ast.Name) else None
            if v and (
                (isinstance(s, ast.Subscript) and _DIGIT_LIST.match(v)) or (s is base and _DIGITS.match(v))
            ):
                hits.append(base.id)
        # Every term is digits-as-text: `rank + suit` ('7' + 'c') joins text on purpose.
        if len(hits) < 2 or len(hits) != len(leaves):
            continue
        if _builds_text(tree, node, hits, report):
            continue
        name = hits[0]
        return Cause(
            "digit-strings-added",
            node.lineno,
            f"Line {node.lineno} adds text, not numbers: in this run {code(name)} holds strings of digits "
            f"({code(short(_last(report, name) or '', 40))}), and `+` on strings joins them, so `'9' + '7'` "
            "is `'97'`.",
            "Quotes make a value a string, whatever characters are inside. `+` joins strings end to end.",
            f"Convert before adding: {code('int(...)')} on each (e.g. "
            f"{code(f'sum(int(g) for g in {name})')}), "
            "or store numbers without quotes.",
            (name,),
            ["strings", "type-conversion"],
        )
    return None


def _add_leaves(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _add_leaves(node.left) + _add_leaves(node.right)
    return [node]


def loop_variable_rebound(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for x in c: x = x + 3` then `c` read: rebinding the loop variable changes only the name,
    not the list (`x *= 2` on items that are lists does change them, in place)."""
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and isinstance(loop.iter, ast.Name)
        ):
            continue
        var, seq = loop.target.id, loop.iter.id
        stores = [s for s in loop.body if s in _stores(s, var)]
        if not stores or report is None:
            continue
        s = stores[-1]
        # Statements after it in the body, by position: `name = name.title(); print(name)` is one line.
        after = [
            n
            for b in loop.body[loop.body.index(s) + 1 :]
            for n in ast.walk(b)
            if isinstance(n, ast.Name) and n.id == var
        ]
        if after:
            continue  # the new value is used in the same pass
        items = _values(report, var)
        if not items or not _ran(report, s.lineno):
            continue
        if isinstance(s, ast.AugAssign) and items[0].startswith("["):
            return Cause(
                "augmented-item-in-place",
                s.lineno,
                f"Line {s.lineno} ({code(segment(source, s))}) changes each item of {code(seq)} itself: the "
                f"items are lists, and {code(_OP.get(type(s.op), '') + '=')} on a list "
                f"works in place on that same list object, which {code(seq)} holds.",
                "The loop variable is a second name for the item in the list. For a list, `*=`/`+=` change "
                "the "
                "object in place (same list); for a number or a string they make a new object.",
                f"To keep {code(seq)} unchanged, build new values: {code(f'{var} = {var} * 2')} makes a new "
                "list.",
                (var, seq),
                ["lists", "mutability"],
            )
        if items[0].startswith(("[", "{")):
            continue
        return Cause(
            "loop-variable-rebound",
            s.lineno,
            f"Line {s.lineno} ({code(segment(source, s))}) gives the loop variable {code(var)} a new value, "
            "but "
            f"that does not change {code(seq)}: {code(var)} was only a name for the item, and now names a "
            "new "
            "object.",
            f"Assigning to {code(var)} rebinds the name; the list still holds its old items.",
            f"Write into the list: {code(f'for i, {var} in enumerate({seq}): {seq}[i] = ...')}, or build a "
            "new "
            f"list ({code(f'{seq} = [... for {var} in {seq}]')}).",
            (var, seq),
            ["for-loops", "lists"],
        )
    return None


def _calls_by_name(tree: ast.Module) -> dict[str, list[ast.Call]]:
    """Calls of plain names, indexed once per cell (a walk per function made a cell of many
    functions cost quadratic work)."""
    out: dict[str, list[ast.Call]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            out.setdefault(n.func.id, []).append(n)
    return out


def _holds_several(
    calls: dict[str, list[ast.Call]], fn: ast.FunctionDef, name: str, report: TraceReport | None
) -> bool:
    """The run shows ``name`` holding a container of 2+ items, or ``name`` is a parameter of ``fn``
    and a call passes a written-out list/dict/tuple/set of 2+ items (the tracer does not record
    parameters on entry)."""
    if any(v[:1] in "[{(" and "," in v for v in _values(report, name)):
        return True
    params = [a.arg for a in fn.args.args]
    if name not in params:
        return False
    at = params.index(name)
    for c in calls.get(fn.name, []):
        if len(c.args) > at:
            arg = c.args[at]
            if isinstance(arg, ast.Dict) and len(arg.keys) > 1:
                return True
            if isinstance(arg, ast.List | ast.Tuple | ast.Set) and len(arg.elts) > 1:
                return True
            if isinstance(arg, ast.Name) and any(
                v[:1] in "[{(" and "," in v for v in _values(report, arg.id)
            ):
                return True
    return False


def loop_always_returns(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for te in d.values(): return te`: the loop body ends with a `return` on every path, so the
    function ends on the first item."""
    calls: dict[str, list[ast.Call]] | None = None
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for loop in (n for n in ast.walk(fn) if isinstance(n, ast.For)):
            if not loop.body or not isinstance(loop.body[-1], ast.Return) or loop.body[-1].value is None:
                continue
            ret = loop.body[-1]
            if any(isinstance(n, ast.Continue) for n in ast.walk(loop)):
                continue
            # `for x in items: return x` is also how some code takes a first item on purpose; name it
            # only when the run shows the loop had more than one item to give.
            it = loop.iter
            base = it.func.value if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) else it
            if calls is None:
                calls = _calls_by_name(tree)
            if not (isinstance(base, ast.Name) and _holds_several(calls, fn, base.id, report)):
                continue
            return Cause(
                "loop-always-returns",
                ret.lineno,
                f"The `return` on line {ret.lineno} is in the body of the loop on line {loop.lineno} and "
                "runs on its "
                f"first pass, so {code(fn.name + '()')} ends with the first item and never sees the others.",
                "`return` leaves the function at once, loop and all; one call gives back one value.",
                "Collect the values in a list inside the loop and `return` the list after the loop "
                "(un-indented "
                "to the `for`'s level), or `yield` each one.",
                (),
                ["functions", "for-loops"],
            )
    return None


def repr_in_container(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """A class with `__str__` but no `__repr__`, printed inside a list: the list shows each item
    with `repr`, so the run prints `<__main__.X object at …>`."""
    if report is None:
        return None
    m = _OBJECT_REPR.search(report.output)
    if m is None:
        return None
    cls = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == m.group(1)), None)
    if cls is None:
        return None
    methods = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    if "__str__" not in methods or "__repr__" in methods:
        return None
    return Cause(
        "repr-in-container",
        cls.lineno,
        f"The run printed {code(m.group(0) + '…>')}: a list (or other container) shows its items with "
        f"`repr()`, not `str()`, and {code(cls.name)} defines only `__str__`.",
        "`print(obj)` uses `__str__`, but `print([obj, obj])` prints the list, and a list writes each item "
        "with its `__repr__`; without one you get the default `<… object at 0x…>`.",
        f"Define `__repr__` in {code(cls.name)} too (it may return the same text), or print the items one "
        "by one.",
        (),
        ["classes", "lists"],
    )


def max_of_split_text(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`max(text.split())` where the text holds numbers: the pieces are strings, compared
    character by character, so `'50,'` beats `'175'`."""
    if report is None:
        return None
    for node in ast.walk(tree):
        if not (_is_call(node, "max", "min", "sorted") and len(node.args) == 1):  # type: ignore[attr-defined]
            continue
        arg = node.args[0]  # type: ignore[attr-defined]
        if not (
            isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Attribute)
            and arg.func.attr == "split"
            and isinstance(arg.func.value, ast.Name)
        ):
            continue
        if any(k.arg == "key" for k in node.keywords):  # type: ignore[attr-defined]
            continue
        text = _last(report, arg.func.value.id) or ""
        if not _text_order_misleads(text) or not _ran(report, node.lineno):
            continue
        fn = node.func.id  # type: ignore[attr-defined]
        return Cause(
            "max-of-split-text",
            node.lineno,
            f"Line {node.lineno}: {code(short(segment(source, node), 40))} compares the pieces of "
            f"{code(arg.func.value.id)} as text: `split` gives strings, and strings are compared character "
            "by "
            "character, so `'50'` is bigger than `'175'` (and any `,`/`(` stuck to a piece counts too).",
            "Text is ordered like words in a dictionary, the first differing character decides. Numbers in "
            "a string stay text until you convert them.",
            f"Convert the pieces: {code(f'{fn}(int(p) for p in ...)')} after stripping the punctuation, or "
            f"pass {code('key=int')}.",
            (arg.func.value.id,),
            ["strings", "type-conversion"],
        )
    return None


def groupby_not_adjacent(
    tree: ast.Module, source: str, question: str, report: TraceReport | None
) -> Cause | None:
    """`for k, g in groupby(names, key)` over unsorted data: the run shows the same key coming back
    as a new group, because groupby only groups neighbours."""
    if report is None:
        return None
    for loop in ast.walk(tree):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Tuple) and loop.target.elts):
            continue
        it = loop.iter
        f = it.func if isinstance(it, ast.Call) else None
        if not (
            (isinstance(f, ast.Name) and f.id == "groupby")
            or (isinstance(f, ast.Attribute) and f.attr == "groupby")
        ):
            continue
        key = loop.target.elts[0]
        if not isinstance(key, ast.Name):
            continue
        seen = _values(report, key.id, 500)
        runs = [v for i, v in enumerate(seen) if i == 0 or v != seen[i - 1]]
        again = next((v for i, v in enumerate(runs) if v in runs[:i]), None)
        if again is None:
            continue
        return Cause(
            "groupby-not-adjacent",
            loop.lineno,
            f"In this run the key {code(again)} came back as a new group: `groupby` on line {loop.lineno} "
            "only "
            "puts together items that are next to each other, and the data is not sorted by that key.",
            "`itertools.groupby` starts a new group every time the key changes, like `uniq` in a shell; "
            "equal "
            "keys further apart make separate groups.",
            "Sort by the same key first: `groupby(sorted(data, key=k), k)` (or collect into a dict of "
            "lists).",
            (key.id,),
            ["lists", "for-loops"],
        )
    return None


RULES: tuple[Rule, ...] = (
    misspelt_special_method,
    yield_in_next,
    iterator_reused,
    enumerate_start_skips,
    str_of_container,
    newline_then_separator,
    loop_source_changed,
    compared_with_collection,
    not_binds_loosely,
    lazy_object_shown,
    item_used_as_index,
    in_place_result_used,
    format_extra_values,
    join_of_one_string,
    bare_except_in_loop,
    index_of_repeated_item,
    digit_strings_added,
    loop_variable_rebound,
    loop_always_returns,
    parameter_never_used,
    repr_in_container,
    max_of_split_text,
    groupby_not_adjacent,
)


def _literal(value: str | None) -> object:
    """The tracer's text of a value read back, or None (shortened with '…', or not a literal)."""
    if not value or "…" in value or len(value) > 2000:
        return None
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _nested_loops(tree: ast.Module) -> set[int]:
    """The ids of loops inside another loop's body, found in one pass over the tree."""
    nested: set[int] = set()

    def visit(node: ast.AST, in_loop: bool) -> None:
        for child in ast.iter_child_nodes(node):
            is_loop = isinstance(child, ast.For | ast.While)
            if is_loop and in_loop:
                nested.add(id(child))
            visit(child, in_loop or is_loop)

    visit(tree, False)
    return nested


def _stored_under_item(loop: ast.For, call: ast.Call, var: str) -> bool:
    """`d[x] = seq.index(x)`: the position is kept per item, once for each different item."""
    return any(
        isinstance(s, ast.Assign)
        and s.value is call
        and any(
            isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Name) and t.slice.id == var
            for t in s.targets
        )
        for s in ast.walk(loop)
    )


def _builds_text(tree: ast.Module, add: ast.BinOp, names: list[str], report: TraceReport) -> bool:
    """Digits joined as text on purpose: a term made with str() (the student turned the number into
    text), a digit string built up into itself (`bits = bit + bits`), a leading zero ('09')."""
    made_by_str = {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and _is_call(n.value, "str")
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    made_by_str |= {
        n.target.id
        for n in ast.walk(tree)
        if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and _is_call(n.iter, "str")
    }
    if made_by_str & set(names):
        return True
    grown = any(
        isinstance(n, ast.Assign)
        and n.value is add
        and any(isinstance(t, ast.Name) and t.id in names for t in n.targets)
        for n in ast.walk(tree)
    )
    leading_zero = any(re.match(r"""^['"]0\d""", _last(report, name) or "") for name in names)
    return grown or leading_zero


_NUMBER_PIECE = re.compile(r"-?\d+(?:\.\d+)?")


def _text_order_misleads(text: str) -> bool:
    """The pieces of ``text`` that are numbers (punctuation stuck to them aside) order differently
    as text than as numbers: only then does comparing them as text show in the result."""
    value = _literal(text)
    if not isinstance(value, str):
        return False
    pieces = [p.strip(",.;:()[]") for p in value.split()]
    numbers = [p for p in pieces if _NUMBER_PIECE.fullmatch(p)]
    if len(numbers) < 2 or len(numbers) * 2 < len(pieces):
        return False  # mostly words (or dates): ordering them as text is what they are
    return sorted(numbers) != sorted(numbers, key=float)
