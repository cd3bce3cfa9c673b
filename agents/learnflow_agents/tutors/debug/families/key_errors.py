"""KeyError: a dictionary lookup for a key that isn't there. Finds the keys the dict does
have (from its literal, later ``d[k] = …`` assignments, or the variable summary), the
closest one to a typo, the number-vs-text mix-up, and the counting pattern that needs
``.get(key, 0)``."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import indent_of, replace_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation


def _key_value(message: str) -> object:
    try:
        return ast.literal_eval(message.strip())
    except (ValueError, SyntaxError):
        return message.strip().strip("'\"")


def _dict_keys(node: ast.AST | None) -> list[object]:
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant)]
    return []


def _dict_literal(sit: Situation, expr: ast.AST, line: int) -> ast.Dict | None:
    """The dict literal that ``expr`` (``d`` or ``d["a"]["b"]``) refers to, when static."""
    if isinstance(expr, ast.Name):
        binding = sit.facts.last_assignment_before(expr.id, line + 1)
        return binding.value if binding is not None and isinstance(binding.value, ast.Dict) else None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
        outer = _dict_literal(sit, expr.value, line)
        if outer is not None:
            for k, v in zip(outer.keys, outer.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == expr.slice.value and isinstance(v, ast.Dict):
                    return v
    return None


def _known_keys(sit: Situation, expr: ast.AST, line: int) -> list[object]:
    keys: list[object] = []
    literal = _dict_literal(sit, expr, line)
    keys.extend(_dict_keys(literal))
    if isinstance(expr, ast.Name):
        var = sit.variables.get(expr.id)
        if var is not None and var.repr:
            try:
                value = ast.literal_eval(var.repr)
                if isinstance(value, dict):
                    keys.extend(value)
            except (ValueError, SyntaxError):
                keys.extend(re.findall(r"'([^']+)'\s*:", var.repr))
        if sit.tree is not None:
            keys.extend(
                target.slice.value
                for node in ast.walk(sit.tree)
                if isinstance(node, ast.Assign) and node.lineno < line
                for target in node.targets
                if isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == expr.id
                and isinstance(target.slice, ast.Constant)
            )
        param = any(b.kind == "param" for b in sit.facts.bindings_of(expr.id))
        if not keys and param and sit.tree is not None:
            # A function parameter: the dicts passed to it are somewhere in the cell.
            for node in ast.walk(sit.tree):
                keys.extend(_dict_keys(node))
    return list(dict.fromkeys(k for k in keys if isinstance(k, str | int | float | bool | tuple)))


def _closest_key(key: object, keys: list[object]) -> object | None:
    from learnflow_agents.tutors.debug.code_facts import closest

    if not keys:
        return None
    if not isinstance(key, str):
        if str(key) in keys:
            return str(key)
        return None
    numeric = [k for k in keys if not isinstance(k, str) and str(k) == key]
    if numeric:
        return numeric[0]
    text_keys = [k for k in keys if isinstance(k, str)]
    match = closest(key, text_keys, cutoff=0.6)
    return match


def analyse(sit: Situation) -> Diagnosis | None:
    key = _key_value(sit.message)
    line, other, text, function = raise_site(sit)
    where = cap(place(line, other, function) + called_from(sit))
    if re.search(r"\.format(?:_map)?\(", text):
        from learnflow_agents.tutors.debug.families import call_site

        if (found := call_site.analyse(sit)) is not None:
            return found
    if sit.message == "'pop from an empty set'":
        return _empty_set_pop(sit, line, other, text, where)
    editable = sit.has_code and not other and sit.tree is not None
    if isinstance(key, str) and (named := _percent_named(sit, key, line, other, text, where, editable)):
        return named
    subs = fragment_nodes(sit, line, ast.Subscript, text=text if other else None)
    literal_subs = [s for s in subs if isinstance(s.slice, ast.Constant) and s.slice.value == key]
    sub = literal_subs[0] if literal_subs else (subs[0] if subs else None)
    if sub is None:
        return _missing_by_method(sit, key, line, other, text, where)
    container = segment(sit.code, sub.value) if editable else ast.unparse(sub.value)
    index = segment(sit.code, sub.slice) if editable else ast.unparse(sub.slice)
    counting = _counting(sit, sub, line, container, index, key, where, editable, other)
    if counting is not None:
        return counting
    keys = _known_keys(sit, sub.value, line or 0) if sit.tree is not None and not other else []
    if not keys and other is None and isinstance(sub.value, ast.Name):
        keys = _known_keys(sit, sub.value, line or 0)
    match = _closest_key(key, keys)
    shown_keys = ", ".join(repr(k) for k in keys[:8])
    fix = None
    if match is not None:
        new = repr(match)
        if editable and sub in literal_subs:
            fix = replace_node(sit.code, sub.slice, new)
        type_mix = type(match) is not type(key)
        reason = (
            f"`{key!r}` is a {type(key).__name__} but the key is the {type(match).__name__} `{match!r}`"
            if type_mix
            else f"you probably meant `{match!r}`"
        )
        summary = (
            f"{where} looks up the key `{key!r}` in `{container}`, which has no such key "
            f"(its keys: {shown_keys}) — {reason}."
        )
        steps = f"Write `{container}[{new}]`."
        mid = f"Compare `{key!r}` with the keys of `{container}`: {shown_keys}."
    else:
        get_expr = f"{container}.get({index})"
        if editable and isinstance(sub.ctx, ast.Load):
            fix = replace_node(sit.code, sub, get_expr)
        known = f" (its keys: {shown_keys})" if keys else ""
        summary = (
            f"{where} looks up `{key!r}` in `{container}`, but `{container}` has no key `{key!r}`{known}; "
            f"use `{get_expr}` (gives `None` when it's missing) or check `if {index} in {container}:` first."
        )
        steps = f"Use `{container}.get({index}, default)` or test `{index} in {container}` before reading it."
        mid = f"`{key!r}` is not among the keys of `{container}`."
    return Diagnosis(
        summary=summary,
        plain=f"A dictionary only answers for keys that were put into it, spelled exactly the same way "
        f"(capital letters and types count: `1` and `'1'` are different keys). `{container}` has no "
        f"`{key!r}`.",
        precise=f"`{container}[{index}]` calls `__getitem__`, which raises KeyError for a missing key. "
        + (f"Keys present: {shown_keys}." if keys else ""),
        analogy="a dictionary is like a coat check: you only get a coat back for a ticket number that was "
        "actually handed out.",
        deeper="`dict.get(k, default)` avoids the exception; `collections.defaultdict` or `Counter` remove "
        "the "
        "need for it in counting code; `setdefault` inserts and returns in one step.",
        fix_steps=steps,
        prevention=f"Print `{container}.keys()` when unsure, and use `.get()` or `in` when a key may be "
        "missing.",
        concepts=["dicts"],
        hints=[f"Which keys does `{container}` actually have? Print `{container}.keys()`.", mid, steps],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _percent_named(sit: Situation, key: str, line, other, text, where, editable) -> Diagnosis | None:
    """`"… %(1)s …" % dic1`: a named `%` placeholder looks its name up as a TEXT key in the dict;
    when the dict's key is the number (`{1: …}`), the fix reads that key and fills a plain `%s`."""
    for node in fragment_nodes(sit, line, ast.BinOp, text=text if other else None):
        fmt = node.left
        if not (
            isinstance(node.op, ast.Mod)
            and isinstance(fmt, ast.Constant)
            and isinstance(fmt.value, str)
            and f"%({key})" in fmt.value
        ):
            continue
        container = segment(sit.code, node.right) if editable else ast.unparse(node.right)
        keys = _known_keys(sit, node.right, line or 0) if sit.tree is not None and not other else []
        match = _closest_key(key, keys)
        placeholders = re.findall(r"%\((\w*)\)", fmt.value)
        fix, new = None, None
        if match is not None and type(match) is not str and len(placeholders) == 1:
            source = segment(sit.code, fmt) if editable else repr(fmt.value)
            new = f"{source.replace(f'%({key})', '%', 1)} % {container}[{match!r}]"
            fix = replace_node(sit.code, node, new) if editable else None
        shown_key, placeholder, box = code(repr(key)), code(f"%({key})s"), code(container)
        why = (
            f"{box}'s key is the number {code(repr(match))}, not the text {shown_key}"
            if match is not None and type(match) is not str
            else f"{box} has no key {shown_key}"
        )
        return Diagnosis(
            summary=f"{where} fills the placeholder {placeholder} from {box}: a named `%` placeholder "
            f"looks up its name as a text key, {shown_key}, and {why}."
            + (f" Read the key yourself: {code(new)}." if new else ""),
            plain=f"In `\"…%(name)s…\" % some_dict`, Python takes the word between the brackets as a "
            f"dictionary key — always as text. {placeholder} asks for the key {shown_key}; {why}.",
            precise="`%`-formatting with a mapping calls `mapping[name]` with the placeholder's name as a "
            "`str`; a missing key raises KeyError.",
            fix_steps=(f"Write {code(new)}" if new else f"Give {box} the key {shown_key}")
            + f", or use text keys in the dict ({code('{' + repr(key) + ': …}')}).",
            prevention="Placeholder names in `%(name)s` and `{name}` are always text; keep dictionary keys "
            "that you format by name as strings.",
            concepts=["dicts", "strings"],
            hints=[
                f"What key does {placeholder} look up in {box}?",
                f"Print {code(container + '.keys()')} and compare.",
                "A placeholder's name is always text.",
            ],
            fix_code=fix,
            culprit_line=line,
            culprit_where=other,
        )
    return None


