"""TypeError from using a built-in the way it does not work: a keyword it doesn't have (or
doesn't take at all), too many or too few arguments to a method, a method called on its class
instead of an object, a unary operator on a type without it, deleting an item of an immutable
or unordered container, and Python 2's ``print >> f, x``."""

from __future__ import annotations

import ast
import builtins
import inspect
import re

from learnflow_agents.tutors.debug.code_facts import closest, replace_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation

_INVALID_KW = re.compile(r"^'(?P<kw>\w+)' is an invalid keyword argument for (?P<func>[\w.]+)\(\)")
_NO_KW = re.compile(r"^(?P<func>[\w.]+)\(\) takes no keyword arguments")
_EXPECTED_AT = re.compile(
    r"^(?P<func>\w+) expected at (?P<bound>least|most) (?P<n>\d+) arguments?, got (?P<got>\d+)"
)
_DESCRIPTOR = re.compile(
    r"^descriptor '(?P<meth>\w+)' for '(?P<cls>\w+)' objects doesn't apply to a '(?P<got>\w+)' object"
)
_UNARY = re.compile(r"^bad operand type for (?:unary (?P<op>\S+)|(?P<func>abs)\(\)): '(?P<type>[\w.]+)'")
_NO_DELETE = re.compile(r"^'(?P<type>\w+)' object doesn't support item deletion")
_ARG_TYPE = re.compile(
    r"^(?P<func>int|float|complex)\(\) argument must be a string(?:, a bytes-like object)? or a "
    r"(?:real )?number, not '(?P<type>\w+)'"
)
_NO_ROUND = re.compile(r"^type (?P<type>\w+) doesn't define __round__ method")
_PERCENT = re.compile(
    r"^%(?P<code>\w) format: an? (?:real )?(?P<need>number|integer) is required, not (?P<type>\w+)"
)
_CHEVRON = re.compile(r"^\s*print\s*>>\s*(?P<stream>[^,]+?)\s*,\s*(?P<args>.+?)\s*$")

_UNARY_MEANING = {"-": "negation", "+": "unary plus", "~": "bitwise inversion"}


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    if "unsupported operand type(s) for >>" in msg and (found := _print_chevron(sit)) is not None:
        return found
    if m := _INVALID_KW.match(msg):
        return _invalid_keyword(sit, m["kw"], m["func"])
    if m := _NO_KW.match(msg):
        return _no_keywords(sit, m["func"])
    if m := _EXPECTED_AT.match(msg):
        return _count(sit, m["func"], m["bound"], int(m["n"]), int(m["got"]))
    if m := _DESCRIPTOR.match(msg):
        return _descriptor(sit, m["meth"], m["cls"], m["got"])
    if m := _UNARY.match(msg):
        return _unary(sit, m["op"] or m["func"], m["type"], is_call=m["func"] is not None)
    if m := _NO_DELETE.match(msg):
        return _no_delete(sit, m["type"])
    if m := _ARG_TYPE.match(msg):
        return _needs_number(sit, m["func"], m["type"])
    if m := _NO_ROUND.match(msg):
        return _needs_number(sit, "round", m["type"])
    if m := _PERCENT.match(msg):
        return _percent_code(sit, m["code"], m["type"])
    if msg.startswith("not enough arguments for format string"):
        return _percent_count(sit)
    return None


def _where(sit: Situation) -> tuple[int | None, str | None, str, str]:
    line, other, text, function = raise_site(sit)
    return line, other, text, cap(place(line, other, function) + called_from(sit))


def _editable(sit: Situation, other: str | None) -> bool:
    return sit.has_code and not other and sit.tree is not None


def _calls(sit: Situation, line: int | None, other: str | None, text: str) -> list[ast.Call]:
    return fragment_nodes(sit, line, ast.Call, text=text if other else None)


def _keywords_of(func: str) -> list[str]:
    """The keyword parameters of a built-in function or method, when Python can say."""
    owner, _, name = func.rpartition(".")
    target: object = getattr(builtins, name, None) if not owner else None
    if owner or target is None:
        for kind in (list, dict, str, set, tuple, int, float, bytes):
            if (not owner or kind.__name__ == owner) and hasattr(kind, name):
                target = getattr(kind, name)
                break
    if name == "print":
        return ["sep", "end", "file", "flush"]
    try:
        params = inspect.signature(target).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    return [
        p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]


