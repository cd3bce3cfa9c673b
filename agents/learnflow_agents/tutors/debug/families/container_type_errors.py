"""TypeError around containers: unhashable keys, indexing what can't be indexed, looping
over a number, changing an immutable string or tuple, wrong index types."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import (
    indent_of,
    nodes_on_line,
    replace_line,
    replace_node,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.families.none_origin import NoneOrigin, find_none_origin
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import guess_type, name_type

_UNHASHABLE = re.compile(r"unhashable type: '(?P<type>\w+)'")
_NOT_SUBSCRIPTABLE = re.compile(r"'(?P<type>[\w.]+)' object is not subscriptable")
_NOT_ITERABLE = re.compile(
    r"(?:'(?P<t1>\w+)' object is not iterable|cannot unpack non-iterable (?P<t2>\w+) object|"
    r"argument of type '(?P<t3>\w+)' is not iterable)"
)
_ITEM_ASSIGN = re.compile(r"'(?P<type>\w+)' object does not support item assignment")
_INDICES = re.compile(
    r"(?P<seq>list|tuple|string|str|range) indices must be integers(?: or slices)?, not '?(?P<type>\w+)'?"
)
_AS_INT = re.compile(r"'(?P<type>[\w.]+)' object cannot be interpreted as an integer")
_NO_LEN = re.compile(r"object of type '(?P<type>\w+)' has no len\(\)")
_JOIN = re.compile(r"sequence item (?P<i>\d+): expected str instance, (?P<type>\w+) found")

_KIND = {
    "list": "a list", "dict": "a dictionary", "set": "a set", "int": "a whole number",
    "float": "a decimal number", "str": "text", "NoneType": "`None`", "function": "a function",
    "tuple": "a tuple",
}  # fmt: skip


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    handlers = (
        (_UNHASHABLE, _unhashable), (_NOT_SUBSCRIPTABLE, _not_subscriptable), (_NOT_ITERABLE, _not_iterable),
        (_ITEM_ASSIGN, _item_assignment), (_INDICES, _bad_index), (_AS_INT, _as_int), (_NO_LEN, _no_len),
        (_JOIN, _join),
    )  # fmt: skip
    for pattern, handler in handlers:
        if m := pattern.search(msg):
            return handler(sit, m)
    return None


def _editable(sit: Situation, other: str | None) -> bool:
    return sit.has_code and not other and sit.tree is not None


def _src(sit: Situation, node: ast.AST, other: str | None) -> str:
    return segment(sit.code, node) if _editable(sit, other) else ast.unparse(node)


def _diag(
    sit: Situation,
    *,
    summary,
    plain,
    precise,
    steps,
    concepts,
    hints_mid,
    fix=None,
    culprit=None,
    conceptual=False,
    analogy="",
    deeper="",
    prevention="",
    other=None,
) -> Diagnosis:
    line = raise_site(sit)[0]
    return Diagnosis(
        summary=summary,
        plain=plain,
        precise=precise,
        analogy=analogy,
        deeper=deeper,
        fix_steps=steps,
        prevention=prevention
        or "Check what type a value has (`type(x)`) before indexing, looping over or changing it.",
        concepts=concepts,
        hints=[f"What type of value is involved on line {line}? Try `type(...)`.", hints_mid, steps],
        fix_code=fix,
        culprit_line=culprit if culprit is not None else line,
        culprit_where=other,
        conceptual=conceptual,
    )


def _none_diag(sit: Situation, node: ast.AST | None, action: str, line, other, function) -> Diagnosis:
    origin: NoneOrigin | None = (
        find_none_origin(sit, node, line) if node is not None and line and not other else None
    )
    shown = _src(sit, node, other) if node is not None else "the value"
    where = cap(place(line, other, function) + called_from(sit))
    reason = origin.reason if origin else f"{code(shown)} is `None` when line {line} runs"
    return _diag(
        sit,
        summary=f"{where} {action} {code(shown)}, but it is `None`: {reason}.",
        plain=f'`None` means "no value", so there is nothing to {action.split()[0]}. {cap(reason)}.',
        precise=f"{code(shown)} evaluates to `None`; `NoneType` supports neither indexing nor iteration. "
        f"{cap(reason)}.",
        steps=origin.fix_steps
        if origin
        else f"Make sure {code(shown)} gets a real value before line {line}.",
        concepts=[origin.concept, "none"]
        if origin and origin.concept != "none"
        else ["none", "return-values"],
        hints_mid=f"{code(shown)} is `None` — where does it get its value?",
        fix=origin.fix_code if origin else None,
        culprit=origin.line if origin else line,
        conceptual=bool(origin and origin.kind in ("no-return", "in-place", "print")),
        analogy="it's like opening a parcel that turns out to be empty.",
        prevention="Functions must `return` their result, and in-place methods like `.sort()` return `None` "
        "— "
        "don't assign their result.",
        other=other,
    )


def _unhashable(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    edits: list[tuple[ast.AST, str]] = []
    culprit_name = None
    for sub in fragment_nodes(sit, line, ast.Subscript, text=text if other else None):
        key = sub.slice
        if isinstance(key, ast.List):
            edits.append(
                (
                    key,
                    "("
                    + ", ".join(_src(sit, e, other) for e in key.elts)
                    + ("," if len(key.elts) == 1 else "")
                    + ")",
                )
            )
        elif isinstance(key, ast.Name) and name_type(sit, key.id, line) in (typ, None):
            edits.append((key, f"tuple({key.id})"))
            culprit_name = key.id
        break
    for lit in fragment_nodes(sit, line, (ast.Set, ast.Dict), text=text if other else None):
        elts = lit.elts if isinstance(lit, ast.Set) else [k for k in lit.keys if k is not None]
        edits.extend(
            (e, "(" + ", ".join(_src(sit, x, other) for x in e.elts) + ")")
            for e in elts
            if isinstance(e, ast.List)
        )
    for call in fragment_nodes(sit, line, ast.Call, text=text if other else None):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add" and call.args:
            arg = call.args[0]
            if isinstance(arg, ast.List):
                edits.append((arg, "(" + ", ".join(_src(sit, e, other) for e in arg.elts) + ")"))
            elif isinstance(arg, ast.Name):
                edits.append((arg, f"tuple({arg.id})"))
                culprit_name = arg.id
    fix = None
    if edits and _editable(sit, other) and typ == "list":
        from learnflow_agents.tutors.debug.code_facts import replace_nodes

        fix = replace_nodes(sit.code, edits)
    what = f"`{culprit_name}` (a {typ})" if culprit_name else f"a {typ}"
    steps = (
        f"Use a tuple instead of a list as the key: {', '.join(code(t) for _, t in edits)}."
        if edits and typ == "list"
        else f"Use an immutable value (a tuple, a string, a number) instead of a {typ} as the key."
    )
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} uses {what} as a dictionary key or set element, but a "
        f"{typ} can "
        f"change, so it can't be hashed; use a tuple instead.",
        plain=f"Dictionary keys and set items must be values that can never change. A {typ} can change (you "
        "can "
        f"add to it), so Python refuses it on line {line}. A tuple holds the same items but can't change.",
        precise=f"Dict keys and set elements must be hashable; `{typ}` is mutable and defines `__hash__ = "
        "None`, so "
        "it can't be a key. Use an immutable equivalent (`tuple`, `frozenset`).",
        analogy="a dictionary finds things by their label; a label that can be rewritten later would make "
        "things impossible to find again.",
        deeper="Hash-based containers store items by `hash(key)`; a mutable key could change its hash after "
        "insertion and become unreachable, hence the rule.",
        steps=steps,
        concepts=[
            "mutability",
            "dicts" if "Dict" in sit.text(line) or "[" in sit.text(line) else "sets",
            "tuples",
        ],
        hints_mid=f"A {typ} can't be a dictionary key or a set element.",
        fix=fix,
        conceptual=True,
        prevention="Keys must be immutable: strings, numbers, tuples. Convert a list with `tuple(...)` "
        "first.",
        other=other,
    )


def _not_subscriptable(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    subs = fragment_nodes(sit, line, ast.Subscript, text=text if other else None)
    sub = subs[0] if subs else None
    if typ == "NoneType":
        none_subs = [s for s in subs if guess_type(sit, s.value, line) == "NoneType"] or subs
        target = none_subs[0].value if none_subs else None
        return _none_diag(sit, target, "indexes", line, other, function)
    shown = _src(sit, sub.value, other) if sub is not None else "the value"
    index = _src(sit, sub.slice, other) if sub is not None else "…"
    fix = None
    if typ in ("function", "builtin_function_or_method", "method", "type") and sub is not None:
        new = f"{shown}({index})"
        if _editable(sit, other):
            fix = replace_node(sit.code, sub, new)
        return _diag(
            sit,
            summary=f"{cap(place(line, other, function))} writes `{shown}[{index}]` with square brackets, "
            f"but `{shown}` "
            f"is a function: call it with round brackets, `{new}`.",
            plain=f"Square brackets fetch an item from a list or dictionary; round brackets run a function. "
            f"`{shown}` is a function, so it needs `({index})`.",
            precise=f"`{shown}` is a `{typ}` and defines no `__getitem__`; a call uses `()`.",
            steps=f"Write `{new}`.",
            concepts=["functions"],
            hints_mid=f"`{shown}` is a function, not a list.",
            fix=fix,
            other=other,
        )
    if typ in ("int", "float") and sub is not None:
        new = f"str({shown})[{index}]"
        if _editable(sit, other):
            fix = replace_node(sit.code, sub, new)
        binding = sit.facts.last_assignment_before(shown, (line or 0) + 1) if shown.isidentifier() else None
        made = f" (set on line {binding.line})" if binding else ""
        return _diag(
            sit,
            summary=f"{cap(place(line, other, function))} indexes `{shown}`{made}, but it is {_KIND[typ]} "
            f"(`{typ}`), "
            f"which has no positions; to get its digits, index its text: `{new}`.",
            plain=f"A number is a single value, not a sequence of digits, so `{shown}[{index}]` means "
            "nothing to Python. "
            f"Turn it into text first with `str({shown})` if you want its digits.",
            precise=f"`{typ}` is not a sequence and has no `__getitem__`. Convert with `str({shown})` to "
            "index digits, "
            "or check whether a list was intended.",
            steps=f"Write `{new}` if you want a digit; otherwise make `{shown}` a list.",
            concepts=["indexing", "type-conversion"],
            hints_mid=f"`{shown}` is an `{typ}`, not a list or a string.",
            fix=fix,
            other=other,
        )
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} indexes `{shown}`, but it is a `{typ}`, which doesn't "
        "support `[...]`.",
        plain="Only things with positions or keys (lists, strings, tuples, dictionaries) can be indexed "
        "with `[...]`; "
        f"`{shown}` is a `{typ}`.",
        precise=f"`{typ}` has no `__getitem__`, so `{shown}[{index}]` fails.",
        steps=f"Check what `{shown}` holds at line {line}.",
        concepts=["indexing"],
        hints_mid=f"`{shown}` is a `{typ}`.",
        other=other,
    )


def _numbers_given_apart(sit: Situation, typ: str, line: int | None) -> Diagnosis | None:
    """`sum(1, 2, 3)`: the numbers were passed one by one; sum takes one collection of them."""
    if typ not in ("int", "float") or line is None or sit.tree is None or not sit.has_code:
        return None
    calls = [
        c
        for c in nodes_on_line(sit.tree, line, ast.Call)
        if isinstance(c.func, ast.Name) and c.func.id == "sum" and len(c.args) >= 2 and not c.keywords
    ]
    if len(calls) != 1:
        return None
    call = calls[0]
    items = ", ".join(segment(sit.code, a) for a in call.args)
    new = f"sum([{items}])"
    return _diag(
        sit,
        summary=f"Line {line} calls `sum({items})` with the numbers one by one, but `sum` takes one "
        f"collection of numbers (its second argument is only a starting value): write {code(new)}, or "
        f"{code(' + '.join(segment(sit.code, a) for a in call.args))}.",
        plain="`sum` adds up the items of a list (or other collection) you give it as one argument.",
        precise="`sum(iterable, /, start=0)` iterates its first argument; an int is not iterable.",
        steps=f"Put the numbers in a list: {code(new)}.",
        concepts=["lists", "functions"],
        hints_mid="How many arguments does `sum` expect?",
        fix=replace_node(sit.code, call, new),
    )


def _not_iterable(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["t1"] or m["t2"] or m["t3"]
    line, other, text, function = raise_site(sit)
    if not other and (found := _numbers_given_apart(sit, typ, line)) is not None:
        return found
    loops = list(fragment_nodes(sit, line, (ast.For, ast.comprehension), text=text if other else None))
    loop_iter = None
    for loop in loops:
        if getattr(loop, "lineno", line) == line or isinstance(loop, ast.comprehension):
            loop_iter = loop.iter
            break
    if typ in ("int", "float", "bool") and m["t1"]:
        # `sum(total)`, also as a loop's iterable (`for x in sorted(n)`): the built-in, not
        # the loop, was handed the number.
        walkers = [
            c
            for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
            if isinstance(c.func, ast.Name) and c.func.id in _WALKERS and len(c.args) == 1
            and not isinstance(c.args[0], ast.Starred)
            and (loop_iter is None or c is loop_iter)
        ]  # fmt: skip
        if walkers:
            call = walkers[0]
            assert isinstance(call.func, ast.Name)
            return _walker_given_a_number(sit, call.func.id, call.args[0], typ, line, other, function)
    if loop_iter is None:
        calls = [c for c in fragment_nodes(sit, line, ast.Call, text=text if other else None) if c.args]
        loop_iter = calls[0].args[0] if calls and m["t1"] else None
        if isinstance(loop_iter, ast.Starred) and typ != "NoneType":
            return _unpacked_arguments(sit, calls[0], typ, line, other, function)
    if typ == "NoneType":
        return _none_diag(sit, loop_iter, "loops over", line, other, function)
    if m["t3"]:
        return _diag(
            sit,
            summary=f"{cap(place(line, other, function))} uses `in` on a `{typ}`, but `in` needs a "
            "collection "
            "(list, string, dict…) to look inside.",
            plain=f'`x in y` asks "is x one of the things inside y?" — a `{typ}` has nothing inside it.',
            precise=f"The membership test's right operand is a `{typ}`, which supports neither "
            "`__contains__` nor iteration.",
            steps=f"Make the right side of `in` a collection on line {line}, or compare with `==`.",
            concepts=["comparison", "lists"],
            hints_mid=f"The right side of `in` is a `{typ}`.",
            other=other,
        )
    if m["t2"]:
        return _diag(
            sit,
            summary=f"{cap(place(line, other, function))} unpacks a single `{typ}` into several names; "
            "unpacking "
            "needs a sequence with one value per name.",
            plain=f"`a, b = value` splits a collection into parts. A `{typ}` is just one value, so it can't "
            "be split.",
            precise=f"Iterable unpacking requires an iterable; `{typ}` is not one.",
            steps=f"Make the right side of `=` on line {line} a tuple/list with one value per name.",
            concepts=["unpacking"],
            hints_mid=f"The value being unpacked is a `{typ}`.",
            other=other,
        )
    shown = _src(sit, loop_iter, other) if loop_iter is not None else "the value"
    fix = None
    new = f"range({shown})"
    if loop_iter is not None and typ in ("int",) and _editable(sit, other):
        fix = replace_node(sit.code, loop_iter, new)
    counting = typ == "int"
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} loops over `{shown}`, which is "
        f"{_KIND.get(typ, 'a ' + typ)} (`{typ}`), "
        + (f"not a collection; to count, loop over `{new}`." if counting else "which can't be looped over."),
        plain="A `for` loop walks through the items of a collection one by one. "
        + (
            f"`{shown}` is a single number, so there are no items. `{new}` gives the numbers 0, 1, 2, … up "
            "to it."
            if counting
            else f"`{shown}` is a `{typ}` and has no items."
        ),
        precise=f"`for` calls `iter()` on its iterable; `{typ}` does not implement `__iter__`."
        + (f" `range({shown})` produces the integers `0 … {shown} - 1`." if counting else ""),
        analogy="a number is like a single brick; `range()` turns it into a staircase you can walk step by "
        "step.",
        deeper="`range` is a lazy sequence: it doesn't build a list, so `range(10**9)` costs no memory.",
        steps=f"Write `for … in {new}:`." if counting else f"Loop over a collection instead of `{shown}`.",
        concepts=["for-loops", "range"],
        hints_mid=f"`{shown}` is {_KIND.get(typ, typ)}, not a list of things.",
        fix=fix,
        conceptual=counting,
        prevention="Loop over collections directly (`for x in items`) and over `range(n)` when you need to "
        "count.",
        other=other,
    )


# Built-ins that walk through the items of their argument (the error names no loop).
_WALKERS = {
    "sum": "adds up", "max": "picks the largest of", "min": "picks the smallest of",
    "sorted": "sorts", "list": "collects", "tuple": "collects", "set": "collects",
    "any": "checks", "all": "checks", "enumerate": "numbers", "reversed": "reverses",
}  # fmt: skip


def _walker_given_a_number(
    sit: Situation, named: str, arg: ast.expr, typ: str, line, other, function
) -> Diagnosis:
    """``sum(total)`` with a number: the call wants the collection of values, not one value.
    No code fix: ``range(total)`` would run but compute something else (0 + 1 + … + total-1),
    and whether the student meant the number itself or a list cannot be read from the line."""
    shown = _src(sit, arg, other)
    val = code(shown)
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} calls `{named}()` on {val}, which is "
        f"{_KIND.get(typ, 'a ' + typ)} (`{typ}`); `{named}()` iterates over a collection and "
        f"{_WALKERS[named]} its items, and a single number has no items.",
        plain=f"`{named}(...)` needs a collection of values, such as a list: `{named}([3, 5, 2])`. "
        f"{val} is one number. If it already is the result you wanted, use {val} as it is; "
        f"if you meant the list of values, pass that list to `{named}()`.",
        precise=f"`{named}()` iterates over its argument; `{typ}` does not implement `__iter__`.",
        steps=f"On line {line}, pass `{named}()` the list (or other collection) of values, or drop "
        f"`{named}()` if {val} already holds the answer.",
        concepts=["lists", "for-loops"],
        hints_mid=f"{val} is {_KIND.get(typ, typ)}, not a list of values.",
        prevention=f"Keep the values in a list when you want to `{named}()` them later.",
        other=other,
    )


def _shuffled_in_place(sit: Situation, typ: str) -> Diagnosis | None:
    """`random.shuffle(word)`: the library's own line fails, so its variable names (`x[i]`) mean
    nothing to the student; the cell's call is the thing to explain."""
    cell_line = sit.line
    if typ not in ("str", "tuple", "range") or cell_line is None or sit.tree is None or not sit.has_code:
        return None
    calls = [
        c
        for c in nodes_on_line(sit.tree, cell_line, ast.Call)
        if isinstance(c.func, ast.Attribute | ast.Name)
        and (c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id) == "shuffle"
        and len(c.args) == 1
    ]
    if not calls:
        return None
    seq = segment(sit.code, calls[0].args[0])
    new = (
        f"''.join(random.sample({seq}, len({seq})))" if typ == "str" else f"random.sample({seq}, len({seq}))"
    )
    steps = (
        f"Make a shuffled copy instead: {code(new)} (or shuffle a list: `items = list({seq})`, then "
        "shuffle that)."
    )
    return _diag(
        sit,
        summary=f"Line {cell_line} calls `shuffle({seq})`, which reorders a list in place by swapping its "
        f"items; {code(seq)} is a `{typ}`, which cannot be changed. {steps}",
        plain=f"`random.shuffle` changes the list you give it and returns nothing; a `{typ}` can't be "
        "changed.",
        precise=f"`random.shuffle` assigns `x[i], x[j] = x[j], x[i]`; `{typ}` has no `__setitem__`.",
        steps=steps,
        concepts=["mutability"],
        hints_mid=f"Can a `{typ}` be changed after it is made?",
        other=None,
    )


