"""ValueError: the right type but an unusable value — text that isn't a number, the
wrong number of values to unpack, removing or finding an item that isn't there, maths
outside a function's domain. A ValueError the student's own ``raise`` produced is left to
the generic analyser, which explains the condition that triggered it."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import nodes_on_line, replace_node, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import (
    called_from,
    fragment_nodes,
    place,
    raise_site,
    wrap_in_guard,
)
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import name_type

_INT_LITERAL = re.compile(r"invalid literal for int\(\) with base (?P<base>\d+): (?P<val>.+)$", re.S)
_FLOAT = re.compile(r"could not convert string to float: (?P<val>.+)$", re.S)
_UNPACK = re.compile(
    r"(?P<kind>too many|not enough) values to unpack "
    r"\(expected (?:at least )?(?P<expected>\d+)(?:, got (?P<got>\d+))?\)"
)
_REMOVE = re.compile(r"list\.remove\(x\): x not in list")
_INDEX = re.compile(r"(?P<val>.+) is not in list$")
_DOMAIN = re.compile(r"math domain error")
_EMPTY_MAX = re.compile(r"(?P<func>max|min)\(\) (?:arg is an empty sequence|iterable argument is empty)")
_SUBSTRING = re.compile(r"substring not found")
_TIME_FORMAT = re.compile(r"^time data (?P<data>'.*') does not match format (?P<fmt>'.*')$")


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    if m := _TIME_FORMAT.match(sit.message):
        return _time_format(sit, m["data"], m["fmt"], line, other, cap(place(line, other, function)))
    if any(n.lineno == line for n in nodes_on_line(sit.tree, line, ast.Raise)) or text.strip().startswith(
        "raise "
    ):
        return None
    msg = sit.message
    if msg.startswith(
        (
            "generator already executing",
            "Single '",
            "unmatched '{' in format",
            "expected '}'",
            "Unknown format code",
        )
    ) or msg.startswith(
        ("byte must be in range(0, 256)", "bytes must be in range(0, 256)", "negative shift")
    ):
        from learnflow_agents.tutors.debug.families import call_site

        return call_site.analyse(sit)
    where = cap(place(line, other, function) + called_from(sit))
    ctx = (line, other, text, where)
    if m := _INT_LITERAL.search(msg):
        return _conversion(sit, "int", m["val"], ctx)
    if m := _FLOAT.search(msg):
        return _conversion(sit, "float", m["val"], ctx)
    if m := _UNPACK.search(msg):
        return _unpack(sit, m, ctx)
    if _REMOVE.search(msg):
        return _missing_item(sit, "remove", None, ctx)
    if m := _INDEX.search(msg):
        return _missing_item(sit, "index", m["val"], ctx)
    if _DOMAIN.search(msg):
        return _domain(sit, ctx)
    if m := _EMPTY_MAX.search(msg):
        return _empty_max(sit, m["func"], ctx)
    if _SUBSTRING.search(msg):
        return _missing_item(sit, "str.index", None, ctx)
    return None


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip().strip("'\"")


def _editable(sit: Situation, other: str | None) -> bool:
    return sit.has_code and not other and sit.tree is not None


def _src(sit: Situation, node: ast.AST, other: str | None) -> str:
    return segment(sit.code, node) if _editable(sit, other) else ast.unparse(node)


def _conversion(sit: Situation, func: str, raw: str, ctx) -> Diagnosis:
    line, other, text, where = ctx
    value = _literal(raw)
    # The value is the program's (or the paster's) text: shown as inline code, never as markup.
    literal = repr(value)
    shown = code(literal)
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Name) and c.func.id == func and c.args
    ]
    call = calls[0] if calls else None
    arg = _src(sit, call.args[0], other) if call is not None else None
    from_input = (
        call is not None
        and isinstance(call.args[0], ast.Call)
        and getattr(call.args[0].func, "id", "") == "input"
    )
    if call is not None and isinstance(call.args[0], ast.Name):
        binding = sit.facts.last_assignment_before(call.args[0].id, (line or 0) + 1)
        from_input = from_input or bool(
            binding
            and isinstance(binding.value, ast.Call)
            and getattr(binding.value.func, "id", "") == "input"
        )
    fix = None
    s = str(value)
    about = code(arg) if arg and arg != literal and not arg.startswith(("'", '"')) else "the text"
    if func == "int" and re.fullmatch(r"\s*-?\d+\.\d*\s*", s):
        new = f"float({arg})" if arg else "float(...)"
        reason = (
            f"{shown} has a decimal point, and `int()` only reads whole numbers; use {code(new)} (or "
            "`int(float(...))` to drop the decimals)"
        )
        concept = ["type-conversion", "numbers"]
    elif re.fullmatch(r"\s*-?[\d,]+(\.\d+)?\s*", s) and "," in s:
        new = f"{func}({arg}.replace(',', ''))" if arg else None
        reason = (
            f"{shown} contains commas as thousands separators, which `{func}()` doesn't understand; "
            "remove them with `.replace(',', '')`"
        )
        concept = ["type-conversion", "string-methods"]
    elif func == "float" and re.fullmatch(r"\s*-?\d+,\d+\s*", s):
        new = f"float({arg}.replace(',', '.'))" if arg else None
        reason = f"{shown} uses a decimal comma; Python needs a decimal point — `.replace(',', '.')`"
        concept = ["type-conversion", "string-methods"]
    elif s.strip() == "":
        new = None
        reason = "the text is empty — " + (
            "nothing was typed at the `input()` prompt" if from_input else "there are no digits to read"
        )
        concept = ["type-conversion"]
    else:
        new = None
        reason = f"{about} is {shown}, which is not a number" + (
            " (it was typed at the `input()` prompt)" if from_input else ""
        )
        concept = ["type-conversion", "exceptions"]
    if new is not None and call is not None and _editable(sit, other):
        fix = replace_node(sit.code, call, new)
    steps = (
        f"Write {code(new)}."
        if new
        else f"Check the text before converting (e.g. {code((arg or 'text') + '.isdigit()')}), "
        "or wrap the conversion "
        "in "
        f"`try: … except ValueError:` and ask again."
    )
    called = f"{func}({arg or '…'})"
    return Diagnosis(
        summary=f"{where} calls {code(called)}, but {reason}.",
        plain=f"`{func}()` turns text that *looks like* a number into a number. {cap(reason)}.",
        precise=f"`{func}()` parses a numeric literal from a string and raises ValueError otherwise; "
        f"{reason}.",
        analogy=f"it's like asking someone to read {shown} out loud as a number — they can't.",
        deeper="User input should be validated: `try`/`except ValueError` around the conversion is the "
        "idiomatic "
        '"ask forgiveness" pattern (EAFP).',
        fix_steps=steps,
        prevention="Convert only text you know is numeric; when the text comes from a user or a file, expect "
        "bad values and handle them with `try`/`except ValueError`.",
        concepts=concept,
        hints=[
            f"What exactly is the text passed to `{func}()` on line {line}? Print `repr(...)` of it.",
            f"{shown} can't be read as {'a whole number' if func == 'int' else 'a number'}.",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _unpack(sit: Situation, m: re.Match[str], ctx) -> Diagnosis:
    line, other, text, where = ctx
    expected = int(m["expected"])
    too_many = m["kind"] == "too many"
    loops = [
        f
        for f in fragment_nodes(sit, line, ast.For, text=text if other else None)
        if isinstance(f.target, ast.Tuple) and f.lineno == line
    ]
    if loops:
        return _unpack_loop(sit, loops[0], expected, ctx)
    assigns = [
        a
        for a in fragment_nodes(sit, line, ast.Assign, text=text if other else None)
        if isinstance(a.targets[0], ast.Tuple | ast.List)
    ]
    targets = _src(sit, assigns[0].targets[0], other) if assigns else "the names"
    value_node = assigns[0].value if assigns else None
    got = m["got"]
    if got is None and isinstance(value_node, ast.List | ast.Tuple):
        got = str(len(value_node.elts))
    value = _src(sit, value_node, other) if value_node is not None else "the value"
    count = f"{got} values" if got else ("more values" if too_many else "fewer values")
    steps = (
        f"Give one name per value (e.g. add names to `{targets}`), or collect the rest with a star: "
        f"`{targets}, *rest = {value}`."
        if too_many
        else f"Make `{value}` hold exactly {expected} values, or use fewer names than `{targets}`."
    )
    return Diagnosis(
        summary=f"{where} unpacks {count} from `{value}` into {expected} names (`{targets}`): the counts "
        "must match.",
        plain=f"`{targets} = …` hands out the values one per name. There are {expected} names but {count}, "
        "so "
        "Python doesn't know what to do with the " + ("extra ones." if too_many else "missing ones."),
        precise=f"Sequence unpacking requires exactly {expected} items; the right-hand side produced "
        f"{count}.",
        analogy="it's like dealing cards to a fixed number of players: the deck must have exactly one card "
        "each.",
        deeper="Extended unpacking (`first, *rest = items`) absorbs any number of extra items into a list.",
        fix_steps=steps,
        prevention="Count the names on the left and the values on the right; use `*rest` when the length "
        "can vary.",
        concepts=["unpacking", "tuples"],
        hints=[
            f"Count the names in `{targets}` and the values in `{value}`.",
            f"{expected} names, {count}.",
            steps,
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _unpack_loop(sit: Situation, loop: ast.For, expected: int, ctx) -> Diagnosis:
    line, other, _text, where = ctx
    targets = _src(sit, loop.target, other)
    iterable = _src(sit, loop.iter, other)
    kind = name_type(sit, iterable, line) if iterable.isidentifier() else None
    fix = None
    if kind == "dict":
        new = f"{iterable}.items()"
        why = (
            "looping over a dictionary gives only its *keys*; each key is a single string, which Python "
            "tries to split "
            f"into `{targets}`"
        )
        steps = f"Loop over `{new}` to get key and value pairs: `for {targets} in {new}:`."
        concepts = ["dicts", "unpacking", "for-loops"]
    else:
        new = f"enumerate({iterable})"
        why = (
            f"each item of `{iterable}` is a single value, which Python tries to split into `{targets}`; to "
            "get a "
            "position *and* the item, use `enumerate`"
        )
        steps = f"Write `for {targets} in {new}:`."
        concepts = ["enumerate-zip", "unpacking", "for-loops"]
    if _editable(sit, other):
        fix = replace_node(sit.code, loop.iter, new)
    return Diagnosis(
        summary=f"{where} loops `for {targets} in {iterable}`, but {why}: use `{new}`.",
        plain=f"`for {targets} in …` expects every item to come in a group of {expected}. {cap(why)}.",
        precise=f"Each element yielded by `{iterable}` is unpacked into {expected} targets; " + why + ".",
        analogy="it's like asking for pairs of socks from a drawer of single socks.",
        deeper="`dict.items()` yields `(key, value)` tuples; `enumerate()` yields `(index, item)` tuples; "
        "`zip()` "
        "pairs items from several sequences.",
        fix_steps=steps,
        prevention="Loop over `d.items()` for keys and values, and over `enumerate(items)` for positions "
        "and items.",
        concepts=concepts,
        hints=[
            f"What does one item of `{iterable}` look like? Print the first one.",
            cap(why) + ".",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
        conceptual=True,
    )


def _missing_item(sit: Situation, method: str, raw: str | None, ctx) -> Diagnosis:
    line, other, text, where = ctx
    attr = "index" if method == "str.index" else method
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Attribute) and c.func.attr == attr and c.args
    ]
    call = calls[0] if calls else None
    container = _src(sit, call.func.value, other) if call is not None else "the list"  # type: ignore[attr-defined]
    item = _src(sit, call.args[0], other) if call is not None else (raw or "the item")
    guard = f"{item} in {container}"
    fix = wrap_in_guard(sit, line, guard) if _editable(sit, other) and line else None
    if method == "str.index":
        steps = (
            f"Use `{container}.find({item})`, which returns -1 instead of failing, or check `if "
            f"{guard}:` first."
        )
        what = f"the text {item} is not found in `{container}`"
    else:
        steps = f"Check first: `if {guard}:` before `{container}.{attr}({item})`."
        what = f"`{raw.strip() if raw else item}` is not in the list `{container}`"
    return Diagnosis(
        summary=f"{where} calls `{container}.{attr}({item})`, but {what}.",
        plain=f"`.{attr}()` needs the item to be there; {what}, so Python stops instead of guessing.",
        precise=f"`{attr}` searches for an equal element and raises ValueError when none exists: {what}.",
        analogy="it's like crossing a name off a list it was never written on.",
        fix_steps=steps,
        prevention="Test membership with `in` before removing or looking up an item whose presence isn't "
        "certain.",
        concepts=["lists", "conditionals"] if method != "str.index" else ["string-methods"],
        hints=[
            f"Print `{container}` just before line {line}.",
            f"{cap(what)}.",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _domain(sit: Situation, ctx) -> Diagnosis:
    line, other, text, where = ctx
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Attribute)
        and isinstance(c.func.value, ast.Name)
        and c.func.value.id == "math"
    ]
    call = calls[0] if calls else None
    name = call.func.attr if call is not None else "the math function"  # type: ignore[attr-defined]
    arg = _src(sit, call.args[0], other) if call is not None and call.args else "the value"
    limits = {
        "sqrt": "a negative number",
        "log": "zero or a negative number",
        "log10": "zero or a negative number",
        "log2": "zero or a negative number",
        "acos": "a value outside -1…1",
        "asin": "a value outside -1…1",
    }
    bad = limits.get(name, "a value outside its domain")
    return Diagnosis(
        summary=f"{where} calls `math.{name}({arg})` with {bad}, which `math.{name}` can't handle (it has "
        "no real result).",
        plain=f"`math.{name}` only works for some numbers; {bad} has no real answer, so Python stops. "
        + ("Square roots of negative numbers don't exist among ordinary numbers." if name == "sqrt" else ""),
        precise=f"`math.{name}` is defined over the reals only; its argument `{arg}` is {bad}. "
        f"`cmath.{name}` returns "
        "a complex result instead.",
        fix_steps=f"Check the value first (e.g. `if {arg} >= 0:`), use `abs({arg})` if the sign doesn't "
        "matter, or "
        f"`cmath.{name}` for complex results.",
        prevention="Validate inputs to maths functions, especially values computed from data.",
        concepts=["numbers"],
        hints=[
            f"What is the value of `{arg}` on line {line}?",
            f"`math.{name}` can't take {bad}.",
            "Check or transform the value first.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _empty_max(sit: Situation, func: str, ctx) -> Diagnosis:
    line, other, text, where = ctx
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call, text=text if other else None)
        if isinstance(c.func, ast.Name) and c.func.id == func and c.args
    ]
    arg = _src(sit, calls[0].args[0], other) if calls else "the sequence"
    return Diagnosis(
        summary=f"{where} calls `{func}({arg})` on an empty sequence: there is no "
        f"{'largest' if func == 'max' else 'smallest'} item of nothing.",
        plain=f"`{arg}` has no items, so `{func}()` has nothing to compare.",
        precise=f"`{func}()` over an empty iterable raises ValueError unless `default=` is given.",
        fix_steps=f"Use `{func}({arg}, default=None)` or check `if {arg}:` first.",
        prevention="Handle the empty case explicitly whenever data can be empty.",
        concepts=["lists", "conditionals"],
        hints=[f"How many items does `{arg}` have?", "It is empty.", f"Use `default=` or check `if {arg}:`."],
        culprit_line=line,
        culprit_where=other,
    )


def _time_format(sit: Situation, data: str, fmt: str, line, other, where) -> Diagnosis:
    """`strptime(text, format)`: the text doesn't follow the format, often because the two
    arguments were passed the other way round."""
    swapped = "%" in data and "%" not in fmt
    fix = shown = None
    calls = [
        c
        for c in nodes_on_line(sit.tree, line, ast.Call)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "strptime" and len(c.args) == 2
    ]
    if swapped and calls and sit.has_code and not other:
        call = calls[0]
        first, second = (segment(sit.code, a) for a in call.args)
        shown = f"{segment(sit.code, call.func)}({second}, {first})"
        fix = replace_node(sit.code, call, shown)
    why = (
        f"The arguments are the other way round: {data} is the format (it has the `%` codes) and {fmt} is "
        "the date text. `strptime` takes the text first, then the format."
        if swapped
        else f"The text {data} does not follow the format {fmt} exactly: every `%` code must match a part "
        "of the text, and every other character must be the same."
    )
    return Diagnosis(
        summary=f"{where}: `strptime` says the time data {data} does not match the format {fmt}. "
        + (f"The two arguments are swapped: write `{shown}`." if shown else why),
        plain=why,
        precise=f"`datetime.strptime(date_string, format)` parses `date_string` with `format`; {why}",
        fix_steps=f"Write `{shown}`."
        if shown
        else "Make the format match the text code by code "
        "(`%d` day, `%m` month number, `%b` month name, `%y` two-digit year, `%Y` four-digit year).",
        prevention="`strptime(text, format)`: the text first. Test the format on one example first.",
        concepts=["strings"],
        hints=[
            "Which argument is the text and which the format?",
            "The format is the one with `%` codes.",
            "Text first, then format.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )
