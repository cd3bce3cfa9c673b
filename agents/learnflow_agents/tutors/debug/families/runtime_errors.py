"""RuntimeError a beginner meets: a dict or set changed (items added or removed) while a
``for`` loop walks over it. The fix loops over a copy, so the original can change."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation

_CHANGED = re.compile(
    r"^(?P<what>dictionary|Set|set|deque|OrderedDict) (?:changed size|keys changed|mutated) during iteration"
)
_CHANGING_METHODS = {"pop", "popitem", "add", "remove", "discard", "clear", "update", "setdefault", "append"}


def analyse(sit: Situation) -> Diagnosis | None:
    m = _CHANGED.match(sit.message)
    if m is None:
        return None
    line, other, _text, function = raise_site(sit)
    where = cap(place(line, other, function) + called_from(sit))
    kind = "dict" if m["what"] in ("dictionary", "OrderedDict") else m["what"].lower()
    loop = _loop_at(sit, line) if sit.has_code and not other else None
    name = shown = fix = None
    changer = ""
    if loop is not None:
        name = segment(sit.code, loop.iter)
        shown = f"list({name})"
        fix = replace_node(sit.code, loop.iter, shown)
        change = _change_in(loop, name)
        changer = f" (line {change.lineno}: {code(segment(sit.code, change).strip())})" if change else ""
    target = code(name) if name else f"the {kind}"
    return Diagnosis(
        summary=f"{where} loops over {target} while the loop body changes its size{changer}: a {kind} "
        "cannot be modified (items added or removed) during iteration over it. Loop over a copy"
        + (f": `for … in {shown}:`." if shown else "."),
        plain=f"A `for` loop walks through the {kind} item by item. When the body adds or removes items, "
        "the loop loses its place, so Python stops it. Walk over a copy (a list of the items) and change "
        f"the {kind} itself freely.",
        precise=f"Iterating a {kind} keeps a view of its internal table; a size change during iteration "
        "invalidates it, which CPython detects and reports as RuntimeError.",
        fix_steps=(
            f"Write `for … in {shown}:` so the loop walks a snapshot of the items."
            if shown
            else f"Loop over `list(…)` of the {kind}, or collect the changes and apply them after the loop."
        )
        + " Or build a new collection with a comprehension instead of changing the old one.",
        prevention="Don't add or remove items of the collection you are looping over; loop over a copy.",
        concepts=["dicts" if kind == "dict" else "sets", "for-loops"],
        hints=[
            f"What does the loop body do to {target}?",
            "Its size changes during the loop.",
            f"Loop over `{shown}`." if shown else "Loop over a copy.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _loop_at(sit: Situation, line: int | None) -> ast.For | None:
    if sit.tree is None or line is None:
        return None
    return next((n for n in ast.walk(sit.tree) if isinstance(n, ast.For) and n.lineno == line), None)


def _change_in(loop: ast.For, name: str) -> ast.AST | None:
    for node in ast.walk(loop):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CHANGING_METHODS
            and ast.unparse(node.func.value) == name
        ):
            return node
        if isinstance(node, ast.Delete | ast.Assign) and name in ast.unparse(node):
            return node
    return None