def _item_assignment(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    targets = [
        t
        for a in fragment_nodes(sit, line, ast.Assign, text=text if other else None)
        for t in a.targets
        if isinstance(t, ast.Subscript)
    ]
    sub = targets[0] if targets else None
    if sub is None and (found := _shuffled_in_place(sit, typ)) is not None:
        return found
    name = _src(sit, sub.value, other) if sub is not None else "it"
    index = _src(sit, sub.slice, other) if sub is not None else "i"
    fix = None
    binding = sit.facts.last_assignment_before(name, (line or 0) + 1) if name.isidentifier() else None
    if typ == "str" and sub is not None and _editable(sit, other) and line is not None:
        assign = next(a for a in fragment_nodes(sit, line, ast.Assign) if sub in a.targets)
        value = segment(sit.code, assign.value)
        if index == "0":
            new = f"{name} = {value} + {name}[1:]"
        else:
            new = f"{name} = {name}[:{index}] + {value} + {name}[{index} + 1:]"
        fix = replace_line(sit.code, line, indent_of(sit.text(line)) + new)
        steps = f"Build a new string instead: `{new}`."
        concepts = ["mutability", "strings", "slicing"]
    elif (
        typ == "tuple"
        and binding is not None
        and isinstance(binding.value, ast.Tuple)
        and _editable(sit, other)
    ):
        lst = "[" + ", ".join(segment(sit.code, e) for e in binding.value.elts) + "]"
        fix = replace_node(sit.code, binding.value, lst)
        steps = f"If `{name}` must change, make it a list on line {binding.line}: `{name} = {lst}`."
        concepts = ["mutability", "tuples", "lists"]
    else:
        steps = f"Create a new `{typ}` with the change instead of modifying `{name}`."
        concepts = ["mutability"]
    made = f" (created on line {binding.line})" if binding else ""
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} tries to change `{name}[{index}]`, but `{name}`{made} "
        f"is a `{typ}`, "
        f"and a {typ} is immutable: it can't be changed after it's created.",
        plain="Some values can be changed after they're made (lists) and some can't "
        f"({'strings' if typ == 'str' else typ + 's'}). "
        f"`{name}` is a `{typ}`, so you can't replace one item — make a new {typ} instead.",
        precise=f"`{typ}` is an immutable type (no `__setitem__`); item assignment on `{name}` is not "
        "allowed. "
        "Create a new object from slices, or use a mutable type.",
        analogy="a string is like a word printed on paper: to change a letter you print a new copy.",
        deeper="Immutability makes strings and tuples hashable (usable as dict keys) and safe to share; "
        "building many strings in a loop is better done with a list and `''.join(...)`.",
        steps=steps,
        concepts=concepts,
        hints_mid=f"A `{typ}` can't be changed in place.",
        fix=fix,
        conceptual=True,
        prevention="Remember which types are immutable (str, tuple, int) and build new values from them.",
        other=other,
    )


