"""TypeError around calls: calling something that isn't a function, and calling a
function with the wrong arguments (pointing at its ``def`` line, where the contract is)."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import (
    BUILTIN_NAMES,
    closest,
    line_at,
    replace_line,
    replace_node,
    replace_nodes,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code, message_text
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import name_type

_NOT_CALLABLE = re.compile(r"'(?P<type>[\w.]+)' object is not callable")
_TAKES = re.compile(
    r"(?P<func>[\w.<>]+)\(\) takes (?P<expected>\d+|from \d+ to \d+) positional arguments? but "
    r"(?P<given>\d+) (?:was|were) given"
)
_MISSING = re.compile(
    r"(?P<func>[\w.<>]+)\(\) missing (?P<n>\d+) required (?P<kind>positional|keyword-only) arguments?: "
    r"(?P<names>.+)"
)
_UNEXPECTED_KW = re.compile(r"(?P<func>[\w.<>]+)\(\) got an unexpected keyword argument '(?P<kw>\w+)'")
_BUILTIN_COUNT = re.compile(
    r"(?P<func>[\w.]+)\(\) takes (?:exactly )?(?P<expected>one|no|\d+) arguments? \((?P<given>\d+) given\)"
)
# The other wordings C built-ins use: "isinstance expected 2 arguments, got 1", "round() takes at
# most 2 arguments (3 given)", "sum() takes at least 1 positional argument (0 given)",
# "pow() missing required argument 'exp' (pos 2)".
_BUILTIN_EXPECTED = re.compile(
    r"^(?P<func>[\w.]+)(?:\(\))? expected (?P<expected>(?:at (?:most|least) )?\d+) arguments?, "
    r"got (?P<given>\d+)"
)
_BUILTIN_BOUND = re.compile(
    r"^(?P<func>[\w.]+)\(\) takes (?P<expected>at (?:most|least) \d+)(?: positional)? arguments? "
    r"\((?P<given>\d+) given\)"
)
_BUILTIN_MISSING = re.compile(
    r"^(?P<func>[\w.]+)\(\) missing required argument '(?P<name>\w+)' \(pos (?P<pos>\d+)\)"
)
_NO_ARGS = re.compile(r"(?P<cls>\w+)\(\) takes no arguments")
_MULTIPLE = re.compile(r"(?P<func>[\w.<>]+)\(\) got multiple values for argument '(?P<arg>\w+)'")

_BETTER_NAMES = {
    "sum": "total", "list": "items", "str": "text", "max": "largest", "min": "smallest",
    "input": "answer", "len": "length", "dict": "mapping", "type": "kind", "id": "ident",
    "print": "message", "range": "span", "set": "seen", "tuple": "pair", "int": "number",
    "float": "value", "round": "rounded", "sorted": "ordered", "map": "mapping", "filter": "selected",
    "open": "handle", "abs": "magnitude", "format": "template",
}  # fmt: skip
_MODULE_CALLABLES = {
    "random": "random", "datetime": "datetime", "time": "time", "copy": "copy", "pprint": "pprint",
    "glob": "glob", "tqdm": "tqdm", "decimal": "Decimal", "fractions": "Fraction",
}  # fmt: skip


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    if m := _NOT_CALLABLE.search(msg):
        return _not_callable(sit, m["type"])
    if (m := _NO_ARGS.search(msg)) and (found := _init_misspelled(sit, m["cls"])) is not None:
        return found
    if m := _TAKES.search(msg):
        return _wrong_count(sit, m["func"], m["expected"], int(m["given"]), None)
    if m := _MISSING.search(msg):
        names = re.findall(r"'(\w+)'", m["names"])
        return _wrong_count(sit, m["func"], None, None, names)
    if m := _UNEXPECTED_KW.search(msg):
        return _unexpected_keyword(sit, m["func"], m["kw"])
    if m := _BUILTIN_COUNT.search(msg):
        return _builtin_count(sit, m["func"], m["expected"], int(m["given"]))
    if (m := _BUILTIN_EXPECTED.search(msg)) or (m := _BUILTIN_BOUND.search(msg)):
        return _builtin_count(sit, m["func"], m["expected"], int(m["given"]))
    if m := _BUILTIN_MISSING.search(msg):
        return _builtin_missing(sit, m["func"], m["name"], int(m["pos"]))
    return None


def _count(n: int | str, noun: str = "argument") -> str:
    """ "1 argument", "2 arguments", "at most 2 arguments"."""
    return f"{n} {noun}" if str(n).endswith(" 1") or str(n) == "1" else f"{n} {noun}s"


def _a_type(value: object) -> str:
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} `{name}`"


def _calls_on(sit: Situation, line: int | None, other: str | None, text: str) -> list[ast.Call]:
    return fragment_nodes(sit, line, ast.Call, text=text if other else None)


def _not_callable(sit: Situation, typ: str) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    calls = _calls_on(sit, line, other, text)
    where = cap(place(line, other, function) + called_from(sit))
    editable = sit.has_code and not other and sit.tree is not None
    # "2(x + 1)": maths notation, the multiplication sign is missing.
    for call in calls:
        if (
            isinstance(call.func, ast.Constant)
            and isinstance(call.func.value, int | float)
            and len(call.args) == 1
        ):
            left = segment(sit.code, call.func) if editable else ast.unparse(call.func)
            inner = segment(sit.code, call.args[0]) if editable else ast.unparse(call.args[0])
            new = f"{left} * ({inner})"
            return _diag_not_callable(
                sit,
                line,
                other,
                summary=f"{where} writes `{left}({inner})` like in maths; Python needs `*` to multiply: "
                f"`{new}` (`{left}` is {_a_type(call.func.value)}, and a number can't be called).",
                why="a number followed by brackets looks like a function call to Python, so it tries to "
                f"*call* `{left}`, {_a_type(call.func.value)}",
                steps=f"Write `{new}`.",
                fix=replace_node(sit.code, call, new) if editable else None,
                concepts=["numbers", "syntax-basics"],
                culprit=line,
            )
    named = [c for c in calls if isinstance(c.func, ast.Name)]
    for call in named:
        assert isinstance(call.func, ast.Name)
        name = call.func.id
        bindings = [
            b for b in sit.facts.bindings_of(name) if b.kind in ("assign", "augassign", "for", "param")
        ]
        kind = name_type(sit, name, line)
        if name in BUILTIN_NAMES and bindings:
            first = min(bindings, key=lambda b: b.line)
            new_name = _BETTER_NAMES.get(name, f"my_{name}")
            fix = _rename_variable(sit, name, new_name) if editable else None
            return _diag_not_callable(
                sit,
                line,
                other,
                summary=f"{where} calls `{name}(…)`, but line {first.line} made `{name}` a variable "
                f"({code(sit.text(first.line).strip())}), "
                f"hiding Python's built-in `{name}` function; rename your variable (e.g. `{new_name}`).",
                why=f"on line {first.line} you stored a `{typ}` in a variable called `{name}`; from then on "
                f"`{name}` means "
                f"your `{typ}`, not the built-in function",
                steps=f"Rename the variable `{name}` to something like `{new_name}` everywhere you use it "
                "as a value, "
                "then restart the kernel (or `del " + name + "`) so the built-in comes back.",
                fix=fix,
                concepts=["variables", "scope"],
                culprit=first.line,
                conceptual=True,
            )
        if (
            (kind or typ) in ("list", "str", "tuple", "dict")
            and typ in ("list", "str", "tuple", "dict")
            and len(call.args) == 1
        ):
            arg = segment(sit.code, call.args[0]) if editable else ast.unparse(call.args[0])
            new = f"{name}[{arg}]"
            return _diag_not_callable(
                sit,
                line,
                other,
                summary=f"{where} writes `{name}({arg})` with round brackets; to get an item from the {typ} "
                f"`{name}`, "
                f"use square brackets: `{new}`.",
                why=f"round brackets *call* a function, and `{name}` is a `{typ}`, not a function; items are "
                "fetched with square brackets",
                steps=f"Write `{new}`.",
                fix=replace_node(sit.code, call, new) if editable else None,
                concepts=["indexing", "lists" if typ == "list" else "dicts" if typ == "dict" else "strings"],
                culprit=line,
            )
    if typ == "module":
        for call in named:
            assert isinstance(call.func, ast.Name)
            mod = call.func.id
            inner = _MODULE_CALLABLES.get(mod)
            if inner:
                new = f"{mod}.{inner}"
                return _diag_not_callable(
                    sit,
                    line,
                    other,
                    summary=f"{where} calls the module `{mod}` itself; the function inside it is `{new}(…)`.",
                    why=f"`import {mod}` gives you the whole module (a toolbox); the function is one tool "
                    "inside it",
                    steps=f"Call `{new}(…)`, or import the function with `from {mod} import {inner}`.",
                    fix=replace_node(sit.code, call.func, new) if editable else None,
                    concepts=["modules-imports"],
                    culprit=line,
                )
    target = named[0].func.id if named and isinstance(named[0].func, ast.Name) else None
    shown = f"`{target}`" if target else "the value before the brackets"
    return _diag_not_callable(
        sit,
        line,
        other,
        summary=f"{where} calls {shown} with `(…)`, but it is a `{typ}`, not a function.",
        why=f'round brackets after a value mean "run this function", and {shown} holds a `{typ}`',
        steps=f"Check what {shown} holds at line {line}; remove the brackets, or use the function you meant.",
        fix=None,
        concepts=["functions"],
        culprit=line,
    )


def _rename_variable(sit: Situation, name: str, new_name: str) -> str | None:
    assert sit.tree is not None
    called = {
        id(c.func) for c in ast.walk(sit.tree) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
    }
    nodes = [
        n for n in ast.walk(sit.tree) if isinstance(n, ast.Name) and n.id == name and id(n) not in called
    ]
    return replace_nodes(sit.code, [(n, new_name) for n in nodes]) if nodes else None


def _diag_not_callable(
    sit, line, other, *, summary, why, steps, fix, concepts, culprit, conceptual=False
) -> Diagnosis:
    return Diagnosis(
        summary=summary,
        plain=f"Python tried to run something as a function, but {why}.",
        precise=f"The call expression's callee is not callable: {why}.",
        analogy='it\'s like pressing "play" on a photo: only some things can be run.',
        deeper="Anything with a `__call__` method is callable; `callable(x)` tells you whether `x` can be "
        "called.",
        fix_steps=steps,
        prevention="Don't reuse built-in names (`sum`, `list`, `str`, `max`…) for your variables; use square "
        "brackets for indexing and `*` for multiplication.",
        concepts=concepts,
        hints=[
            f"Which part of line {line} is being called with `(…)`?",
            cap(why) + ".",
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        culprit_where=other,
        conceptual=conceptual,
    )


def _find_def(
    sit: Situation, qualname: str
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, str | None]:
    parts = qualname.split(".")
    name = parts[-1]
    cls_name = parts[-2] if len(parts) > 1 else None
    if sit.tree is None:
        return None, cls_name
    if cls_name and cls_name in sit.facts.classes:
        for node in sit.facts.classes[cls_name].body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                return node, cls_name
    for node in ast.walk(sit.tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                    return item, node.name
    return sit.facts.functions.get(name), cls_name


def _signature(sit: Situation, fdef: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return line_at(sit.code, fdef.lineno).strip().rstrip(":")


def _is_method(sit: Situation, fdef: ast.AST) -> bool:
    return any(fdef in c.body for c in sit.facts.classes.values())


def _method_without_object(sit: Situation, fdef, short_name: str, sig: str, line, other) -> Diagnosis:
    """`Example.class_member()` or `class_member()` inside the class body: a method called with
    no object, so nothing fills its `self`."""
    cls = next((c for c in sit.facts.classes.values() if fdef in c.body), None)
    cls_name = cls.name if cls is not None else "the class"
    in_body = cls is not None and isinstance(line, int) and cls.lineno <= line <= (cls.end_lineno or 0)
    in_body = in_body and not any(
        isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.lineno <= line <= (f.end_lineno or 0)
        for f in cls.body
    )
    where = f"line {line} (in the body of class `{cls_name}`)" if in_body else f"line {line}"
    inside = _object_at_hand(sit, cls, short_name, line) if not other else None
    if inside is not None and inside[0] is cls:
        how = f"This method already has the object, `{inside[1]}`: call `{inside[1]}.{short_name}()`."
    elif inside is not None:
        how = (
            f"`{cls_name}` is the parent class of `{inside[0].name}`: pass the object on, "
            f"`{cls_name}.{short_name}({inside[1]})`, or let Python do it: `super().{short_name}()`."
        )
    elif in_body:
        how = (
            f"The class body runs once, while the class is being built, before any `{cls_name}` object "
            f"exists; call the method later, on an object: `obj = {cls_name}()` then `obj.{short_name}()`."
        )
    else:
        how = (
            f"Create an object first and call the method on it: `{cls_name}().{short_name}()` (or "
            f"`obj = {cls_name}()` then `obj.{short_name}()`)."
        )
    return Diagnosis(
        summary=f"`{short_name}` (line {fdef.lineno}, {code(sig)}) is a method, and {where} calls it without "
        f"an object, so nothing fills its `self` parameter. {how}",
        plain=f"When you write `obj.{short_name}()`, Python passes the object `obj` as `self`. Calling "
        f"`{short_name}` with no object in front — on the class itself or by its bare name — leaves "
        "`self` empty, so Python reports it missing.",
        precise="A function looked up on the class (or by name in the class body) is a plain function, "
        "not a bound method; `self` must then be passed explicitly.",
        fix_steps=how,
        prevention="Call methods on objects (`obj.method()`); if a function needs no object, define it "
        "outside the class (or mark it `@staticmethod`).",
        concepts=["classes", "parameters"],
        hints=[
            f"Which object does the call on line {line} run `{short_name}` on?",
            "`self` is filled by the object before the dot.",
            how,
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _object_at_hand(sit: Situation, cls, short_name: str, line) -> tuple[ast.ClassDef, str] | None:
    """`Animal.__init__()` inside `Dog.__init__(self)` (Dog built on Animal), or `Dog.bark()` inside
    another method of Dog: the calling method has an object (its first parameter) to pass on, so
    the answer is that object (or `super()`), not a new `Animal()`."""
    if cls is None or sit.tree is None or not isinstance(line, int):
        return None
    if f"{cls.name}.{short_name}(" not in "".join(sit.text(line).split()):
        return None
    for c in ast.walk(sit.tree):
        if not isinstance(c, ast.ClassDef) or not (
            c is cls or any(isinstance(b, ast.Name) and b.id == cls.name for b in c.bases)
        ):
            continue
        for f in c.body:
            if not isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = f.args.posonlyargs + f.args.args
            static = any(
                isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in f.decorator_list
            )
            if params and not static and f.lineno <= line <= (f.end_lineno or f.lineno):
                return c, params[0].arg
    return None


def _wrong_count(
    sit: Situation, func: str, expected: str | None, given: int | None, missing: list[str] | None
) -> Diagnosis:
    line, other, _text, _function = raise_site(sit)
    fdef, _cls_name = _find_def(sit, func)
    short_name = func.split(".")[-1]
    where = cap(place(sit.line if sit.line is not None else line, None))
    if fdef is None:
        about = f"`{func}()` " + (
            f"expects {expected} positional argument(s) but got {given}"
            if expected
            else f"is missing {', '.join(f'`{n}`' for n in (missing or []))}"
        )
        return Diagnosis(
            summary=f"{where} calls `{func}()` with the wrong number of arguments: it "
            f"{about.split(' ', 1)[1]}.",
            plain=f"`{func}()` needs a certain number of inputs, and the call on line {line} gives a "
            "different number.",
            precise=f"Argument binding failed: {message_text(sit.message)}.",
            fix_steps=f"Look up `help({short_name})` and pass exactly the arguments it expects.",
            prevention="Check a function's parameters (Shift+Tab in Jupyter shows the signature) before "
            "calling it.",
            concepts=["parameters"],
            hints=[
                f"How many values does line {line} pass to `{func}`?",
                message_text(sit.message),
                f"Match the call to `{func}`'s parameters.",
            ],
            culprit_line=line,
            culprit_where=other,
        )
    params = [a.arg for a in fdef.args.posonlyargs + fdef.args.args]
    sig = _signature(sit, fdef)
    method = _is_method(sit, fdef) and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in fdef.decorator_list
    )
    if (
        method
        and (not params or params[0] not in ("self", "cls"))
        and expected is not None
        and given == int(expected.split()[-1]) + 1
    ):
        new_sig = _add_self(sig)
        fix = (
            replace_line(sit.code, fdef.lineno, line_at(sit.code, fdef.lineno).replace(sig, new_sig, 1))
            if sit.has_code
            else None
        )
        return Diagnosis(
            summary=f"The method `{short_name}` defined on line {fdef.lineno} (`{sig}`) is missing `self`: "
            "Python passes "
            f"the object automatically, so the call on line {line} gives it one argument more than it "
            "accepts.",
            plain=f"When you call `obj.{short_name}()`, Python quietly hands the object itself to the "
            "method as its first "
            f"input. `{short_name}` on line {fdef.lineno} has no place to receive it — that first parameter "
            "is "
            f"always called `self`. So `{short_name}` takes {given - 1} positional "
            f"argument{'s' if given != 2 else ''} but is given {given}: your {given - 1} plus the object.",
            precise=f"Instance methods receive the instance as the first positional argument (bound method); "
            f"`{sig}` declares {len(params)} parameter(s), so the bound call passes {given}. Add `self` as "
            "the "
            "first parameter.",
            analogy='it\'s like a form whose first line is always "your name" — the method must leave room '
            "for it.",
            deeper="`@staticmethod` opts out of receiving the instance; `@classmethod` receives the class "
            "as `cls`.",
            fix_steps=f"Change line {fdef.lineno} to `{new_sig}:`.",
            prevention="Start every method in a class with `self` as its first parameter.",
            concepts=["classes", "parameters"],
            hints=[
                f"Compare the call on line {line} with the definition on line {fdef.lineno}.",
                "Methods receive the object itself as their first argument.",
                f"Write `{new_sig}:`.",
            ],
            fix_code=fix,
            culprit_line=fdef.lineno,
            conceptual=True,
        )
    visible = [p for p in params if p not in ("self", "cls")] if method else params
    if method and missing == ["self"] and params and params[0] == "self":
        return _method_without_object(sit, fdef, short_name, sig, line, other)
    if missing:
        detail = f"it needs {', '.join(f'`{n}`' for n in missing)} too"
        steps = (
            f"Pass a value for {', '.join(f'`{n}`' for n in missing)} in the call on line {line}, or give "
            "the "
            f"parameter a default value on line {fdef.lineno} (e.g. `{missing[0]}=…`)."
        )
    else:
        extra = (given or 0) - (int(expected.split()[-1]) if expected else 0)
        detail = (
            f"it accepts {expected} positional argument(s) "
            f"({', '.join(f'`{p}`' for p in visible) or 'none'}) but was given {given}"
        )
        steps = (
            f"Remove the extra argument{'s' if extra > 1 else ''} from the call on line {line}, or add a "
            "parameter "
            f"for {'them' if extra > 1 else 'it'} on line {fdef.lineno}."
        )
    return Diagnosis(
        summary=f"The call on line {sit.line or line} doesn't match `{short_name}`, defined on line "
        f"{fdef.lineno} as "
        f"`{sig}`: {detail}.",
        plain=f"A function's definition (line {fdef.lineno}) says how many inputs it takes: "
        f"{', '.join(f'`{p}`' for p in visible) or 'none'}. The call gives a different number, so Python "
        "doesn't know which value goes where.",
        precise=f"Argument binding against `{sig}` failed: {detail}. Positional arguments are matched to "
        "parameters left to right; each parameter without a default must be bound exactly once.",
        analogy="it's like a recipe that asks for 2 ingredients and you hand over 3 — or only 1.",
        deeper="Defaults (`def f(a, b=1)`), `*args` and keyword-only parameters change the arity; "
        "`inspect.signature(f)` shows it.",
        fix_steps=steps,
        prevention="Keep calls in sync with the definition: when you add or remove a parameter, update "
        "every call.",
        concepts=["parameters", "functions"],
        hints=[
            f"Count the values passed on line {sit.line or line} and the parameters on line {fdef.lineno}.",
            f"`{short_name}` is defined as `{sig}`.",
            steps,
        ],
        culprit_line=fdef.lineno,
    )


def _add_self(sig: str) -> str:
    head, _, rest = sig.partition("(")
    rest = rest.strip()
    return (
        f"{head}(self{', ' + rest if rest and not rest.startswith(')') else rest or ')'}"
        if rest != ")"
        else f"{head}(self)"
    )


def _unexpected_keyword(sit: Situation, func: str, kw: str) -> Diagnosis:
    line, other, _text, _function = raise_site(sit)
    fdef, _ = _find_def(sit, func)
    short_name = func.split(".")[-1]
    params = [a.arg for a in (fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs)] if fdef else []
    match = closest(kw, params, cutoff=0.6) if params else None
    fix = None
    if match and sit.has_code and not other and sit.tree is not None:
        for call in fragment_nodes(sit, line, ast.Call):
            for keyword in call.keywords:
                if keyword.arg == kw:
                    start = line_at(sit.code, keyword.value.lineno)
                    fix = replace_line(
                        sit.code,
                        keyword.value.lineno,
                        re.sub(rf"\b{kw}\s*=", f"{match}=", start, count=1),
                    )
                    break
            if fix:
                break
    defined = f", defined on line {fdef.lineno} as `{_signature(sit, fdef)}`," if fdef else ""
    return Diagnosis(
        summary=f"Line {sit.line or line} passes {code(kw + '=')} to `{short_name}`{defined} which has no "
        f"parameter {code(kw)}" + (f" — you probably meant `{match}`." if match else "."),
        plain=f"When you write {code(kw + '=…')} in a call, Python looks for a parameter with exactly "
        "that name. "
        f"`{short_name}` "
        f"has {', '.join(f'`{p}`' for p in params) or 'no such parameter'}.",
        precise=f"Keyword argument `{kw}` matches no parameter of `{short_name}` (parameters: "
        f"{', '.join(params) or 'unknown'}).",
        fix_steps=(
            f"Write `{match}=` instead of `{kw}=`."
            if match
            else f"Use one of `{short_name}`'s parameter names."
        ),
        prevention="Use Shift+Tab (or `help()`) to see a function's parameter names before calling it with "
        "keywords.",
        concepts=["parameters"],
        hints=[
            f"Compare `{kw}` with the parameter names of `{short_name}`.",
            f"`{short_name}` has: {', '.join(params) or 'other names'}.",
            f"Use `{match}=`." if match else "Use an existing parameter name.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _builtin_count(sit: Situation, func: str, expected: str, given: int) -> Diagnosis:
    line, other, _text, _function = raise_site(sit)
    word = {"one": "exactly one argument", "no": "no arguments"}.get(expected, _count(expected))
    return Diagnosis(
        summary=f"Line {line} calls `{func}()` with {_count(given)}, but `{func}()` takes {word}.",
        plain=f"The built-in `{func}()` takes {word}; line {line} gives it {given}.",
        precise=f"`{func}` accepts {word}; {given} were passed on line {line}.",
        fix_steps=f"Call `{func}()` with {word}"
        + (" — to combine values first, put them in a list or tuple." if expected in ("one", "1") else "."),
        prevention=f"Check `help({func})` for what a built-in expects.",
        concepts=["functions", "parameters"],
        hints=[
            f"How many values are inside `{func}(…)` on line {line}?",
            f"`{func}()` takes {word}.",
            f"Pass {word}.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _builtin_missing(sit: Situation, func: str, name: str, pos: int) -> Diagnosis:
    line, other, _text, _function = raise_site(sit)
    return Diagnosis(
        summary=f"Line {line} calls `{func}()` without its argument `{name}` (argument number {pos}), "
        f"which `{func}()` needs.",
        plain=f"The built-in `{func}()` needs a value for `{name}`, its argument number {pos}; line {line} "
        "leaves it out.",
        precise=f"`{func}` has a required parameter `{name}` at position {pos}; the call did not bind it.",
        fix_steps=f"Pass `{name}` as argument number {pos} of `{func}(…)`.",
        prevention=f"Check `help({func})` for what a built-in expects.",
        concepts=["functions", "parameters"],
        hints=[
            f"How many values are inside `{func}(…)` on line {line}?",
            f"`{func}()` also needs `{name}`.",
            f"Add `{name}` as argument {pos}.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _init_misspelled(sit: Situation, cls: str) -> Diagnosis | None:
    line, other, _text, _function = raise_site(sit)
    klass = sit.facts.classes.get(cls)
    if klass is None:
        return None
    methods = [n for n in klass.body if isinstance(n, ast.FunctionDef)]
    wrong = next(
        (m for m in methods if m.name != "__init__" and closest(m.name, ["__init__"], cutoff=0.6)), None
    )
    fix = None
    steps = f"Add an `__init__(self, …)` method to `{cls}` that accepts those arguments."
    if wrong is not None:
        text_line = line_at(sit.code, wrong.lineno)
        fix = replace_line(sit.code, wrong.lineno, text_line.replace(f"def {wrong.name}", "def __init__", 1))
        steps = f"Rename `{wrong.name}` on line {wrong.lineno} to `__init__` (two underscores on each side)."
    return Diagnosis(
        summary=f"Line {line} passes arguments to `{cls}(…)`, but `{cls}` has no `__init__` to receive them"
        + (f": `{wrong.name}` on line {wrong.lineno} is a misspelling of `__init__`." if wrong else "."),
        plain=f"When you create a `{cls}`, Python runs its `__init__` method with your values. "
        + (
            f"It's spelled `{wrong.name}` on line {wrong.lineno}, so Python doesn't recognise it."
            if wrong
            else "There is none."
        ),
        precise="Instance construction calls `__init__`; without one, `object.__init__` accepts no arguments."
        + (f" `{wrong.name}` (line {wrong.lineno}) is not the special method name." if wrong else ""),
        fix_steps=steps,
        prevention="Special methods have exactly two underscores on each side: `__init__`.",
        concepts=["classes", "dunder-methods"],
        hints=[
            f"Which method should receive the values passed to `{cls}(…)`?",
            "It must be called exactly `__init__`.",
            steps,
        ],
        fix_code=fix,
        culprit_line=wrong.lineno if wrong else klass.lineno,
        culprit_where=other,
    )
