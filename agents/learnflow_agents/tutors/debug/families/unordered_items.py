"""Sorting (or max/min of) items Python cannot order: dicts, objects of the student's own class,
or a `None` among numbers. The message only says `'<' not supported between instances of 'dict'
and 'dict'`; the student needs to hear that sorting compares the items two by two, and how to
say what to sort by (`key=`)."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.code_facts import nodes_on_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, place
from learnflow_agents.tutors.debug.situation import Situation

_ORDERING = ("<", ">", "<=", ">=")
_SORTERS = {"sorted", "max", "min"}


def _sort_call(sit: Situation, line: int) -> tuple[ast.Call, ast.expr, str] | None:
    """The `sorted(xs)` / `xs.sort()` / `max(xs)` on the line, the sequence, and the function."""
    for call in nodes_on_line(sit.tree, line, ast.Call):
        if any(k.arg == "key" for k in call.keywords):
            continue  # a key was given: the keys themselves do not order, another story
        if isinstance(call.func, ast.Name) and call.func.id in _SORTERS and len(call.args) == 1:
            return call, call.args[0], call.func.id
        if isinstance(call.func, ast.Attribute) and call.func.attr == "sort" and not call.args:
            return call, call.func.value, "sort"
    return None


def _items(sit: Situation, seq: ast.expr, line: int) -> list[ast.expr]:
    """The sequence's literal items, followed through one assignment of a name."""
    if isinstance(seq, ast.Name):
        binding = sit.facts.last_assignment_before(seq.id, line)
        seq = binding.value if binding is not None and binding.value is not None else seq
    return list(seq.elts) if isinstance(seq, ast.List | ast.Tuple) else []


def _dict_key(items: list[ast.expr]) -> str | None:
    for item in items:
        if isinstance(item, ast.Dict):
            for key in item.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str | int):
                    return repr(key.value)
    return None


def _class_attribute(sit: Situation, name: str) -> str | None:
    """The first `self.x = …` of the student's class `name`'s __init__."""
    for cls in ast.walk(sit.tree) if sit.tree is not None else ():
        if isinstance(cls, ast.ClassDef) and cls.name == name:
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "__init__" and fn.args.args:
                    me = fn.args.args[0].arg
                    for node in ast.walk(fn):
                        if isinstance(node, ast.Assign):
                            for t in node.targets:
                                if (
                                    isinstance(t, ast.Attribute)
                                    and isinstance(t.value, ast.Name)
                                    and t.value.id == me
                                ):
                                    return t.attr
    return None


def analyse(
    sit: Situation, op: str, left: str, right: str, line: int | None, function: str | None
) -> Diagnosis | None:
    if op not in _ORDERING or line is None or sit.tree is None or not sit.has_code:
        return None
    found = _sort_call(sit, line)
    if found is None:
        return None
    call, seq, how = found
    seq_src = segment(sit.code, seq)
    where = cap(place(line, None, function) + called_from(sit))
    verb = {
        "sort": "sorts",
        "sorted": "sorts",
        "max": "takes the largest of",
        "min": "takes the smallest of",
    }[how]
    if "NoneType" in (left, right):
        other = right if left == "NoneType" else left
        summary = (
            f"{where} {verb} {code(seq_src)}, which holds `None` beside `{other}` values: to order the items "
            f"Python compares them two by two with `{op}`, and `None` has no order. Remove or replace the "
            f"`None` items first, e.g. {code(f'[item for item in {seq_src} if item is not None]')}."
        )
        steps = (
            f"Remove or replace the `None` items before line {line}, e.g. "
            f"{code(f'[item for item in {seq_src} if item is not None]')}, and find where they came from."
        )
        return _diagnosis(
            sit, summary, steps, line, None, "`None` cannot be compared with `<`", ["none", "lists"]
        )
    if left != right:
        if {left, right} <= {"str", "int", "float"} and "str" in (left, right):
            number = right if left == "str" else left
            summary = (
                f"{where} {verb} {code(seq_src)}, which holds both text (`str`) and numbers (`{number}`): "
                f"Python orders items by comparing two at a time with `{op}`, and text and numbers have no "
                "order between them. Make them all numbers (convert the text where it is read, e.g. "
                "`int(input())`) or all text."
            )
            steps = (
                f"Find where the text items of {code(seq_src)} come from (often `input()` or a file) and "
                "convert them to numbers there."
            )
            return _diagnosis(sit, summary, steps, line, None, "text and numbers have no order", ["lists"])
        return None
    items = _items(sit, seq, line)
    key: str | None = None
    if left == "dict" and (name := _dict_key(items)):
        key = f"lambda item: item[{name}]"
    elif left not in ("dict", "set", "frozenset", "complex") and (attr := _class_attribute(sit, left)):
        key = f"lambda item: item.{attr}"
    what = "dictionaries" if left == "dict" else f"`{left}` objects"
    fix = None
    if key is not None:
        new_call = f"{seq_src}.sort(key={key})" if how == "sort" else f"{how}({seq_src}, key={key})"
        fix = replace_node(sit.code, call, new_call)
        by = "sort" if how in ("sort", "sorted") else "compare"
        tell = f"say what to {by} by with `key=`: {code(new_call)}"
    else:
        tell = "say what to sort by with `key=`, a function that gives each item's value to order on"
    whole = left == "dict" and all(isinstance(i, ast.Dict) for i in items)
    whole = whole or all(
        isinstance(i, ast.Call) and isinstance(i.func, ast.Name) and i.func.id == left for i in items
    )
    # [(1, {...}), (1, {...})] is a list of tuples: its dictionaries are met inside the tuples,
    # compared when the entries before them are equal.
    kind = f"a collection of {what}" if whole or not items else f"whose items hold {what}"
    summary = (
        f"{where} {verb} {code(seq_src)}, {kind}: Python orders items by comparing two "
        f"at a time with `{op}`, and two {what} have no `{op}`; {tell}."
    )
    return _diagnosis(
        sit, summary, cap(tell) + ".", line, fix, f"{what} define no order", ["lists", "functions"]
    )


def _diagnosis(
    sit: Situation, summary: str, steps: str, line: int, fix: str | None, why: str, concepts: list[str]
) -> Diagnosis:
    return Diagnosis(
        summary=summary,
        plain=f"Sorting, `max` and `min` compare the items with each other; {why}, so Python cannot tell "
        "which comes first.",
        precise=f"`sorted`, `list.sort`, `max` and `min` call `<` (or `>`) between items; {why} "
        "(their `__lt__` returns `NotImplemented`), so a TypeError is raised. `key=` maps each item to a "
        "value that does order.",
        analogy="it's like being asked to line up folders without being told whether by name, date or size.",
        deeper="`operator.itemgetter('name')` and `operator.attrgetter('age')` are ready-made key functions; "
        "a class can also define `__lt__` (or use `functools.total_ordering`) to have a natural order.",
        fix_steps=steps,
        prevention="When sorting records, always say what to sort by: `sorted(rows, key=...)`.",
        concepts=concepts,
        hints=[
            f"What kind of items are in the collection sorted on line {line}?",
            "How would Python decide which of two such items comes first?",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
    )