def _bad_index(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    seq = "string" if m["seq"] in ("string", "str") else m["seq"]
    line, other, text, function = raise_site(sit)
    subs = fragment_nodes(sit, line, ast.Subscript, text=text if other else None)
    sub = next(
        (s for s in subs if not isinstance(s.slice, ast.Constant | ast.Slice)), subs[0] if subs else None
    )
    container = _src(sit, sub.value, other) if sub is not None else "the sequence"
    index = _src(sit, sub.slice, other) if sub is not None else "the index"
    fix = None
    culprit = line
    steps = f"Use a whole number as the index on line {line}."
    concepts = ["indexing"]
    conceptual = False
    why = f"`{index}` is a `{typ}`"
    if typ == "str" and sub is not None and isinstance(sub.slice, ast.Name) and sit.tree is not None:
        loop = next(
            (
                f
                for f in ast.walk(sit.tree)
                if isinstance(f, ast.For)
                and isinstance(f.target, ast.Name)
                and f.target.id == index
                and f.lineno <= (line or 0) <= (f.end_lineno or 0)
            ),
            None,
        )
        if loop is not None and _src(sit, loop.iter, other) == container:
            why = (
                f"`{index}` already *is* an item of `{container}` (the loop on line {loop.lineno} gives you "
                "the items, "
                "not their positions)"
            )
            if _editable(sit, other):
                fix = replace_node(sit.code, sub, index)
            steps = (
                f"Use `{index}` directly instead of `{container}[{index}]` (or loop with "
                f"`enumerate({container})` if you need positions)."
            )
            concepts = ["for-loops", "indexing", "enumerate-zip"]
            conceptual = True
        else:
            origin = sit.facts.last_assignment_before(index, (line or 0) + 1)
            if (
                origin is not None
                and isinstance(origin.value, ast.Call)
                and getattr(origin.value.func, "id", "") == "input"
            ):
                if _editable(sit, other):
                    fix = replace_node(sit.code, sub.slice, f"int({index})")
                steps = f"Convert it: `{container}[int({index})]`."
                concepts = ["type-conversion", "indexing"]
    elif typ == "float" and sub is not None:
        name = index if isinstance(sub.slice, ast.Name) else None
        origin = sit.facts.last_assignment_before(name, (line or 0) + 1) if name else None
        div = (
            origin.value
            if origin is not None
            and isinstance(origin.value, ast.BinOp)
            and isinstance(origin.value.op, ast.Div)
            else (
                sub.slice if isinstance(sub.slice, ast.BinOp) and isinstance(sub.slice.op, ast.Div) else None
            )
        )
        if div is not None and _editable(sit, other):
            new = f"{segment(sit.code, div.left)} // {segment(sit.code, div.right)}"
            fix = replace_node(sit.code, div, new)
            culprit = origin.line if origin is not None and div is origin.value else line
            why = f"`{index}` is a float because `/` always gives a decimal number (line {culprit})"
            steps = f"Use whole-number division `//` on line {culprit}: `{new}`."
            concepts = ["numbers", "indexing"]
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} indexes the {seq} `{container}` with `{index}`, but "
        f"{why}; "
        f"{seq} positions must be whole numbers" + (f" — {steps[0].lower() + steps[1:]}" if fix else "."),
        plain=f"Positions in a {seq} are counted with whole numbers: 0, 1, 2… On line {line}, {why}.",
        precise=f"{cap(seq)} indices must be `int` (or slices); {why}.",
        steps=steps,
        concepts=concepts,
        hints_mid=f"What is `{index}` on line {line}? Print it.",
        fix=fix,
        culprit=culprit,
        conceptual=conceptual,
        other=other,
    )


