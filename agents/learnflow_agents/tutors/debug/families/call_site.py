"""Errors of how a value is handed over or driven, not of the value itself: a parameter given
two values in one call, `*`/`**` applied to something that is not a sequence or a dict, a
generator sent a value before it started or resumed from inside itself, a method called on the
class with no instance, text (`str`) and raw bytes (`bytes`) mixed."""

from __future__ import annotations

import ast
import contextlib
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


_ENCODE = re.compile(
    r"^'(?P<codec>[\w-]+)' codec can't encode characters? (?P<ch>'.*?'|in position)"
    r".*?: (?P<why>ordinal not in range\((?P<n>\d+)\)|surrogates not allowed|.*)$"
)
_BRACES = re.compile(
    r"^Single '(?P<b>[{}])' encountered in format string|^unmatched '\{' in format spec"
    r"|^expected '\}' before end of string"
)


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    line, other, text, function = raise_site(sit)
    where = place(line, other, function) + called_from(sit)
    where = where[0].upper() + where[1:]
    if sit.error_type == "UnicodeEncodeError" and (m := _ENCODE.search(msg)):
        return _encode(sit, m, line, where)
    if sit.error_type == "ValueError" and (m := _BRACES.search(msg)):
        return _braces(sit, m["b"], line, text, where)
    if sit.error_type == "KeyError" and re.search(r"\.format(?:_map)?\(", text):
        return _format_field(sit, msg, line, text, where)
    for etype, pattern, build in _SIMPLE:
        if sit.error_type == etype and (m := re.search(pattern, msg)):
            summary, why, steps = build(m)
            return _simple(sit, where, text, line, summary, why, steps)
    if re.search(r"partially initialized module|^cannot access submodule", msg):
        return _circular(sit, msg, line, where)
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


def _encode(sit, m, line, where) -> Diagnosis:
    codec, why = m["codec"], m["why"]
    ch = m["ch"] if m["ch"].startswith("'") else "a character"
    if ch.startswith("'"):
        # CPython escapes the character ('\\xe9'); show it as the student typed it ('é')
        with contextlib.suppress(ValueError, SyntaxError, TypeError):
            ch = f"{ast.literal_eval(ch)!r} (U+{ord(ast.literal_eval(ch)):04X})"
    if why.startswith("surrogates"):
        reason = (
            f"the text holds {ch}, a lone *surrogate* (half of a character pair, usually left over from "
            f"decoding bytes with `errors='surrogateescape'`), and {code(codec)} cannot encode it"
        )
        steps = (
            "Encode with `errors='surrogateescape'` (or `'replace'`), or fix the text where it was decoded."
        )
    else:
        limit = f" (it only has {m['n']} characters)" if m["n"] else ""
        reason = f"the text holds {ch}, and the {code(codec)} encoding has no byte for it{limit}"
        steps = "Encode with `'utf-8'`, which can encode every character, or pass `errors='replace'` to swap "
        steps += "what cannot be encoded for `?`."
    return Diagnosis(
        summary=f"{where} encodes text to bytes with the {code(codec)} codec, but {reason}.",
        plain=f"Encoding turns text into bytes using a table (the codec). {code(codec)}'s table has no entry "
        f"for {ch}, so the text cannot be encoded with it.",
        precise=f"str.encode({codec!r}) raised UnicodeEncodeError: {why}.",
        fix_steps=steps,
        prevention="Use UTF-8 for text you write out, unless a format demands another encoding.",
        concepts=["strings"],
        hints=[
            f"Which characters can the {code(codec)} encoding represent?",
            f"{ch[0].upper() + ch[1:]} is outside it.",
            steps,
        ],
        culprit_line=line,
    )


def _braces(sit, brace, line, text, where) -> Diagnosis:
    shown = code(text.strip()) if text.strip() else "the format string"
    return Diagnosis(
        summary=f"{where} formats {shown}, but its braces don't pair up: in a format string `{{` opens a "
        "field and `}` closes it, so a literal brace must be doubled (`{{` or `}}`).",
        plain="`.format()` (and f-strings) read `{…}` as a place to put a value. A brace without its partner "
        "— or a field that never closes — leaves Python unable to tell what to fill in.",
        precise="The format-string mini-language requires balanced `{`/`}`; a literal brace is written `{{` "
        "or `}}`.",
        fix_steps="Close every field with `}` (`'{name}'`), or double a brace meant as text: `'{{'`, `'}}'`.",
        prevention="Double braces that are part of the text in any string you call `.format` on.",
        concepts=["strings", "f-strings"],
        hints=[
            f"Does every `{{` in {shown} have its `}}`?",
            "A literal brace in a format string is written twice.",
            "Write `{{` or `}}` for a brace meant as text.",
        ],
        culprit_line=line,
    )


