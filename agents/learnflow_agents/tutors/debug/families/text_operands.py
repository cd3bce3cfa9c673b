"""TypeErrors where text (or bytes) was wanted and something else came:

- ``'in <string>' requires string as left operand, not tuple``: ``answers in input()`` asks
  whether a piece of text occurs inside the text on the right; the left side is a tuple of
  answers. Usually the two sides are the wrong way round: ``input() in answers``.
- ``a bytes-like object is required, not 'list'`` (``gzip.compress(words)``, a socket's
  ``send``, a ``'wb'`` file's ``write``): the call needs bytes; a list of words is joined and
  encoded first. ``not 'str'`` is builtin_values' (it has its own fixes)."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import nodes_on_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code
from learnflow_agents.tutors.debug.families.common import place
from learnflow_agents.tutors.debug.situation import Situation

_IN_TEXT = re.compile(
    r"^'in <(?P<right>string|bytes)>' requires (?:string|a bytes-like object) as left operand, "
    r"not (?P<left>\w+)"
)
_BYTES = re.compile(r"^a bytes-like object is required, not '(?P<got>\w+)'")
_COLLECTIONS = ("tuple", "list", "set", "frozenset", "dict")


def analyse(sit: Situation) -> Diagnosis | None:
    if m := _IN_TEXT.search(sit.message):
        return _in_text(sit, m["left"], m["right"])
    if (m := _BYTES.search(sit.message)) and m["got"] != "str":
        return _needs_bytes(sit, m["got"])
    return None


def _in_text(sit: Situation, left: str, right: str) -> Diagnosis | None:
    line = sit.line
    tests = [
        n
        for n in nodes_on_line(sit.tree, line, ast.Compare)
        if len(n.ops) == 1 and isinstance(n.ops[0], (ast.In, ast.NotIn))
    ]
    kind = "text" if right == "string" else "bytes"
    shown = code(segment(sit.code, tests[0])) if len(tests) == 1 else "the `in` test"
    fix = None
    if len(tests) == 1:
        t = tests[0]
        lhs, rhs = segment(sit.code, t.left), segment(sit.code, t.comparators[0])
        op = "in" if isinstance(t.ops[0], ast.In) else "not in"
        if left in _COLLECTIONS and kind == "text":
            new = f"{rhs} {op} {lhs}"
            fix = replace_node(sit.code, t, new)
            step = (
                f"If you mean \"is the {kind} one of the {left}'s items?\", put the two sides the other way "
                f"round: {code(new)}. If you mean \"does any of them occur in the {kind}?\", test each one: "
                f"{code(f'any(item {op} {rhs} for item in {lhs})')}."
            )
        elif left in ("int", "float") and kind == "text":
            new = f"str({lhs}) {op} {rhs}"
            fix = replace_node(sit.code, t, new)
            step = f"Turn the number into text first: {code(new)}."
        else:
            step = f"Put a piece of {kind} on the left of `in`, or test a container of {left} values instead."
    else:
        step = f"Put a piece of {kind} on the left of `in`, or swap the sides if the {kind} is the item."
    where = place(line, None, sit.raised_function)
    return Diagnosis(
        summary=f"On {where}, {shown} uses `in` with {kind} on its right side, which looks for a smaller "
        f"piece of {kind} inside it, so the left side must be {kind} (a str) too; here it is a {code(left)}.",
        plain=f"`x in some_text` asks \"does the text x occur inside some_text?\". A {left} is not text, so "
        f"Python cannot look for it there. To ask whether a value is one of several answers, the collection "
        f"of answers goes on the right: `value in answers`.",
        precise=f"For a str right operand, `in` calls str.__contains__, which accepts only a str (a "
        f"substring test); the left operand was a {left}.",
        fix_steps=step,
        prevention="Read `a in b` as \"is a one of b's items (or part of the text b)?\": the container or "
        "the text goes on the right.",
        concepts=["strings"],
        hints=[
            f"Which side of `in` on line {line} is the text, and which is the {left}?",
            f"`in` with text on the right looks for a piece of text: the left must be a str, not a {left}.",
            step,
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _needs_bytes(sit: Situation, got: str) -> Diagnosis | None:
    line = sit.line
    text = sit.text(line).strip()
    calls = [n for n in nodes_on_line(sit.tree, line, ast.Call) if n.args]
    arg = segment(sit.code, calls[0].args[0]) if len(calls) == 1 else None
    call = segment(sit.code, calls[0].func) if len(calls) == 1 else None
    fix = None
    if arg and got in ("list", "tuple"):
        new = f"' '.join({arg}).encode()"
        step = (
            f"Build the bytes first. A {got} of words: join them into one text and encode it, "
            f"{code(new)} (`.encode()` gives UTF-8 bytes). A {got} of whole numbers 0-255: "
            f"{code(f'bytes({arg})')}."
        )
        fix = replace_node(sit.code, calls[0].args[0], new)
    elif arg and got in ("int", "float"):
        new = f"str({arg}).encode()"
        step = f"Turn the number into text and encode it: {code(new)}."
        fix = replace_node(sit.code, calls[0].args[0], new)
    else:
        step = "Pass bytes: text becomes bytes with `.encode()`; other values are turned into text first."
    what = f"{code(call)} on line {line}" if call else f"the call on line {line}"
    return Diagnosis(
        summary=f"{what} needs a bytes-like object (bytes), but {code(arg) if arg else 'the value passed'} "
        f"is a {code(got)}: {code(text)}.",
        plain="Some functions work on raw bytes, not on Python values: compressing, sending over a network, "
        f"writing a file opened with 'wb'. A {got} has to be turned into bytes first; for text that is "
        "`.encode()`.",
        precise=f"The callee reads its argument through the buffer protocol (bytes, bytearray, memoryview); "
        f"a {got} does not provide one.",
        fix_steps=step,
        prevention="Check what a function takes before calling it: print(type(value)) just before the call.",
        concepts=["strings"],
        hints=[
            f"What type is {code(arg) if arg else 'the value'} when line {line} runs?",
            f"The call needs bytes, and a {got} is not bytes.",
            step,
        ],
        fix_code=fix,
        culprit_line=line,
    )