def _as_int(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    if "." in typ and (same := _rebuilt_from_itself(sit, typ, line, other, text, function)) is not None:
        return same
    # The argument of that type, in any call on the line (`range(n)`, `time.sleep('1')`,
    # `round(x, '1')`); one whose type is known beats one that is only not ruled out.
    found: list[tuple[int, ast.Call, ast.expr]] = []
    for c in fragment_nodes(sit, line, ast.Call, text=text if other else None):
        if not isinstance(c.func, ast.Name | ast.Attribute):
            continue
        for a in c.args:
            guessed = guess_type(sit, a, line)
            if guessed == typ or (guessed is None and len(c.args) == 1):
                found.append((0 if guessed == typ else 1, c, a))
    found.sort(key=lambda f: f[0])
    call, arg = (found[0][1], found[0][2]) if found else (None, None)
    if call is None or arg is None:
        return _as_int_unplaced(sit, typ, line, other, function)
    shown = _src(sit, arg, other)
    func = _src(sit, call.func, other)
    new = f"int({shown})"
    fix = replace_node(sit.code, arg, new) if arg is not None and _editable(sit, other) else None
    binding = sit.facts.last_assignment_before(shown, (line or 0) + 1) if shown.isidentifier() else None
    came = ""
    if (
        binding is not None
        and isinstance(binding.value, ast.Call)
        and getattr(binding.value.func, "id", "") == "input"
    ):
        came = f" (it comes from `input()` on line {binding.line}, which always returns text)"
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} passes `{shown}` to `{func}()`, but it is a "
        f"`{typ}`{came}; "
        f"`{func}()` needs a whole number: use `{new}`.",
        plain=f"`{func}()` counts in whole numbers, and `{shown}` is {_KIND.get(typ, typ)}{came}.",
        precise=f"`{func}()` requires an object with `__index__`; `{typ}` has none{came}.",
        steps=f"Convert it: `{func}({new})`.",
        concepts=["type-conversion", "range"],
        hints_mid=f"`{shown}` is a `{typ}`.",
        fix=fix,
        other=other,
    )