def _format_field(sit, msg, line, text, where) -> Diagnosis:
    field = msg.strip("'")
    return Diagnosis(
        summary=f"{where} formats {code(text.strip())}, whose field {code('{' + field + '}')} names the key "
        f"{code(field)}, but no keyword argument {code(field)} was passed to `.format()`.",
        plain=f'{code("{" + field + "}")} in a format string means "put the argument named '
        f'{code(field)} here". The call '
        f"gives no argument with that name, so there is nothing to put in.",
        precise="str.format looks named fields up in its keyword arguments; the key "
        f"{code(field)} is missing.",
        fix_steps=f"Pass it by name, e.g. {code('.format(' + field + '=…)')}, or use a numbered field "
        "`{0}` with a positional argument.",
        prevention="Check that every `{name}` in the string has a matching `name=` in the call.",
        concepts=["strings"],
        hints=[
            f"Which arguments does the call on line {line} pass?",
            f"The field {code('{' + field + '}')} needs an argument named {code(field)}.",
            f"Add {code(field + '=…')} to the call.",
        ],
        culprit_line=line,
    )


def _unquote(text: str) -> str:
    return text.replace("'", "")


# (type, message pattern, match -> (what happened, why, how to fix)); each names the fact.
_SIMPLE = [
    (
        "TypeError",
        r"got some positional-only arguments passed as keyword arguments: '(?P<a>[\w', ]+)'",
        lambda m: (
            f"passes {code(_unquote(m['a']))} by name, but it is a positional-only parameter "
            "(it comes before `/` in the `def`)",
            "Parameters before `/` can only be given by position, not as `name=value`.",
            "Pass the value by position: drop the `name=` part.",
        ),
    ),
    (
        "ValueError",
        r"^Unknown format code '(?P<c>.)' for object of type '(?P<t>\w+)'",
        lambda m: (
            f"uses the format code {code(m['c'])} on a {code(m['t'])} value, which that type's format does "
            "not support",
            f"Each type has its own format codes: {code(m['c'])} is not one of {code(m['t'])}'s (`x`, `o`, "
            "`b`, `d` are for ints; `f`, `e`, `g`, `%` for floats).",
            f"Use a format code {code(m['t'])} supports, or convert the value first (e.g. `int(x)`).",
        ),
    ),
    (
        "ValueError",
        r"^bytes? must be in range\(0, 256\)",
        lambda m: (
            "puts a number outside 0–255 into bytes",
            "A byte holds a whole number from 0 to 255; 256 and above (or negatives) do not fit in one byte.",
            "Keep every value between 0 and 255 (e.g. `value % 256`), or keep the numbers in a list.",
        ),
    ),
    (
        "ValueError",
        r"^negative shift count",
        lambda m: (
            "shifts bits by a negative amount",
            "`<<` and `>>` shift by a count of bit positions, which cannot be negative.",
            "Use a count of 0 or more; to shift the other way, use the other operator (`>>`, not `<<`).",
        ),
    ),
]


def _simple(sit, where, text, line, summary, why, steps) -> Diagnosis:
    shown = f" ({code(text.strip())})" if text.strip() else ""
    return Diagnosis(
        summary=f"{where}{shown} {summary}.",
        plain=why,
        precise=why,
        fix_steps=steps,
        prevention=why,
        concepts=["type-conversion"] if sit.error_type == "ValueError" else ["parameters"],
        hints=[f"Look at line {line}: {summary}.", why, steps],
        culprit_line=line,
    )


def _circular(sit, msg, line, where) -> Diagnosis:
    mod = re.search(r"module '([\w.]+)'", msg)
    name = code(mod.group(1)) if mod else "a module"
    why = (
        f"{name} is used while it is still being imported: a *circular import* (module A imports B, and B "
        "imports A back before A has finished running), so the name it should provide does not exist yet"
    )
    return Diagnosis(
        summary=f"{where}: {why}.",
        plain=f"Importing runs a module from top to bottom. Here {name} is imported again before its first "
        "import has finished, so half of it is still missing.",
        precise="A circular import: the module object is partially initialized when the second import reads "
        "from it.",
        fix_steps="Break the cycle: move the shared code into a third module both can import, or move one "
        "`import` inside the function that needs it.",
        prevention="Keep imports one-directional (helpers don't import the modules that use them).",
        concepts=["modules-imports"],
        hints=[
            "Which modules import each other?",
            "Two modules importing each other see each other half-finished.",
            "Move the shared code to a third module.",
        ],
        culprit_line=line,
    )
