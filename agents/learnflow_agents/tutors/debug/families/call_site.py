"""Errors of how a value is handed over or driven, not of the value itself: a parameter given
two values in one call, `*`/`**` applied to something that is not a sequence or a dict, a
generator sent a value before it started or resumed from inside itself, a method called on the
class with no instance, text (`str`) and raw bytes (`bytes`) mixed."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation

_MULTIPLE = re.compile(r"(?P<func>[\w.<>]+)\(\) got multiple values for (?:keyword )?argument '(?P<arg>\w+)'")
_STARSTAR = re.compile(
    r"argument after \*\* must be a mapping, not (?P<t>\w+)|^'(?P<t2>\w+)' object is not a mapping"
)
_STAR = re.compile(r"(?:argument|Value) after \* must be an iterable, not (?P<t>\w+)")
_DESCRIPTOR = re.compile(r"^descriptor '(?P<meth>\w+)' of '(?P<cls>\w+)' object needs an argument")
_BYTES = re.compile(
    r"^can't concat (?P<a>str|bytes) to (?P<b>str|bytes)|^must be (?P<c>str|bytes), not (?P<d>str|bytes)"
    r"|^unsupported operand type\(s\) for \S+: '(?P<e>str|bytes)' and '(?P<f>str|bytes)'"
)


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    line, other, text, function = raise_site(sit)
    where = place(line, other, function) + called_from(sit)
    where = where[0].upper() + where[1:]
    if sit.error_type == "TypeError":
        if m := _MULTIPLE.search(msg):
            return _multiple(sit, m["func"].split(".")[-1], m["arg"], line, other, text, where)
        if m := _STARSTAR.search(msg):
            return _unpack(sit, "**", m["t"] or m["t2"], line, other, text, where)
        if m := _STAR.search(msg):
            return _unpack(sit, "*", m["t"], line, other, text, where)
        if msg.startswith("can't send non-None value to a just-started generator"):
            return _send_first(sit, line, where)
        if m := _DESCRIPTOR.search(msg):
            return _descriptor(sit, m["meth"], m["cls"], line, where)
        if (m := _BYTES.search(msg)) and {g for g in m.groups() if g} == {"str", "bytes"}:
            return _bytes_and_str(sit, line, text, where)
    if sit.error_type == "ValueError" and msg.startswith("generator already executing"):
        return _reentrant(sit, line, where)
    return None


def _calls(sit: Situation, line: int | None, other: str | None, text: str) -> list[ast.Call]:
    return fragment_nodes(sit, line, ast.Call, text=text if other else None)


def _src(sit: Situation, node: ast.AST, other: str | None) -> str:
    return segment(sit.code, node) if sit.has_code and not other else ast.unparse(node)


def _multiple(sit, func, arg, line, other, text, where) -> Diagnosis:
    ways: list[str] = []
    for call in _calls(sit, line, other, text):
        if ast.unparse(call.func).split(".")[-1] != func:
            continue
        for kw in call.keywords:
            if kw.arg == arg:
                ways.append(f"by name ({code(f'{arg}=' + _src(sit, kw.value, other))})")
            elif kw.arg is None and isinstance(kw.value, ast.Dict):
                keys = [k.value for k in kw.value.keys if isinstance(k, ast.Constant)]
                if arg in [str(k) for k in keys]:
                    ways.append(f"inside the unpacked dict {code('**' + _src(sit, kw.value, other))}")
            elif kw.arg is None:
                ways.append(
                    f"through {code('**' + _src(sit, kw.value, other))}, whose keys include {code(arg)}"
                )
        if call.args and len(ways) < 2:
            ways.insert(0, "by position")
        break
    how = (
        " and ".join(ways[:2]) if len(ways) >= 2 else "twice (by position and by name, or in two `**` dicts)"
    )
    return Diagnosis(
        summary=f"{where} calls {code(func + '()')} and gives its parameter {code(arg)} a value "
        f"more than once: {how}. Each parameter takes exactly one value.",
        plain=f"A call fills each parameter once. Here {code(arg)} is filled more than once — {how} — "
        "so Python cannot tell which value you meant.",
        precise=f"Argument binding found two values for parameter {code(arg)} of {code(func)}: {how}.",
        fix_steps=f"Keep one of the two values for {code(arg)}: drop the other one from the call (or, if "
        "the other value was meant for a different parameter, give it that parameter's name).",
        prevention="Pass each argument once; when you combine `**options` with explicit keywords, make sure "
        "the dict does not repeat a name you pass directly.",
        concepts=["parameters", "functions"],
        hints=[
            f"How many times does the call on line {line} give {code(arg)} a value?",
            "Look at positional arguments, `name=` arguments and any `**dict` together.",
            f"Remove one of the values for {code(arg)}.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _unpack(sit, star, typ, line, other, text, where) -> Diagnosis:
    operand = None
    for node in fragment_nodes(sit, line, (ast.Call, ast.Dict), text=text if other else None):
        if star == "**":
            if isinstance(node, ast.Call):
                found = [k.value for k in node.keywords if k.arg is None]
            elif isinstance(node, ast.Dict):
                found = [v for k, v in zip(node.keys, node.values, strict=True) if k is None]
            else:
                found = []
        else:
            found = [a.value for a in getattr(node, "args", []) if isinstance(a, ast.Starred)]
        if found:
            operand = _src(sit, found[-1], other)
            break
    what = code(operand) if operand else "the value after it"
    if star == "**":
        wants = "a dictionary (a *mapping* of parameter names to values)"
        example = "**{'a': 1}"
        turns = "keyword arguments"
    else:
        wants = "an *iterable* — a list, tuple, string or range"
        example = "*[1, 2]"
        turns = "positional arguments"
    kinds = "dicts" if star == "**" else "lists or tuples"
    note = ""
    if typ == "function":
        note = f" {what} is a function here, not a collection of values: did you mean to call it, or to pass "
        "a different variable?"
    return Diagnosis(
        summary=f"{where} puts `{star}` in front of {what}, which is a {code(typ)}: `{star}` unpacks "
        f"{wants} into {turns}, and a {code(typ)} is not one.{note}",
        plain=f"`{star}` spreads the items of a collection into the call, one per argument. {what} is a "
        f"{code(typ)}, so there is nothing to spread.",
        precise=f"The `{star}` operand must be {wants}; got {code(typ)}.",
        fix_steps=f"Give `{star}` {wants} (e.g. {code(example)}), or pass {what} as an ordinary argument "
        f"without `{star}`.",
        prevention=f"Use `{star}` only on values you know are {kinds}.",
        concepts=["parameters", "unpacking"],
        hints=[
            f"What type is {what} on line {line}?",
            f"`{star}` needs {wants}.",
            f"Pass {what} without `{star}`, or unpack {'a dict' if star == '**' else 'a list'} instead.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _send_first(sit, line, where) -> Diagnosis:
    return Diagnosis(
        summary=f"{where} calls `.send(…)` on a generator that has not started yet: the first value can "
        "only go in once the generator is paused at a `yield`, so start it with `next(g)` first.",
        plain="A new generator has not run any of its code, so no `yield` is waiting to receive what you "
        "send. Call `next(g)` (or `g.send(None)`) once to run it up to its first `yield`; then `send` works.",
        precise="`generator.send(value)` resumes the frame at a `yield` expression; a just-started "
        "generator has none, so only `None` is accepted first.",
        fix_steps="Keep the generator in a variable, start it, then send: `g = f()`, `next(g)`, "
        "`g.send(value)`.",
        prevention="Prime a generator with `next(g)` before the first `send`.",
        concepts=["generators"],
        hints=[
            "Has the generator run up to a `yield` before this `send`?",
            "The first call must be `next(g)` or `g.send(None)`.",
            "Store the generator, call `next` on it, then `send`.",
        ],
        culprit_line=line,
    )


def _reentrant(sit, line, where) -> Diagnosis:
    return Diagnosis(
        summary=f"{where} asks a generator for its next value from inside that same generator, while it "
        "is still running: a generator cannot resume itself.",
        plain="While a generator is executing (between two `yield`s) it is busy; calling `next()` on it "
        "from its own code is like asking someone to start a sentence they are in the middle of saying.",
        precise="`next(gen)` on a generator whose frame is currently executing raises ValueError "
        "('generator already executing').",
        fix_steps="Inside the generator, use a separate iterator or the values you already have instead of "
        "calling `next()` on the generator itself.",
        prevention="Never let a generator consume itself; give it its input as an argument.",
        concepts=["generators"],
        hints=[
            f"Which generator is line {line} calling `next` on, and is it the one that is running?",
            "A generator cannot ask itself for its next value.",
            "Feed the generator from another iterator.",
        ],
        culprit_line=line,
    )


def _descriptor(sit, meth, cls, line, where) -> Diagnosis:
    example = f"{cls}(…).{meth}()"
    return Diagnosis(
        summary=f"{where} calls {code(cls + '.' + meth + '()')} on the class {code(cls)} itself, with no "
        f"{cls} value for it to work on: a method needs an instance (its `self` argument).",
        plain=f"{code(meth)} is a method of {code(cls)} values. Called on the class, it has no value to use "
        f"as `self`, so the call is missing its argument.",
        precise=f"The method descriptor {code(cls + '.' + meth)} was called unbound, without the instance "
        "it needs as its first argument.",
        fix_steps=f"Call it on a value, {code(example)}, or pass the value: "
        f"{code(cls + '.' + meth + '(value)')}.",
        prevention="Call methods on objects (`value.method()`), not on their class.",
        concepts=["classes"],
        hints=[
            f"Which {cls} value should {code(meth)} work on?",
            "A method called on the class gets no `self`.",
            f"Write {code(example)}.",
        ],
        culprit_line=line,
    )


def _bytes_and_str(sit, line, text, where) -> Diagnosis:
    return Diagnosis(
        summary=f"{where} mixes text (`str`) with raw bytes (`bytes`) in {code(text.strip())}: Python 3 "
        "keeps the two apart, so convert one to the other first.",
        plain="A `str` is text (characters); `bytes` is raw data, such as a file's contents read in binary "
        "mode. They look alike when printed but never combine: decode bytes into text with "
        "`.decode('utf-8')`, or encode text into bytes with `.encode('utf-8')`.",
        precise="`str` and `bytes` are distinct types with no implicit conversion between them (an "
        "encoding must be chosen).",
        fix_steps="Make both sides the same type: `data.decode('utf-8')` to get a `str`, or "
        "`text.encode('utf-8')` to get `bytes`.",
        prevention="Decode bytes to `str` as soon as they come in (or open files in text mode), and work "
        "with text inside your program.",
        concepts=["strings", "type-conversion"],
        hints=[
            f"Which value on line {line} is `bytes` and which is `str`?",
            "`str` and `bytes` never combine directly.",
            "Use `.decode('utf-8')` on the bytes (or `.encode('utf-8')` on the text).",
        ],
        culprit_line=line,
    )