def _as_int_unplaced(sit: Situation, typ: str, line, other, function) -> Diagnosis:
    """No call on the line visibly takes the value: say what is known, name no function."""
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} gives {_KIND.get(typ, 'a ' + typ)} (`{typ}`) to "
        "something that needs a whole number (`int`), such as a count, a position or a `range()` bound; "
        "convert the value with `int(…)` where it is made.",
        plain=f"Counts and positions are whole numbers; a `{typ}` cannot be used as one.",
        precise=f"The operation requires an object with `__index__`; `{typ}` has none.",
        steps="Find the value on that line that should be a whole number and convert it with `int(…)`.",
        concepts=["type-conversion"],
        hints_mid=f"Which value on line {line} is a `{typ}`?",
        other=other,
    )


def _unpacked_arguments(sit: Situation, call: ast.Call, typ: str, line, other, function) -> Diagnosis:
    """`reduce(*pair)`: the arguments come from unpacking, so which one was a single value (or
    which inner call got one) is not visible on the line; say what is known, claim no more."""
    shown = _src(sit, call, other)
    star = _src(sit, call.args[0], other)
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} calls {code(shown)}, and inside that call "
        f"{_KIND.get(typ, 'a ' + typ)} (`{typ}`) reached a place that needs a collection to loop over. The "
        f"arguments come from unpacking {code(star)}, so print them to see which one it is.",
        plain=f"{code(star)} spreads a collection into separate arguments. One of them — or a value the "
        f"function computes from them — is a `{typ}`, and something in the call tried to loop over it.",
        precise=f"`iter()` was called on a `{typ}` during {code(shown)}; with `*` unpacking the argument "
        "positions are decided at run time.",
        steps=f"Print what is unpacked ({code('print(' + star.lstrip('*') + ')')}) and check each argument "
        "against what the function expects.",
        concepts=["for-loops"],
        hints_mid=f"Which argument of {code(shown)} is a `{typ}`?",
        other=other,
    )