def _counting(sit, sub, line, container, index, key, where, editable, other) -> Diagnosis | None:
    if sit.tree is None or other or line is None:
        return None
    aug = [a for a in fragment_nodes(sit, line, ast.AugAssign) if a.target is sub]
    if not aug:
        return None
    node = aug[0]
    op = {ast.Add: "+", ast.Sub: "-"}.get(type(node.op))
    if op is None:
        return None
    value = segment(sit.code, node.value)
    start = "0"
    new = f"{container}[{index}] = {container}.get({index}, {start}) {op} {value}"
    fix = (
        replace_line(sit.code, line, indent_of(sit.text(line)) + new)
        if editable and node.lineno == node.end_lineno
        else None
    )
    return Diagnosis(
        summary=f"{where} does `{container}[{index}] {op}= {value}`, but the first time the key `{key!r}` "
        "appears it isn't in "
        f"`{container}` yet, so there's nothing to add to: use `{new}`.",
        plain=f'`{container}[{index}] {op}= {value}` means "take the current count and add {value}". The '
        "first time a "
        f"key like `{key!r}` shows up, there is no current count yet.",
        precise=f"Augmented assignment first reads `{container}[{index}]`, which raises KeyError for a new "
        "key. "
        f"`{container}.get({index}, 0)` supplies a starting value.",
        analogy="it's like adding a tally mark to a row of the score sheet that hasn't been written yet.",
        deeper="`collections.Counter` (or `defaultdict(int)`) does this counting pattern for you.",
        fix_steps=f"Replace line {line} with `{new}`.",
        prevention="When counting with a dict, start every new key at 0 with `.get(key, 0)`, or use "
        "`Counter`.",
        concepts=["dicts"],
        hints=[
            f"What is in `{container}` the first time line {line} runs?",
            f"`{key!r}` isn't a key yet, so `{container}[{index}]` can't be read.",
            f"Write `{new}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        conceptual=True,
    )


def _missing_by_method(sit: Situation, key: object, line, other, text, where) -> Diagnosis | None:
    """`s.remove(42)` on a set, `d.pop(42)` on a dict: the method itself raises KeyError when the
    key (or element) is absent; each has a form that doesn't."""
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Attribute) and c.func.attr in ("remove", "pop") and c.args
    ]
    if not calls:
        return None
    call = calls[0]
    method = call.func.attr  # type: ignore[attr-defined]
    editable = sit.has_code and not other and sit.tree is not None
    owner = segment(sit.code, call.func.value) if editable else ast.unparse(call.func.value)  # type: ignore[attr-defined]
    arg = segment(sit.code, call.args[0]) if editable else ast.unparse(call.args[0])
    shown = f"{owner}.discard({arg})" if method == "remove" else f"{owner}.pop({arg}, None)"
    fix = replace_node(sit.code, call, shown) if editable and len(call.args) == 1 else None
    thing = "element" if method == "remove" else "key"
    kind = "set" if method == "remove" else "dict"
    return Diagnosis(
        summary=f"{where} calls `{owner}.{method}({arg})`, but the key `{key!r}` is not in `{owner}`: "
        f"`{method}` raises KeyError for a missing {thing}. Use `{shown}` if it may be absent, or check "
        f"`if {arg} in {owner}:` first.",
        plain=f"`{owner}` doesn't contain `{key!r}` when line {line} runs, and `{method}` insists on "
        f"finding it. `{shown}` does the same job but quietly does nothing when the {thing} isn't there.",
        precise=f"`{kind}.{method}(key)` raises KeyError when the key is absent; "
        + (
            "`set.discard` does not."
            if method == "remove"
            else "`dict.pop(key, default)` returns the default."
        ),
        fix_steps=f"Write `{shown}`, or guard with `if {arg} in {owner}:` if the key must be there.",
        prevention=f"Before removing a {thing}, ask whether it can be missing; use the forgiving form if so.",
        concepts=["sets" if kind == "set" else "dicts"],
        hints=[
            f"Is `{key!r}` in `{owner}` when line {line} runs?",
            f"Print `{owner}` before the call.",
            f"Use `{shown}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _empty_set_pop(sit: Situation, line, other, text, where) -> Diagnosis:
    """`s.pop()` on an empty set: a set's pop reports the empty set as a KeyError."""
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "pop"
    ]
    editable = sit.has_code and not other and sit.tree is not None
    recv = calls[0].func.value if calls else None  # type: ignore[attr-defined]
    name = (segment(sit.code, recv) if editable else ast.unparse(recv)) if recv is not None else "the set"
    return Diagnosis(
        summary=f"{where} calls `{name}.pop()`, but the set `{name}` is empty at that moment: there is no "
        "element left to remove (a set reports this as a KeyError).",
        plain=f"`pop()` takes out one element of a set. `{name}` has none left, so there is nothing to give "
        "back.",
        precise="`set.pop()` raises KeyError('pop from an empty set') when the set is empty.",
        fix_steps=f"Check first: `if {name}:` before `{name}.pop()`, or loop `while {name}:`.",
        prevention="Test a set (or its `len`) before popping from it.",
        concepts=["sets", "conditionals"],
        hints=[
            f"How many elements does `{name}` have when line {line} runs?",
            "An empty set has nothing to pop.",
            f"Guard the call with `if {name}:`.",
        ],
        culprit_line=line,
        culprit_where=other,
    )
