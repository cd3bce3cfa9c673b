"""StopIteration: ``next()`` on an iterator or generator that has nothing left."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.code_facts import replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families.common import fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Name) and c.func.id == "next" and len(c.args) == 1
    ]
    if not calls:
        return None
    call = calls[0]
    editable = sit.has_code and not other and sit.tree is not None
    it = segment(sit.code, call.args[0]) if editable else ast.unparse(call.args[0])
    size, source = _items(sit, it, line)
    used = _next_calls_before(sit, it, line)
    count = (
        f" — it had {size} item{'s' if size != 1 else ''}, and this is `next()` call number {used + 1}"
        if size is not None
        else ""
    )
    fix = replace_node(sit.code, call, f"next({it}, None)") if editable else None
    return Diagnosis(
        summary=f"{place(line, other, function)[0].upper() + place(line, other, function)[1:]} calls "
        f"`next({it})`, but "
        f"`{it}` is exhausted: every item has already been taken{count}.",
        plain=f"An iterator hands out items one at a time with `next()`. `{it}`{source} has already given "
        "out everything, "
        f"so the `next({it})` on line {line} has nothing left to give.",
        precise=f"`next()` on an exhausted iterator raises StopIteration{source}; iterators are single-pass "
        "and cannot be "
        "rewound.",
        analogy="it's like taking tickets from a roll: once the roll is empty, pulling again gives nothing.",
        deeper="`for` loops catch StopIteration for you; `next(it, default)` returns a default instead of "
        "raising; "
        "inside a generator, a leaked StopIteration becomes a RuntimeError (PEP 479).",
        fix_steps=f"Use `next({it}, None)` to get `None` when nothing is left, or loop with `for item in "
        f"{it}:`.",
        prevention="Loop over iterators with `for` instead of calling `next()` a fixed number of times.",
        concepts=["iterators", "generators"] if _is_generator(sit, it, line) else ["iterators"],
        hints=[
            f"How many items can `{it}` produce, and how many times is `next({it})` called?",
            f"By line {line}, `{it}` is used up.",
            f"Use `next({it}, None)` or a `for` loop.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _binding_value(sit: Situation, name: str, line: int | None) -> ast.AST | None:
    binding = sit.facts.last_assignment_before(name, (line or 0) + 1) if name.isidentifier() else None
    return binding.value if binding is not None else None


def _items(sit: Situation, it: str, line: int | None) -> tuple[int | None, str]:
    value = _binding_value(sit, it, line)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        if value.func.id == "iter" and value.args and isinstance(value.args[0], ast.List | ast.Tuple):
            return len(
                value.args[0].elts
            ), f" (made from `{ast.unparse(value.args[0])}` on line {value.lineno})"
        fdef = sit.facts.functions.get(value.func.id)
        if fdef is not None:
            yields = [n for n in ast.walk(fdef) if isinstance(n, ast.Yield)]
            loops = [n for n in ast.walk(fdef) if isinstance(n, ast.For | ast.While)]
            if yields and not loops:
                return len(yields), f" (the generator `{fdef.name}`, line {fdef.lineno})"
            return None, f" (the generator `{fdef.name}`, line {fdef.lineno})"
    return None, ""


def _is_generator(sit: Situation, it: str, line: int | None) -> bool:
    value = _binding_value(sit, it, line)
    return bool(
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in sit.facts.functions
    )


def _next_calls_before(sit: Situation, it: str, line: int | None) -> int:
    if sit.tree is None or line is None:
        return 0
    return sum(
        1
        for n in ast.walk(sit.tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == "next"
        and n.args
        and ast.unparse(n.args[0]) == it
        and n.lineno < line
    )