_INT_CALLS = frozenset({"range", "int", "chr", "hex", "bin", "oct", "round"})


def _plainly_not_an_object(sit: Situation, node: ast.AST, line) -> bool:
    """A literal, or a name last bound to one: a number or text, not an object of a dotted type."""
    if isinstance(node, ast.Name) and isinstance(line, int):
        binding = sit.facts.last_assignment_before(node.id, line + 1)
        node = binding.value if binding is not None and binding.value is not None else node
    return isinstance(node, ast.Constant | ast.JoinedStr | ast.List | ast.Dict | ast.Tuple)


def _rebuilt_from_itself(sit: Situation, typ: str, line, other, text, function) -> Diagnosis | None:
    """`datetime.date(birthday)` where `birthday` already is a `datetime.date`: the constructor
    wants whole numbers (year, month, day), and the value needs no converting at all."""
    short = typ.rsplit(".", 1)[-1]
    calls = fragment_nodes(sit, line, ast.Call, text=text if other else None)
    # `range(Decimal(n))`: the call that wanted a whole number is the one around it, not the
    # constructor, whose argument (a number, a text) is no `typ` at all.
    in_int_call = {
        id(a) for c in calls if isinstance(c.func, ast.Name) and c.func.id in _INT_CALLS for a in c.args
    }
    for call in calls:
        name = _src(sit, call.func, other)
        if not (name in (typ, short) or name.endswith("." + short)) or len(call.args) != 1:
            continue
        if call.keywords or id(call) in in_int_call or _plainly_not_an_object(sit, call.args[0], line):
            continue
        arg = _src(sit, call.args[0], other)
        fix = replace_node(sit.code, call, arg) if _editable(sit, other) else None
        return _diag(
            sit,
            summary=f"{cap(place(line, other, function))}{called_from(sit)} calls "
            f"{code(name + '(' + arg + ')')} with a "
            f"value that already is a `{typ}`: `{name}()` builds a new one from whole numbers (`int`s), "
            f"so it tried to read {code(arg)} as a number. Use {code(arg)} as it is.",
            plain=f"`{name}(…)` makes a `{typ}` out of numbers, like `{name}(1989, 10, 9)`. {code(arg)} is "
            f"already a `{typ}`, so there is nothing to build: Python tried to use it as the first whole "
            "number (an `int`) and could not.",
            precise=f"`{name}()`'s first parameter must be an `int` (an object with `__index__`); a `{typ}` "
            "has none, hence this TypeError.",
            steps=f"Drop the call and keep the value: {code(f'{name}({arg})')} → {code(arg)}.",
            concepts=["type-conversion"],
            hints_mid=f"What type does {code(arg)} already have? Try {code(f'type({arg})')}.",
            fix=fix,
            other=other,
        )
    return None


