"""NameError: a name used that Python does not know (yet).

Causes checked, in order: a Python 2 or other-language spelling, a name defined only
later in the cell, a name that lives inside a function, a missing import, a typo of a
name the student did define (or of a built-in), text missing its quotes, and finally a
notebook cell that has not been run.
"""

from __future__ import annotations

import ast
import difflib
import sys

from learnflow_agents.tutors.debug.code_facts import (
    BUILTIN_NAMES,
    closest,
    first_code_line,
    indent_of,
    insert_lines,
    line_at,
    lines_of,
    rename,
    replace_line,
    replace_nodes,
    segment,
    statement_at,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families import start_value
from learnflow_agents.tutors.debug.families.common import called_from, place, quoted_names, raise_site
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import function_returns_value

OTHER_SPELLINGS = {
    "raw_input": "input", "xrange": "range", "unicode": "str", "basestring": "str", "unichr": "chr",
    "long": "int", "true": "True", "false": "False", "none": "None", "null": "None", "nil": "None",
    "TRUE": "True", "FALSE": "False", "NULL": "None", "println": "print", "echo": "print",
    "printf": "print", "length": "len", "elif_": "elif",
}  # fmt: skip

MODULE_ALIASES = {
    "np": "import numpy as np", "pd": "import pandas as pd", "plt": "import matplotlib.pyplot as plt",
    "sns": "import seaborn as sns", "tf": "import tensorflow as tf", "mpl": "import matplotlib as mpl",
}  # fmt: skip

# Functions and constants students use without importing; the first module listed wins.
_FROM_IMPORTS: dict[str, str] = {}
for _module in (
    "math",
    "random",
    "time",
    "statistics",
    "collections",
    "itertools",
    "functools",
    "copy",
    "string",
):
    _mod = __import__(_module)
    for _name in dir(_mod):
        # A name a module only re-exports (statistics has functools' `reduce`) belongs to
        # the module that defines it.
        _owner = getattr(getattr(_mod, _name), "__module__", None)
        if not _name.startswith("_") and (_owner is None or _owner.lstrip("_") == _module):
            _FROM_IMPORTS.setdefault(_name, _module)
_FROM_IMPORTS.update(
    {"date": "datetime", "datetime": "datetime", "timedelta": "datetime", "pprint": "pprint"}
)

STDLIB_MODULES = frozenset(m for m in sys.stdlib_module_names if not m.startswith("_"))


def analyse(sit: Situation) -> Diagnosis | None:
    names = quoted_names(sit.message)
    if not names:
        return None
    name = names[0]
    line, other, text, function = raise_site(sit)
    if "free variable" in sit.message:
        return None
    for rule in (
        _method_without_self,
        _keyword_slip,
        _other_spelling,
        _builtin_slip,
        _no_start_value,
        _defined_later,
        _local_elsewhere,
        _missing_import,
        _typo,
        _missing_quotes,
    ):
        found = rule(sit, name, line, other, text, function)
        if found is not None:
            return found
    return _not_run_yet(sit, name, line, other, function)


def _no_start_value(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    return None if other else start_value.analyse(sit, name, line, function)


def _method_without_self(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    """`self.x` inside a method declared `def addsort():` — the method has no `self` parameter.
    The fix adds it, and a call made on the class itself (`App.addsort()`) is made on an object
    (`App().addsort()`) when the class needs nothing to be built."""
    if name != "self" or other or sit.tree is None or not isinstance(line, int):
        return None
    method, cls = None, None
    for node in ast.walk(sit.tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.lineno <= line <= (
                item.end_lineno or item.lineno
            ):
                method, cls = item, node
    if method is None or cls is None:
        return None
    params = [a.arg for a in method.args.posonlyargs + method.args.args]
    if "self" in params or any(
        isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in method.decorator_list
    ):
        return None
    head = line_at(sit.code, method.lineno)
    open_at = head.find(f"{method.name}(")
    if open_at < 0:
        return None
    cut = open_at + len(method.name) + 1
    more = params or method.args.vararg or method.args.kwonlyargs or method.args.kwarg
    first = (method.args.posonlyargs + method.args.args)[:1]
    used = {n.id for n in ast.walk(method) if isinstance(n, ast.Name)}
    renamed = None
    has_default = len(method.args.defaults) >= len(params)
    if first and first[0].arg not in used and not has_default and first[0].lineno == method.lineno:
        renamed = first[0].arg
        # `def bump(this):` / `def __init__(slef, name):` whose body never reads that first
        # parameter: it is the slot that receives the object, only named otherwise — rename it
        # (adding `self` before it would make it a parameter the calls never give).
        at = first[0].col_offset
        new_head = head[:at] + "self" + head[at + len(first[0].arg) :]
    else:
        new_head = head[:cut] + ("self, " if more else "self") + head[cut:]
    edits: list[tuple[ast.AST, str]] = []
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    simple = init is None or (len(init.args.args) == 1 and not init.args.vararg and not init.args.kwonlyargs)
    on_class = [
        c
        for c in ast.walk(sit.tree)
        if isinstance(c, ast.Call)
        and isinstance(c.func, ast.Attribute)
        and c.func.attr == method.name
        and isinstance(c.func.value, ast.Name)
        and c.func.value.id == cls.name
    ]
    if simple:
        edits = [(c.func.value, f"{cls.name}()") for c in on_class]
    fix = None
    if sit.has_code:
        fixed = replace_nodes(sit.code, edits) if edits else sit.code
        fix = replace_line(fixed, method.lineno, new_head)
    sig = new_head.strip().rstrip(":")
    call_note = (
        f" Then call it on an object, `{cls.name}().{method.name}()`, not on the class `{cls.name}` itself."
        if on_class
        else ""
    )
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses `self`, but the method "
        f"`{method.name}` (line {method.lineno}) has no `self` parameter"
        + (f" (its first parameter, `{renamed}`, receives the object and is never used)" if renamed else "")
        + f": write {code(sig)}.{call_note}",
        plain=f"`self` is not a built-in word: it is the name a method gives its first parameter, which "
        f"receives the object the method is called on. `def {method.name}(…)` in class `{cls.name}` "
        "lists no such parameter, so inside it the name `self` does not exist.",
        precise="Methods receive the instance as their first positional argument, conventionally named "
        "`self`; without that parameter `self` is an unbound global name.",
        fix_steps=f"Change line {method.lineno} to {code(sig + ':')}.{call_note}",
        prevention="Give every method `self` as its first parameter, and call methods on an object "
        f"(`{cls.name}()`), not on the class.",
        concepts=["classes", "parameters"],
        hints=[
            f"Which parameters does `{method.name}` on line {method.lineno} have?",
            "`self` must be a parameter of the method.",
            f"Write {code(sig + ':')}.",
        ],
        fix_code=fix,
        culprit_line=method.lineno,
    )


def _summary_place(sit: Situation, line: int | None, other: str | None, function: str | None) -> str:
    return place(line, other, function) + called_from(sit)


# Misspellings of built-ins too far from them for CPython's "Did you mean" (and from no language).
_BUILTIN_SLIPS = {"lenght": "len", "lenth": "len", "lengh": "len"}


def _builtin_slip(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    right = _BUILTIN_SLIPS.get(name)
    if right is None or name in sit.facts.bound_names() or f"{name}(" not in text.replace(" ", ""):
        return None
    fix = rename(sit.code, name, right) if sit.has_code and not other else None
    steps = f"Replace `{name}(…)` with `{right}(…)`."
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} calls `{name}`, a misspelling: the "
        f"built-in that gives the number of items is `{right}()`.",
        plain=f"Python looked for a function called `{name}` and found none; the one you want is `{right}`.",
        precise=f"`{name}` is bound nowhere (not a builtin, not in this cell); the builtin is `{right}`.",
        fix_steps=steps,
        prevention="Built-in names are short (`len`, `str`, `int`); Tab completion spells them.",
        concepts=["variables"],
        hints=[f"Check the spelling of `{name}` on line {line}.", f"The built-in is `{right}`.", steps],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _other_spelling(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    right = OTHER_SPELLINGS.get(name)
    if right is None or name in sit.facts.bound_names():
        return None
    if right == "len" and f"{name}(" not in text.replace(" ", ""):
        return None  # `area = lenght * width` misspells the cell's own `length`, not len()
    fix = rename(sit.code, name, right) if sit.has_code and not other else None
    py2 = name in ("raw_input", "xrange", "unicode", "basestring", "unichr", "long")
    origin = "Python 2" if py2 else "other languages"
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses `{name}`, which doesn't exist in "
        f"Python 3 — use `{right}` instead.",
        plain=f"`{name}` is how {origin} write it; Python 3 calls it `{right}`. Python looked for something "
        "named "
        f"`{name}` and found nothing.",
        precise=f"`{name}` is not a builtin in Python 3 (it comes from {origin}); the equivalent is "
        f"`{right}`, "
        f"so the name lookup on {place(line, other)} fails.",
        analogy='it\'s like asking for a "lift" in a country where everyone says "elevator": same thing, '
        "different word.",
        fix_steps=f"Replace `{name}` with `{right}`.",
        prevention=f"When following older tutorials or code from {origin}, translate names such as `{name}` "
        f"to their Python 3 form (`{right}`).",
        concepts=["variables"],
        hints=[
            f"`{name}` is spelled the way {origin} spell it.",
            "Python 3 has the same thing under a different name.",
            f"Use `{right}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _defined_later(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    if other or line is None or sit.tree is None:
        return None
    scope = function or "<module>"
    later = [
        b for b in sit.facts.bindings_of(name) if b.line > line and b.scope == scope and b.kind != "param"
    ]
    if scope != "<module>" and not later:
        later = [b for b in sit.facts.bindings_of(name) if b.line > line and b.scope == "<module>"]
    if not later:
        return None
    binding = min(later, key=lambda b: b.line)
    use_line = sit.line if scope != "<module>" and sit.line is not None else line
    fix = _move_above(sit, binding.line, use_line)
    what = "function" if binding.kind == "def" else "class" if binding.kind == "class" else "variable"
    return Diagnosis(
        summary=f"Line {use_line} uses `{name}` before it exists: the {what} `{name}` is only "
        f"{'defined' if what != 'variable' else 'assigned'} later, on line {binding.line}.",
        plain=f"Python runs your cell from top to bottom. When it reaches line {use_line}, line "
        f"{binding.line} — "
        f"where `{name}` is created — hasn't run yet, so `{name}` doesn't exist at that moment.",
        precise=f"Names are bound when their binding statement executes; the {what} `{name}` is bound at "
        "line "
        f"{binding.line}, after its first use at line {use_line}, so the lookup fails.",
        analogy='it\'s like reading a recipe that says "add the sauce" before the step where you make the '
        "sauce.",
        deeper="In notebooks this also happens across cells: the order that counts is the order cells were "
        "*run* (the `In [n]` numbers), not their position on the page.",
        fix_steps=f"Move line {binding.line} (where `{name}` is created) above line {use_line}.",
        prevention="Create variables and define functions before the lines that use them; in notebooks, "
        "use *Restart & Run All* to check the cells work in order.",
        concepts=["functions" if what == "function" else "variables"],
        hints=[
            f"In what order does Python run lines {use_line} and {binding.line}?",
            f"`{name}` is created on line {binding.line}, after it is used.",
            f"Move the definition of `{name}` above line {use_line}.",
        ],
        fix_code=fix,
        culprit_line=binding.line,
    )


def _move_above(sit: Situation, def_line: int, use_line: int) -> str | None:
    tree = sit.tree
    assert tree is not None
    stmt = next(
        (s for s in tree.body if s.lineno == def_line or (s.lineno <= def_line <= (s.end_lineno or 0))), None
    )
    target = next((s for s in tree.body if s.lineno <= use_line <= (s.end_lineno or s.lineno)), None)
    if stmt is None or target is None or stmt.lineno <= target.lineno:
        return None
    start = stmt.lineno - len(getattr(stmt, "decorator_list", []))
    lines = lines_of(sit.code)
    block = lines[start - 1 : stmt.end_lineno]
    rest = lines[: start - 1] + lines[stmt.end_lineno :]
    insert_at = target.lineno - 1
    return "\n".join(rest[:insert_at] + block + rest[insert_at:])


def _local_elsewhere(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    if other or sit.tree is None or line is None:
        return None
    scope = function or "<module>"
    inside = [
        b for b in sit.facts.bindings_of(name) if b.scope not in (scope, "<module>") and b.kind != "param"
    ]
    if not inside or any(b.scope == scope for b in sit.facts.bindings_of(name)):
        return None
    binding = inside[0]
    fdef = sit.facts.functions.get(binding.scope)
    if fdef is None:
        return None
    fix = _return_and_capture(sit, fdef, name, line)
    return Diagnosis(
        summary=f"Line {line} uses `{name}`, but `{name}` only exists inside the function `{fdef.name}` "
        f"(created on line {binding.line}); return it from `{fdef.name}` and store the result.",
        plain=f"Variables made inside a function stay inside it: when `{fdef.name}` finishes, its `{name}` "
        "is "
        f"thrown away. Line {line} is outside the function, so it can't see `{name}`.",
        precise=f"`{name}` is a local variable of `{fdef.name}` (assigned on line {binding.line}); local "
        "scopes "
        f"end when the call returns, and the module-level lookup on line {line} finds no global `{name}`.",
        analogy="a function is like a kitchen with a serving hatch: what's cooked inside only reaches you if "
        "it's passed out through `return`.",
        deeper="This is lexical scoping (LEGB: Local, Enclosing, Global, Built-in). Returning values keeps "
        "functions testable; `global` would couple them to module state.",
        fix_steps=f"End `{fdef.name}` with `return {name}` and write `{name} = {fdef.name}(…)` where you "
        "call it.",
        prevention="Think of a function's result as what it returns: if you need a value afterwards, "
        "return it and assign the call's result to a variable.",
        concepts=["scope", "return-values"],
        hints=[
            f"Where is `{name}` created, and where are you using it?",
            f"`{name}` is local to `{fdef.name}`; it disappears when the function ends.",
            f"Return `{name}` from `{fdef.name}` and store the call's result in a variable.",
        ],
        fix_code=fix,
        culprit_line=binding.line,
        conceptual=True,
    )


def _return_and_capture(
    sit: Situation, fdef: ast.FunctionDef | ast.AsyncFunctionDef, name: str, line: int
) -> str | None:
    if function_returns_value(fdef) or sit.tree is None:
        return None
    calls = [
        s
        for s in sit.tree.body
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Name)
        and s.value.func.id == fdef.name
        and s.lineno < line
    ]
    if not calls:
        return None
    call = calls[-1]
    body_indent = indent_of(line_at(sit.code, fdef.body[0].lineno))
    fixed = replace_line(
        sit.code,
        call.lineno,
        f"{indent_of(line_at(sit.code, call.lineno))}{name} = {segment(sit.code, call.value)}",
    )
    return insert_lines(fixed, (fdef.end_lineno or fdef.lineno) + 1, [f"{body_indent}return {name}"])


def _missing_import(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    statement: str | None = None
    if name in MODULE_ALIASES:
        statement = MODULE_ALIASES[name]
    elif name in STDLIB_MODULES and (f"{name}." in text or sit.suggestion == name):
        statement = f"import {name}"
    elif name in _FROM_IMPORTS and f"{name}." not in text:
        close = closest(name, [b.name for b in sit.facts.bindings] + list(sit.variables), cutoff=0.8)
        if close is None:
            statement = f"from {_FROM_IMPORTS[name]} import {name}"
    if statement is None:
        return None
    module = statement.split()[1]
    if statement.startswith("from ") and any(
        b.kind == "import" and (b.line or 0) < (line or 0) for b in sit.facts.bindings_of(module)
    ):
        return _module_imported_name_bare(sit, name, module, line, other, function)
    fix = None
    if sit.has_code and not other:
        at = first_code_line(sit.code)
        fix = insert_lines(sit.code, at, [statement])
    is_module = statement.startswith("import")
    thing = f"the module `{name}`" if is_module else f"`{name}` from the `{module}` module"
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses {thing}, but it was never "
        f"imported, so the name is not defined: add `{statement}` at the top of the cell.",
        plain=f"`{name}` lives in a toolbox ({'module' if is_module else 'the module'} `{module}`) that "
        "Python "
        "doesn't open until you ask. `import` opens the toolbox; without it, Python has never heard of "
        f"`{name}`.",
        precise=f"`{name}` is not a builtin; it must be bound by an import statement (`{statement}`) before "
        f"use. No such import ran before {place(line, other)}.",
        analogy="it's like reaching for a tool that's still in the shed — you have to fetch it (import it) "
        "first.",
        deeper="In notebooks, an import in another cell counts only after that cell has run in the current "
        "kernel session; restarting the kernel forgets all imports.",
        fix_steps=f"Add `{statement}` before line {line} (imports usually go at the top).",
        prevention="Put all imports in the first cell of the notebook and run it first.",
        concepts=["modules-imports"],
        hints=[
            f"Where does `{name}` come from? It isn't built into Python.",
            f"`{name}` belongs to the `{module}` module.",
            f"Add `{statement}` at the top.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _module_imported_name_bare(sit: Situation, name: str, module: str, line, other, function) -> Diagnosis:
    """`import math` then `pi`: the module is imported, but its names are reached through it
    (`math.pi`); only `from math import pi` would define `pi` on its own."""
    fix = None
    if sit.has_code and not other and sit.tree is not None and line is not None:
        nodes = [
            n
            for n in ast.walk(sit.tree)
            if isinstance(n, ast.Name) and n.id == name and n.lineno == line and isinstance(n.ctx, ast.Load)
        ]
        if nodes:
            fix = replace_nodes(sit.code, [(n, f"{module}.{name}") for n in nodes])
    dotted = f"{module}.{name}"
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses `{name}`, which is not defined on "
        f"its own: it lives inside the module `{module}` you imported, so write `{dotted}`.",
        plain=f"`import {module}` gives you the toolbox `{module}`, not the tools inside it one by one: "
        f"Python knows `{module}`, but not a bare `{name}`. Reach in with a dot: `{dotted}`.",
        precise=f"`import {module}` binds only the name `{module}`; `{name}` is an attribute of the module "
        f"and is not defined as a global. Use `{dotted}`, or `from {module} import {name}`.",
        fix_steps=f"Write `{dotted}` on line {line} (or add `from {module} import {name}`).",
        prevention="After `import module`, use `module.name`; `from module import name` is the form that "
        "defines the bare name.",
        concepts=["modules-imports"],
        hints=[
            f"Which name does `import {module}` define?",
            f"`{name}` is inside `{module}`.",
            f"Write `{dotted}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _typo(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    own = [
        b.name for b in sit.facts.bindings if b.kind != "comprehension" or b.scope == (function or "<module>")
    ]
    # Names the cell reads elsewhere probably exist (in the kernel, from an earlier cell).
    used = sorted({n.id for n in ast.walk(sit.tree) if isinstance(n, ast.Name)} - {name}) if sit.tree else []
    candidates = [*own, *sit.variables, *used]
    suggestion = sit.suggestion if sit.suggestion and sit.suggestion != name else None
    # CPython suggests any built-in within edit distance ("Alice" → "slice"); keep its
    # hint only when it is the student's own name or a convincing built-in typo.
    if suggestion and suggestion not in candidates and suggestion != _closest_builtin(name):
        suggestion = None
    match = suggestion or closest(name, candidates) or _closest_builtin(name)
    if match is None:
        return None
    binding = sit.facts.first_binding(match)
    where_defined = ""
    if binding is not None:
        kind = {"def": "defined", "class": "defined", "import": "imported", "param": "a parameter"}.get(
            binding.kind, "defined"
        )
        where_defined = (
            f" ({kind} on line {binding.line})"
            if kind != "a parameter"
            else f" (a parameter of `{binding.scope}`)"
        )
    elif match in sit.variables:
        where_defined = " (it exists in your notebook)"
    elif match in BUILTIN_NAMES:
        where_defined = " (a Python built-in)"
    fix = None
    if sit.has_code and not other:
        fix = rename(sit.code, name, match)
    diff = _difference(name, match)
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses `{name}`, which is not defined — "
        f"you probably meant `{match}`{where_defined}.",
        plain=f"Python only knows names exactly as you created them. `{name}` and `{match}` look alike to "
        "us, "
        f"but for Python they are completely different names ({diff}), and nothing called `{name}` exists.",
        precise=f"Name lookup for `{name}` failed in every scope (local, global, built-in). The closest "
        "bound "
        f"name is `{match}`{where_defined} — {diff}. Identifiers are matched exactly, case included.",
        analogy=f"it's like calling a friend with one digit of the phone number wrong: `{name}` rings "
        "nobody.",
        deeper='Python 3.10+ adds "Did you mean" hints using the same edit-distance idea; use an editor '
        "with autocompletion so names are never retyped by hand.",
        fix_steps=f"Change `{name}` to `{match}`"
        + (" everywhere it's misspelled in the cell." if fix and fix.count(match) > 1 else "."),
        prevention="Let autocompletion (Tab in Jupyter) finish names you've already created instead of "
        "typing them again.",
        concepts=["variables"],
        hints=[
            f"Compare the spelling of `{name}` on {place(line, other)} with the names you created.",
            f"Look at `{match}`{where_defined}: {diff}.",
            f"Replace `{name}` with `{match}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


_VALUE_WORDS = {"true": "True", "false": "False", "none": "None", "null": "None", "nil": "None"}
_LONE_KEYWORDS = ["break", "continue", "pass", "return", "else", "try", "finally", "yield", "raise"]


def _keyword_slip(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    """`brek` for `break`, `true` for `True`, `Pass` for `pass`: a keyword mistyped, read as a name."""
    if other or line is None:
        return None
    stmt = statement_at(sit.tree, line) if sit.tree is not None else None
    lone = (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Name) and stmt.value.id == name
    ) or text.strip() == name
    if name.lower() in _VALUE_WORDS or (name.upper() == name and name.lower() in ("true", "false", "none")):
        kw = _VALUE_WORDS.get(name.lower())
    elif lone:
        found = difflib.get_close_matches(name.lower(), _LONE_KEYWORDS, n=1, cutoff=0.7)
        kw = found[0] if found else None
    else:
        kw = None
    if kw is None or kw == name or name in {b.name for b in sit.facts.bindings} or name in sit.variables:
        return None
    fix = rename(sit.code, name, kw, only_line=line) if sit.has_code else None
    is_value = kw in ("True", "False", "None")
    what = "the value" if is_value else "the keyword"
    return Diagnosis(
        summary=f"Line {line} has `{name}`, which Python reads as an unknown variable name — you meant "
        f"{what} "
        f"`{kw}`" + (" (written with a capital letter in Python)" if is_value else "") + ".",
        plain=f"Python only recognises {'its constants' if is_value else 'keywords'} spelled exactly"
        + (" — `True`, `False` and `None` start with a capital letter" if is_value else "")
        + f". `{name}` is not `{kw}`, so Python looks for a variable called `{name}`, and there is none.",
        precise=f"`{name}` is not a keyword, so it is compiled as a name lookup, which fails at run time "
        "with a "
        f"NameError; `{kw}` was intended.",
        analogy=f"it's like a misspelt command: `{name}` looks like `{kw}` to us, but Python only matches "
        "exact "
        "spellings.",
        fix_steps=f"Write `{kw}` instead of `{name}` on line {line}.",
        prevention="Keywords and `True`/`False`/`None` turn a different colour in the editor; if yours stays "
        "plain, it is misspelt.",
        concepts=[
            "boolean-logic"
            if is_value
            else "break-continue"
            if kw in ("break", "continue")
            else "syntax-basics"
        ],
        hints=[
            f"Look at the spelling of `{name}` on line {line}.",
            f"Which Python {'value' if is_value else 'keyword'} does `{name}` look like?",
            f"Write `{kw}`.",
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _closest_builtin(name: str) -> str | None:
    # Built-ins are many and short; only accept a close, same-initial match ("prnt" → "print").
    match = closest(name, sorted(BUILTIN_NAMES), cutoff=0.8)
    return match if match and match[0].lower() == name[0].lower() else None


def _difference(typo: str, right: str) -> str:
    if typo.lower() == right.lower():
        return "the capital letters differ"
    if sorted(typo) == sorted(right):
        return "two letters are swapped"
    if len(typo) < len(right):
        return "a letter is missing"
    if len(typo) > len(right):
        return "there is an extra letter"
    return "a letter is different"


def _missing_quotes(sit: Situation, name: str, line, other, text, function) -> Diagnosis | None:
    if not name.isalpha() or sit.tree is None or line is None or other:
        return None
    stmt = statement_at(sit.tree, line)
    if stmt is None:
        return None
    value_use = False
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            value_use = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
            return None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            return None
    if not value_use:
        return None
    # No fixed cell: quoting a name silences the NameError whatever the student meant (a
    # misspelt keyword, a variable from another cell), so a "verified" fix would mislead.
    fix = None
    quoted = f'"{name}"'
    return Diagnosis(
        summary=f"Line {line} uses `{name}` as a name, but no variable `{name}` exists. If it should be a "
        f"variable, create it (or run the cell that does) before line {line}; if you meant the text {name}, "
        f"put it in quotes: `{quoted}`.",
        plain=f"Without quotes, Python thinks `{name}` is the name of a variable and goes looking for it. "
        "With "
        f"quotes, `{quoted}` is just the text {name}.",
        precise=f"`{name}` is parsed as an identifier (a Load of a name that was never bound). A string "
        f"literal needs quotes: `{quoted}`.",
        analogy='quotes are like speech marks: "say *cat*" versus "say the word \'cat\'".',
        fix_steps=f"Write `{quoted}` on line {line}"
        + (" — or, if `" + name + "` should be a variable, create it first." if True else ""),
        prevention="Text always needs quotes; if a word without quotes isn't a variable you created, "
        "Python can't know what it is.",
        concepts=["strings", "variables"],
        hints=[
            f"Is `{name}` on line {line} a variable you created, or a piece of text?",
            "Text values must be inside quotes.",
            f"Write `{quoted}`.",
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _not_run_yet(sit: Situation, name: str, line, other, function) -> Diagnosis:
    return Diagnosis(
        summary=f"{cap(_summary_place(sit, line, other, function))} uses `{name}`, which is not defined "
        "anywhere in this cell — create it first, or run the cell that defines it.",
        plain=f"Python has never seen anything called `{name}`. In a notebook, a variable made in another "
        "cell "
        "only exists after that cell has been run (and is forgotten when the kernel restarts).",
        precise=f"No binding for `{name}` exists in the local, global or built-in scope at "
        f"{place(line, other)}. "
        "Notebook state depends on execution order, so a defining cell may not have run in this kernel "
        "session.",
        analogy="it's like asking someone to pass \"the thing\" they've never been shown.",
        fix_steps=f"Find the cell that creates `{name}` and run it (or use *Run All Above*), or assign "
        f"`{name}` before line {line}.",
        prevention="Use *Restart Kernel and Run All* now and then to make sure the notebook works top to "
        "bottom.",
        concepts=["variables"],
        hints=[
            f"Where did you create `{name}`?",
            "If it's in another cell, that cell hasn't run since the kernel started.",
            f"Run the cell that defines `{name}`, or define it above line {line}.",
        ],
        culprit_line=line,
        culprit_where=other,
    )
