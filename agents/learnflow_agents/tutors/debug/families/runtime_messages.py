"""Runtime messages that name one precise rule of a built-in, answered when no family claimed the
error: format specs that do not suit the value's type, `{}` and `{0}` mixed, `%` formats, a
slice bound or an index of the wrong type, a type written as a string in `isinstance`, a set
given to `reversed`, a step of zero, NaN turned into an int, a tuple searched for a missing
value, a string method given a number, `int(x, base)` on a number, `map` without an iterable,
`bytes` of a float, `super().__init__` passing values up to `object`, `except` on a non-exception.

Each rule names the fact the student needs and a fix; where the fix is mechanical (wrap a slice
bound in `int()`, drop the quotes around a type, add the `f` a precision needs) the fixed cell is
given too, for the verifier to run. A `raise` of the student's own is left to the generic
analyser."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import nodes_on_line, replace_node, replace_nodes, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, place, raise_site, wrap_in_guard
from learnflow_agents.tutors.debug.situation import Situation


@dataclass
class Found:
    """What a rule concludes: the fact (completes "line N (`code`) …"), why, how to fix it."""

    what: str
    why: str
    steps: str
    concepts: list[str]
    fix_code: str | None = None


@dataclass
class Ctx:
    sit: Situation
    line: int | None
    text: str
    calls: list[ast.Call]

    def src(self, node: ast.AST) -> str:
        return segment(self.sit.code, node) if self.sit.has_code else ast.unparse(node)

    def calls_to(self, *names: str) -> list[ast.Call]:
        out = []
        for c in self.calls:
            f = c.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in names:
                out.append(c)
        return out


Rule = Callable[[re.Match[str], Ctx], Found | None]


def _a(word: str) -> str:
    """`a` or `an` before a word (or a code span of it)."""
    return "an" if word.strip("`").lower()[:1] in ("a", "e", "i", "o", "u") else "a"


_SPEC_ORDER = "`[[fill]align][sign][#][0][width][,|_][.precision][type]`"


def _spec_option(m: re.Match[str], ctx: Ctx) -> Found:
    option, target = m["opt"], m["target"]
    shown = {
        "Sign": "a sign (`+`, `-` or a space)",
        "Alternate form (#)": "the alternate form `#`",
        "Zero padding": "zero padding (`0` before the width)",
        "Negative zero coercion (z)": "`z` (negative-zero coercion)",
        "Precision": "a precision (`.N`)",
    }.get(option, code(option.strip("'").split("'")[0]) if "'" in option else option.lower())
    if target.startswith("integer"):
        kind = "an integer (`int`) value"
    elif target.startswith("string"):
        kind = "a string (`str`) value"
    else:
        kind = "a complex number"
    fix = None
    steps = "Drop that option from the format spec, or convert the value to a type that takes it."
    if option == "Precision" and target.startswith("integer"):
        steps = (
            "To show digits after the point, add the float code `f` (`.2f`), which converts the int; "
            "or drop the precision."
        )
        fix = _add_f(ctx)
    elif target.startswith("string"):
        steps = (
            "Numbers take these options, text does not: convert the text first (`int(x)` or `float(x)`), "
            "or drop the option."
        )
    return Found(
        what=f"formats {kind} with {shown}, which {_a(target)} {target.split()[0]} format spec "
        "does not allow",
        why=f"A format spec ({_SPEC_ORDER}, after the `:` in `{{…}}`) is read by the value's own type; "
        f"{shown} has no meaning for {kind}.",
        steps=steps,
        concepts=["f-strings", "strings"],
        fix_code=fix,
    )


def _add_f(ctx: Ctx) -> str | None:
    """`{x:.2}` → `{x:.2f}` on the failing line, when it holds exactly one such spec."""
    if ctx.line is None or not ctx.sit.has_code:
        return None
    found = list(re.finditer(r":(\.\d+)\}", ctx.text))
    if len(found) != 1:
        return None
    new = ctx.text[: found[0].end(1)] + "f" + ctx.text[found[0].end(1) :]
    lines = ctx.sit.code.split("\n")
    lines[ctx.line - 1] = new
    return "\n".join(lines)


def _spec_with(m: re.Match[str], ctx: Ctx) -> Found:
    a, b = m["a"], m["b"]
    if b == "s":
        return Found(
            what=f"asks for the thousands separator {code(a)} on a string (format code `s`): "
            "separators group the digits of a number, and text has none to group",
            why="The value is text, not a number, so `,` and `_` cannot group its digits; a number read "
            "from `input()` or a file is still a `str` until you convert it.",
            steps="Convert the value first: `f'{int(amount):,}'` (or `float(…)` for decimals).",
            concepts=["f-strings", "type-conversion"],
        )
    return Found(
        what=f"combines {code(a)} with {code(b)} in one format spec, which Python does not allow",
        why=f"{code(',')} and {code('_')} group digits in thousands (only for decimal numbers and `_` also "
        f"for `b`, `o`, `x`); {code(a)} cannot go with {code(b)}.",
        steps=f"Keep one of the two: drop {code(a)}, or use a format code it works with (`d`, `f`).",
        concepts=["f-strings"],
    )


def _spec_both(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"asks for two thousands separators, {code(m['a'])} and {code(m['b'])}, in one format spec",
        why="A number's digits are grouped with one separator: `,` or `_`, not both.",
        steps=f"Keep one of them: {code('{:,}')} or {code('{:_}')}.",
        concepts=["f-strings"],
    )


def _spec_invalid(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"uses the format spec {code(m['spec'])}, which a {code(m['t'])} value cannot read: its parts "
        "are in the wrong order or one is unknown",
        why=f"A format spec's parts must come in this order: {_SPEC_ORDER}; e.g. `>10.2f`, `+,d`, `08.3f`.",
        steps="Reorder the spec's parts (sign before width, precision before the type letter), or remove "
        "the part that is not a format option.",
        concepts=["f-strings"],
    )


def _spec_digits(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="gives a width or precision in its format spec with too many digits",
        why="The width and precision of a format spec must fit in a machine integer; a number thousands "
        "of digits long does not.",
        steps="Use a sensible width and precision, e.g. `{:10.2f}`.",
        concepts=["f-strings"],
    )


def _spec_type(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"passes a {code(m['t'])} as the format spec, which must be a string such as `'.2f'`",
        why="`format(value, spec)` and `value.__format__(spec)` read the spec as text: the part you would "
        "write after `:` inside `{…}`.",
        steps="Write the spec as a string: `format(x, '.2f')`, or `format(x)` for the default.",
        concepts=["strings", "f-strings"],
    )


def _numbering(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="mixes empty fields `{}` (numbered automatically) with numbered ones such as `{1}` in one "
        "format string",
        why="`str.format` either counts the fields for you (`{}` `{}`) or lets you number them (`{0}` "
        "`{1}`), never both in the same string.",
        steps="Use one style for every field: `'{} and {}'` or `'{0} and {1}'`.",
        concepts=["strings"],
    )


def _field_syntax(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="has a replacement field `{…}` that `str.format` cannot read",
        why="Inside `{…}` a field is a name or number, then optionally `.attribute` or `[key]`, `!r`/`!s`, "
        "and `:spec` (as in `{0.name}`, `{0[1]}`, `{x!r:>10}`); this one breaks that order.",
        steps="Write the field in that order, e.g. `{0!r:>10}`, or double a brace that is meant as text "
        "(`{{`, `}}`).",
        concepts=["strings"],
    )


def _format_map(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `format_map` on a string with a positional field `{}` or `{0}`",
        why="`format_map(mapping)` fills fields by name from the mapping; it has no positional values.",
        steps="Name every field (`'{a}'`) or use `.format(…)` with positional arguments.",
        concepts=["strings", "dicts"],
    )


def _percent(m: re.Match[str], ctx: Ctx) -> Found:
    ch = m["ch"]
    if ch is None:
        what = "ends its `%`-format string with a lone `%`"
    else:
        what = f"uses {code('%' + ch)}, which is not a `%` format code"
    return Found(
        what=what,
        why="In a string formatted with `%`, every `%` starts a code (`%d`, `%s`, `%.2f`); a percent "
        "sign meant as text must be written `%%`.",
        steps="Write `%%` for a literal percent sign (e.g. `'%d%%' % 50`), or use an f-string: `f'{x}%'`.",
        concepts=["strings"],
    )


def _percent_c(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="formats with `%c` a value that is neither a code point (`int`) nor a single character",
        why="`%c` inserts one character: it takes a number such as 65 or a one-character string.",
        steps="Use `%s` for longer text, or pass one character (or its code point).",
        concepts=["strings"],
    )


def _slice_bound(m: re.Match[str], ctx: Ctx) -> Found:
    fix, bad = None, []
    for node in nodes_on_line(ctx.sit.tree, ctx.line, ast.Slice):
        for part in (node.lower, node.upper, node.step):
            if part is None or (isinstance(part, ast.Constant) and isinstance(part.value, int)):
                continue
            if isinstance(part, ast.UnaryOp) and isinstance(part.operand, ast.Constant):
                continue
            bad.append(part)
    edits: list[tuple[ast.AST, str]] = []
    for part in bad:
        if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Div):
            edits.append((part, f"{ctx.src(part.left)} // {ctx.src(part.right)}"))
        else:
            edits.append((part, f"int({ctx.src(part)})"))
    if edits and ctx.sit.has_code:
        fix = replace_nodes(ctx.sit.code, edits)
    named = ", ".join(code(ctx.src(p)) for p in bad[:3])
    what = (
        f"slices with {named}, which is not a whole number"
        if named
        else "slices with a bound that is not a whole number (`int`) or `None`"
    )
    return Found(
        what=what + " (a `float`, e.g. from `/`)",
        why="A slice `seq[start:stop]` counts positions, so its bounds must be whole numbers; `/` always "
        "gives a `float` (`6 / 2` is `3.0`), even when the division comes out even.",
        steps="Use `//` (floor division, gives an `int`) or wrap the bound in `int(…)`.",
        concepts=["slicing", "numbers"],
        fix_code=fix,
    )


def _indices(m: re.Match[str], ctx: Ctx) -> Found:
    t, got = m["t"], m["got"]
    return Found(
        what=f"indexes a {code(t)} with a {code(got)}: a {code(t)} is read by position, with a whole number",
        why=f"Items of a {code(t)} are numbered 0, 1, 2, …; a {code(got)} is not a position (only a dict "
        "looks items up by key).",
        steps=f"Index with an `int` position (or a slice); to find where a value is, use `.index(…)`; "
        f"convert a number held in a {code(got)} with `int(…)`.",
        concepts=["indexing", "type-conversion"],
    )


def _isinstance(m: re.Match[str], ctx: Ctx) -> Found:
    func = m["f"]
    edits: list[tuple[ast.AST, str]] = []
    for call in ctx.calls_to(func):
        if len(call.args) == 2:
            arg = call.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.isidentifier():
                edits.append((arg, arg.value))
            elif isinstance(arg, ast.List) and arg.elts:
                edits.append((arg, "(" + ", ".join(ctx.src(e) for e in arg.elts) + ",)"))
            elif isinstance(arg, ast.Subscript):
                edits.append((arg, ctx.src(arg.value)))
    fix = replace_nodes(ctx.sit.code, edits) if edits and ctx.sit.has_code else None
    shown = code(ctx.src(edits[0][0])) if edits else "its second argument"
    return Found(
        what=f"gives {code(func + '()')} {shown}, which is not a class: the second argument must be a type "
        "itself, such as `int` (no quotes), or a tuple of types",
        why=f"{code(func + '()')} checks against the class object; a string such as `'int'` is only text, "
        "a list is not accepted (use a tuple), and `list[int]` cannot be checked at run time.",
        steps="Write the type's name without quotes, `isinstance(x, int)`, or a tuple of them, "
        "`isinstance(x, (int, float))`.",
        concepts=["classes", "type-conversion"],
        fix_code=fix,
    )


def _issubclass_first(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="gives `issubclass()` a first argument that is not a class",
        why="`issubclass(C, B)` compares two classes; to test a value, use `isinstance(value, B)`.",
        steps="Pass a class (`type(x)`), or use `isinstance(x, B)` for a value.",
        concepts=["classes", "inheritance"],
    )


def _reversible(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    fix = None
    calls = ctx.calls_to("reversed")
    if calls and len(calls[0].args) == 1 and ctx.sit.has_code:
        arg = ctx.src(calls[0].args[0])
        new = f"sorted({arg}, reverse=True)" if t in ("set", "frozenset") else f"reversed(list({arg}))"
        fix = replace_node(ctx.sit.code, calls[0], new)
    if t in ("set", "frozenset", "dict_keys"):
        why = f"A {code(t)} keeps no order of its own, so there is no last item to start from."
        steps = "Sort it first, `sorted(s, reverse=True)`, or keep the items in a list."
    else:
        why = (
            "`reversed()` needs a sequence it can read from the end (a list, tuple, string, range); "
            f"{_a(t)} {code(t)} can only be walked forwards."
        )
        steps = "Make a list of it first: `reversed(list(x))`."
    return Found(
        what=f"calls `reversed()` on a {code(t)}, which cannot be walked backwards",
        why=why,
        steps=steps,
        concepts=["iterators", "sets" if t in ("set", "frozenset") else "lists"],
        fix_code=fix,
    )


def _step_zero(m: re.Match[str], ctx: Ctx) -> Found:
    step = None
    for call in ctx.calls_to("range"):
        if len(call.args) == 3:
            step = ctx.src(call.args[2])
    if step is None:
        for node in nodes_on_line(ctx.sit.tree, ctx.line, ast.Slice):
            if node.step is not None:
                step = ctx.src(node.step)
    shown = f" ({code(step)} is 0 here)" if step and step != "0" else ""
    return Found(
        what=f"uses a step of 0{shown}: the step is how far each move goes, and 0 would never get anywhere",
        why="`range(start, stop, step)` and `seq[a:b:step]` add the step again and again; a step of 0 "
        "would repeat the same value forever, so Python refuses it.",
        steps="Use a step of at least 1 (or -1 to count down); if the step is computed, check it is "
        "not 0 first.",
        concepts=["range", "slicing"],
    )


def _nan(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="turns NaN (*not a number*) into an integer, and NaN has no integer value",
        why="`float('nan')` — or the result of `0 * inf`, `inf - inf`, or a missing value in data — is "
        "a float that stands for no number at all, so `int()`, `round()` and `math.floor()` cannot give "
        "one for it.",
        steps="Find where the NaN comes from, or test with `math.isnan(x)` before converting and handle "
        "that case.",
        concepts=["numbers", "type-conversion"],
    )


def _not_in_seq(m: re.Match[str], ctx: Ctx) -> Found:
    fix = None
    for call in ctx.calls_to("index"):
        if isinstance(call.func, ast.Attribute) and len(call.args) == 1 and ctx.line is not None:
            cond = f"{ctx.src(call.args[0])} in {ctx.src(call.func.value)}"
            fix = wrap_in_guard(ctx.sit, ctx.line, cond)
            break
    return Found(
        what=f"asks a {code(m['t'])} for the position of a value it does not contain",
        why="`.index(value)` finds where a value is; when the value is not there at all, there is no "
        "position to give, so Python raises instead of returning one.",
        steps="Check first with `if value in seq:`, or catch the `ValueError`.",
        concepts=["tuples", "lists"],
        fix_code=fix,
    )


def _arg_type(m: re.Match[str], ctx: Ctx) -> Found | None:
    want, got = m["want"], m["got"]
    func = m["f"] or None
    n = int(m["n"]) if m["n"] else None
    fix = None
    calls = ctx.calls_to(func) if func else [c for c in ctx.calls if isinstance(c.func, ast.Attribute)]
    if want == "str" and len(calls) == 1 and ctx.sit.has_code:
        args = calls[0].args
        target = args[n - 1] if n and n <= len(args) else args[0] if len(args) == 1 and not n else None
        if target is not None:
            fix = replace_node(ctx.sit.code, target, f"str({ctx.src(target)})")
    if func is None and len(calls) == 1 and isinstance(calls[0].func, ast.Attribute):
        func = calls[0].func.attr
    name = code(func + "()") if func else "the method"
    which = f"argument {n}" if n else "an argument"
    return Found(
        what=f"passes {_a(got)} {code(got)} as {which} of {name}, which must be {_a(want)} {code(want)}",
        why=f"{name} works on {code(want)} values only; Python does not convert {_a(got)} {code(got)} "
        "for you.",
        steps=f"Convert it first, e.g. `{want}(value)`, or pass a {code(want)} literal "
        f"({'quotes around it' if want == 'str' else 'the right type'}).",
        concepts=["string-methods", "type-conversion"] if want == "str" else ["type-conversion"],
        fix_code=fix,
    )


def _int_base(m: re.Match[str], ctx: Ctx) -> Found:
    fix = None
    for call in ctx.calls_to("int"):
        if len(call.args) == 2 and ctx.sit.has_code:
            fix = replace_node(ctx.sit.code, call.args[0], f"str({ctx.src(call.args[0])})")
    return Found(
        what="calls `int(x, base)` with a number as `x`: a base only says how to read digits written as text",
        why="`int('101', 2)` reads the text `'101'` as base 2; a value that is already a number has no "
        "digits to read.",
        steps="Pass the digits as a string, `int(str(x), base)`, or drop the base if `x` is already a "
        "number.",
        concepts=["type-conversion", "numbers"],
        fix_code=fix,
    )


def _type_args(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `type()` with 2 arguments: `type(x)` (one argument) gives the type of `x`",
        why="`type` takes one argument (ask a value's type) or three (build a new class); to check "
        "whether a value is of a type, use `isinstance(x, int)`.",
        steps="Write `type(x)` to get the type, or `isinstance(x, T)` to test it.",
        concepts=["classes"],
    )


def _map_args(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `map()` with only the function: it also needs the list (iterable) to apply it to",
        why="`map(function, iterable)` calls the function on each item of the iterable.",
        steps="Pass the items too: `map(str, numbers)`.",
        concepts=["functions", "iterators"],
    )


def _to_bytes(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    return Found(
        what=f"asks for the bytes of a {code(t)}, which `bytes()` cannot convert",
        why="`bytes()` takes a size (`int`), a list of numbers 0–255, or text with an encoding "
        f"(`bytes(s, 'utf-8')`); a {code(t)} is none of them.",
        steps="For its text form, `str(x).encode('utf-8')`; for a number's binary form, the `struct` "
        "module or `int.to_bytes`.",
        concepts=["type-conversion", "strings"],
    )


def _object_init(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="passes arguments to an `__init__` that takes none besides the instance (`object.__init__`, or "
        "a class with no `__init__` of its own)",
        why="A class that does not define `__init__` inherits `object`'s, which accepts only `self`; "
        "`super().__init__(x)` from a class whose parent has no `__init__` sends `x` there.",
        steps="Call `super().__init__()` without the values, or give the parent class an "
        "`__init__(self, …)` that takes them.",
        concepts=["classes", "inheritance"],
    )


def _catch(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="has an `except` clause naming something that is not an exception class",
        why="`except` matches exception classes (`ValueError`, `KeyError`, or your own class derived from "
        "`Exception`); a string or another value cannot be caught.",
        steps="Name the exception class: `except ValueError:`; define your own as "
        "`class MyError(Exception): pass`.",
        concepts=["exceptions"],
    )


def _zip_strict(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"zips with `strict=True` iterables of different lengths (argument {m['a']} is "
        f"{m['how']} than argument {m['b']})",
        why="`zip(..., strict=True)` promises the iterables are the same length and checks it.",
        steps="Make the iterables the same length, or drop `strict=True` (zip then stops at the shortest).",
        concepts=["enumerate-zip"],
    )


def _dict_pairs(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="builds or updates a dict from items that are not (key, value) pairs"
        + (
            f" (item {m['i']} has {m['n']} parts)"
            if m.groupdict().get("i")
            else f" (item {m['i2']} is not a pair)"
        ),
        why="`dict(items)` and `d.update(items)` take each item as a pair: two parts, a key and its value.",
        steps="Give pairs, e.g. `dict([('a', 1), ('b', 2)])` or `dict(zip(keys, values))`, or a dict.",
        concepts=["dicts"],
    )


def _vars(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `vars()` on a value that has no attribute dictionary (`__dict__`)",
        why="`vars(obj)` returns an object's attributes; numbers, strings and other built-in values have "
        "none to return.",
        steps="Pass an instance of your own class or a module, or use `dir(x)` to list what a value has.",
        concepts=["classes"],
    )


def _recursion(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="goes past Python's limit of calls nested inside each other (about 1000): a call that calls "
        "itself again and again and never stops — here through a special method or a value, not a "
        "function you can see calling itself — or data nested so deep that printing or comparing it "
        "recurses",
        why="Each call waits for the one it made to return; when calls keep starting new ones (an "
        "object whose `__call__`, `__getattr__`, `__repr__` or `__eq__` uses itself, or a list/dict "
        "inside itself thousands of levels deep), they never end and the stack fills up.",
        steps="Find what calls itself: a special method that uses the same object again, or data that "
        "contains itself; give it a case that stops, or flatten the data.",
        concepts=["recursion", "dunder-methods"],
    )


def _dunder_returned(m: re.Match[str], ctx: Ctx) -> Found:
    meth, want, got = m["m"], m["want"], m["got"]
    wants = {"string": "a `str`", "int": "an `int`", "float": "a `float`", "bytes": "`bytes`"}.get(
        want, code(want)
    )
    how = {"string": "`return f'…'` or `str(…)`", "int": "`int(…)`", "float": "`float(…)`"}.get(
        want, "a value of that type"
    )
    return Found(
        what=f"uses your class's {code(meth)}, which returned {_a(got)} {code(got)}: Python requires "
        f"{wants} from {code(meth)}",
        why=f"Python calls {code(meth)} for you (from `str()`, `print()`, `int()`, `len()`, …) and checks "
        f"its result; {code(meth)} must return {wants}, nothing else.",
        steps=f"Make {code(meth)} return {wants}: convert what it returns with {how}.",
        concepts=["dunder-methods", "classes"],
    )


def _len_negative(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="uses your class's `__len__`, which returned a negative number: a length is 0 or more",
        why="`len()`, `bool()` and `if obj:` call `__len__`, which must return a whole number >= 0.",
        steps="Make `__len__` return the count of items (never below 0).",
        concepts=["dunder-methods", "classes"],
    )


def _readonly(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="assigns to (or deletes) a read-only attribute, which can only be read",
        why="Some attributes of built-in objects are fixed when the object is made; they cannot be "
        "set or deleted afterwards.",
        steps="Make a new object with the value you want instead of changing this one, or keep your "
        "value in a variable (or an attribute of your own class).",
        concepts=["classes"],
    )


def _unbound(m: re.Match[str], ctx: Ctx) -> Found:
    meth = m["meth"]
    cls, _, name = meth.rpartition(".")
    return Found(
        what=f"calls the method {code(meth + '()')} without the {code(cls)} value it should work on",
        why=f"{code(name)} is a method of {code(cls)} objects: called through the class it needs the "
        f"object as its first argument (`self`).",
        steps=f"Call it on an object: `s.{name}(…)`, or pass the object first: `{meth}(s, …)`.",
        concepts=["classes"],
    )


def _descriptor_type(m: re.Match[str], ctx: Ctx) -> Found:
    meth, cls, got = m["meth"], m["cls"], m["got"]
    return Found(
        what=f"calls {code(cls + '.' + meth)} with {_a(got)} {code(got)} as its object, but that method only "
        f"works on {code(cls)} objects",
        why=f"A method taken from the class {code(cls)} needs {_a(cls)} {code(cls)} as its first argument "
        f"(`self`); {_a(got)} {code(got)} has a method of its own, or none.",
        steps=f"Call the method on the right kind of value (`x.{meth}(…)` with `x` {_a(cls)} {code(cls)}), "
        f"or convert the value first.",
        concepts=["classes"],
    )


def _expected_args(m: re.Match[str], ctx: Ctx) -> Found:
    n, got = m["n"], m["got"]
    return Found(
        what=f"calls a method that takes {n} argument{'s' if n != '1' else ''} with {got}",
        why="Each built-in method takes a fixed number of arguments; this call passes a different number.",
        steps=f"Pass exactly {n} argument{'s' if n != '1' else ''}: check what the method needs with "
        "`help(…)`.",
        concepts=["parameters", "functions"],
    )


def _super_args(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `super()` with arguments it cannot use: the first must be the class you are in and "
        "the second the object (`self`), which must be an instance of that class",
        why="`super(Class, self)` finds the parent's method for `self`; with the two swapped, or an object "
        "that is not a `Class`, there is no parent to look in. Inside a method, plain `super()` fills "
        "both in for you.",
        steps="Write `super().method(…)` inside the method (or `super(ThisClass, self)`).",
        concepts=["inheritance", "classes"],
    )


def _attr_name(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    return Found(
        what=f"names an attribute with {_a(t)} {code(t)}: attribute names are strings",
        why="`getattr(obj, name)`, `setattr` and `hasattr` look the attribute up by its name, so `name` "
        "must be text such as `'size'`.",
        steps="Pass the attribute's name as a string: `getattr(obj, 'size')`, or `str(name)`.",
        concepts=["classes", "strings"],
    )


def _null(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="uses text containing a null character (`\\0`), which a file name cannot contain",
        why="In a normal string `\\0` (a backslash then a digit) is the null character: a Windows path "
        "such as `'C:\\data\\0.txt'` turns into that, not a backslash and a zero.",
        steps="Write the path as a raw string, `r'C:\\data\\0.txt'`, or with forward slashes "
        "(`'C:/data/0.txt'`).",
        concepts=["strings", "file-io"],
    )


def _byteorder(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="gives a byte order other than `'little'` or `'big'` (exactly, in lower case)",
        why="`int.to_bytes` and `int.from_bytes` take the byte order as one of the two strings "
        "`'big'` (most significant byte first) or `'little'`.",
        steps="Pass `'big'` or `'little'`, e.g. `n.to_bytes(2, 'big')`.",
        concepts=["numbers"],
    )


def _sub_patterns(m: re.Match[str], ctx: Ctx) -> Found:
    cls = m["cls"] or m["cls2"]  # the pattern's two alternatives name the class in either group
    return Found(
        what=f"matches {code(cls + '(…)')} with positional sub-patterns, which {code(cls)} cannot "
        "line up with its attributes",
        why=f"A class pattern `case {cls}(a, b)` reads positions through the class's `__match_args__` "
        "(a tuple of attribute names); without it, or with fewer names than patterns, Python cannot "
        "tell which attribute each position means, and one attribute can be matched once only. Named "
        f"sub-patterns always work: `case {cls}(x=…, y=…)`.",
        steps=f"Name the attributes: `case {cls}(x=0, y=y)`, or give the class "
        "`__match_args__ = ('x', 'y')` (a tuple).",
        concepts=["classes", "conditionals"],
    )


def _base_type(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    return Found(
        what=f"makes a class that inherits from {code(t)}, which cannot be subclassed",
        why=f"Some built-in types are final: {code(t)} allows no subclasses (there is exactly one "
        "`True`, one `False`, one `None`, …).",
        steps=f"Inherit from something else (or from `object`) and keep {_a(t)} {code(t)} value as an "
        "attribute of your class.",
        concepts=["inheritance", "classes"],
    )


def _complex_text(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="gives `complex()` text it cannot read as a complex number, or text together with a "
        "second argument",
        why="`complex('1+2j')` reads one complex number written without spaces (`j` for the imaginary "
        "part); with two arguments both must be numbers (`complex(1, 2)`).",
        steps="Write the text as `'1+2j'` (no spaces, no `i`), or pass numbers: `complex(1, 2)`.",
        concepts=["numbers", "type-conversion"],
    )


def _pow_mod_zero(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `pow(base, exp, mod)` with a modulus of 0",
        why="The third argument of `pow` is a remainder taken after the power (`% mod`), and there is no "
        "remainder of a division by zero.",
        steps="Use a modulus other than 0, or leave it out: `pow(base, exp)`.",
        concepts=["numbers"],
    )


def _index_range(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    subs = [
        n for n in nodes_on_line(ctx.sit.tree, ctx.line, ast.Subscript) if not isinstance(n.slice, ast.Slice)
    ]
    shown = f" {code(ctx.src(subs[0].slice))}" if len(subs) == 1 else ""
    return Found(
        what=f"reads position{shown} of a {code(t)} that has no item there: positions run from 0 to "
        "`len(…) - 1`",
        why=f"A {code(t)} of n items has positions 0 … n-1 (and -1 … -n from the end); any other index "
        "is past its end — often because it is shorter than expected, or empty.",
        steps="Print `len(…)` of the sequence just before this line, and use an index below it (or "
        "`[-1]` for the last item); check for an empty sequence first.",
        concepts=["indexing", "lists"],
    )


def _empty_separator(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="splits text on an empty separator `''`, which cannot mark where one piece ends",
        why="`str.split(sep)` cuts the text wherever `sep` appears; an empty string appears "
        "everywhere and nowhere, so Python refuses it.",
        steps="To get the characters, use `list(text)`; to split on spaces, call `text.split()` with no "
        "argument.",
        concepts=["string-methods"],
    )


def _date_range(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"builds a date or time with a value out of its range ({m[0]})",
        why="`datetime` checks each part: months 1–12, days 1 to the month's length, hours 0–23, "
        "minutes and seconds 0–59.",
        steps="Pass the parts in the order the constructor takes them (`date(year, month, day)`) and "
        "within their ranges; for date arithmetic, add a `timedelta` instead.",
        concepts=["modules-imports", "numbers"],
    )


def _negative_sleep(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="asks `time.sleep()` to wait a negative number of seconds",
        why="A wait cannot be shorter than nothing: `time.sleep(seconds)` needs 0 or more.",
        steps="Wait `max(0, seconds)`, or check how the number of seconds was computed.",
        concepts=["modules-imports", "numbers"],
    )


def _zero_negative_power(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="raises 0 to a negative power, which divides by zero (`0 ** -1` is `1 / 0`)",
        why="A negative power is a division: `x ** -n` is `1 / x ** n`, and with `x` 0 that divides by zero.",
        steps="Check that the base is not 0 before raising it to a negative power.",
        concepts=["numbers"],
    )


def _real_number(m: re.Match[str], ctx: Ctx) -> Found:
    got = m["got"]
    return Found(
        what=f"gives {_a(got)} {code(got)} where a number is needed (an `int` or `float`)",
        why=f"Maths functions and `%f`/`%d` formats work on numbers; {_a(got)} {code(got)} such as "
        "`'4'` only looks like one — text read with `input()` or from a file stays text until converted.",
        steps="Convert it first: `float(x)` (or `int(x)` for whole numbers).",
        concepts=["type-conversion", "numbers"],
    )


def _not_iterator(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    return Found(
        what=f"calls `next()` on {_a(t)} {code(t)}, which is not an iterator: `next()` needs an iterator "
        "that remembers where it is",
        why=f"{_a(t).capitalize()} {code(t)} can be looped over, but it does not keep a position itself; "
        "`iter(x)` makes an iterator over it, and `next()` then gives its items one by one.",
        steps="Make an iterator once, `it = iter(items)`, then call `next(it)`; or just use `items[0]` "
        "for the first item.",
        concepts=["iterators"],
    )


def _file_mode(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="opens a file with a mode string `open()` does not accept",
        why="The mode is one letter for what to do — `'r'` read, `'w'` write (empties the file), `'a'` "
        "append, `'x'` create — optionally with `'b'` (binary) and/or `'+'` (read and write).",
        steps="Use one of them, e.g. `open(name, 'r')`, `open(name, 'w')`, or `'r+'` to read and write.",
        concepts=["file-io"],
    )


def _closed_file(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        fix_code=_into_with_block(ctx),
        what="uses a file after it was closed — a `with open(…)` block closes its file when the block ends",
        why="Reading or writing needs an open file; after `f.close()`, or after the indented `with` "
        "block is over, `f` is closed.",
        steps="Move this line inside the `with` block (indent it), or open the file again.",
        concepts=["file-io", "indentation"],
    )


def _into_with_block(ctx: Ctx) -> str | None:
    """The failing line moved into the `with open(…) as f:` block it directly follows, when it is
    one statement that uses that `f`."""
    tree, line = ctx.sit.tree, ctx.line
    if tree is None or line is None or not ctx.sit.has_code:
        return None
    stmt = next((s for s in ast.walk(tree) if isinstance(s, ast.stmt) and s.lineno == line), None)
    if stmt is None or (stmt.end_lineno or line) != line:
        return None
    for node in ast.walk(tree):
        if (
            not isinstance(node, ast.With)
            or node.end_lineno != line - 1
            or node.col_offset != stmt.col_offset
        ):
            continue
        names = {i.optional_vars.id for i in node.items if isinstance(i.optional_vars, ast.Name)}
        if names & {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}:
            lines = ctx.sit.code.split("\n")
            body_indent = lines[node.body[0].lineno - 1][: node.body[0].col_offset]
            lines[line - 1] = body_indent + lines[line - 1].strip()
            return "\n".join(lines)
    return None


def _unsupported_io(m: re.Match[str], ctx: Ctx) -> Found:
    what = m["what"]
    mode = "`'w'` or `'a'`" if what == "writable" else "`'r'`"
    return Found(
        what=f"{'writes to' if what == 'writable' else 'reads from'} a file opened in a mode that does not "
        f"allow it (the file is not {what})",
        why="`open(name)` opens for reading only; `'w'`/`'a'` open for writing only. The mode decides what "
        "the file object can do.",
        steps=f"Open the file with {mode} for this, or `'r+'` to read and write.",
        concepts=["file-io"],
    )


def _file_exists(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="creates a file that already exists (mode `'x'`, or `os.mkdir` of an existing folder)",
        why="Mode `'x'` and `os.mkdir` refuse to replace what is there, so you don't lose it by accident.",
        steps="Use `'w'` to overwrite the file (or `'a'` to add to it); for folders, "
        "`os.makedirs(path, exist_ok=True)`.",
        concepts=["file-io"],
    )


def _empty_stats(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="asks for a statistic of an empty list: there are no data points to average or count",
        why="`statistics.mean`, `median` and `mode` need at least one value (`stdev`, two).",
        steps="Check the list before: `if values: print(statistics.mean(values))`, and find out why it "
        "is empty.",
        concepts=["lists", "modules-imports"],
    )


def _randrange(m: re.Match[str], ctx: Ctx) -> Found:
    if m["how"] == "empty range":
        what = "asks for a random number from an empty range: the start is not below the stop"
        why = "`random.randrange(a, b)` picks from `a` up to `b - 1` and `random.randint(a, b)` from `a` "
        why += "to `b`; with `a` past the end there is nothing to pick from."
        steps = "Put the smaller number first: `random.randint(1, 5)`."
    else:
        what = "gives `random.randint`/`randrange` a bound that is not a whole number"
        why = "They pick whole numbers, so both bounds must be `int`s; for a random float use "
        why += "`random.uniform(a, b)`."
        steps = "Convert the bound with `int(…)`, or use `random.uniform(a, b)`."
    return Found(what=what, why=why, steps=steps, concepts=["modules-imports", "numbers"])


def _population(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="asks `random.sample` to pick from a set or dict, which has no positions to pick by",
        why="`random.sample(population, k)` needs a sequence (list, tuple, string, range).",
        steps="Turn it into a list first: `random.sample(list(items), k)` (or `sorted(items)`).",
        concepts=["modules-imports", "sets"],
    )


def _startswith(m: re.Match[str], ctx: Ctx) -> Found:
    meth = m["meth"]
    return Found(
        what=f"gives `{meth}` a list of prefixes: it takes one string or a tuple of strings",
        why=f"`s.{meth}(('a', 'b'))` tests several at once, but only with a tuple, not a list.",
        steps=f"Write the options as a tuple: `s.{meth}(tuple(options))` or `s.{meth}(('a', 'b'))`.",
        concepts=["string-methods", "tuples"],
    )


def _strip_arg(m: re.Match[str], ctx: Ctx) -> Found:
    meth = m["meth"]
    return Found(
        what=f"gives `{meth}` something other than a string of characters to remove",
        why=f"`s.{meth}(chars)` removes any of the characters in the string `chars` from the ends; with no "
        "argument it removes spaces and newlines.",
        steps=f"Pass the characters as text, `s.{meth}('0')`, or call `s.{meth}()` for whitespace.",
        concepts=["string-methods"],
    )


def _re_pattern(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"compiles a regular expression that is not valid ({m[0]})",
        why="In a regular expression `( ) [ ] { } . * + ? ^ $ \\ |` have special meanings; each `(` "
        "needs its `)`, and a character meant literally must be escaped with a backslash.",
        steps="Escape the special characters (`\\(` or `re.escape(text)`) and write the pattern as a raw "
        "string: `r'…'`.",
        concepts=["strings", "modules-imports"],
    )


def _expected_string(m: re.Match[str], ctx: Ctx) -> Found:
    got = m["got"] or m["got2"]
    return Found(
        what=f"gives {_a(got)} {code(got)} to a function that reads text (a `str`, or bytes)",
        why="`re` functions and `json.loads` read text; a number or list is not text to search or parse.",
        steps="Convert it with `str(…)` first, or pass the text you meant.",
        concepts=["type-conversion", "strings"],
    )


def _encoding(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what=f"names an encoding Python does not know ({code(m['enc'])})",
        why="Encodings are looked up by name: `'utf-8'`, `'ascii'`, `'latin-1'`, `'cp1252'`, …",
        steps="Check the spelling: most text today is `'utf-8'`.",
        concepts=["strings"],
    )


def _abstract(m: re.Match[str], ctx: Ctx) -> Found:
    cls, meths = m["cls"], m["meths"]
    plural = "s" if "," in meths else ""
    return Found(
        what=f"creates an object of the abstract class {code(cls)}, whose abstract method{plural} "
        f"({meths}) {'have' if plural else 'has'} no body yet",
        why=f"A class with `@abstractmethod` methods is a template: only a subclass that defines every one "
        f"of them (here {meths}) can make objects.",
        steps=f"Write a subclass, `class Square({cls}):`, that defines {meths}, and create that instead; "
        "or drop `@abstractmethod` if the base class should be usable itself.",
        concepts=["inheritance", "classes"],
    )


def _path_join(m: re.Match[str], ctx: Ctx) -> Found:
    got = m["got"]
    return Found(
        what=f"joins a path from parts of which one is {_a(got)} {code(got)}, not text",
        why="`os.path.join` glues folder and file names, which are strings (or `Path` objects).",
        steps="Convert the part with `str(…)`, e.g. `os.path.join('data', str(n))`.",
        concepts=["file-io", "type-conversion"],
    )


def _join_iterable(m: re.Match[str], ctx: Ctx) -> Found:
    return Found(
        what="calls `str.join` with a single value instead of a list (an iterable) of strings",
        why="`sep.join(items)` puts `sep` between the items of a list, tuple or other iterable; a "
        "number is one value with no items.",
        steps="Pass a list of strings: `', '.join(['a', 'b'])`; for numbers, "
        "`', '.join(str(n) for n in numbers)`.",
        concepts=["string-methods", "lists"],
    )


def _immutable_type(m: re.Match[str], ctx: Ctx) -> Found:
    attr, t = m["attr"], m["t"]
    verb = "sets" if m["how"] == "set" else "deletes"
    return Found(
        what=f"{verb} the attribute {code(attr)} of the built-in type {code(t)}, which cannot be changed",
        why=f"Built-in types such as {code(t)} are fixed: their attributes and methods cannot be added, "
        "replaced or removed from your code.",
        steps=f"Write a subclass, `class My{t.capitalize()}({t}):`, and give it the attribute there, or "
        "keep the value in a variable of your own.",
        concepts=["classes", "inheritance"],
    )


def _class_assign(m: re.Match[str], ctx: Ctx) -> Found:
    make = "`MyInt(1)` rather than changing `(1)`"
    for node in nodes_on_line(ctx.sit.tree, ctx.line, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and target.attr == "__class__":
            obj, cls = ctx.src(target.value), ctx.src(node.value)
            make = f"{code(f'{obj} = {cls}({obj})')}"
    return Found(
        what="assigns `__class__` of a built-in value (an `int`, `str`, `tuple`, …), which cannot change "
        "its class",
        why="Only objects of your own (mutable) classes can be switched to another class; built-in "
        "immutable values keep the type they were made with.",
        steps=f"Make a new object of the class you want instead: {make}.",
        concepts=["classes", "mutability"],
    )


def _name_string(m: re.Match[str], ctx: Ctx) -> Found:
    which = m["which"]
    return Found(
        what=f"sets (or deletes) `{which}` to something other than a string",
        why=f"`{which}` is the name Python shows for a function, class or generator; it must stay a `str`.",
        steps=f"Assign text: `obj.{which} = 'new_name'`.",
        concepts=["classes", "strings"],
    )


def _cannot_create(m: re.Match[str], ctx: Ctx) -> Found:
    t = m["t"]
    return Found(
        what=f"calls the type {code(t)} directly, and Python does not let you create {code(t)} objects "
        "that way",
        why=f"{code(t)} objects are only made by the operation that produces them (e.g. `d.items()` for "
        "`dict_items`, `iter(range(…))` for `range_iterator`).",
        steps="Get the object from that operation instead of calling its type, or build a `list(…)` of it.",
        concepts=["classes", "iterators"],
    )


# (error type, message pattern, rule); the first that matches and gives a Found answers.
RULES: list[tuple[str, str, Rule]] = [
    (
        "ValueError",
        r"^(?P<opt>Sign|Alternate form \(#\)|Zero padding|Negative zero coercion \(z\)|Precision|'.' "
        r"alignment(?: flag)?) (?:is )?not allowed (?:with|in) (?P<target>integer|string|complex) format "
        r"specifier",
        _spec_option,
    ),
    ("ValueError", r"^Cannot specify '(?P<a>.)' with '(?P<b>.)'\.", _spec_with),
    ("ValueError", r"^Cannot specify both '(?P<a>.)' and '(?P<b>.)'\.", _spec_both),
    (
        "ValueError",
        r"^Invalid format specifier '(?P<spec>.*)' for object of type '(?P<t>\w+)'",
        _spec_invalid,
    ),
    ("ValueError", r"^Too many decimal digits in format string", _spec_digits),
    (
        "TypeError",
        r"^(?:format\(\) argument 2|__format__\(\) argument) must be str, not (?P<t>\w+)",
        _spec_type,
    ),
    (
        "ValueError",
        r"^cannot switch from (?:automatic field numbering|manual field specification)",
        _numbering,
    ),
    (
        "ValueError",
        r"^(?:Empty attribute in format string|Only '\.' or '\[' may follow '\]'|expected ':' after "
        r"conversion specifier|Missing '\]' in format string|end of string while looking for conversion)",
        _field_syntax,
    ),
    ("ValueError", r"^Format string contains positional fields", _format_map),
    (
        "ValueError",
        r"^(?:unsupported format character '(?P<ch>.)' \(0x[0-9a-f]+\) at index \d+|incomplete format$)",
        _percent,
    ),
    ("TypeError", r"^%c requires (?:int or char|an int or a unicode character)", _percent_c),
    ("TypeError", r"^slice indices must be integers or None or have an __index__ method", _slice_bound),
    ("TypeError", r"^(?P<t>\w+) indices must be integers(?: or slices)?, not (?P<got>\w+)", _indices),
    (
        "TypeError",
        r"^(?P<f>isinstance|issubclass)\(\) (?:arg 2 must be a (?:type|class)|argument 2 cannot be a "
        r"parameterized generic)",
        _isinstance,
    ),
    ("TypeError", r"^issubclass\(\) arg 1 must be a class", _issubclass_first),
    ("TypeError", r"^'(?P<t>\w+)' object is not reversible", _reversible),
    ("ValueError", r"^(?:range\(\) arg 3 must not be zero|slice step cannot be zero)", _step_zero),
    ("ValueError", r"^cannot convert (?:float )?NaN to integer", _nan),
    ("ValueError", r"^(?P<t>tuple|sequence|deque|array|range)\.index\(x\): x not in", _not_in_seq),
    (
        "TypeError",
        r"^(?:(?P<f>\w+)\(\) argument (?:(?P<n>\d+) )?)?must be (?P<want>str|int|bytes), not (?P<got>\w+)$",
        _arg_type,
    ),
    ("TypeError", r"^int\(\) can't convert non-string with explicit base", _int_base),
    ("TypeError", r"^type\(\) takes 1 or 3 arguments", _type_args),
    ("TypeError", r"^map\(\) must have at least two arguments", _map_args),
    ("TypeError", r"^cannot convert '(?P<t>\w+)' object to bytes", _to_bytes),
    (
        "TypeError",
        r"^(?:[\w.]+\.)?__init__\(\) takes exactly one argument \(the instance to initialize\)",
        _object_init,
    ),
    ("TypeError", r"^catching classes that do not inherit from BaseException", _catch),
    (
        "ValueError",
        r"^zip\(\) argument (?P<b>\d+) is (?P<how>longer|shorter) than arguments? (?P<a>[\d-]+)",
        _zip_strict,
    ),
    (
        "ValueError",
        r"^dictionary update sequence element #(?P<i>\d+) has length (?P<n>\d+); 2 is required"
        r"|^cannot convert dictionary update sequence element #(?P<i2>\d+) to a sequence",
        _dict_pairs,
    ),
    ("TypeError", r"^vars\(\) argument must have __dict__ attribute", _vars),
    ("RecursionError", r"^maximum recursion depth exceeded", _recursion),
    (
        "TypeError",
        r"^(?:\w+\.)?(?P<m>__\w+__)\(?\)? returned non-(?P<want>\w+) \(type (?P<got>\w+)\)",
        _dunder_returned,
    ),
    ("ValueError", r"^__len__\(\) should return >= 0", _len_negative),
    ("AttributeError", r"^readonly attribute$", _readonly),
    ("TypeError", r"^unbound method (?P<meth>[\w.]+)\(\) needs an argument", _unbound),
    (
        "TypeError",
        r"^descriptor '(?P<meth>\w+)' requires a '(?P<cls>\w+)' object but received a '(?P<got>\w+)'",
        _descriptor_type,
    ),
    ("TypeError", r"^expected (?P<n>\d+) arguments?, got (?P<got>\d+)$", _expected_args),
    (
        "TypeError",
        r"^super\(\) argument 1 must be a type|^super\(type, obj\): obj must be an instance or subtype",
        _super_args,
    ),
    ("TypeError", r"^attribute name must be string, not '(?P<t>\w+)'", _attr_name),
    ("ValueError", r"^embedded null (?:byte|character)", _null),
    ("ValueError", r"^byteorder must be either 'little' or 'big'", _byteorder),
    (
        "TypeError",
        r"^(?P<cls>\w+)\(\) (?:accepts \d+ positional sub-patterns?|got multiple sub-patterns for attribute)"
        r"|^(?P<cls2>\w+)\.__match_args__ must be a tuple",
        _sub_patterns,
    ),
    ("TypeError", r"^type '(?P<t>\w+)' is not an acceptable base type", _base_type),
    (
        "ValueError",
        r"^complex\(\) arg is a malformed string",
        _complex_text,
    ),
    (
        "TypeError",
        r"^complex\(\) (?:second arg can't be a string|can't take second arg if first is a string)",
        _complex_text,
    ),
    ("ValueError", r"^pow\(\) 3rd argument cannot be 0", _pow_mod_zero),
    ("IndexError", r"^(?P<t>list|tuple|string|range object|deque) index out of range", _index_range),
    (
        "TypeError",
        r"^cannot convert dictionary update sequence element #(?P<i2>\d+) to a sequence",
        _dict_pairs,
    ),
    ("ValueError", r"^empty separator", _empty_separator),
    (
        "ValueError",
        r"^(?:year|month|day|hour|minute|second|microsecond) (?:\d+ )?(?:must be in|is out of range)",
        _date_range,
    ),
    ("ValueError", r"^sleep length must be non-negative", _negative_sleep),
    ("ZeroDivisionError", r"^0\.0 cannot be raised to a negative power", _zero_negative_power),
    ("TypeError", r"^must be real number, not (?P<got>\w+)", _real_number),
    ("TypeError", r"^'(?P<t>\w+)' object is not an iterator", _not_iterator),
    (
        "ValueError",
        r"^(?:must have exactly one of create/read/write/append mode|invalid mode: |can't have text and "
        r"binary mode at once)",
        _file_mode,
    ),
    ("ValueError", r"^I/O operation on closed file", _closed_file),
    ("UnsupportedOperation", r"^not (?P<what>writable|readable)", _unsupported_io),
    ("FileExistsError", r"File exists", _file_exists),
    (
        "StatisticsError",
        r"requires at least (?:one|two) data points?|^no mode for empty data|^no median for empty data",
        _empty_stats,
    ),
    ("ValueError", r"^(?P<how>empty range|non-integer (?:arg 1|stop|start)) for randrange", _randrange),
    ("TypeError", r"^Population must be a sequence", _population),
    (
        "TypeError",
        r"^(?P<meth>startswith|endswith) first arg must be (?:str|bytes) or a tuple",
        _startswith,
    ),
    ("TypeError", r"^(?P<meth>strip|lstrip|rstrip) arg must be None or str", _strip_arg),
    (
        "error",
        r"^(?:missing \)|unbalanced parenthesis|nothing to repeat|unterminated|bad escape)",
        _re_pattern,
    ),
    (
        "TypeError",
        r"^expected string or bytes-like object, got '(?P<got>\w+)'|^the JSON object must be str, bytes or "
        r"bytearray, not (?P<got2>\w+)",
        _expected_string,
    ),
    ("LookupError", r"^unknown encoding: (?P<enc>\S+)", _encoding),
    (
        "TypeError",
        r"^Can't instantiate abstract class (?P<cls>\w+) with abstract methods? (?P<meths>[\w, ]+)",
        _abstract,
    ),
    (
        "TypeError",
        r"^join\(\) argument must be str, bytes, or os\.PathLike object, not '(?P<got>\w+)'",
        _path_join,
    ),
    ("TypeError", r"^can only join an iterable", _join_iterable),
    (
        "TypeError",
        r"^cannot (?P<how>set|delete) '(?P<attr>\w+)' attribute of immutable type '(?P<t>\w+)'",
        _immutable_type,
    ),
    ("TypeError", r"^__class__ assignment only supported for mutable types", _class_assign),
    ("TypeError", r"^(?P<which>__name__|__qualname__) must be set to a string object", _name_string),
    ("TypeError", r"^cannot create '(?P<t>[\w.]+)' instances", _cannot_create),
    (
        "TypeError",
        r"^complex\(\) (?:first|second) argument must be a (?:string or a )?number, not",
        _complex_text,
    ),
]


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    if text.strip().startswith("raise ") or (
        line is not None and not other and nodes_on_line(sit.tree, line, ast.Raise)
    ):
        return None
    for etype, pattern, rule in RULES:
        m = re.search(pattern, sit.message)
        if m is None or etype != sit.error_type:
            continue
        here = line if not other else None
        calls = nodes_on_line(sit.tree, here, ast.Call) if here is not None else []
        found = rule(m, Ctx(sit, here, text if not other else "", calls))
        if found is None:
            continue
        where = cap(place(line, other, function) + called_from(sit))
        shown = f" ({code(text.strip())})" if text.strip() else ""
        return Diagnosis(
            # the error's name ties the explanation to the last line of the student's traceback
            summary=f"{where}{shown} raises {code(sit.error_type)} because it {found.what}.",
            plain=found.why,
            precise=found.why,
            fix_steps=found.steps,
            prevention=found.why,
            concepts=found.concepts,
            hints=[f"Look at line {line}: what does it ask Python to do?", found.why, found.steps],
            fix_code=found.fix_code if not other else None,
            culprit_line=line,
            culprit_where=other,
        )
    return None