def _invalid_keyword(sit: Situation, kw: str, func: str) -> Diagnosis:
    line, other, text, where = _where(sit)
    editable = _editable(sit, other)
    fix = None
    if func == "sort" and kw == "cmp":
        call = next(
            (c for c in _calls(sit, line, other, text) if any(k.arg == "cmp" for k in c.keywords)), None
        )
        if editable and call is not None and line is not None:
            value = segment(sit.code, next(k.value for k in call.keywords if k.arg == "cmp"))
            imported = re.search(r"^\s*import functools(?:\s+as\s+(\w+))?\s*$", sit.code, re.M)
            module = (imported.group(1) or "functools") if imported else "functools"
            new_line = re.sub(r"\bcmp\s*=\s*" + re.escape(value), f"key={module}.cmp_to_key({value})", text)
            fixed = replace_line(sit.code, line, new_line)
            fix = fixed if imported else "import functools\n" + fixed
        return Diagnosis(
            summary=f"{where} passes `cmp=` to `sort()`, but `cmp` is not a valid keyword argument of "
            "`sort()` in Python 3: wrap the comparison function with "
            "`functools.cmp_to_key` and pass it as `key=`.",
            plain="In Python 2, `sort(cmp=f)` took a function that compares two items. Python 3 removed "
            "`cmp`; `sort()` only takes `key=` (a function giving each item's sort value) and `reverse=`.",
            precise="`list.sort()` accepts only the keyword arguments `key` and `reverse`; "
            "`functools.cmp_to_key(f)` turns an old-style comparison function into a key.",
            fix_steps="Write `l.sort(key=functools.cmp_to_key(comp))` (after `import functools`), or "
            "better a `key=` function that returns what to sort by.",
            prevention="Sort with `key=`: e.g. `sorted(words, key=len)`.",
            concepts=["sorting", "parameters"],
            hints=[
                "Which keyword arguments does `sort()` accept?",
                "`cmp` was removed in Python 3.",
                "Use `key=functools.cmp_to_key(comp)`.",
            ],
            fix_code=fix,
            culprit_line=line,
            culprit_where=other,
        )
    valid = _keywords_of(func)
    match = closest(kw, valid, cutoff=0.6) if valid else None
    if match and editable and line is not None:
        new_line = re.sub(rf"\b{re.escape(kw)}(\s*=)", rf"{match}\1", text, count=1)
        fix = replace_line(sit.code, line, new_line) if new_line != text else None
    known = ", ".join(f"`{v}`" for v in valid) if valid else ""
    return Diagnosis(
        summary=f"{where} passes the keyword argument `{kw}=` to `{func}()`, which has no parameter named "
        f"`{kw}`" + (f": you probably meant `{match}=`." if match else "."),
        plain=f"A keyword argument (`name=value`) must use one of the names the function defines. `{func}()` "
        f"doesn't have one called `{kw}`" + (f"; its keyword arguments are {known}." if known else "."),
        precise=f"`{func}()` rejected the keyword argument `{kw}`"
        + (f"; it accepts {known}." if known else "; check its signature with `help()`."),
        fix_steps=(
            f"Rename `{kw}=` to `{match}=`."
            if match
            else f"Remove `{kw}=` or use a keyword "
            f"`{func}()` accepts" + (f" ({known})." if known else "; see `help()`.")
        ),
        prevention="Check a function's parameter names (Shift+Tab in Jupyter, or `help(…)`) before passing "
        "keyword arguments.",
        concepts=["parameters"],
        hints=[
            f"Which keyword arguments does `{func}()` accept?",
            f"`{kw}` is not one of them.",
            f"Use `{match}=`." if match else "Pass the value without a name, or remove it.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _no_keywords(sit: Situation, func: str) -> Diagnosis:
    line, other, text, where = _where(sit)
    call = next((c for c in _calls(sit, line, other, text) if c.keywords), None)
    fix = shown = None
    if call is not None and _editable(sit, other) and all(k.arg for k in call.keywords):
        parts = [segment(sit.code, a) for a in call.args] + [
            segment(sit.code, k.value) for k in call.keywords
        ]
        shown = f"{segment(sit.code, call.func)}({', '.join(parts)})"
        fix = replace_node(sit.code, call, shown)
    names = ", ".join(f"`{k.arg}=`" for k in call.keywords if k.arg) if call is not None else ""
    return Diagnosis(
        summary=f"{where} calls `{func}()` with a keyword argument ({names or 'name=value'}), but `{func}()` "
        "takes no keyword arguments: pass the values by position" + (f", {code(shown)}." if shown else "."),
        plain=f"Some built-ins only take their arguments in order, without names. `{func}()` is one: write "
        "just the value where the keyword argument was.",
        precise=f"`{func}` is implemented in C with positional-only parameters, so it takes no keyword "
        "arguments (`help()` shows them before a `/`).",
        fix_steps="Drop the `name=` part and pass the value in its position"
        + (f": {code(shown)}." if shown else "."),
        prevention="In `help(…)`, parameters before `/` can only be passed by position.",
        concepts=["parameters"],
        hints=[
            f"Does `{func}()` accept `name=value` arguments?",
            "It takes values by position only.",
            "Remove the `name=` part.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _count(sit: Situation, func: str, bound: str, n: int, got: int) -> Diagnosis:
    line, other, _text, where = _where(sit)
    need = f"at {bound} {n} argument{'s' if n != 1 else ''}"
    return Diagnosis(
        summary=f"{where} calls `{func}()` with {got} argument{'s' if got != 1 else ''}, but `{func}` "
        f"expects {need}.",
        plain=f"`{func}` needs {need}; the call on line {line} gives it {got}. Check what each argument is "
        f"for with `help(…{func})`.",
        precise=f"Argument count check failed for `{func}`: {need}, got {got}.",
        fix_steps=f"Call `{func}` with {need}"
        + (" (for `dict.get`: the key, then optionally a default value)." if func == "get" else "."),
        prevention="Look at a method's signature (Shift+Tab in Jupyter) before calling it.",
        concepts=["parameters"],
        hints=[
            f"How many arguments does line {line} pass to `{func}`?",
            f"`{func}` expects {need}.",
            "Add or remove arguments to match.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _descriptor(sit: Situation, meth: str, cls: str, got: str) -> Diagnosis:
    line, other, _text, where = _where(sit)
    example = {"list": "numbers = []", "set": "seen = set()", "dict": "d = {}", "str": "s = ''"}.get(
        cls, f"obj = {cls}()"
    )
    obj = example.split(" =")[0]
    return Diagnosis(
        summary=f"{where} calls the method `{meth}` on the class `{cls}` itself, so Python takes the `{got}` "
        f"argument as the `{cls}` object to work on (`self`): call it on a `{cls}` instance instead, e.g. "
        f"`{example}` then `{obj}.{meth}(…)`.",
        plain=f"`{cls}.{meth}` is the method as written in the class; it needs to know *which* `{cls}` to "
        f"change. `{obj}.{meth}(x)` says which; `{cls}.{meth}(x)` makes Python use `x` (an `{got}`) as that "
        "object.",
        precise=f"Calling an unbound method descriptor `{cls}.{meth}(x)` binds `x` as `self`, and the "
        f"descriptor checks that `self` is a `{cls}` instance; a `{got}` is not.",
        fix_steps=f"Create a `{cls}` object (`{example}`) and call `{obj}.{meth}(…)` on it.",
        prevention="Call methods on objects (`my_list.append(x)`), not on the type (`list.append`).",
        concepts=["classes"],
        hints=[
            f"Which `{cls}` should `{meth}` change?",
            f"`{cls}.{meth}` is called on the class, not an object.",
            f"Use `{obj}.{meth}(…)`.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _unary(sit: Situation, op: str, typ: str, *, is_call: bool) -> Diagnosis:
    line, other, _text, where = _where(sit)
    what = f"`{op}()`" if is_call else f"the unary `{op}` ({_UNARY_MEANING.get(op, 'operator')})"
    return Diagnosis(
        summary=f"{where} applies {what} to a `{typ}` value, and `{typ}` doesn't support `{op}`: it works on "
        "numbers.",
        plain=f"{cap(what)} is defined for numbers (`{op}5`" + (")" if not is_call else "") + f" is fine), "
        f"but a `{typ}` has no such operation, so Python stops.",
        precise=f"`{typ}` does not implement "
        + (
            "`__abs__`"
            if is_call
            else {"-": "`__neg__`", "+": "`__pos__`", "~": "`__invert__`"}.get(op, "it")
        )
        + f", so {what} cannot be applied to it.",
        fix_steps=f"Apply {what} to a number: check which value is a `{typ}` here (print it and its type) "
        "and convert or pick the right one.",
        prevention="Know each variable's type; `print(type(x))` when unsure.",
        concepts=["numbers"],
        hints=[
            f"What type is the value {what} is applied to?",
            f"`{typ}` doesn't support `{op}`.",
            "Use a number there.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _no_delete(sit: Situation, typ: str) -> Diagnosis:
    line, other, text, where = _where(sit)
    fix = shown = None
    m = re.match(r"^(\s*)del\s+(\w+)\[(.+)\]\s*$", text)
    if m:
        indent, name, key = m.groups()
        if typ == "set":
            shown = f"{name}.remove({key})"
        elif typ == "str" and re.fullmatch(r"-?\d+", key.strip()):
            shown = f"{name} = {name}[:{key}] + {name}[{int(key) + 1}:]" if int(key) >= 0 else None
        elif typ == "tuple" and re.fullmatch(r"\d+", key.strip()):
            shown = f"{name} = {name}[:{key}] + {name}[{int(key) + 1}:]"
        if shown and _editable(sit, other) and line is not None:
            fix = replace_line(sit.code, line, indent + shown)
    why = {
        "set": "a `set` has no positions or keys: `s[42]` means nothing, so there is no item to delete by "
        "index. Remove the element itself with `remove` (or `discard`, which doesn't fail when it's absent)",
        "str": "a `str` is immutable: you can't delete (or change) a character in place. Build a new "
        "string without it, using slices",
        "tuple": "a `tuple` is immutable: you can't delete an item in place. Build a new tuple without it",
    }.get(typ, f"a `{typ}` does not let you delete items with `del x[…]`")
    return Diagnosis(
        summary=f"{where} tries to delete an item with `del …[…]`, but a `{typ}` doesn't support item "
        "deletion" + (f": write {code(shown)}." if shown else "."),
        plain=cap(why) + ".",
        precise=f"`{typ}` does not implement `__delitem__`; {why}.",
        fix_steps=(
            f"Replace the line with {code(shown)}." if shown else "Build a new value without the item."
        )
        + (" Use `discard` instead of `remove` if the element may be absent." if typ == "set" else ""),
        prevention="Remember which types are immutable (str, tuple) or unordered (set).",
        concepts=["mutability"] if typ != "set" else ["sets"],
        hints=[
            f"Can a `{typ}` be changed item by item?",
            f"`del x[…]` doesn't work on a `{typ}`.",
            f"Use {code(shown)}." if shown else "Build a new value.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _print_chevron(sit: Situation) -> Diagnosis | None:
    line, other, text, where = _where(sit)
    m = _CHEVRON.match(text)
    if m is None:
        return None
    indent = text[: len(text) - len(text.lstrip())]
    shown = f"print({m['args']}, file={m['stream']})"
    fix = replace_line(sit.code, line, indent + shown) if _editable(sit, other) and line is not None else None
    return Diagnosis(
        summary=f"{where} uses Python 2's `print >> {m['stream']}, …` to print to a file. In Python 3 "
        f"`print` is a function, so `>>` tries to shift the function itself, which raises the TypeError: "
        f"write {code(shown)}.",
        plain="Python 3's `print` is a function: the values go in brackets, and the place to print to is "
        "given with `file=`. `print >> f` is the old Python 2 form.",
        precise=f"`print >> {m['stream']}` evaluates `print.__rshift__({m['stream']})`, which functions "
        "don't support; in Python 3 use the `file` keyword argument.",
        fix_steps=f"Write {code(shown)}.",
        prevention="Always call `print(…)` with brackets; `file=` sends the output to a file.",
        concepts=["file-io"],
        hints=[
            "Is `print` a statement or a function in Python 3?",
            "`>>` is a shift operator here.",
            f"Write {code(shown)}.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _needs_number(sit: Situation, func: str, typ: str) -> Diagnosis:
    """`int(None)`, `round("2.5")`: the function works on a number (or, for int/float, its text),
    and got something else."""
    line, other, text, where = _where(sit)
    fix = shown = None
    call = next(
        (
            c
            for c in _calls(sit, line, other, text)
            if isinstance(c.func, ast.Name) and c.func.id == func and c.args
        ),
        None,
    )
    if func == "round" and typ == "str" and call is not None and _editable(sit, other):
        arg = segment(sit.code, call.args[0])
        shown = f"round(float({arg}){''.join(', ' + segment(sit.code, a) for a in call.args[1:])})"
        fix = replace_node(sit.code, call, shown)
    if typ == "NoneType":
        origin = (
            "The value is `None`: usually the result of a function that has no `return` (or of a "
            "method like `list.sort()`, which changes the list and returns `None`)."
        )
    elif typ == "str":
        origin = "The value is text (a `str`, e.g. from `input()`); convert it with `float(…)` first."
    else:
        origin = f"The value is a `{typ}`."
    needs = "a number or a string of digits" if func in ("int", "float", "complex") else "a number"
    return Diagnosis(
        summary=f"{where} passes a `{typ}` value to `{func}()`, which needs {needs}."
        + (f" Convert it first: {code(shown)}." if shown else f" {origin}"),
        plain=f"`{func}()` works on {needs}. {origin}",
        precise=f"`{func}()` got a `{typ}` argument; it accepts {needs}. {origin}",
        fix_steps=(
            f"Write {code(shown)}."
            if shown
            else f"Find where the value passed to `{func}()` comes "
            f"from (print it and `type(…)` just before line {line}) and make it {needs}."
        ),
        prevention="Check what a function returns before using its result; `print(type(x))` when unsure.",
        concepts=["type-conversion", "none"] if typ == "NoneType" else ["type-conversion"],
        hints=[
            f"What type is the value passed to `{func}()` on line {line}?",
            origin,
            f"Give `{func}()` {needs}.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _percent_code(sit: Situation, letter: str, typ: str) -> Diagnosis:
    line, other, _text, where = _where(sit)
    return Diagnosis(
        summary=f"{where} formats a `{typ}` with `%{letter}`, which needs a number: use `%s` for text, or "
        f"convert the value to a number first (or use an f-string).",
        plain=f"In `'…' % value`, each `%{letter}` placeholder expects a number, but the value given is a "
        f"`{typ}`. `%s` accepts anything; `f'{{value}}'` is the modern way.",
        precise=f"printf-style formatting: the `%{letter}` conversion requires a number, got `{typ}`.",
        fix_steps=f"Use `%s` instead of `%{letter}`, convert the value with `int(…)`/`float(…)`, or write "
        "an f-string.",
        prevention="Prefer f-strings: `f'{x}'` formats any value.",
        concepts=["strings", "f-strings"],
        hints=[
            f"What type is the value for `%{letter}`?",
            f"`%{letter}` needs a number.",
            "Use `%s` or an f-string.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _percent_count(sit: Situation) -> Diagnosis:
    line, other, _text, where = _where(sit)
    return Diagnosis(
        summary=f"{where} has more `%` placeholders in the format string than values after `%`: not enough "
        "arguments for the format string. Give one value per placeholder, in a tuple.",
        plain="In `'… %s … %s' % (a, b)`, each `%s` takes the next value of the tuple after `%`. There are "
        "fewer values than placeholders here.",
        precise="printf-style formatting ran out of arguments: the tuple after `%` is shorter than the "
        "number of conversion specifiers.",
        fix_steps="Count the `%s`/`%d` placeholders and pass exactly that many values: `'%s %s' % (a, b)`; "
        "or use an f-string.",
        prevention="Prefer f-strings: each value sits inside its own placeholder.",
        concepts=["strings", "f-strings"],
        hints=["Count the placeholders.", "Count the values after `%`.", "Make them equal."],
        culprit_line=line,
        culprit_where=other,
    )
