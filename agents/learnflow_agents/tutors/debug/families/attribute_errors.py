"""AttributeError: ``obj.name`` where obj has no such attribute.

Causes, in order: the object is None (and where that None came from), a method that
belongs to another type (``str.append``, ``list.push``, ``dict.add``), and a typo of a
real attribute of that type, module or the student's own class.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import closest, indent_of, replace_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.families.none_origin import NoneOrigin, find_none_origin
from learnflow_agents.tutors.debug.fix_verifier import SAFE_MODULES
from learnflow_agents.tutors.debug.situation import Situation

_OBJ = re.compile(r"'(?P<type>[\w.]+)' object has no attribute '(?P<attr>\w+)'")
_MOD = re.compile(
    r"(?P<partial>partially initialized )?module '(?P<mod>[\w.]+)' has no attribute '(?P<attr>\w+)'"
)
_TYPE = re.compile(r"type object '(?P<type>[\w.]+)' has no attribute '(?P<attr>\w+)'")

_BUILTIN_TYPES: dict[str, type] = {
    "str": str, "list": list, "dict": dict, "set": set, "tuple": tuple, "int": int, "float": float,
    "bool": bool, "bytes": bytes, "frozenset": frozenset, "range": range, "complex": complex,
}  # fmt: skip
_NOUN = {"str": "strings", "list": "lists", "dict": "dictionaries", "set": "sets", "tuple": "tuples",
         "int": "integers", "float": "floats", "bool": "booleans"}  # fmt: skip
_CONCEPT = {"str": "string-methods", "list": "lists", "dict": "dicts", "set": "sets", "tuple": "tuples",
            "int": "numbers", "float": "numbers"}  # fmt: skip

# Names students carry over from other languages or guess from English.
_SYNONYMS = {
    "squareroot": "sqrt", "square_root": "sqrt", "sqroot": "sqrt", "power": "pow", "absolute": "fabs",
    "random_int": "randint", "randInt": "randint", "toUpperCase": "upper", "toLowerCase": "lower",
    "uppercase": "upper", "lowercase": "lower", "trim": "strip", "startsWith": "startswith",
    "endsWith": "endswith", "indexOf": "index", "substring": None, "charAt": None,
}  # fmt: skip

_RENAMES = {
    ("list", "push"): "append", ("list", "add"): "append", ("list", "put"): "append",
    ("list", "addAll"): "extend", ("set", "append"): "add", ("set", "push"): "add",
    ("dict", "iteritems"): "items", ("dict", "itervalues"): "values", ("dict", "iterkeys"): "keys",
    ("list", "find"): "index", ("list", "size"): None, ("str", "find_all"): "findall",
}  # fmt: skip
# With the spellings beginners type: no sequence has any of them, so the slip is not the point.
_LEN_NAMES = {"length", "lenght", "lenth", "lengh", "size", "len", "count_items"}
_CONTAINS = {"contains", "includes", "containsKey", "has"}


@dataclass
class Access:
    node: ast.Attribute | None
    call: ast.Call | None
    receiver: str


def _find_access(sit: Situation, line: int | None, attr: str, other_text: str | None = None) -> Access:
    nodes = [n for n in fragment_nodes(sit, line, ast.Attribute, text=other_text) if n.attr == attr]
    node = nodes[0] if nodes else None
    call = None
    if node is not None:
        calls = [
            c
            for c in ast.walk(_root(node, sit, line, other_text))
            if isinstance(c, ast.Call) and c.func is node
        ]
        call = calls[0] if calls else None
    source = sit.code if sit.tree is not None and other_text is None else None
    receiver = (
        segment(source, node.value)
        if node is not None and source
        else (ast.unparse(node.value) if node else "it")
    )
    return Access(node, call, receiver)


def _root(node: ast.AST, sit: Situation, line: int | None, other_text: str | None) -> ast.AST:
    if other_text is None and sit.tree is not None:
        return sit.tree
    from learnflow_agents.tutors.debug.code_facts import parse_fragment

    return parse_fragment(other_text if other_text is not None else sit.text(line)) or node


_READ_ONLY = re.compile(
    r"^can't set attribute(?: '(?P<a1>\w+)')?$|^property '(?P<a2>\w+)' of '(?P<t>\w+)' object has no setter"
    r"|^'(?P<t3>\w+)' object attribute '(?P<a3>\w+)' is read-only"
)


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    if "partially initialized module" in sit.message or sit.message.startswith("cannot access submodule"):
        from learnflow_agents.tutors.debug.families import call_site

        return call_site.analyse(sit)
    if m := _READ_ONLY.search(sit.message):
        return _read_only(sit, m["a1"] or m["a2"] or m["a3"], line, other, text, function)
    if m := _MOD.search(sit.message):
        return _module_attr(sit, m, line, other, function)
    m = _OBJ.search(sit.message) or _TYPE.search(sit.message)
    if m is None:
        return None
    typ, attr = m["type"], m["attr"]
    access = _find_access(sit, line, attr, text if other else None)
    if typ == "NoneType":
        return _none(sit, attr, access, line, other, function)
    if typ in _CALLABLES and not other:
        found = _method_not_called(sit, attr, access, line, function)
        if found is not None:
            return found
    found = _other_type_method(sit, typ, attr, access, line, other, function)
    if found is not None:
        return found
    return _typo(sit, typ, attr, access, line, other, function)


_CALLABLES = ("builtin_function_or_method", "method", "function")


def _method_not_called(sit: Situation, attr: str, access: Access, line, function) -> Diagnosis | None:
    """`s.upper.lower()`, or `y = x.copy` then `y.append(3)`: a method named without `()` is the
    method itself, so the next attribute is looked up on a function."""
    node = access.node
    if node is None or line is None or sit.tree is None:
        return None
    named = node.value
    where_line = line
    if isinstance(named, ast.Name):
        binding = sit.facts.last_assignment_before(named.id, line)
        if binding is None or not isinstance(binding.value, ast.Attribute):
            return None
        named, where_line = binding.value, binding.line
    if not isinstance(named, ast.Attribute):
        return None
    if isinstance(named.value, ast.Name) and named.value.id in _imported_names(sit.tree):
        return None  # `math.sqrt.real`: a module's function needs its arguments, unknown here
    method = segment(sit.code, named)
    fix = replace_node(sit.code, named, method + "()")
    summary = (
        f"{_where(sit, line, None, function)} uses `.{attr}` on {code(method)}"
        + (f" (stored in `{access.receiver}` on line {where_line})" if where_line != line else "")
        + f", which is the method `{named.attr}` itself, not its result: a method runs only when called "
        f"with `()`. Write {code(method + '()')}."
    )
    steps = f"Add the brackets on line {where_line}: {code(method + '()')}."
    return Diagnosis(
        summary=summary,
        plain=f"Without `()`, {code(method)} names the action instead of doing it, and an action has no "
        f"`{attr}`.",
        precise=f"{code(method)} evaluates to a bound method object; attribute `{attr}` is looked up on that "
        "object, which has none. Calling it returns the value you meant.",
        fix_steps=steps,
        prevention="A method is always followed by `(...)`, even with nothing inside: `text.upper()`.",
        concepts=["functions"],
        hints=[
            f"What is {code(method)} without brackets?",
            "How do you make a method run?",
            steps,
        ],
        fix_code=fix,
        culprit_line=where_line,
    )


def _local_not_attribute(sit: Situation, typ: str, attr: str) -> tuple[int, str | None] | None:
    """`attr = …` (no `self.`) inside a method of the student's class `typ`: its line, and the
    cell with `self.attr = …` there."""
    cls = sit.facts.classes.get(typ)
    for fn in cls.body if cls is not None else ():
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.args.args:
            me = fn.args.args[0].arg
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name) and t.id == attr:
                            fix = replace_node(sit.code, t, f"{me}.{attr}") if sit.has_code else None
                            return node.lineno, fix
    return None


def _class_member(mod: str, attr: str, pool: list[str]) -> str | None:
    """`cls.attr` for the one public class of `mod` that has `attr` (an import of a safe module)."""
    module = importlib.import_module(mod)
    owners = [
        name
        for name in pool
        if isinstance(getattr(module, name, None), type) and hasattr(getattr(module, name), attr)
    ]
    if len(owners) != 1:
        return None
    # Only what the class itself answers (datetime.now, Path.cwd, datetime.max): an instance
    # method read off the class (Counter.most_common) stops with a missing `self`.
    found = inspect.getattr_static(getattr(module, owners[0]), attr)
    on_class = (
        isinstance(found, classmethod | staticmethod) or type(found).__name__ == "classmethod_descriptor"
    )
    return f"{owners[0]}.{attr}" if on_class or not hasattr(type(found), "__get__") else None


def _imported_names(tree: ast.Module) -> set[str]:
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _where(sit: Situation, line: int | None, other: str | None, function: str | None) -> str:
    return cap(place(line, other, function) + called_from(sit))


def _none(sit: Situation, attr: str, access: Access, line, other, function) -> Diagnosis:
    origin: NoneOrigin | None = None
    if access.node is not None and line is not None and not other:
        origin = find_none_origin(sit, access.node.value, line)
    receiver = access.receiver
    if origin is None:
        summary = (
            f"{_where(sit, line, other, function)} uses `{receiver}.{attr}`, but `{receiver}` is `None` "
            "there, "
            "and `None` has no attributes; find where it was supposed to get a real value."
        )
        reason = f"`{receiver}` holds `None` when line {line} runs"
        steps = f"Print `{receiver}` just before line {line} and trace back where it was assigned."
        concepts, culprit, conceptual, fix = ["none", "return-values"], line, False, None
    else:
        summary = f"{_where(sit, line, other, function)} uses `{receiver}.{attr}`, but {origin.reason}."
        reason, steps = origin.reason, origin.fix_steps
        concepts = [origin.concept, "none"] if origin.concept != "none" else ["none", "return-values"]
        culprit, conceptual, fix = (
            origin.line,
            origin.kind in ("in-place", "no-return", "print"),
            origin.fix_code,
        )
    return Diagnosis(
        summary=summary,
        plain=f'`None` is Python\'s "nothing here" value. On line {line}, {code(receiver)} is `None`, so '
        "there is no "
        f"`{attr}` to use. The real question is how it became `None`: {reason}.",
        precise=f"`{receiver}` evaluates to `None` (`NoneType`), which has no attribute `{attr}`. Cause: "
        f"{reason}.",
        analogy="it's like reaching for a box on a shelf and finding only the label \"nothing\" — you can't "
        "take "
        "anything out of it.",
        deeper="Methods that mutate (`list.sort`, `list.append`, `dict.update`, `random.shuffle`) return "
        "`None` by "
        "convention (command–query separation); their non-mutating counterparts (`sorted`, `+`, `|`) return "
        "new objects.",
        fix_steps=steps,
        prevention=_none_prevention(origin),
        concepts=concepts,
        hints=[
            f"What is the value of `{receiver}` right before line {line}? Try printing it.",
            f"`{receiver}` is `None` — look at the line where it got its value.",
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        culprit_where=other,
        conceptual=conceptual,
    )


def _none_prevention(origin: NoneOrigin | None) -> str:
    if origin is not None and origin.kind == "no-return":
        return (
            "A function that computes something must `return` it; without `return`, calling it gives `None`."
        )
    if origin is not None and origin.kind == "print":
        return (
            "`print()` is for showing values to people; to keep a value, assign or return the value itself."
        )
    if origin is not None and origin.kind == "search":
        return "Functions that may find nothing return `None`; check `is not None` before using their result."
    return (
        "Know which operations change an object in place (and return `None`) and which return a new value; "
        "don't assign the result of an in-place method."
    )


def _other_type_method(
    sit: Situation, typ: str, attr: str, access: Access, line, other, function
) -> Diagnosis | None:
    recv = access.receiver
    call = access.call
    node = access.node
    args = (
        [segment(sit.code, a) for a in call.args]
        if call is not None and sit.tree is not None and not other
        else []
    )
    fix: str | None = None
    new_expr: str | None = None
    statement_fix: str | None = None
    concept = _CONCEPT.get(typ, "variables")
    noun = _NOUN.get(typ, f"`{typ}` objects")
    if _RENAMES.get((typ, attr)):
        right = _RENAMES[(typ, attr)]
        new_expr = f"{recv}.{right}({', '.join(args)})" if call is not None else f"{recv}.{right}"
        what = f"{noun} have no `{attr}` method — the {typ} method is `{right}`"
    elif attr in _LEN_NAMES and typ in ("list", "str", "dict", "tuple", "set"):
        new_expr = f"len({recv})"
        what = f"{noun} have no `{attr}`; Python gets the size with the built-in `len()`"
    elif typ == "list" and attr == "join":
        sep = args[0] if args else '""'
        new_expr = f"{sep}.join({recv})"
        what = "`join` is a *string* method: the separator joins the list"
    elif typ == "dict" and attr == "has_key":
        key = args[0] if args else "key"
        new_expr = f"{key} in {recv}"
        what = "`has_key` was removed in Python 3; test membership with `in`"
    elif attr in _CONTAINS and typ in ("str", "list", "dict", "set", "tuple"):
        item = args[0] if args else "item"
        new_expr = f"{item} in {recv}"
        what = f"{noun} have no `{attr}` method; Python checks membership with `in`"
    elif typ == "str" and attr in ("append", "push", "add", "extend", "insert"):
        what = "strings can't be changed in place; build a new string with `+`"
        if len(args) == 1:
            statement_fix = f"{recv} += {args[0]}"
    elif typ == "dict" and attr in ("add", "push", "append", "put", "set", "insert"):
        what = "dictionaries have no `" + attr + "`; add a key with `d[key] = value`"
        if len(args) == 2:
            statement_fix = f"{recv}[{args[0]}] = {args[1]}"
    elif typ == "str" and attr == "reverse":
        new_expr = f"{recv}[::-1]"
        what = "strings have no `reverse`; slicing with `[::-1]` gives a reversed copy"
    elif typ == "str" and attr == "remove":
        new_expr = f'{recv}.replace({args[0]}, "")' if args else None
        what = 'strings have no `remove`; `replace(text, "")` removes text'
    elif typ == "tuple" and attr in ("append", "remove", "insert", "extend", "pop", "sort"):
        what = "tuples can't be changed once created; use a list if it has to grow or shrink"
        concept = "tuples"
    elif typ == "list" and attr in ("lower", "upper", "strip", "split", "replace", "title"):
        new_expr = f"[item.{attr}({', '.join(args)}) for item in {recv}]"
        what = f"`{attr}` works on one string, and `{recv}` is a list of them; apply it to each item"
        concept = "comprehensions"
    elif typ == "dict" and call is None and attr.isidentifier() and not _close_attr(sit, typ, attr):
        # `person.name`, the JavaScript way: a dict's values are items, reached by key.
        new_expr = f"{recv}[{attr!r}]"
        what = "a dictionary's values are read by key in square brackets, not with a dot"
        concept = "dicts"
    elif typ in ("list", "tuple", "str") and attr == "get" and len(args) == 1:
        new_expr = f"{recv}[{args[0]}]"
        what = f"{noun} have no `get`; an item is read by its position in square brackets"
        concept = "lists"
    elif typ == "range" and attr in ("append", "extend", "insert", "remove", "pop", "sort", "reverse"):
        what = (
            "a `range` is a fixed run of numbers that can't be changed; make a list of it first with "
            "`list(…)`"
        )
        concept = "range"
    elif typ in ("int", "float") and not _close_attr(sit, typ, attr):
        what = f"`{recv}` is a number (`{typ}`), and numbers have no `{attr}`"
        if attr in _LEN_NAMES:
            new_expr = f"len(str({recv}))"
        concept = "numbers"
    else:
        return None
    if sit.has_code and not other and sit.tree is not None:
        if new_expr is not None and node is not None:
            fix = replace_node(sit.code, call if call is not None else node, new_expr)
        elif statement_fix is not None and call is not None and line is not None:
            stmt_line = sit.text(line)
            if stmt_line.strip() == segment(sit.code, call).strip():
                fix = replace_line(sit.code, line, indent_of(stmt_line) + statement_fix)
    shown = f"{recv}.{attr}" + ("(…)" if call is not None else "")
    suggestion = new_expr or statement_fix
    summary = f"{_where(sit, line, other, function)} uses {code(shown)}, but {what}" + (
        f": write {code(suggestion)}." if suggestion else "."
    )
    binding = sit.facts.last_assignment_before(recv, (line or 0) + 1) if recv.isidentifier() else None
    made = f" (`{recv}` was created on line {binding.line})" if binding else ""
    return Diagnosis(
        summary=summary,
        plain=f"Each kind of value has its own set of actions. `{recv}` is a `{typ}`{made}, and {what}.",
        precise=f"`{typ}` defines no attribute `{attr}`; attribute lookup on `{recv}` fails. "
        f"{what[0].upper() + what[1:]}.",
        analogy=f"it's like asking a calculator to play music: `{typ}` values simply don't have a `{attr}` "
        "button.",
        deeper=f"`dir({typ})` lists every attribute a `{typ}` has; "
        f"`help({typ}.{_RENAMES.get((typ, attr)) or 'method'})` "
        "shows its documentation.",
        fix_steps=f"Write `{suggestion}` instead of `{shown}`."
        if suggestion
        else f"Rethink `{shown}`: {what}.",
        prevention=f"When unsure what a `{typ}` can do, type `{recv}.` and press Tab in Jupyter to see its "
        "methods.",
        concepts=[concept] if concept != "variables" else ["variables"],
        hints=[
            f"What type of value is `{recv}` on line {line}?",
            f"`{typ}` has no `{attr}`: {what}.",
            f"Use `{suggestion}`." if suggestion else "Use a list instead, or create a new value.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _attributes_of(sit: Situation, typ: str) -> list[str]:
    if typ in _BUILTIN_TYPES:
        return [a for a in dir(_BUILTIN_TYPES[typ]) if not a.startswith("_")]
    cls = sit.facts.classes.get(typ)
    names: list[str] = []
    seen: set[str] = set()
    while cls is not None and cls.name not in seen:
        seen.add(cls.name)
        for node in ast.walk(cls):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(node.name)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and isinstance(node.ctx, ast.Store)
            ):
                # Only what the class sets: `self.g()` read in a method is the very name missing.
                names.append(node.attr)
        # Class attributes are the names the class body itself assigns; a method's local
        # variable (`name = name` in __init__) is not one.
        for node in cls.body:
            if isinstance(node, ast.Assign):
                names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
        base = next((b.id for b in cls.bases if isinstance(b, ast.Name)), None)
        cls = sit.facts.classes.get(base) if base else None
    return names


def _close_attr(sit: Situation, typ: str, attr: str) -> str | None:
    pool = _attributes_of(sit, typ)
    if attr in _SYNONYMS and _SYNONYMS[attr] in pool:
        return _SYNONYMS[attr]
    return closest(attr, pool, cutoff=0.7)


def _typo(sit: Situation, typ: str, attr: str, access: Access, line, other, function) -> Diagnosis | None:
    match = sit.suggestion if sit.suggestion and sit.suggestion != attr else _close_attr(sit, typ, attr)
    recv = access.receiver
    if match is None:
        return _unknown_attr(sit, typ, attr, access, line, other, function)
    fix = None
    if sit.has_code and not other and access.node is not None and sit.tree is not None:
        fix = replace_node(sit.code, access.node, f"{segment(sit.code, access.node.value)}.{match}")
    own = typ in sit.facts.classes
    kind = f"your class `{typ}`" if own else f"`{typ}`"
    where_defined = ""
    if own:
        where_defined = f" (your class `{typ}` is defined on line {sit.facts.classes[typ].lineno})"
    return Diagnosis(
        summary=f"{_where(sit, line, other, function)} uses `{recv}.{attr}`, but {kind} has no `{attr}` — "
        f"you probably meant `{match}`{where_defined}.",
        plain=f"`{recv}` is a `{typ}`, and it has something called `{match}`, but nothing called `{attr}`. "
        "Python needs the exact spelling.",
        precise=f"Attribute lookup for `{attr}` on a `{typ}` instance failed; the closest existing "
        "attribute is "
        f"`{match}`.",
        analogy=f'it\'s like asking for "{attr}" at a shop that sells "{match}": close, but the shop only '
        "understands the exact name.",
        deeper='Python 3.12 adds "Did you mean" suggestions to AttributeError; `dir(obj)` lists every '
        "attribute, and Tab completion in Jupyter avoids the typo altogether.",
        fix_steps=f"Change `.{attr}` to `.{match}`" + (f" on {place(line, other)}." if line else "."),
        prevention=f"Type `{recv}.` and press Tab to pick attributes from the list instead of typing them.",
        concepts=["classes"] if own else [_CONCEPT.get(typ, "variables")],
        hints=[
            f"Check the spelling after the dot on {place(line, other)}.",
            f"`{typ}` has a similar attribute: `{match}`.",
            f"Replace `{attr}` with `{match}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _unknown_attr(sit: Situation, typ: str, attr: str, access: Access, line, other, function) -> Diagnosis:
    pool = _attributes_of(sit, typ)
    some = ", ".join(f"`{a}`" for a in pool[:8])
    recv = access.receiver
    own = typ in sit.facts.classes
    what = f"an object of your class `{typ}`" if own else f"a `{typ}`"
    mine = ", ".join(f"`{a}`" for a in pool if not a.startswith("__"))
    has = f" (it has {mine})" if own and mine else ""
    local = _local_not_attribute(sit, typ, attr) if own else None
    if local is not None:
        has += (
            f". On line {local[0]}, `{attr} = …` inside a method makes a local variable that disappears when "
            f"the method ends; to keep it on the object write `self.{attr} = …`"
        )
    return Diagnosis(
        summary=f"{_where(sit, line, other, function)} uses `{recv}.{attr}`, but `{recv}` is {what}, "
        f"which has no attribute `{attr}`{has}.",
        plain=f"`{recv}` is a `{typ}` and has no `{attr}`."
        + (f" Things a `{typ}` does have: {some}." if some else ""),
        precise=f"`{typ}` defines no `{attr}`." + (f" Available: {some}, …" if some else ""),
        fix_steps=f"Check what `{recv}` should be at {place(line, other)}: if it is the right type, pick an "
        "existing "
        "attribute; if not, fix where it was created.",
        prevention=f"Use `type({recv})` and `dir({recv})` to see what a value is and what it can do.",
        concepts=["classes"] if typ in sit.facts.classes else [_CONCEPT.get(typ, "variables")],
        hints=[
            f"What type is `{recv}` on line {line}?",
            f"`{typ}` has no `{attr}`.",
            f"Look at `dir({recv})` for the attribute you need.",
        ],
        fix_code=local[1] if local is not None else None,
        culprit_line=local[0] if local is not None else line,
        culprit_where=other,
    )


def _module_attr(sit: Situation, m: re.Match[str], line, other, function) -> Diagnosis:
    mod, attr = m["mod"], m["attr"]
    if m["partial"]:
        return Diagnosis(
            summary=f"`{mod}` is only partially imported: a file in your folder is probably named "
            f"`{mod}.py` and "
            f"shadows the real `{mod}` module; rename that file.",
            plain=f"Python found *your* file called `{mod}.py` before the real `{mod}` module, so "
            f"`{mod}.{attr}` "
            "doesn't exist.",
            precise=f"A local `{mod}.py` on `sys.path` shadows the standard module and imports itself "
            "circularly, "
            f"so `{mod}.{attr}` is not yet defined.",
            fix_steps=f"Rename your `{mod}.py` (and delete `__pycache__`), then restart the kernel.",
            prevention="Never name your own files after modules you import (random.py, math.py, turtle.py…).",
            concepts=["modules-imports"],
            hints=[
                f"Is there a file called `{mod}.py` next to your notebook?",
                "It hides the real module.",
                f"Rename your `{mod}.py`.",
            ],
            culprit_line=line,
            culprit_where=other,
        )
    pool: list[str] = []
    if mod.split(".")[0] in SAFE_MODULES:
        try:
            pool = [a for a in dir(importlib.import_module(mod)) if not a.startswith("_")]
        except ImportError:
            pool = []
    match = sit.suggestion if sit.suggestion and sit.suggestion != attr else None
    if match is None and pool:
        match = _SYNONYMS.get(attr) if _SYNONYMS.get(attr) in pool else closest(attr, pool, cutoff=0.7)
    if match is None and pool:
        # `datetime.now()` after `import datetime`: the name belongs to a class of the module
        # (`datetime.datetime.now`), which the module and the class share a name with.
        match = _class_member(mod, attr, pool)
    access = _find_access(sit, line, attr, sit.elsewhere[-1].source if other and sit.elsewhere else None)
    fix = None
    if match and sit.has_code and not other and access.node is not None and sit.tree is not None:
        fix = replace_node(sit.code, access.node, f"{segment(sit.code, access.node.value)}.{match}")
    tail = f" — you probably meant `{mod}.{match}`." if match else "."
    return Diagnosis(
        summary=f"{_where(sit, line, other, function)} uses `{mod}.{attr}`, but the `{mod}` module has no "
        f"`{attr}`{tail}",
        plain=f"The module `{mod}` is a toolbox; it has no tool called `{attr}`"
        + (f", but it has `{match}`." if match else "."),
        precise=f"`{mod}` defines no attribute `{attr}`"
        + (f"; the closest name is `{match}`." if match else "."),
        fix_steps=(
            f"Use `{mod}.{match}`."
            if match
            else f"Look up the right name with `help({mod})` or `dir({mod})`."
        ),
        prevention=f"Type `{mod}.` and press Tab to see the names a module really has.",
        concepts=["modules-imports"],
        hints=[
            f"Check the name after `{mod}.` on line {line}.",
            f"`{mod}` has no `{attr}`" + (f"; compare with `{match}`." if match else "."),
            f"Write `{mod}.{match}`." if match else f"Run `dir({mod})` to find the right name.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _read_only(sit: Situation, attr: str | None, line, other, text, function) -> Diagnosis:
    """`p.x = 3` where `x` is a property without a setter (a namedtuple's fields are such
    properties): the attribute can be read but not assigned."""
    targets = [
        t
        for a in fragment_nodes(sit, line, (ast.Assign, ast.AugAssign), text=text if other else None)
        for t in (a.targets if isinstance(a, ast.Assign) else [a.target])
        if isinstance(t, ast.Attribute) and (attr is None or t.attr == attr)
    ]
    target = ast.unparse(targets[0]) if targets else (f"….{attr}" if attr else "the attribute")
    obj, _, name = target.rpartition(".")
    tuple_like = bool(sit.code) and "namedtuple" in sit.code
    if not targets:  # `del obj.attr`
        targets = [
            t
            for d in fragment_nodes(sit, line, ast.Delete, text=text if other else None)
            for t in d.targets
            if isinstance(t, ast.Attribute) and (attr is None or t.attr == attr)
        ]
        target = ast.unparse(targets[0]) if targets else target
        obj, _, name = target.rpartition(".")
    if "__slots__" in (sit.code or "") and "is read-only" in sit.message:
        how = (
            f"the class lists its instances' attributes in `__slots__`, and {code(name)} is not among them "
            "(it is a class attribute, shared and read-only through an instance): add it to `__slots__` "
            f"or change it on the class ({code('ClassName.' + name + ' = …')})"
        )
        return _read_only_diag(sit, target, name, how, line, other, function)
    how = (
        "a `namedtuple`'s fields are read-only properties, so build a changed copy: "
        f"{code(f'{obj} = {obj}._replace({name}=…)')}"
        if tuple_like and obj
        else "give the class a setter (`@" + (name or "attr") + ".setter`), or store the value in another "
        "attribute"
    )
    return _read_only_diag(sit, target, name, how, line, other, function)


def _read_only_diag(sit: Situation, target: str, name: str, how: str, line, other, function) -> Diagnosis:
    where = cap(place(line, other, function) + called_from(sit))
    return Diagnosis(
        summary=f"{where} assigns to {code(target)}, but {code(name or target)} is a read-only property "
        f"of that object: it can be read, not set. To change it, {how}.",
        plain=f"Some attributes are computed or frozen: Python lets you read {code(target)} but not assign a "
        f"new value to it. {how[0].upper() + how[1:]}.",
        precise=f"{code(name or target)} is a property (a data descriptor) with no setter, so attribute "
        "assignment raises AttributeError.",
        fix_steps=how[0].upper() + how[1:] + ".",
        prevention="Treat namedtuples (and properties without a setter) as read-only; make a new object "
        "with the changed value.",
        concepts=["classes", "mutability"],
        hints=[
            f"Can {code(target)} be changed after the object is created?",
            "A property without a setter can only be read.",
            how[0].upper() + how[1:] + ".",
        ],
        culprit_line=line,
        culprit_where=other,
    )