def _no_len(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Name) and c.func.id == "len" and c.args
    ]
    arg = calls[0].args[0] if calls else None
    shown = _src(sit, arg, other) if arg is not None else "the value"
    if typ == "NoneType":
        return _none_diag(sit, arg, "takes the length of", line, other, function)
    fix = None
    new = f"len(str({shown}))"
    if typ in ("int", "float") and arg is not None and _editable(sit, other):
        fix = replace_node(sit.code, calls[0], new)
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} calls `len({shown})`, but `{shown}` is "
        f"{_KIND.get(typ, typ)} "
        f"(`{typ}`), which has no length"
        + (f"; to count its digits use `{new}`." if typ in ("int", "float") else "."),
        plain=f"`len()` counts the items in a collection. `{shown}` is a single `{typ}` value, so there's "
        "nothing to count"
        + (
            f"; `str({shown})` turns it into text whose characters can be counted."
            if typ in ("int", "float")
            else "."
        ),
        precise=f"`{typ}` defines no `__len__`.",
        steps=f"Use `{new}` to count digits, or pass a collection to `len()`."
        if typ in ("int", "float")
        else f"Pass a collection to `len()` on line {line}.",
        concepts=["type-conversion", "numbers"] if typ in ("int", "float") else ["lists"],
        hints_mid=f"`{shown}` is an `{typ}`, not a collection.",
        fix=fix,
        other=other,
    )


def _join(sit: Situation, m: re.Match[str]) -> Diagnosis:
    typ = m["type"]
    line, other, text, function = raise_site(sit)
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "join" and c.args
    ]
    arg = calls[0].args[0] if calls else None
    shown = _src(sit, arg, other) if arg is not None else "the items"
    new = f"map(str, {shown})"
    fix = replace_node(sit.code, arg, new) if arg is not None and _editable(sit, other) else None
    return _diag(
        sit,
        summary=f"{cap(place(line, other, function))} joins `{shown}`, but item {m['i']} is "
        f"{_KIND.get(typ, typ)} "
        f"(`{typ}`) and `join` only glues strings together: use `join({new})`.",
        plain=f"`join` glues pieces of text together; `{shown}` contains `{typ}` values, which aren't text "
        "yet.",
        precise=f"`str.join` requires an iterable of `str`; item {m['i']} is `{typ}`. Convert with "
        "`map(str, …)`.",
        steps=f"Write `.join({new})`.",
        concepts=["string-methods", "type-conversion"],
        hints_mid=f"The items of `{shown}` are `{typ}`, not `str`.",
        fix=fix,
        other=other,
    )
