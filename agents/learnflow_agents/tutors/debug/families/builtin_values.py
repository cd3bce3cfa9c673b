"""A built-in or standard-library call refused a value it has a precise rule for: ``chr()`` past the
last code point, ``int()`` with a base outside 2–36, ``math.factorial`` of a negative number,
``bytes()`` of text without an encoding, ``popitem()`` on an empty dict, JSON text that isn't JSON
(single quotes, empty text), ``sum()`` of strings, and a nested function reading its enclosing
function's variable before that variable is assigned. Each reply names the rule and, where the
student's intent is clear, a fix that keeps it."""

from __future__ import annotations

import ast
import json
import re

from learnflow_agents.tutors.debug.code_facts import (
    enclosing_function,
    indent_of,
    insert_lines,
    lines_of,
    nodes_on_line,
    replace_node,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code, short
from learnflow_agents.tutors.debug.families.common import called_from, place, raise_site, wrap_in_guard
from learnflow_agents.tutors.debug.situation import Situation

_CHR = re.compile(r"chr\(\) arg not in range\(0x110000\)")
_BASE = re.compile(r"int\(\) base must be >= 2 and <= 36, or 0")
_FACTORIAL = re.compile(r"factorial\(\) not defined for negative values")
_BYTES = re.compile(r"^string argument without an encoding")
_POPITEM = re.compile(r"popitem\(\): dictionary is empty")
_SUM_STR = re.compile(r"sum\(\) can't sum (?P<what>strings|bytes|bytearray)")
_FREE = re.compile(r"cannot access free variable '(?P<name>\w+)' where it is not associated with a value")
_JSON_TYPES = ("JSONDecodeError",)
_ORD = re.compile(
    r"ord\(\) expected (?:string of length 1, but (?P<type>\w+) found|a character, but string of "
    r"length (?P<n>\d+) found)"
)
_DECODE = re.compile(r"'(?P<codec>[\w-]+)' codec can't decode byte")
_NEEDS_BYTES = re.compile(r"^a bytes-like object is required, not 'str'")
_JSON_TYPE = re.compile(r"^Object of type (?P<type>\w+) is not JSON serializable")
# A special method that fell off its end (returned None) where Python needs a value back.
_DUNDER_NONE = (
    (re.compile(r"^(?P<m>__\w+__) returned non-\w+ \(type NoneType\)"), None),
    (re.compile(r"^(?P<m>__\w+__) should return \w+, returned NoneType"), None),
    (re.compile(r"^__hash__ method should return an integer"), "__hash__"),
    (re.compile(r"^iter\(\) returned non-iterator of type 'NoneType'"), "__iter__"),
)
# A value that is None where a built-in needs a number or a formattable value.
_NONE_ARG = re.compile(
    r"^(?:must be real number, not NoneType|unsupported format string passed to NoneType\.__format__)"
)


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    etype = sit.error_type or ""
    if etype in _JSON_TYPES:
        return _json(sit)
    if etype == "ValueError" and _CHR.search(msg):
        return _chr(sit)
    if etype == "ValueError" and _BASE.search(msg):
        return _base(sit)
    if etype == "ValueError" and _FACTORIAL.search(msg):
        return _factorial(sit)
    if etype == "TypeError" and _BYTES.search(msg):
        return _bytes(sit)
    if etype == "TypeError" and (m := _SUM_STR.search(msg)):
        return _sum_strings(sit, m["what"])
    if etype == "KeyError" and _POPITEM.search(msg):
        return _popitem(sit)
    if etype == "NameError" and (m := _FREE.search(msg)):
        return _free_variable(sit, m["name"])
    if etype == "TypeError" and (m := _ORD.search(msg)):
        return _ord(sit, m["type"], m["n"])
    if etype == "UnicodeDecodeError" and (m := _DECODE.search(msg)):
        return _decode(sit, m["codec"])
    if etype == "TypeError" and _NEEDS_BYTES.search(msg):
        return _needs_bytes(sit)
    if etype == "TypeError" and (m := _JSON_TYPE.search(msg)):
        return _json_type(sit, m["type"])
    if etype == "EOFError" and msg.startswith("EOF when reading a line"):
        return _input_ran_out(sit)
    if etype == "TypeError":
        for pattern, method in _DUNDER_NONE:
            if m := pattern.search(msg):
                return _dunder_without_return(sit, method or m["m"])
        if _NONE_ARG.search(msg):
            return _none_argument(sit)
    return None


def _ord(sit: Situation, typ: str | None, length: str | None) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = [c for c in _calls(sit, line, "ord") if c.args] if editable else []
    arg = segment(sit.code, calls[0].args[0]) if calls else None
    about = f"`{arg}`" if arg else "its argument"
    if typ:
        fact = f"{about} is {'an' if typ[0] in 'aeiou' else 'a'} `{typ}`, not a one-character string"
        steps = (
            f"`ord()` goes from a character to its number; if {about} is already a number, use it directly "
            "(or `chr()` to go from a number to a character)."
        )
    else:
        fact = f"{about} is a string of {length} characters, not a single character"
        steps = f"Call `ord()` on one character at a time, e.g. `[ord(ch) for ch in {arg or 'text'}]`."
    return Diagnosis(
        summary=f"{where} calls `ord()` with {about}, but `ord()` takes exactly one character: {fact}.",
        plain="`ord('A')` gives the number of one character (65). It needs a string of length 1: not a "
        "number, not a longer text.",
        precise="ord() requires a str (or bytes) of length 1.",
        fix_steps=steps,
        prevention="`ord()`: character → number; `chr()`: number → character.",
        concepts=["strings", "type-conversion"],
        hints=[f"What is {about} on line {line}?", "`ord()` takes one character.", steps],
        culprit_line=line,
        culprit_where=other,
    )


def _decode(sit: Situation, codec: str) -> Diagnosis:
    line, other, where, _editable = _site(sit)
    reading = "open(" in sit.text(sit.line) or "read" in sit.text(line)
    source = "the file's bytes" if reading else "the bytes"
    other_codec = "'utf-8'" if codec.lower().replace("-", "") not in ("utf8",) else "'latin-1' or 'cp1252'"
    steps = (
        f"Tell Python the file's real encoding: `open(path, encoding={other_codec})` (editors can show a "
        "file's encoding)."
        if reading
        else f"Decode with the encoding the bytes were written in, e.g. `.decode({other_codec})`."
    )
    return Diagnosis(
        summary=f"{where} reads {source} as `{codec}`, but they were not written in `{codec}`: one byte "
        "doesn't fit that encoding.",
        plain="Text is stored as bytes using an *encoding*. Reading bytes with a different encoding than "
        f"they were written in fails at the first byte that means nothing in `{codec}`.",
        precise=f"The `{codec}` codec met an invalid byte sequence while decoding.",
        fix_steps=steps,
        prevention="Always pass `encoding=` to `open()` for text files, matching how the file was saved.",
        concepts=["strings", "file-io"],
        hints=[
            "Which encoding was the text saved in?",
            f"It was read as `{codec}`, which doesn't match.",
            steps,
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _input_ran_out(sit: Situation) -> Diagnosis:
    line, other, where, _editable = _site(sit)
    reads = len(
        [
            c
            for c in ast.walk(sit.tree or ast.Module([], []))
            if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "input"
        ]
    )
    many = (
        f" The program reads {reads} lines with `input()`; each needs its own line of input."
        if reads > 1
        else ""
    )
    return Diagnosis(
        summary=f"{where} calls `input()`, but there was no more text to read: the input ended (nothing was "
        "typed, or the program was run without any input attached).",
        plain="`input()` waits for a line of text. When the program runs where nobody can type (a script run "
        "by a tool, a test runner, an input file that is too short) there is no line to read, and Python "
        f"raises EOFError (End Of File).{many}",
        precise="input() raised EOFError: sys.stdin reached end-of-file before a newline was read.",
        fix_steps="Run the code where you can type the answer (or give it enough lines of input); while "
        "testing, replace `input()` with a fixed value such as `'3'`.",
        prevention="Keep the reading of input separate from the work, so functions can be tested with fixed "
        "values.",
        concepts=["strings", "functions"],
        hints=[
            f"Where does the text for `input()` on line {line} come from?",
            "There was no line left to read.",
            "Provide the input, or test with a fixed value instead of `input()`.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _dunder_without_return(sit: Situation, method: str) -> Diagnosis | None:
    """`__repr__`/`__iter__`/`__bool__`/`__hash__` that ends without `return`: Python got None."""
    from learnflow_agents.tutors.debug.families.none_origin import _add_return
    from learnflow_agents.tutors.debug.value_guess import function_returns_value

    if not sit.has_code or sit.tree is None:
        return None
    found = [
        (cls, f)
        for cls in sit.facts.classes.values()
        for f in cls.body
        if isinstance(f, ast.FunctionDef) and f.name == method and not function_returns_value(f)
    ]
    if not found:
        return None
    cls, fdef = found[0]
    has_next = any(isinstance(f, ast.FunctionDef) and f.name == "__next__" for f in cls.body)
    if method == "__iter__" and has_next:
        # The class is its own iterator: __iter__ hands back the object itself.
        body_indent = indent_of(lines_of(sit.code)[fdef.body[0].lineno - 1])
        fix = insert_lines(sit.code, (fdef.end_lineno or fdef.lineno) + 1, [f"{body_indent}return self"])
        steps = (
            f"End `{cls.name}.__iter__` with `return self`: the object is its own iterator (it has "
            "`__next__`)."
        )
    else:
        fix, steps = _add_return(sit, fdef)
    needs = {
        "__iter__": "an iterator (often `return self`, or `yield` the items)",
        "__bool__": "`True` or `False`",
        "__hash__": "an integer",
        "__len__": "an integer",
        "__index__": "an integer",
    }.get(method, "a string")
    if method == "__iter__" and fix is None and not has_next:
        steps = f"End `{method}` with `return self` (when the class has `__next__`) or `yield` the items."
    line = sit.line
    return Diagnosis(
        summary=f"`{cls.name}.{method}` (line {fdef.lineno}) never returns a value, so Python gets `None` "
        f"when line {line} needs {needs} from it.",
        plain=f"Python calls `{method}` for you (through `{method.strip('_')}()` and friends) and uses what "
        f"it returns. `{cls.name}.{method}` has no `return`, so it hands back `None`, which is not {needs}.",
        precise=f"{cls.name}.{method} returns None implicitly; the protocol requires {needs}.",
        fix_steps=steps,
        prevention=f"Every special method like `{method}` must `return` its result.",
        concepts=["dunder-methods", "return-values"],
        hints=[
            f"What does `{method}` on line {fdef.lineno} return?",
            f"Without `return`, `{method}` returns `None`.",
            steps,
        ],
        fix_code=fix,
        culprit_line=fdef.lineno,
        conceptual=True,
    )


def _none_argument(sit: Situation) -> Diagnosis | None:
    """A call or f-string on the line got None: trace which call produced it."""
    from learnflow_agents.tutors.debug.families.none_origin import find_none_origin

    line, _other, where, editable = _site(sit)
    if not editable or line is None:
        return None
    candidates: list[ast.AST] = []
    for node in nodes_on_line(sit.tree, line, (ast.Call, ast.FormattedValue)):
        if isinstance(node, ast.Call):
            candidates.extend(node.args)
        else:
            candidates.append(node.value)
    for expr in candidates:
        origin = find_none_origin(sit, expr, line)
        if origin is None:
            continue
        shown = segment(sit.code, expr)
        return Diagnosis(
            summary=f"{where} uses {code(shown)} as a number, but it is `None`: {origin.reason}.",
            plain='`None` means "no value", so it can\'t be used as a number or formatted. '
            f"{cap(origin.reason)}.",
            precise=f"{code(shown)} evaluates to None; {origin.reason}.",
            fix_steps=origin.fix_steps or f"Find out why {code(shown)} is `None`.",
            prevention="A function whose result you use must `return` it.",
            concepts=["return-values", "none"],
            hints=[
                f"Print {code(shown)} just before line {line}.",
                f"{code(shown)} is `None`. Where does it get its value?",
                origin.fix_steps or "Make it return a real value.",
            ],
            fix_code=origin.fix_code,
            culprit_line=origin.line,
            conceptual=origin.kind in ("no-return", "in-place", "print"),
        )
    return None


def _site(sit: Situation) -> tuple[int | None, str | None, str, bool]:
    """The student's line (a library frame's caller), whether it is editable, and how to name it."""
    line, other, _text, function = raise_site(sit)
    where = cap(place(line, other, function) + called_from(sit))
    editable = sit.has_code and not other and sit.tree is not None
    return line, other, where, editable


def _calls(sit: Situation, line: int | None, name: str) -> list[ast.Call]:
    """Calls of ``name`` (a bare name or an attribute such as ``math.factorial``) on ``line``."""
    found = []
    for call in nodes_on_line(sit.tree, line, ast.Call):
        func = call.func
        called = (
            func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        )
        if called == name:
            found.append(call)
    return found


def _chr(sit: Situation) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = _calls(sit, line, "chr") if editable else []
    arg = segment(sit.code, calls[0].args[0]) if calls and calls[0].args else None
    about = f"`{arg}`" if arg else "the number"
    shifting = bool(arg and "ord(" in arg and "+" in arg)
    steps = f"Keep {about} between 0 and 1114111 before calling `chr()`." + (
        " To shift a letter and wrap round the alphabet, work with its position: "
        "`chr((ord(c) - ord('a') + shift) % 26 + ord('a'))`."
        if shifting
        else " Print the number first to see where it grew too large (or negative)."
    )
    return Diagnosis(
        summary=f"{where} calls `chr()` with {about}, which is not a valid code point: `chr()` only turns "
        "numbers from 0 to 1114111 (0x10FFFF) into characters.",
        plain=f"`chr(n)` gives the character whose Unicode number is `n`. Unicode numbers go from 0 to "
        f"1114111, and {about} is outside that range (too large, or negative).",
        precise="`chr()` accepts an int in range(0x110000); anything else raises ValueError.",
        fix_steps=steps,
        prevention="When you compute a character number (e.g. `ord(c) + shift`), wrap it with `%` so it "
        "stays in range.",
        concepts=["strings", "numbers"],
        hints=[
            f"What number does {about} hold when line {line} runs?",
            "`chr()` only accepts 0 to 1114111.",
            "Keep the number in range (with `%` if you are shifting letters).",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _base(sit: Situation) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = [c for c in _calls(sit, line, "int") if len(c.args) == 2 or c.keywords] if editable else []
    fix = None
    base = None
    if calls:
        call = calls[0]
        base_node = (
            call.args[1]
            if len(call.args) == 2
            else next((k.value for k in call.keywords if k.arg == "base"), None)
        )
        base = segment(sit.code, base_node) if base_node is not None else None
        if call.args and base_node is not None and not call.keywords[1:]:
            fix = replace_node(sit.code, call, f"int({segment(sit.code, call.args[0])})")
    shown = f"`{base}`" if base else "the base"
    return Diagnosis(
        summary=f"{where} passes {shown} as the second argument of `int()`, which is the *base* of the "
        "number system, and a base must be from 2 to 36 (or 0).",
        plain="`int(text, base)` reads text written in another number system: base 2 for binary, 16 for "
        f"hexadecimal. With no second argument it reads ordinary base-10 numbers. {cap(shown)} is not a "
        "base `int()` knows.",
        precise="int(x, base) requires 2 <= base <= 36 or base == 0 (infer from the prefix).",
        fix_steps="To read an ordinary number, drop the second argument: `int(text)`. To read another number "
        "system, pass its base (2, 8, 16, …).",
        prevention="Only give `int()` a second argument when the text is not written in base 10.",
        concepts=["type-conversion", "numbers"],
        hints=[
            f"What does the second argument of `int()` on line {line} mean?",
            "It is the base, which must be from 2 to 36.",
            "For a normal number, leave it out: `int(text)`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _factorial(sit: Situation) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = _calls(sit, line, "factorial") if editable else []
    arg = segment(sit.code, calls[0].args[0]) if calls and calls[0].args else None
    about = f"`{arg}`" if arg else "the number"
    fix = None
    if arg and line is not None and not isinstance(calls[0].args[0], ast.Constant | ast.UnaryOp):
        fix = wrap_in_guard(sit, line, f"{arg} >= 0")
    return Diagnosis(
        summary=f"{where} asks for the factorial of {about}, which is negative: a factorial is only defined "
        "for 0 and positive whole numbers.",
        plain=f"n! = 1 × 2 × … × n only makes sense for n = 0, 1, 2, …; {about} is below 0, so "
        "`math.factorial` refuses it.",
        precise="math.factorial(n) requires a non-negative integer and raises ValueError for n < 0.",
        fix_steps=f"Check {about} before the call (`if {arg or 'n'} >= 0:`), or find where it became "
        "negative.",
        prevention="Validate input before maths functions with a restricted domain.",
        concepts=["numbers", "conditionals"],
        hints=[
            f"What value does {about} have on line {line}?",
            "Factorials exist only for 0, 1, 2, …",
            f"Guard the call with `if {arg or 'n'} >= 0:`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _bytes(sit: Situation) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = [c for n in ("bytes", "bytearray") for c in _calls(sit, line, n)] if editable else []
    call = next((c for c in calls if len(c.args) == 1 and not c.keywords), None)
    fix = None
    func = "bytes"
    new = "bytes(text, 'utf-8')"
    if call is not None:
        func = call.func.id if isinstance(call.func, ast.Name) else "bytes"
        new = f"{func}({segment(sit.code, call.args[0])}, 'utf-8')"
        fix = replace_node(sit.code, call, new)
    return Diagnosis(
        summary=f"{where} turns text into `{func}` without saying which encoding to use: `{func}()` of a "
        f"string needs one, e.g. `{new}`.",
        plain="Text is made of characters, bytes are numbers 0–255. To go from one to the other Python must "
        "know the encoding (how each character becomes bytes); `'utf-8'` is the usual one.",
        precise=f"`{func}(str)` requires an `encoding` argument (or use `str.encode()`).",
        fix_steps=f"Pass the encoding: `{new}` (or write `text.encode('utf-8')`).",
        prevention="Convert text to bytes with `.encode()`, and bytes to text with `.decode()`.",
        concepts=["strings", "type-conversion"],
        hints=[
            f"What kind of value goes into `{func}()` on line {line}?",
            "Text needs an encoding to become bytes.",
            f"Write `{new}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


# Calls that take text, never bytes: a text literal in them is not what needs to become bytes.
_TEXT_CALLS = frozenset({"open", "print", "str", "repr", "format", "len", "input", "int", "float"})


def _bytes_literal_call(sit: Situation, line) -> tuple[ast.Call | None, ast.Constant | None]:
    """The call on ``line`` whose text literal is the value that needs to be bytes: not a call
    that takes text (`open('f.bin', 'wb')`), not a call nested in the arguments of another call
    that may be the one wanting bytes (`b64encode(name.replace(' ', '_'))`)."""
    calls = nodes_on_line(sit.tree, line, ast.Call)
    nested_in_other = {
        id(n)
        for c in calls
        if not (isinstance(c.func, ast.Name) and c.func.id in _TEXT_CALLS)
        for a in [*c.args, *(k.value for k in c.keywords)]
        for n in ast.walk(a)
        if isinstance(n, ast.Call)
    }
    for c in calls:
        if id(c) in nested_in_other or (isinstance(c.func, ast.Name) and c.func.id in _TEXT_CALLS):
            continue
        if isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Constant):
            continue  # a method of a literal (`'-'.join(…)`)
        for a in c.args:
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                return c, a
    return None, None


def _as_bytes_literal(old: str, value: str) -> str | None:
    """``b`` + the literal when that is the same characters as bytes (ASCII text, one literal)."""
    if not value.isascii():
        return None
    try:
        same = ast.literal_eval("b" + old) == value.encode()
    except (SyntaxError, ValueError):
        return None
    return "b" + old if same else None


def _binary_write_mode(sit: Situation) -> ast.Constant | None:
    """The mode literal of an `open(…, 'wb')` (or 'ab') in the cell."""
    for c in ast.walk(sit.tree) if sit.tree is not None else ():
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "open":
            modes = [*c.args[1:2], *(k.value for k in c.keywords if k.arg == "mode")]
            for m in modes:
                text = m.value if isinstance(m, ast.Constant) and isinstance(m.value, str) else ""
                if "b" in text and set(text) & set("wax"):
                    return m
    return None


def _text_writer_into_binary_file(sit: Situation, line, other, where, editable) -> Diagnosis | None:
    """`json.dump(data, open('out.json', 'wb'))`, `csv.writer(f).writerow(…)` with `f` opened
    'wb': the module writes text, and the file was opened for bytes."""
    writers = [c for n in ("dump", "writerow", "writerows") for c in _calls(sit, line, n)] if editable else []
    mode = _binary_write_mode(sit) if writers else None
    if mode is None:
        return None
    text_mode = mode.value.replace("b", "")
    fix = replace_node(sit.code, mode, repr(text_mode))
    writer = "`json`" if _call_name(writers[0]).endswith("dump") else "`csv`"
    return Diagnosis(
        summary=f"{where} has {writer} write into a file opened in binary mode ({code(repr(mode.value))}), "
        f"but {writer} writes text (`str`): open the file in text mode, {code(repr(text_mode))}.",
        plain=f"A file opened with `'b'` in its mode takes bytes; {writer} produces text. Open it in text "
        "mode and Python turns the text into bytes for you.",
        precise="Binary-mode file objects' `write()` requires a bytes-like object; text-mode files "
        "encode `str`.",
        fix_steps=f"Change the mode {code(repr(mode.value))} to {code(repr(text_mode))}"
        + (" (and pass `newline=''` for a csv file)." if writer == "`csv`" else "."),
        prevention="Use `'b'` modes for bytes (images, compressed data) only; text formats (JSON, CSV) "
        "open in text mode.",
        concepts=["strings", "type-conversion"],
        hints=[
            f"Which mode is the file opened with, and what does {writer} write?",
            "A `'b'` mode file wants bytes.",
            f"Open it with {code(repr(text_mode))}.",
        ],
        fix_code=fix,
        culprit_line=mode.lineno,
        culprit_where=other,
    )


def _needs_bytes(sit: Situation) -> Diagnosis:
    """`bz2.decompress('BZh9…')`, `sock.send('hi')`, a file opened with 'wb' given text: the call
    works on bytes; a text literal becomes a bytes literal (`b'…'`), other text is `.encode()`d."""
    line, other, where, editable = _site(sit)
    into_file = _text_writer_into_binary_file(sit, line, other, where, editable)
    if into_file is not None:
        return into_file
    call, arg = _bytes_literal_call(sit, line) if editable else (None, None)
    fix, new, literal = None, "text.encode()", False
    if call is not None and arg is not None:
        old = segment(sit.code, arg)
        as_bytes = _as_bytes_literal(old, arg.value)
        literal = as_bytes is not None
        new = as_bytes if as_bytes is not None else f"{old}.encode()"
        fix = replace_node(sit.code, arg, new)
    func = code(_call_name(call) + "()") if call is not None else "the call"
    shown = code(short(segment(sit.code, arg), 30)) if arg is not None else "a text (`str`) value"
    return Diagnosis(
        summary=f"{where} gives {func} text (a `str`), but it works on bytes (a `bytes` object): "
        + (
            f"write the value as a bytes literal, {code(short(new, 40))}."
            if literal
            else f"convert the text with `.encode()`, e.g. {code(short(new, 40))}."
        ),
        plain=f"Python keeps text (`str`, characters) and bytes (`bytes`, numbers 0–255) apart. {func} "
        f"reads raw bytes — compressed data, network data, a file opened with `'b'` — and {shown} is text.",
        precise="The function requires an object supporting the buffer protocol (`bytes`, `bytearray`, "
        "`memoryview`); `str` does not.",
        fix_steps=(
            f"Put a `b` before the quote: {code(short(new, 60))}."
            if literal
            else "Convert the text to bytes with `.encode()` (UTF-8 by default) before passing it."
        )
        + " If the data comes from a file, open the file in binary mode (`'rb'`).",
        prevention="Text becomes bytes with `.encode()`, bytes become text with `.decode()`; a literal "
        "written `b'…'` is bytes from the start.",
        concepts=["strings", "type-conversion"],
        hints=[
            f"What type is the value passed on line {line}? Try `type(...)`.",
            "This function wants `bytes`, not `str`.",
            "Write the literal as `b'…'` or call `.encode()`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


# Types whose text (`str(value)`) is the usual JSON form: `default=str` writes what they mean.
_JSON_AS_TEXT = frozenset(
    {"datetime", "date", "time", "timedelta", "Decimal", "UUID", "Path", "PosixPath", "WindowsPath"}
)
# The function itself, not what it returns: `json.dumps(obj.to_dict)` without the brackets.
_JSON_CALLABLE = frozenset({"function", "method", "builtin_function_or_method", "type", "builtin_method"})


def _is_value(sit: Situation, node: ast.AST, line, test) -> bool:
    """``node`` is (or is a name last bound to) a value ``test`` accepts."""
    if test(node):
        return True
    if isinstance(node, ast.Name) and line is not None:
        binding = sit.facts.last_assignment_before(node.id, line + 1)
        return binding is not None and binding.value is not None and test(binding.value)
    return False


def _json_type(sit: Situation, typ: str) -> Diagnosis:
    """`json.dumps(foo)` of an object JSON has no form for: a set becomes a list, an object of
    the student's own class its attribute dict (`vars(foo)`), a date or a number type its text
    (`default=str`); the value itself is converted only when it is the object (else the
    `default=` hook reaches one nested inside), and anything else gets no guessed fix."""
    line, other, where, editable = _site(sit)
    calls = [c for n in ("dumps", "dump") for c in _calls(sit, line, n)] if editable else []
    call = next((c for c in calls if c.args and not c.keywords), None)
    tree_nodes = list(ast.walk(sit.tree)) if sit.tree is not None else []
    classes = [n for n in tree_nodes if isinstance(n, ast.ClassDef) and n.name == typ]
    own = bool(classes)
    slotted = any(
        isinstance(s, ast.Assign | ast.AnnAssign) and "__slots__" in ast.unparse(s).split("=")[0]
        for c in classes
        for s in c.body
    )
    fix, wrap, hook, shown = None, None, None, None
    if typ in ("set", "frozenset"):
        how = "turn it into a list first"
        is_it = lambda v: isinstance(v, ast.Set | ast.SetComp) or (  # noqa: E731
            isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in ("set", "frozenset")
        )
        wrap, hook = "list({})", "list"
    elif own and not slotted:
        how = f"turn the `{typ}` object into a dict of its attributes first"
        is_it = lambda v: isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == typ  # noqa: E731
        wrap, hook = "vars({})", "vars"
    elif own:
        how = (
            f"build a dict of the `{typ}` object's attributes yourself (its class uses `__slots__`, so "
            "`vars()` has nothing to give)"
        )
        is_it = None
    elif typ in _JSON_AS_TEXT:
        how = "tell `json` to write it as text"
        is_it, hook = None, "str"
    elif typ in _JSON_CALLABLE:
        how = (
            f"a `{typ}` is the function itself, not its result: call it (add `()`) so `json` gets the "
            "value it returns"
        )
        is_it = None
    else:
        how = (
            f"convert it to dicts, lists, text and numbers first — I can't tell which form you want for a "
            f"`{typ}` (a `default=` function that returns one is the other way)"
        )
        is_it = None
    if call is not None:
        arg_node = call.args[0]
        arg = segment(sit.code, arg_node)
        if wrap is not None and is_it is not None and _is_value(sit, arg_node, line, is_it):
            new = wrap.format(arg)
            fix = replace_node(sit.code, arg_node, new)
            shown = f"{_call_name(call)}({new})"
        elif hook is not None:
            text = segment(sit.code, call)
            if not text.rstrip()[:-1].rstrip().endswith(","):
                args = ", ".join(segment(sit.code, a) for a in call.args)
                shown = f"{_call_name(call)}({args}, default={hook})"
                fix = replace_node(sit.code, call, text[:-1].rstrip() + f", default={hook})")
                if hook != "str":
                    how += f" (`default={hook}` does it wherever one sits in the data)"
    elif hook is not None:
        shown = f"json.dumps(obj, default={hook})"
    tail = f": {code(shown)}" if shown else ""
    return Diagnosis(
        summary=f"{where} asks `json` to write a `{typ}` object, and JSON has no form for it: JSON only "
        f"knows dicts, lists, text, numbers, `True`/`False` and `None`. {cap(how)}{tail}.",
        plain=f"JSON is a text format with a few kinds of value (objects, arrays, strings, numbers, "
        f"true/false, null). Python's `json` module maps dicts, lists, str, int, float, bool and None onto "
        f"them, and stops at anything else — here a `{typ}`"
        + (", an object of your own class." if own else "."),
        precise="`json.JSONEncoder.default()` raises TypeError for types it cannot serialise; pass "
        "`default=` (a function returning something serialisable) or convert the value first.",
        fix_steps=f"{cap(how)}{tail}."
        + (" `vars(obj)` is the dict of the object's attributes." if hook == "vars" else ""),
        prevention="Before saving data as JSON, keep it as dicts, lists, strings and numbers, or give "
        "`json.dumps` a `default=` function.",
        concepts=["dicts", "type-conversion"],
        hints=[
            f"What type is the value passed to `json` on line {line}?",
            "JSON only knows dicts, lists, strings, numbers, booleans and None.",
            f"Try {code(shown)}." if shown else cap(how) + ".",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _sum_strings(sit: Situation, what: str) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = [c for c in _calls(sit, line, "sum") if c.args] if editable else []
    fix = None
    new = "''.join(parts)"
    if calls:
        call = calls[0]
        sep = "b''" if what != "strings" else "''"
        new = f"{sep}.join({segment(sit.code, call.args[0])})"
        fix = replace_node(sit.code, call, new)
    return Diagnosis(
        summary=f"{where} uses `sum()` to glue {what} together, but `sum()` only adds numbers; join "
        f"{what} with `{new}`.",
        plain="`sum()` is for numbers. To put pieces of text together, `''.join(pieces)` joins them in "
        "order (put a separator between the quotes if you want one).",
        precise=f"sum() refuses {what} (quadratic concatenation); str.join is the linear alternative.",
        fix_steps=f"Write `{new}`.",
        prevention="Use `sum()` for numbers and `''.join()` for text.",
        concepts=["strings", "string-methods"],
        hints=[
            f"What kind of values is `sum()` adding on line {line}?",
            "`sum()` only adds numbers.",
            f"Use `{new}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _popitem(sit: Situation) -> Diagnosis:
    line, other, where, editable = _site(sit)
    calls = [
        c for c in nodes_on_line(sit.tree, line, ast.Call)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "popitem"
    ] if editable else []  # fmt: skip
    owner = segment(sit.code, calls[0].func.value) if calls else None
    about = f"`{owner}`" if owner else "the dictionary"
    fix = wrap_in_guard(sit, line, owner) if owner and line is not None else None
    return Diagnosis(
        summary=f"{where} calls `popitem()` on {about}, but {about} is empty at that point: there is no "
        "item left to take out.",
        plain=f"`popitem()` removes and returns the last key/value pair that was added. When {about} has no "
        "pairs, there is nothing to return, so Python raises a KeyError.",
        precise="dict.popitem() raises KeyError on an empty dict.",
        fix_steps=f"Only call it while {about} has items: `if {owner or 'my_dict'}:` (or `while "
        f"{owner or 'my_dict'}:` in a loop).",
        prevention="Check that a dict is non-empty (`if d:`) before taking items out of it.",
        concepts=["dicts", "conditionals"],
        hints=[
            f"How many items does {about} hold on line {line}?",
            "`popitem()` needs at least one item.",
            f"Guard it with `if {owner or 'my_dict'}:`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _json_text_node(sit: Situation, line: int | None) -> ast.Constant | None:
    """The string literal the failing ``json.loads`` read: its argument, or what its name was set to."""
    for call in _calls(sit, line, "loads"):
        if not call.args:
            continue
        arg = call.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg
        if isinstance(arg, ast.Name):
            bound = sit.facts.last_assignment_before(arg.id, (line or 0) + 1)
            if (
                bound is not None
                and isinstance(bound.value, ast.Constant)
                and isinstance(bound.value.value, str)
            ):
                return bound.value
    return None


def _json(sit: Situation) -> Diagnosis:
    line = sit.line
    editable = sit.has_code and sit.tree is not None
    where = f"Line {line}" if line is not None else "Your code"
    msg = sit.message
    node = _json_text_node(sit, line) if editable else None
    fix = None
    if "double quotes" in msg:
        fact = (
            'JSON only accepts double quotes (`"`) around keys and strings, and this text uses single quotes'
        )
        steps = "Write the JSON text with double quotes: `'{\"a\": 1}'`, not `\"{'a': 1}\"`."
        if node is not None:
            fixed = node.value.replace("'", '"')
            try:
                json.loads(fixed)
            except ValueError:
                pass
            else:
                fix = replace_node(sit.code, node, repr(fixed))
                steps = f"Use double quotes inside the text: `{short(repr(fixed), 60)}`."
    elif msg.startswith("Expecting value: line 1 column 1 (char 0)"):
        fact = (
            "the text is empty or doesn't start like JSON at all (JSON starts with `{`, `[`, a quote, "
            "a number, `true`, `false` or `null`)"
        )
        steps = (
            "Print the text before decoding it: an empty file, an HTML error page or a Python `repr` are "
            "common culprits."
        )
    else:
        fact = f"the text breaks JSON's rules where the message says ({code(short(msg, 80))})"
        steps = (
            "Look at the character the message points to (its line, column and `char` index) and fix the "
            "text there."
        )
    if node is not None and fix is None and "double quotes" not in msg:
        steps += f" The text here is {code(short(repr(node.value), 50))}."
    return Diagnosis(
        summary=f"{where} decodes text as JSON, but it isn't valid JSON: {fact}.",
        plain="`json.loads()` only reads text written in JSON's strict format, which looks like Python "
        "but is not the same: double quotes only, `true`/`false`/`null`, no trailing commas.",
        precise=f"json raised JSONDecodeError: {short(msg, 100)}.",
        fix_steps=steps,
        prevention="Produce JSON with `json.dumps()` rather than by hand or with `str()`.",
        concepts=["strings", "file-io"],
        hints=[
            "Print the exact text you pass to `json.loads()`.",
            "JSON needs double quotes and lowercase `true`/`false`/`null`.",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _free_variable(sit: Situation, name: str) -> Diagnosis | None:
    line, other, where, editable = _site(sit)
    inner = enclosing_function(sit.tree, line) if editable else None
    outer = enclosing_function(sit.tree, inner.lineno - 1) if inner is not None and inner.lineno > 1 else None
    if outer is not None and not (outer.lineno < inner.lineno <= (outer.end_lineno or 0)):
        outer = None
    assign = None
    call_stmt = None
    if outer is not None:
        assign = next(
            (
                s for s in outer.body
                if isinstance(s, ast.Assign) and s.lineno == s.end_lineno
                and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
            ),
            None,
        )  # fmt: skip
        if assign is not None:
            call_stmt = next(
                (
                    s for s in outer.body
                    if s.lineno < assign.lineno and any(
                        isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == inner.name
                        for c in ast.walk(s)
                    )
                ),
                None,
            )  # fmt: skip
    fix = None
    if assign is not None and call_stmt is not None:
        lines = lines_of(sit.code)
        moved = lines[assign.lineno - 1]
        if indent_of(moved) == indent_of(lines[call_stmt.lineno - 1]):
            rest = lines[: assign.lineno - 1] + lines[assign.lineno :]
            rest.insert(call_stmt.lineno - 1, moved)
            fix = "\n".join(rest) + ("\n" if sit.code.endswith("\n") else "")
    inner_name = f"`{inner.name}`" if inner is not None else "the inner function"
    outer_name = f"`{outer.name}`" if outer is not None else "the enclosing function"
    timing = (
        f"`{name}` is assigned on line {assign.lineno}, after {inner_name} is called on line "
        f"{call_stmt.lineno}"
        if assign is not None and call_stmt is not None
        else f"{outer_name} has not assigned `{name}` yet when {inner_name} runs"
    )
    return Diagnosis(
        summary=f"{where} reads `{name}`, a variable of {outer_name}, before it has a value: {timing}.",
        plain=f"{inner_name} can use {outer_name}'s variables, but only once they are set. When {inner_name} "
        f"ran, `{name}` had not been given a value yet.",
        precise=f"`{name}` is a free variable of {inner_name} (a cell of {outer_name}); the cell was still "
        "empty when it was read.",
        fix_steps=(
            f"Assign `{name}` before calling {inner_name}: move line {assign.lineno} above line "
            f"{call_stmt.lineno}."
            if assign is not None and call_stmt is not None
            else f"Give `{name}` its value in {outer_name} before {inner_name} is called."
        ),
        prevention="Set up a function's variables before calling the helpers nested inside it.",
        concepts=["scope", "functions"],
        hints=[
            f"Where is `{name}` given its value in {outer_name}?",
            f"Does that happen before {inner_name} is called?",
            f"Assign `{name}` first, then call {inner_name}.",
        ],
        fix_code=fix,
        culprit_line=assign.lineno if assign is not None else line,
        culprit_where=other,
    )
