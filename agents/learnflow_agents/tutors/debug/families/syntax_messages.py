"""SyntaxErrors whose message already names the rule that was broken.

CPython 3.10+ words most of its syntax errors precisely ("'break' outside loop",
"non-default argument follows default argument", "f-string: empty expression not allowed").
Each entry here turns one such message into the fact the student needs (what the rule is,
where the line breaks it) and, when a repair is certain, a fix that is recompiled before it
is shown. Entries never guess beyond the message and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from learnflow_agents.tutors.debug.code_facts import compile_error, rename_in_code, replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, message_text, short
from learnflow_agents.tutors.debug.families.syntax_repair import progress
from learnflow_agents.tutors.debug.situation import Situation


@dataclass
class Said:
    """What an entry says; the line number and the failing line are filled in around it."""

    summary: str
    why: str
    fix_steps: str
    concepts: list[str]
    fix: str | None = None  # the repaired cell (checked before it is used)


Entry = Callable[[Situation, re.Match[str], int, str], Said | None]
_TABLE: list[tuple[re.Pattern[str], Entry]] = []


def rule(pattern: str) -> Callable[[Entry], Entry]:
    def register(fn: Entry) -> Entry:
        _TABLE.append((re.compile(pattern), fn))
        return fn

    return register


def knows(message: str) -> bool:
    return any(p.search(message) for p, _ in _TABLE)


def analyse(sit: Situation) -> Diagnosis | None:
    if sit.syntax is None or sit.syntax.lineno is None:
        return None
    lineno = sit.syntax.lineno
    text = sit.text(lineno) or (sit.syntax.text or "")
    for pattern, entry in _TABLE:
        m = pattern.search(sit.message)
        if m is None:
            continue
        said = entry(sit, m, lineno, text)
        if said is None:
            continue
        found = _diagnosis(sit, said, lineno, text)
        found.extra["analysis"] = f"message:{entry.__name__.lstrip('_')}"
        return found
    return None


def _diagnosis(sit: Situation, said: Said, lineno: int, text: str) -> Diagnosis:
    fix = (
        said.fix
        if said.fix and sit.has_code and said.fix != sit.code and progress(sit.code, said.fix)
        else None
    )
    if fix is not None and compile_error(fix) is not None:
        fix = None
    return Diagnosis(
        summary=said.summary,
        plain=said.why,
        precise=f"{said.why} (Python's message: {message_text(sit.message)}.)",
        fix_steps=said.fix_steps,
        prevention="Read Python's message word by word: since Python 3.10 it usually names the rule that was "
        "broken, and the `^` marks the exact spot.",
        concepts=said.concepts,
        hints=[
            f"Look at the spot the `^` marks on line {lineno}: {code(short(text.strip(), 60))}.",
            f"Python's message names the rule: {message_text(sit.message, 90)}.",
            said.fix_steps,
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _q(message: str) -> list[str]:
    return re.findall(r"'([^']*)'", message)


def _line_fix(sit: Situation, lineno: int, new_text: str) -> str | None:
    return replace_line(sit.code, lineno, new_text) if sit.has_code else None


def _at(sit: Situation, text: str) -> str:
    """The code at the caret, as far as the caret marks it."""
    if sit.syntax is None or sit.syntax.col_start is None:
        return ""
    start = sit.syntax.col_start
    end = sit.syntax.col_end if sit.syntax.col_end and sit.syntax.col_end > start else start + 1
    return text[start:end].strip()


# --- loops, functions, scopes ----------------------------------------------------------------


@rule(r"^'(break|continue)' (?:not properly in|outside) loop")
def _loop_word(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    word = m.group(1)
    does = "leaves the loop it is in" if word == "break" else "skips to the next round of the loop it is in"
    return Said(
        summary=f"Line {lineno} uses `{word}` outside a loop: `{word}` only works inside the body of a "
        "`for` or `while` loop.",
        why=f"`{word}` {does}, so it needs a loop around it. On line {lineno} there is none — often the line "
        "is not indented under the loop, or it sits in a function or `finally` block that the loop only "
        "calls or contains.",
        fix_steps=f"Indent {code(text.strip())} under the loop it belongs to, or, to stop a function early, "
        "use `return` instead.",
        concepts=["break-continue", "indentation"],
    )


@rule(r"^'(return|yield|yield from|await|async with|async for)' outside (async )?function")
def _outside_fn(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    word = m.group(1)
    kind = "an `async def` function" if (m.group(2) or word.startswith(("await", "async"))) else "a function"
    return Said(
        summary=f"Line {lineno} uses `{word}` outside {kind}: `{word}` is only allowed inside the body of "
        f"{kind}.",
        why=f"`{word}` hands a value back from the function that is running, so it only makes sense inside "
        f"{kind}. Line {lineno} is not inside one (check its indentation under the `def`).",
        fix_steps=f"Indent line {lineno} under the `def` it belongs to"
        + (", or at the top level use `print(...)` to show a value." if word == "return" else "."),
        concepts=["functions", "indentation"],
    )


@rule(
    r"^'(\w+(?: from)?)' inside (list|set|dict) comprehension|^'(\w+(?: from)?)' inside generator expression"
)
def _inside_comp(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    word = m.group(1) or m.group(3)
    where = f"{m.group(2)} comprehension" if m.group(2) else "generator expression"
    return Said(
        summary=f"Line {lineno} uses `{word}` inside a {where}, where it is not allowed.",
        why=f"A {where} runs as its own small hidden function, so `{word}` inside it cannot act on the "
        "function you wrote it in.",
        fix_steps=f"Write the {where} as an ordinary `for` loop and use `{word}` in the loop body.",
        concepts=["comprehensions"],
    )


@rule(r"^'(\w+(?: \w+)?)' outside (.+)$")
def _outside_other(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    word, place = m.group(1), m.group(2)
    return Said(
        summary=f"Line {lineno} uses `{word}` outside {place}; it is only allowed inside {place}.",
        why=f"`{word}` only has a meaning inside {place}, and line {lineno} is not inside one.",
        fix_steps=f"Move line {lineno} inside {place}, or remove `{word}`.",
        concepts=["syntax-basics"],
    )


@rule(r"^name '(\w+)' is parameter and (global|nonlocal)")
def _param_and_global(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name, decl = m.group(1), m.group(2)
    return Said(
        summary=f"Line {lineno} declares `{decl} {name}`, but `{name}` is already a parameter of this "
        "function.",
        why=f"A parameter is a local variable that receives the argument; `{decl}` would make the same name "
        f"refer to a variable outside the function. One name cannot be both.",
        fix_steps=f"Remove `{decl} {name}`, or rename the parameter.",
        concepts=["scope", "parameters"],
    )


@rule(r"^name '(\w+)' is nonlocal and global")
def _nonlocal_global(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    return Said(
        summary=f"`{name}` is declared both `nonlocal` and `global` in the same function.",
        why="`global` means the module's variable, `nonlocal` the enclosing function's; a name can only be "
        "one.",
        fix_steps="Keep only the declaration you mean.",
        concepts=["scope"],
    )


@rule(r"^name '(\w+)' is (used|assigned to) (?:prior to|before) (global|nonlocal) declaration")
def _used_before_global(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name, how, decl = m.groups()
    return Said(
        summary=f"`{name}` is {how} before the `{decl} {name}` declaration on line {lineno}; the declaration "
        "must come first.",
        why=f"`{decl} {name}` changes what `{name}` means for the whole function, so it has to be at the "
        "top of "
        "the function, before any line that uses the name.",
        fix_steps=f"Move `{decl} {name}` to the first line of the function body.",
        concepts=["scope"],
    )


@rule(r"^no binding for nonlocal '(\w+)' found")
def _no_nonlocal(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    return Said(
        summary=f"`nonlocal {name}` on line {lineno} refers to a variable of an enclosing function, but no "
        f"enclosing (outer) function has a variable `{name}`.",
        why="`nonlocal` is for a function defined inside another function: it points at the outer function's "
        "variable. For a module-level variable use `global`.",
        fix_steps=f"Create `{name}` in the outer function first, or use `global {name}` if it lives at the "
        "top "
        "level.",
        concepts=["scope"],
    )


@rule(r"^nonlocal declaration not allowed at module level")
def _nonlocal_module(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses `nonlocal` at the top level; it only works inside a nested function.",
        why="`nonlocal` points at a variable of an enclosing function; at module level there is no such "
        "function.",
        fix_steps="Remove the `nonlocal` line (top-level names need no declaration), or use `global` inside "
        "a "
        "function.",
        concepts=["scope"],
    )


@rule(r"^annotated name '(\w+)' can't be (global|nonlocal)")
def _annotated_global(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name, decl = m.groups()
    return Said(
        summary=f"`{name}` is declared `{decl}` and also given a type annotation (`{name}: …`), which is not "
        "allowed.",
        why=f"An annotation declares a new local variable, while `{decl}` says the name lives elsewhere.",
        fix_steps=f"Drop the annotation (`{name} = …`), or annotate `{name}` where it is defined.",
        concepts=["scope"],
    )


@rule(r"^import \* only allowed at module level")
def _import_star(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses `import *` inside a function or class; `from … import *` is only "
        "allowed "
        "at module level (the top level of the file).",
        why="A star import adds an unknown set of names, which Python cannot do inside a function.",
        fix_steps="Move the `import *` line to the top level, or import the names you need by name.",
        concepts=["modules-imports"],
    )


@rule(r"^from __future__ imports must occur at the beginning of the file")
def _future_first(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The `from __future__ import …` on line {lineno} must be the first statement of the file "
        "(only the docstring and comments may come before it).",
        why="A `__future__` import changes how the whole file is compiled, so it has to come first.",
        fix_steps="Move it to the top of the file.",
        concepts=["modules-imports"],
    )


@rule(r"^future feature (\w+) is not defined")
def _future_unknown(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"`from __future__ import {m.group(1)}` names a future feature that does not exist.",
        why="`__future__` only offers a fixed list of features (e.g. `annotations`).",
        fix_steps="Remove that import or correct the feature's name.",
        concepts=["modules-imports"],
    )


@rule(r"^not a chance")
def _braces(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary="`from __future__ import braces` is Python's joke: blocks will never use `{}` braces — "
        "Python "
        "marks them by indentation.",
        why="Python groups statements by indenting them under a line ending in `:`.",
        fix_steps="Remove the line and indent your blocks.",
        concepts=["indentation"],
    )


@rule(r"^too many statically nested blocks")
def _nested(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary="The code has too many blocks nested inside each other (Python allows 20 levels of nesting).",
        why="Each `for`, `while`, `if`, `try` or `with` inside another adds a level; past the limit the "
        "compiler gives up.",
        fix_steps="Move inner parts into functions so fewer blocks are nested.",
        concepts=["functions"],
    )


# --- parameters and arguments ----------------------------------------------------------------


@rule(r"^/ must be ahead of \*")
def _slash_after_star(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"In the parameter list on line {lineno}, `/` comes after `*`; the `/` (end of "
        "positional-only "
        "parameters) must be ahead of, i.e. before, the `*`.",
        why="The order is fixed: positional-only parameters, `/`, normal ones, `*` (or `*args`), "
        "keyword-only "
        "ones, `**kwargs`.",
        fix_steps="Move the `/` before the `*`, e.g. `def f(a, /, b, *, c):`.",
        concepts=["parameters"],
    )


@rule(r"^(/|\* argument) may appear only once")
def _only_once(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    mark = "/" if m.group(1) == "/" else "*"
    return Said(
        summary=f"The parameter list on line {lineno} has `{mark}` more than once; `{mark}` may appear only "
        "once.",
        why=f"`{mark}` marks one boundary between kinds of parameters, so a second `{mark}` has no meaning.",
        fix_steps=f"Keep one `{mark}` and remove the other.",
        concepts=["parameters"],
    )


@rule(r"^at least one argument must precede /")
def _slash_first(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The parameter list on line {lineno} starts with `/`; at least one parameter must come "
        "before "
        "the `/`.",
        why="`/` means 'the parameters before me are positional-only', so it needs parameters before it.",
        fix_steps="Put the positional-only parameters before the `/`, or remove it.",
        concepts=["parameters"],
    )


@rule(r"^expected comma between / and \*")
def _slash_star_comma(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} writes `/` and `*` with no comma between them; parameters and markers are "
        "separated by a comma: `/, *`.",
        why="Every entry of a parameter list, including the `/` and `*` markers, is separated by a comma.",
        fix_steps="Add the comma: `/, *`.",
        concepts=["parameters"],
        fix=_line_fix(sit, lineno, re.sub(r"/\s*\*", "/, *", text, count=1)),
    )


@rule(r"^non-default argument follows default argument|^parameter without a default follows")
def _default_order(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"On line {lineno} a parameter without a default value comes after one with a default; "
        "parameters with defaults must come last (after those without).",
        why="Arguments fill parameters from left to right, so once one parameter has a default, every "
        "parameter after it needs one too: `def f(a, b=1)`, not `def f(a=1, b)`.",
        fix_steps="Move the parameters without a default before the first one with `=`, or give them a "
        "default "
        "too.",
        concepts=["parameters", "functions"],
    )


@rule(r"^arguments cannot follow var-keyword argument")
def _after_kwargs(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"On line {lineno} something follows `**kwargs`; the `**` parameter must be the last one.",
        why="`**kwargs` collects every remaining keyword argument, so nothing can come after it.",
        fix_steps="Move the `**…` parameter to the end of the list.",
        concepts=["parameters"],
    )


@rule(r"^var-(positional|keyword) argument cannot have default value")
def _star_default(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    star = "*args" if m.group(1) == "positional" else "**kwargs"
    return Said(
        summary=f"On line {lineno} a `{star}` parameter is given a default value; it cannot have one.",
        why=f"`{star}` is always there: empty when no extra arguments are passed, so a default makes no "
        "sense.",
        fix_steps=f"Remove the `=…` after `{star}`.",
        concepts=["parameters"],
    )


@rule(r"^named arguments must follow bare \*")
def _bare_star(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The parameter list on line {lineno} ends with a bare `*`; named (keyword-only) parameters "
        "must follow it.",
        why="A bare `*` means 'the parameters after me can only be passed by name', so at least one must "
        "follow.",
        fix_steps="Add the keyword-only parameters after `*`, or remove the `*`.",
        concepts=["parameters"],
    )


@rule(r"^duplicate argument '(\w+)' in function definition")
def _dup_param(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    return Said(
        summary=f"The function on line {lineno} has two parameters named {code(name)}; each parameter needs "
        f"a different name ({code(name)} appears twice).",
        why="Each parameter becomes a local variable, so two parameters with the same name would collide.",
        fix_steps=f"Rename one of the {code(name)} parameters.",
        concepts=["parameters"],
    )


@rule(r"^keyword argument repeated: (\w+)")
def _kw_repeated(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    return Said(
        summary=f"The call on line {lineno} passes the keyword argument {code(name + '=')} twice; "
        "each keyword "
        "argument "
        "may be given only once.",
        why=f"The parameter {code(name)} can receive only one value.",
        fix_steps=f"Keep one {code(name + '=…')} and remove the repeated one.",
        concepts=["parameters"],
    )


@rule(r"^positional argument follows keyword argument unpacking")
def _pos_after_kwunpack(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The call on line {lineno} has a positional argument after `**mapping`; positional "
        "arguments "
        "must come before `**` unpacking.",
        why="Python fills positional parameters first, then the keyword ones.",
        fix_steps="Move the positional argument before the `**…`.",
        concepts=["parameters"],
    )


@rule(r"^positional argument follows keyword argument$")
def _pos_after_kw(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The call on line {lineno} has a positional argument after a keyword argument "
        "(`name=value`); "
        "positional arguments must come first, before the keyword ones.",
        why="Positional arguments are matched to parameters by their order, which is lost once a keyword "
        "argument has been given.",
        fix_steps="Put the plain values first and the `name=value` arguments after them.",
        concepts=["parameters"],
    )


@rule(r"^iterable argument unpacking follows keyword argument unpacking")
def _star_after_dstar(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The call on line {lineno} has `*iterable` after `**mapping`; `*` unpacking must come "
        "before "
        "`**` unpacking.",
        why="`*` supplies positional arguments, which come first in a call.",
        fix_steps="Move the `*…` argument before the `**…` one.",
        concepts=["parameters", "unpacking"],
    )


@rule(r"^Generator expression must be parenthesized")
def _genexp(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The call on line {lineno} passes a generator expression (`… for … in …`) together with "
        "other "
        "arguments; it must be parenthesized — given its own brackets.",
        why="Without its own brackets Python cannot tell where the generator expression ends and the next "
        "argument starts: write `f((x for x in items), 1)`.",
        fix_steps="Put round brackets around the `… for … in …` part.",
        concepts=["comprehensions", "generators"],
    )


@rule(r"^(Function|Lambda expression) parameters cannot be parenthesized")
def _paren_params(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} wraps a parameter in extra round brackets; parameters are listed by name, "
        "without parentheses.",
        why="Python 3 removed tuple parameters, so `def f((a, b))` or `lambda (x): …` is invalid; write "
        "`def f(a, b)` / `lambda x: …`.",
        fix_steps="Remove the brackets around the parameter names.",
        concepts=["parameters"],
    )


@rule(r"^expected default value expression")
def _no_default(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A parameter on line {lineno} has `=` but no default value after it.",
        why="`name=` in a parameter list must be followed by the default value, as in `def f(x=0)`.",
        fix_steps="Write the default value after `=`, or remove the `=`.",
        concepts=["parameters"],
    )


@rule(r"^expression cannot contain assignment, perhaps you meant \"==\"")
def _kwarg_not_name(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Inside the brackets on line {lineno}, `… = …` is read as a keyword argument, whose left "
        "side "
        "must be a plain name; to compare two values, use `==`.",
        why="In a call, `f(x=1)` passes the keyword argument `x`; anything other than a name on the left of "
        "`=` is neither a keyword argument nor a comparison.",
        fix_steps="Use `==` if you meant to compare, or a plain parameter name before `=`.",
        concepts=["comparison", "parameters"],
    )


@rule(r"^did you forget parentheses around the comprehension target")
def _comp_tuple(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The comprehension on line {lineno} produces two values per item without brackets; a tuple "
        "element needs parentheses: `[(x, y) for …]`.",
        why="In a comprehension, `x, y for …` is ambiguous; the tuple must be wrapped in round brackets.",
        fix_steps="Put the element in parentheses: `[(a, b) for …]`.",
        concepts=["comprehensions", "tuples"],
    )


@rule(r"^trailing comma not allowed without surrounding parentheses")
def _import_comma(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    fix = None
    mm = re.match(r"^(\s*from\s+[\w.]+\s+import\s+)(.*?),\s*$", text)
    if mm:
        fix = _line_fix(sit, lineno, f"{mm.group(1)}{mm.group(2)}")
    return Said(
        summary=f"The import on line {lineno} ends with a trailing comma; that is only allowed inside "
        "parentheses: `from m import (a, b,)`.",
        why="Without parentheses, Python expects another name after the comma.",
        fix_steps="Remove the trailing comma, or put the names in parentheses.",
        concepts=["modules-imports"],
        fix=fix,
    )


# --- exceptions ------------------------------------------------------------------------------


_EXC_NAME = re.compile(r"^[A-Z]\w*(Error|Exception|Warning|Exit|Interrupt|Iteration)$|^Exception$")


@rule(r"^multiple exception types must be parenthesized")
def _except_tuple(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    mm = re.match(r"^(\s*except\s+)([\w.]+)\s*,\s*([\w.]+)\s*:(.*)$", text)
    fix = None
    if mm and not _EXC_NAME.match(mm.group(3).split(".")[-1]):
        # Python 2's "except ValueError, e:" names the caught error.
        fix = _line_fix(sit, lineno, f"{mm.group(1)}{mm.group(2)} as {mm.group(3)}:{mm.group(4)}")
        steps = f"To name the caught error write `except {mm.group(2)} as {mm.group(3)}:`."
    elif mm:
        fix = _line_fix(sit, lineno, f"{mm.group(1)}({mm.group(2)}, {mm.group(3)}):{mm.group(4)}")
        steps = f"Catch both with a tuple: `except ({mm.group(2)}, {mm.group(3)}):`."
    else:
        steps = "Put the exception types in parentheses, as a tuple: `except (ValueError, TypeError):`."
    return Said(
        summary=f"The `except` on line {lineno} lists several exception types without parentheses; they "
        "must be "
        "parenthesized as a tuple.",
        why="`except A, B:` is ambiguous (Python 2 used the comma to name the error); Python 3 wants "
        "`except (A, B):` to catch either, and `except A as e:` to name it.",
        fix_steps=steps,
        concepts=["exceptions"],
        fix=fix,
    )


@rule(r"^expected one or more exception types")
def _except_empty(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The `except` on line {lineno} names no exception type before `as` (or uses an empty "
        "tuple).",
        why="To name the caught exception, say which exception class to catch: `except ValueError as e:`.",
        fix_steps="Write the exception class after `except`.",
        concepts=["exceptions"],
    )


@rule(r"^expected 'except' or 'finally' block")
def _try_alone(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A `try:` block is not followed by an `except` or `finally` block (Python noticed at line "
        f"{lineno}).",
        why="`try:` only makes sense with an `except …:` block that handles the error, or a `finally:` block "
        "that always runs, directly after it at the same indentation.",
        fix_steps="Add an `except SomeError:` (or `finally:`) block right after the `try` body, at the same "
        "indentation as `try`.",
        concepts=["exceptions", "indentation"],
    )


@rule(r"^default 'except:' must be last")
def _bare_except_last(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary="A bare `except:` comes before other `except` clauses; it must be the last one.",
        why="A bare `except:` catches everything, so the clauses after it could never run.",
        fix_steps="Move the bare `except:` to the end of the `except` clauses.",
        concepts=["exceptions"],
    )


@rule(r"^cannot have both 'except' and 'except\*' on the same 'try'")
def _except_star(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary="One `try` mixes `except` and `except*` clauses; use either `except` or `except*` (for "
        "exception groups) throughout.",
        why="`except*` handles parts of an ExceptionGroup, which works differently from a plain `except`.",
        fix_steps="Make all handlers of this `try` the same kind.",
        concepts=["exceptions"],
    )


# --- assignment targets and deletion ----------------------------------------------------------


@rule(
    r"^cannot assign to (True|False|None|__debug__)$|^cannot use assignment expressions with "
    r"(True|False|None|__debug__)"
)
def _assign_constant(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1) or m.group(2)
    walrus = m.group(2) is not None
    return Said(
        summary=f"Line {lineno} tries to assign a value to `{name}`, which is a constant"
        + (" (a keyword)" if name != "__debug__" else "")
        + (" — the walrus `:=` needs a plain variable name" if walrus else "")
        + f"; `{name}` cannot be assigned.",
        why=f"`{name}` always means the same value in Python, so it cannot be used as a variable name.",
        fix_steps=f"Use your own variable name instead of `{name}` (e.g. `is_{name.strip('_').lower()}`), or "
        "`==` if you meant to compare.",
        concepts=["variables"],
    )


_TARGET_WORDS = {
    "function call": "a function call", "literal": "a literal value", "expression": "an expression",
    "lambda": "a `lambda`", "conditional expression": "a conditional expression (`a if c else b`)",
    "generator expression": "a generator expression", "yield expression": "a `yield` expression",
    "ellipsis": "`...`", "attribute": "an attribute", "set display": "a set", "dict literal": "a dict",
    "f-string expression": "an f-string", "comparison": "a comparison", "named expression": "a `:=` "
        "expression",
    "await expression": "an `await` expression", "subscript": "a subscription", "starred": "a starred "
        "expression",
    "tuple": "a tuple", "list": "a list", "list comprehension": "a list comprehension",
    "dict comprehension": "a dict comprehension", "set comprehension": "a set comprehension",
}  # fmt: skip


def _left_of_equals(text: str) -> str:
    m = re.search(r"(?<![=!<>+\-*/%&|^:@])=(?!=)", text)
    return text[: m.start()].strip() if m else text.strip()


def equals_in_dict(sit: Situation) -> Diagnosis | None:
    """`{'a' = 1}` / `{a = 1}`, whichever of CPython's `=` messages it got."""
    if "instead of '='" not in sit.message or sit.syntax is None or sit.syntax.lineno is None:
        return None
    lineno = sit.syntax.lineno
    text = sit.text(lineno) or (sit.syntax.text or "")
    said = _equals_in_dict(sit, lineno, text)
    if said is None:
        return None
    found = _diagnosis(sit, said, lineno, text)
    found.extra["analysis"] = "message:equals_in_dict"
    return found


def _equals_in_dict(sit: Situation, lineno: int, text: str) -> Said | None:
    """`{'a' = 1}`: a dict written with `=` between key and value instead of `:`."""
    from learnflow_agents.tutors.debug.code_facts import code_only

    masked = code_only(text)
    col = sit.syntax.col_start if sit.syntax and sit.syntax.col_start is not None else 0
    depth, opener = 0, None
    for ch in reversed(masked[: col + 1]):
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                opener = ch
                break
            depth -= 1
    if opener != "{":
        return None
    start = masked.rfind("{", 0, col + 1)
    end = masked.find("}", col)
    if start < 0 or end < 0:
        return None
    inner = masked[start:end]
    eqs = [
        i
        for i in range(len(inner))
        if inner[i] == "=" and inner[i - 1 : i] not in ("=", "!", "<", ">") and inner[i + 1 : i + 2] != "="
    ]
    new_text = list(text)
    for i in eqs:
        new_text[start + i] = ":"
    fixed_line = re.sub(r"\s*:\s*", ": ", "".join(new_text)[start:end]) if eqs else ""
    new_line = text[:start] + fixed_line + text[end:] if eqs else text
    if not eqs or compile_error(new_line.strip()) is not None:
        return None  # not a dict written with `=` (a set with `z=3` in it, or more is wrong)
    return Said(
        summary=f"The dict on line {lineno} separates a key from its value with `=`; in a dict literal that "
        "is a "
        f"colon `:` — {code(short(new_line.strip(), 60))}.",
        why="A dict is written `{key: value, …}`. `=` assigns to a variable (and `==` compares); neither "
        "can stand "
        "between a key and its value. (With `dict(...)` you could write `dict(a=1)`, with names as keys.)",
        fix_steps=f"Replace each `=` between a key and its value with `:`: "
        f"{code(short(new_line.strip(), 60))}.",
        concepts=["dicts"],
        fix=_line_fix(sit, lineno, new_line),
    )


@rule(r"^cannot assign to ([\w\- ]+?) here\. Maybe you meant '==' instead of '='\?")
def _assign_or_compare(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    what = _TARGET_WORDS.get(m.group(1), m.group(1))
    dict_said = _equals_in_dict(sit, lineno, text)
    if dict_said is not None:
        return dict_said
    left = _left_of_equals(_at(sit, text) or text)
    return Said(
        summary=f"Line {lineno} uses `=` with {what} ({code(short(left, 40))}) on its left: `=` can only "
        "assign "
        "to a variable name. To compare two values, use `==`.",
        why="One `=` stores the value on its right into the name on its left; `==` asks whether two values "
        "are "
        f"equal (a comparison). {code(short(left, 40))} is not a name, so it cannot receive a value.",
        fix_steps="If you meant to compare, write `==`; if you meant to store a value, put a variable name "
        "on "
        "the left of `=`.",
        concepts=["comparison", "variables"],
    )


@rule(r"^cannot assign to ([\w\- ]+)$")
def _assign_target(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    what = _TARGET_WORDS.get(m.group(1), m.group(1))
    if re.match(r"^\s*(async\s+)?for\b", text):
        return Said(
            summary=f"The `for` on line {lineno} has {what} where the loop variable goes; the target of a "
            "`for` loop must be a variable name: `for x in items:`.",
            why="Each round, `for` assigns the next item to the name between `for` and `in`, so that place "
            "needs a variable name (or several, `for a, b in pairs:`), followed by `in` and what to loop "
            "over.",
            fix_steps="Write `for <name> in <sequence>:`, e.g. `for num in range(1000):`.",
            concepts=["for-loops"],
        )
    return Said(
        summary=f"Line {lineno} tries to assign to {what}; the left side of `=` (the assignment target) must "
        "be a variable name, an item like `d[k]`, or an attribute like `obj.x`.",
        why="`=` stores the value on its right into the target on its left, and only names, items and "
        f"attributes can hold a value — {what} cannot.",
        fix_steps="Put a variable name on the left of `=` (value on the right: `total = a + b`).",
        concepts=["variables"],
    )


@rule(r"^'(.+)' is an illegal expression for augmented assignment")
def _aug_target(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses an augmented assignment (`+=`, `-=`, …) on {m.group(1)}; its left side "
        "must "
        "be a single target: one variable name, item or attribute.",
        why="`x += 1` reads and then stores `x`, so the left side must be something that can hold a value.",
        fix_steps="Put one variable name (or `items[i]`, `obj.attr`) on the left of `+=`.",
        concepts=["variables"],
    )


@rule(r"^cannot delete (.+)$")
def _del_target(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    what = _TARGET_WORDS.get(m.group(1), m.group(1))
    return Said(
        summary=f"Line {lineno} uses `del` on {what}; `del` can only delete a variable name, an item "
        "(`del d[k]`) or an attribute (`del obj.x`).",
        why=f"`del` removes a name or an entry from a container; {what} is a value, not something stored "
        "under a name.",
        fix_steps="Delete the variable or item that holds the value, e.g. `del items[0]`.",
        concepts=["variables"],
    )


@rule(r"^only single target \(not (tuple|list)\) can be annotated")
def _annot_many(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} puts a type annotation (`: type`) on a {m.group(1)} of names; only one "
        "single "
        "name can be annotated at a time.",
        why="`x: int = 1` annotates one variable; `a, b: int` is not allowed.",
        fix_steps="Annotate each name on its own line, or drop the annotation.",
        concepts=["variables"],
    )


@rule(r"^illegal target for annotation")
def _annot_bad(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} has a type annotation (`: type`) on something that is not a name, item or "
        "attribute.",
        why="Only a variable, `obj.attr` or `items[i]` can be annotated.",
        fix_steps="Annotate a plain name, or remove the `:`.",
        concepts=["variables"],
    )


@rule(r"^assignment to yield expression not possible")
def _assign_yield(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} has a `yield` expression on the left of `=`; a value can't be assigned to "
        "yield.",
        why="`yield` produces a value; the variable that receives it goes on the left: `x = yield`.",
        fix_steps="Swap the sides: `name = yield …`.",
        concepts=["generators"],
    )


@rule(
    r"^cannot use a starred expression in a dictionary value|^cannot use starred expression here|"
    r"^can't use starred expression here|^iterable unpacking cannot be used in comprehension"
)
def _starred(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses star unpacking (`*x`) in a place where it is not allowed.",
        why="`*x` unpacks into a list, tuple, set or call arguments; it cannot stand alone as a value, a "
        "dict "
        "value or a comprehension's element.",
        fix_steps="Wrap it in a list or tuple (`[*x]`), or remove the `*`.",
        concepts=["unpacking"],
    )


@rule(
    r"^comprehension inner loop cannot rebind assignment expression target|"
    r"^assignment expression cannot rebind comprehension iteration variable"
)
def _walrus_comp(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    names = [n for n in _q(sit.message) if n.isidentifier()]
    name = f"`{names[0]}`" if names else "the same name"
    return Said(
        summary=f"The comprehension on line {lineno} uses the walrus `:=` (assignment expression) on {name}, "
        "which is also a loop variable of the comprehension.",
        why="Inside a comprehension, a `:=` target must be a different name from the comprehension's loop "
        f"variables: the loop already assigns {name} each round, and `:=` would make the same name mean "
        "two things.",
        fix_steps=f"Give the `:=` target a name of its own (not {name}), or write the comprehension as a "
        "`for` loop.",
        concepts=["comprehensions"],
    )


@rule(r"^assignment expression cannot be used in a comprehension iterable expression")
def _walrus_iterable(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses the walrus `:=` (assignment expression) in the part of a comprehension "
        "that gives the items to loop over (after `in`), where it is not allowed.",
        why="The iterable of a comprehension is worked out once, before the loop, in the code around it; an "
        "assignment expression there would be ambiguous about which scope gets the name.",
        fix_steps="Assign the iterable on its own line first (`items = range(5)`), then loop over that name.",
        concepts=["comprehensions"],
    )


@rule(r"^assignment expression within a comprehension cannot be used in a class body")
def _walrus_class(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses the walrus `:=` (assignment expression) inside a comprehension that is "
        "directly in a class body, which Python does not allow.",
        why="A `:=` inside a comprehension assigns to the enclosing scope, and a class body is not a scope "
        "a comprehension can assign into.",
        fix_steps="Build the list with an ordinary `for` loop in the class body, or move the comprehension "
        "into a method.",
        concepts=["comprehensions", "classes"],
    )


@rule(r"^cannot use assignment expressions with (?!True$|False$|None$|__debug__$)(.+)$")
def _walrus_target(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    what = _TARGET_WORDS.get(m.group(1), m.group(1))
    at = _left_of_walrus(text)
    shown = f" ({code(short(at, 40))})" if at else ""
    return Said(
        summary=f"Line {lineno} puts {what}{shown} on the left of the walrus `:=` (assignment expression); "
        "`:=` can only assign to a plain variable name.",
        why="`name := value` stores the value in one variable and gives it back, all inside an expression. "
        "Unlike `=`, it cannot store into an item (`a[i]`), an attribute (`a.b`), several names at once "
        "(`(a, b)`) or anything computed.",
        fix_steps="Put a single variable name on the left of `:=` (`(n := len(items))`), or use an ordinary "
        "`=` statement on its own line for items, attributes and unpacking.",
        concepts=["variables"],
    )


def _left_of_walrus(text: str) -> str:
    i = text.find(":=")
    if i < 0:
        return ""
    left = text[:i].rstrip()
    depth = 0
    for j in range(len(left) - 1, -1, -1):
        ch = left[j]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                return left[j + 1 :].strip()
            depth -= 1
        elif ch == "," and depth == 0:
            return left[j + 1 :].strip()
    return left.strip()


@rule(r"^starred assignment target must be in a list or tuple")
def _star_alone(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    in_for = re.search(r"\bfor\s+\*", text) is not None
    return Said(
        summary=f"Line {lineno} uses a starred target (`*name`) on its own"
        + (" as a loop variable" if in_for else "")
        + "; a starred target must be in a list or tuple of targets, next to other names.",
        why="`first, *rest = items` puts the leftover items in `rest`; a `*name` alone has nothing to be "
        "'the rest' of. To keep every item, no star is needed.",
        fix_steps=(
            "Drop the `*` (`for x in items:`)"
            if in_for
            else "Drop the `*` (`a = list(items)`), or add a comma to make it a tuple of targets "
            "(`*a, = items`)"
        )
        + ".",
        concepts=["unpacking"],
    )


@rule(r"^multiple starred expressions in assignment")
def _star_many(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} has multiple starred targets (`*name`) on the left of `=`; only one "
        "`*name` is allowed when unpacking.",
        why="The starred name takes whatever the other names leave over. With two of them Python cannot "
        "know how to split the leftovers between them.",
        fix_steps="Keep one `*name` and give the others plain names (`first, *middle, last = items`), or "
        "slice the sequence yourself.",
        concepts=["unpacking"],
    )


@rule(r"^too many expressions in star-unpacking assignment")
def _star_too_many(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} unpacks into too many names around a starred target: Python allows at most "
        "255 names before the `*name` (and 2**24 after it).",
        why="Star-unpacking is compiled into one instruction that counts the names on each side in a "
        "small number; this line has more than it can hold.",
        fix_steps="Unpack into fewer names: keep the items in a list and index it (`items[0]`, `items[1]`).",
        concepts=["unpacking", "lists"],
    )


@rule(r"^dict unpacking cannot be used in dict comprehension")
def _dict_unpack_comp(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses `**` (dict unpacking) as the item of a dict comprehension, which is not "
        "allowed: a dict comprehension's item is written `key: value`.",
        why="`**d` spreads a whole dict's pairs; a comprehension produces one `key: value` pair per round.",
        fix_steps="Write the pair out (`{k: v for d in dicts for k, v in d.items()}`), or merge the dicts "
        "with `{**a, **b}` or `merged.update(d)` in a loop.",
        concepts=["dicts", "comprehensions"],
    )


@rule(r"^'(yield from)' inside async function|^'(return)' with value in async generator")
def _async_generator(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    if m.group(1):
        return Said(
            summary=f"Line {lineno} uses `yield from` inside an `async def` function, where it is not "
            "allowed.",
            why="An `async def` function that yields is an asynchronous generator, and those cannot "
            "delegate to another generator with `yield from`.",
            fix_steps="Loop and yield each item instead: `for item in other: yield item` (or `async for` "
            "over an async source).",
            concepts=["generators"],
        )
    return Said(
        summary=f"Line {lineno} has `return` with a value in an `async def` function that also uses "
        "`yield`; an asynchronous generator can only use a bare `return`.",
        why="A function with `yield` is a generator: its values come out through `yield`, and an async "
        "generator has no way to hand back a final `return` value.",
        fix_steps="`yield` the value before stopping, then use a bare `return` (or none).",
        concepts=["generators"],
    )


@rule(r"^cannot use '(.+)' as a target|^invalid pattern target")
def _bad_target(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} uses something as a target (after `as`, or as the loop variable) that cannot "
        "receive a value.",
        why="A target must be a name, an item or an attribute.",
        fix_steps="Use a plain variable name there.",
        concepts=["variables"],
    )


@rule(r"^positional patterns follow keyword patterns")
def _patterns(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The `case` pattern on line {lineno} lists positional patterns after keyword patterns "
        "(`name=…`); positional ones must come first.",
        why="As in a call, positional parts are matched by their order, before the keyword ones.",
        fix_steps="Move the positional patterns before the `name=` ones.",
        concepts=["syntax-basics"],
    )


def _match_subject(sit: Situation, lineno: int) -> str | None:
    """The subject of the `match` the `case` on ``lineno`` belongs to."""
    if not sit.has_code:
        return None
    lines = sit.code.split("\n")
    indent = len(lines[lineno - 1]) - len(lines[lineno - 1].lstrip()) if lineno <= len(lines) else 0
    for n in range(lineno - 2, -1, -1):
        m = re.match(r"^(\s*)match\s+(.+?)\s*:\s*(#.*)?$", lines[n])
        if m and len(m.group(1)) < indent:
            return m.group(2)
    return None


def _case_pattern(text: str) -> str:
    m = re.match(r"^\s*case\s+(.+?)(\s+if\s+.*)?:\s*(?:#.*)?$", text) or re.match(r"^\s*case\s+(.+?):", text)
    return m.group(1).strip() if m else text.strip()


@rule(
    r"^name capture '(\w+)' makes remaining patterns unreachable"
    r"|^wildcard makes remaining patterns unreachable"
)
def _capture_all(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    subject = _match_subject(sit, lineno)
    if name is None:
        return Said(
            summary=f"The `case _:` on line {lineno} matches every value, so the `case` blocks after it can "
            "never run: the wildcard `_` must be the last case.",
            why="`match` tries the cases from top to bottom and stops at the first that matches; `_` matches "
            "anything, so nothing below it is ever reached.",
            fix_steps="Move the `case _:` block to the end of the `match`.",
            concepts=["conditionals"],
        )
    fix = None
    guard = ""
    bound = sit.has_code and re.search(rf"^\s*{re.escape(name)}\s*=[^=]", sit.code, flags=re.M)
    if subject and bound:
        guard = f"case _ if {subject} == {name}:"
        new_text = re.sub(
            rf"^(\s*)case\s+{re.escape(name)}\s*:", lambda mm: mm.group(1) + guard, text, count=1
        )
        fix = _line_fix(sit, lineno, new_text) if new_text != text else None
    compare = (
        f"To compare with the value of the variable `{name}`, use a guard: {code(guard)} (or a dotted name "
        "such as `Color.RED`, which is compared)."
        if guard
        else f"To compare with a value stored in `{name}`, use a guard (`case _ if subject == {name}:`) or a "
        "dotted name such as `Color.RED`, which is compared."
    )
    return Said(
        summary=f"The `case {name}:` on line {lineno} does not compare with `{name}`: a bare name in a "
        f"pattern captures any value into `{name}`, so it matches everything and the cases after it are "
        "unreachable.",
        why=f"In a `case`, a plain name is a capture pattern: it always matches and stores the subject in "
        f"`{name}`. Python refuses the `match` because the cases below it could never run. {compare}",
        fix_steps=(compare + " If it is meant to catch everything else, move it to the end.")
        if guard
        else f"{compare} If `case {name}:` is meant to catch every other value, move it to the end of the "
        "`match`.",
        concepts=["conditionals", "variables"],
        fix=fix,
    )


@rule(r"^alternative patterns bind different names")
def _or_names(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    pattern = _case_pattern(text)
    return Said(
        summary=f"The alternatives joined by `|` in the `case` on line {lineno} ({code(short(pattern, 40))}) "
        "capture different names; every alternative of an or-pattern must bind the same names.",
        why="After an or-pattern matches, the body may use its captured names whichever alternative "
        "matched, so each alternative must capture exactly the same names (`case [x] | (x, _):`).",
        fix_steps="Capture the same names in every alternative, or split them into separate `case` blocks.",
        concepts=["conditionals"],
    )


@rule(r"^multiple assignments to name '(\w+)' in pattern")
def _pattern_name_twice(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    return Said(
        summary=f"The pattern on line {lineno} captures the name `{name}` twice; each name may be captured "
        "only once in a pattern.",
        why=f"A capture stores part of the subject in `{name}`; two captures with the same name would store "
        "two values in one variable. A pattern cannot check that two parts are equal by reusing a name.",
        fix_steps=f"Give the second capture another name, and compare them with a guard if that is the "
        f"point: `case [{name}, other] if {name} == other:`.",
        concepts=["conditionals", "variables"],
    )


@rule(r"^mapping pattern checks duplicate key \((.+)\)")
def _pattern_dup_key(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    key = m.group(1)
    plain = key[1:-1] if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"" else key
    return Said(
        summary=f"The mapping pattern on line {lineno} lists the key `{plain}` twice; each key may appear "
        "only once in a `{…}` pattern.",
        why=f"A mapping pattern looks each key up once in the subject; a second `{key}: …` would check the "
        "same entry again.",
        fix_steps=f"Keep one `{key}: …` entry (combine the two sub-patterns with `|` or a guard).",
        concepts=["dicts", "conditionals"],
    )


@rule(r"^attribute name repeated in class pattern: (\w+)")
def _pattern_dup_attr(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    attr = m.group(1)
    return Said(
        summary=f"The class pattern on line {lineno} names the attribute `{attr}=` twice; each attribute may "
        "appear only once.",
        why="A class pattern checks each keyword (`attr=pattern`) against one attribute of the object; "
        "naming it twice is refused, like a keyword argument repeated in a call.",
        fix_steps=f"Keep one `{attr}=…` (combine the two sub-patterns with `|` or a guard).",
        concepts=["classes", "conditionals"],
    )


@rule(r"^multiple starred names in sequence pattern|^multiple starred expressions in sequence pattern")
def _pattern_two_stars(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The sequence pattern on line {lineno} has multiple starred names (`*name`); a sequence "
        "pattern may have at most one.",
        why="`*rest` collects whatever the other parts of the pattern leave over; with two of them Python "
        "could not tell how to split the items between them.",
        fix_steps="Keep one `*name` and match the other parts by position (`case [first, *middle, last]:`).",
        concepts=["unpacking", "conditionals"],
    )


@rule(r"^(mapping pattern keys|patterns) may only match literals and attribute lookups")
def _pattern_value(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The pattern on line {lineno} contains an expression that patterns cannot compare with: "
        "patterns match only literals (`1`, `'a'`, `None`) and dotted names (`Color.RED`).",
        why="A `case` pattern is not an expression that is computed: calls, arithmetic and plain variables "
        "have no meaning there (a plain name even captures).",
        fix_steps="Compute the value before the `match`, then compare with a guard: "
        "`case _ if subject == value:`.",
        concepts=["conditionals"],
    )


@rule(r"^(real|imaginary) number required in complex literal")
def _pattern_arith(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The pattern on line {lineno} uses `+` or `-` between values: in a pattern they are only "
        "allowed to write a complex number (`1 + 2j`), not to compute.",
        why="Patterns are not computed; a literal like `3` can be matched, an arithmetic expression cannot.",
        fix_steps="Write the literal value itself, or compare with a guard: `case _ if subject == a + b:`.",
        concepts=["conditionals"],
    )


@rule(r"^can't capture name '_' in patterns")
def _pattern_underscore(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The pattern on line {lineno} tries to capture into `_` (`… as _`); `_` is the wildcard and "
        "never stores a value.",
        why="In patterns `_` means 'anything, not kept', so it cannot be the name after `as`.",
        fix_steps="Capture into a real name (`as value`), or drop the `as _`.",
        concepts=["conditionals"],
    )


# --- literals, strings, characters ------------------------------------------------------------


@rule(r"^expression expected after dictionary key and ':'")
def _dict_no_value(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A dict on line {lineno} has a key and `:` but no value after the colon.",
        why="Each dict entry is `key: value`; the value is missing.",
        fix_steps="Write the value after `:`, e.g. `{'a': 1}`.",
        concepts=["dicts"],
    )


@rule(r"^':' expected after dictionary key")
def _dict_no_colon(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A dict on line {lineno} has a key that is not followed by a colon `:`; dict entries are "
        "`key: value`.",
        why="Python saw a key and then something other than `:`.",
        fix_steps="Put `:` between each key and its value, and `,` between entries.",
        concepts=["dicts"],
    )


@rule(r"^\(unicode error\) '(\w+)' codec can't decode bytes.*?: (.*)$")
def _unicode_escape(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    fix = None
    if sit.has_code:
        strings = list(re.finditer(r"(?<![\w\\])([bBuU]?)(['\"])((?:(?!\2).)*\\(?:(?!\2).)*)\2", text))
        if strings:
            s = strings[0]
            if not s.group(1) or s.group(1) in "bB":
                new_text = text[: s.start()] + "r" + text[s.start() :]
                fix = _line_fix(sit, lineno, new_text)
    return Said(
        summary=f"A string on line {lineno} contains a backslash `\\` that starts an invalid escape sequence "
        f"({m.group(2)}).",
        why="Inside normal quotes a backslash starts an escape: `\\n` is a newline, `\\x41` a hex code, "
        "`\\N{…}` a named character, `\\u…` a Unicode code point. When the characters after the backslash "
        "don't form one of these, Python cannot read the string — common with Windows paths like "
        "`C:\\Users\\…`.",
        fix_steps="Write the backslash twice (`\\\\`), or put an `r` before the quotes to make a raw string "
        '(`r"C:\\Users"`).',
        concepts=["strings"],
        fix=fix,
    )


@rule(r"^\(value error\) invalid \\x escape at position (\d+)")
def _bytes_hex_escape(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A bytes literal (`b'…'`) on line {lineno} has a `\\x` escape without its two hex digits "
        f"(at position {m.group(1)} of the literal); in bytes, `\\x` must be followed by exactly two hex "
        "digits, like `\\x41`.",
        why="In a bytes literal a backslash starts an escape: `\\x41` is the byte 0x41 (`A`). `\\x` alone, "
        "or with non-hex characters after it, names no byte, so Python cannot read the literal.",
        fix_steps="Finish the escape with two hex digits (`b'\\x00'`), or write the backslash twice "
        "(`b'\\\\x'`) if you meant a backslash followed by `x`.",
        concepts=["strings"],
    )


@rule(r"^too many levels of indentation")
def _too_deep(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} is nested too deeply: Python allows at most 100 levels of indentation, and "
        "this line is inside more blocks than that.",
        why="Each `def`, `if`, `for`, `while`, `with` or `try` adds a level. Nesting this deep usually comes "
        "from code generated or pasted in a loop, and is very hard to read anyway.",
        fix_steps="Flatten the code: move inner blocks into functions of their own, return early instead of "
        "nesting `if`s, and loop over data instead of writing one block per case.",
        concepts=["indentation", "functions"],
    )


@rule(r"^bytes can only contain ASCII literal characters")
def _bytes_ascii(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"A bytes literal (`b'…'`) on line {lineno} contains a non-ASCII character; bytes literals "
        "may "
        "only contain ASCII characters.",
        why="For other characters use a normal string and encode it: `'é'.encode('utf-8')`, or an escape "
        "like "
        "`b'\\xc3\\xa9'`.",
        fix_steps="Remove the `b` prefix (a normal string), or encode the text.",
        concepts=["strings"],
    )


@rule(r"^cannot mix bytes and nonbytes literals")
def _bytes_mix(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} writes a bytes literal (`b'…'`) right next to a normal string; the two kinds "
        "cannot be mixed.",
        why="Adjacent string literals are joined together, but only when they are of the same kind.",
        fix_steps="Make both `b'…'` or both plain strings.",
        concepts=["strings"],
    )


@rule(r"^encoding problem: (.+)$")
def _encoding(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The file's encoding declaration conflicts with its content ({m.group(1)}): it starts with "
        "a "
        "byte order mark (BOM) but declares another encoding.",
        why="A file that begins with the UTF-8 BOM must be UTF-8; the `# coding:` comment says otherwise.",
        fix_steps="Remove the `# coding:` line (UTF-8 is the default), or save the file without the BOM.",
        concepts=["strings"],
    )


@rule(r"^(invalid hexadecimal|invalid octal|invalid binary) literal")
def _bad_base(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    base = {
        "invalid hexadecimal": ("hexadecimal", "0x", "0-9 and a-f"),
        "invalid octal": ("octal", "0o", "0-7"),
        "invalid binary": ("binary", "0b", "0 and 1"),
    }[m.group(1)]
    name, prefix, digits = base
    return Said(
        summary=f"The number on line {lineno} starts with `{prefix}` (a {name} literal) but contains a "
        "character "
        f"that is not a {name} digit ({digits}).",
        why=f"After `{prefix}` only {name} digits may follow. A letter or other digit directly after the "
        "number "
        "makes it invalid.",
        fix_steps=f"Use only {digits} after `{prefix}`, or drop the prefix for a decimal number; put a "
        "space or "
        "an operator between a number and a following name.",
        concepts=["numbers"],
    )


@rule(r"^invalid digit '(.)' in (octal|binary) literal")
def _bad_digit(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    digit, base = m.groups()
    allowed = "0-7" if base == "octal" else "0 and 1"
    return Said(
        summary=f"The {base} number on line {lineno} contains the digit `{digit}`; {base} literals only use "
        f"{allowed}.",
        why=f"The prefix `{'0o' if base == 'octal' else '0b'}` makes the number {base}, where `{digit}` is "
        "not a digit.",
        fix_steps=f"Remove the `{'0o' if base == 'octal' else '0b'}` prefix to write a decimal number, or "
        "use "
        f"only {allowed}.",
        concepts=["numbers"],
    )


@rule(r"^leading zeros in decimal integer literals are not permitted")
def _leading_zero(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    fix = None
    numbers = list(re.finditer(r"(?<![\w.])0+([1-9]\d*)\b(?![.\w])", text))
    if numbers:
        n = numbers[0]
        fix = _line_fix(sit, lineno, text[: n.start()] + n.group(1) + text[n.end() :])
        shown = f"`{n.group(0)}` → `{n.group(1)}`"
    else:
        shown = "`007` → `7`"
    return Said(
        summary=f"A whole number on line {lineno} starts with a leading zero; Python does not allow leading "
        "zeros "
        f"in decimal numbers: {shown}.",
        why="In old Python, a leading `0` meant an octal number; to avoid confusion it is now an error. "
        "Write "
        "the number without the zero, or use `0o` for octal.",
        fix_steps=f"Remove the leading zero ({shown}); for an octal number write `0o…`; for text such as a "
        "zip "
        "code, use a string.",
        concepts=["numbers"],
        fix=fix,
    )


@rule(r"^invalid decimal literal")
def _bad_decimal(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said | None:
    col = sit.syntax.col_start if sit.syntax and sit.syntax.col_start is not None else 0
    numbers = [n for n in re.finditer(r"(?<![\w.])\d[\w.]*", text) if n.start() <= col + 1]
    shown = numbers[-1].group(0) if numbers else "the number"
    good = re.sub(r"_+$", "", re.sub(r"__+", "_", shown)).replace("_.", ".").replace("._", ".")
    if re.fullmatch(r"[\d_.]+", shown) and re.search(r"_$|__|_\.|\._", shown) and good != shown:
        return Said(
            summary=f"The number `{shown}` on line {lineno} has an underscore in a wrong place: underscores "
            "may "
            f"only sit between two digits (`{good}`), not at the end or twice in a row.",
            why="Underscores only group digits for reading (`1_000_000`); `1_000_` or `1__000` is not a "
            "valid "
            "number.",
            fix_steps=f"Remove the misplaced underscore: `{good}`.",
            concepts=["numbers"],
            fix=_line_fix(sit, lineno, text.replace(shown, good, 1)) if good else None,
        )
    glued = re.fullmatch(r"(\d+)([A-Za-z]\w*)", shown)
    if glued and sit.has_code:
        name = glued.group(2)
        assigned = set(re.findall(r"^\s*([A-Za-z_]\w*)\s*=[^=]", sit.code, flags=re.M))
        if name in assigned or name in sit.facts.bound_names() or name in sit.variables:
            return None  # "2x" with x defined: the implicit-multiplication rule explains it
    named = glued and re.search(
        rf"(?:^\s*{re.escape(shown)}\s*=(?!=)|\b(?:def|class)\s+{re.escape(shown)}\b)", text
    )
    if glued and named:
        # `1var = 5`, `def 1f():` — a name being made, so the rule that applies is the name rule.
        good = glued.group(2) + glued.group(1)
        return Said(
            summary=f"Line {lineno} names something {code(shown)}, but a name cannot start with a digit: "
            f"start it with a letter, e.g. {code(good)}.",
            why="Python reads anything that starts with a digit as a number, so names (of variables, "
            "functions, classes) must start with a letter or `_`; digits may come later.",
            fix_steps=f"Rename it to {code(good)} (here and wherever it is used).",
            concepts=["variables"],
            # Renamed everywhere in the cell, or the next use of the old name fails the same way.
            fix=rename_in_code(sit.code, rf"(?<![\w.]){re.escape(shown)}\b", good) if sit.has_code else None,
        )
    return Said(
        summary=f"Line {lineno} has a number directly followed by letters ({code(shown)}), which is not a "
        "valid "
        "number: Python reads anything that starts with a digit as a number.",
        why="A number must be separated from a following name by an operator or a space. In maths `2x` "
        "means 2 "
        "times x, but Python needs `2 * x`; a name like `1st` cannot start with a digit (`first` can); a hex "
        "number needs its prefix (`0xff`).",
        fix_steps="Add the missing operator (`2 * x`) or space between the number and the name; if it was "
        "meant "
        "as a name, start it with a letter.",
        concepts=["numbers", "variables"],
    )


# --- f-strings --------------------------------------------------------------------------------


def _fstring(sit: Situation, lineno: int) -> str:
    return f"The f-string on line {lineno}"


@rule(r"^f-string: single '\}' is not allowed")
def _fs_single_close(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has a lone `}}`; to show a brace in an f-string, double it: "
        "`}}`.",
        why="In an f-string, `{` and `}` surround an expression; a literal brace is written twice (`{{` or "
        "`}}`).",
        fix_steps="Write `}}` for a literal `}` (and `{{` for `{`), or add the missing `{`.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: expecting '\}'")
def _fs_expect_close(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} opens a `{{` placeholder that is not closed with `}}` where Python "
        "expected it.",
        why="In an f-string every `{` starts an expression that must end with `}` (a format spec may come "
        "after "
        "`:`). To show a literal brace, write `{{`.",
        fix_steps="Close the placeholder with `}` right after the expression, or write `{{` for a literal "
        "brace.",
        concepts=["f-strings"],
    )


@rule(
    r"^f-string: (expression required before '.'|empty expression not allowed|valid expression required "
    r"before '.')"
)
def _fs_empty(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has an empty placeholder: nothing (no expression) between `{{` and "
        "the next `}`, `!` or `:`.",
        why="Between the braces of an f-string goes the expression whose value is shown, e.g. `{name}` or "
        "`{x + 1}`. For literal braces write `{{` and `}}`.",
        fix_steps="Put the variable or expression inside the braces, or double the braces to show them.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: invalid conversion character")
def _fs_conversion(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has `!` followed by something other than a conversion character; "
        "only `!r`, `!s` or `!a` are allowed after `!`.",
        why="In `{value!r}`, `!r` means 'show repr(value)'. A format like two decimals uses `:` instead "
        "(`{x:.2f}`), and a comparison `!=` needs spaces or brackets: `{(a != b)}`.",
        fix_steps="Use `!r`/`!s`/`!a`, or `:` for a format spec.",
        concepts=["f-strings"],
    )


@rule(r"^f-string expression part cannot include a backslash")
def _fs_backslash(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has a backslash `\\` inside the braces; before Python 3.12 the "
        "expression part of an f-string cannot include a backslash.",
        why="Escapes like `\\n` may only be in the text part of the f-string, not between `{` and `}`.",
        fix_steps="Compute the value first (`nl = '\\n'`) and put the variable in the braces: "
        "`{nl.join(items)}`.",
        concepts=["f-strings"],
    )


@rule(r"^f-string expression part cannot include '#'")
def _fs_hash(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has `#` inside the braces; `#` would start a comment, which the "
        "f-string expression cannot include.",
        why="Between `{` and `}` goes a Python expression, and `#` is not allowed there (before 3.12).",
        fix_steps="Move the `#` into the text part of the string, or into a variable.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: unterminated string")
def _fs_unterminated(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} contains a string inside its braces whose quote is never closed.",
        why="Inside the braces, a string must use a different quote from the f-string itself (before 3.12): "
        "`f\"{d['key']}\"`.",
        fix_steps="Close the inner string, using the other kind of quote.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: (unmatched '(.)'|closing parenthesis '(.)' does not match opening parenthesis '(.)')")
def _fs_brackets(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has brackets inside a placeholder that do not match: "
        f"{message_text(sit.message, 80)}.",
        why="The expression between `{` and `}` must have its brackets balanced, each `(`/`[` closed by the "
        "matching `)`/`]`.",
        fix_steps="Close every bracket inside the braces with its matching partner.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: expressions nested too deeply")
def _fs_nested(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} nests placeholders too deeply (more than two levels).",
        why="A format spec may contain one more `{…}`, but no deeper nesting.",
        fix_steps="Compute the inner values in variables first.",
        concepts=["f-strings"],
    )


@rule(r"^f-string: cannot use (double )?starred expression here")
def _fs_star(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    star = "**" if m.group(1) else "*"
    return Said(
        summary=f"{_fstring(sit, lineno)} uses star unpacking `{star}` inside a placeholder, which is not "
        "allowed.",
        why="A placeholder shows one value; `*x` would produce several.",
        fix_steps="Join the values first, e.g. `{', '.join(map(str, items))}`.",
        concepts=["f-strings", "unpacking"],
    )


@rule(r"^f-string: (invalid syntax|.*Perhaps you forgot a comma\?|.*)$")
def _fs_other(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"{_fstring(sit, lineno)} has an invalid expression inside its braces `{{…}}`: what is "
        "between "
        "`{` and `}` must be a valid Python expression.",
        why="Python compiles the expression in each placeholder like normal code; here it could not "
        f"({message_text(sit.message, 80)}). Literal braces are written `{{{{` and `}}}}`.",
        fix_steps="Check the expression inside each `{…}` on its own, as if it were a line of code.",
        concepts=["f-strings"],
    )


# --- other statements -------------------------------------------------------------------------


@rule(r"^unexpected EOF while parsing")
def _eof(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Python reached the end of the cell (EOF, end of file) while the statement on line {lineno} "
        "was still unfinished.",
        why="Something at the end promises more code — a backslash `\\` that continues the line, an open "
        "bracket, or a block header — but the cell ends there.",
        fix_steps="Finish the last statement, or remove the trailing backslash.",
        concepts=["syntax-basics"],
    )


@rule(r"^unexpected character after line continuation character")
def _backslash(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Line {lineno} has a backslash `\\` outside a string with more code after it; a backslash "
        "there "
        "means 'the line continues' and must be the very last character.",
        why="Outside quotes, `\\` only joins a line with the next one. To divide, use `/`; for a backslash "
        "in "
        "text, put it inside quotes (`'\\\\'`).",
        fix_steps="Use `/` if you meant division, or move the `\\` to the end of the line (or into a "
        "string).",
        concepts=["syntax-basics"],
    )


@rule(r"^Missing parentheses in call to '(\w+)'")
def _missing_parens(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    name = m.group(1)
    mm = re.match(rf"^(\s*){name}\s+(.*?)\s*$", text)
    fix = _line_fix(sit, lineno, f"{mm.group(1)}{name}({mm.group(2)})") if mm else None
    return Said(
        summary=f"Line {lineno} calls `{name}` without parentheses; in Python 3 `{name}` is a function, so "
        "write "
        f"`{name}(…)`.",
        why=f"Python 2 had a `{name}` statement; in Python 3 it is a function and its arguments go inside "
        "round brackets (parentheses).",
        fix_steps=f"Put parentheses around the arguments: {code(f'{name}({mm.group(2)})')}."
        if mm
        else f"Put parentheses around the arguments of `{name}`.",
        concepts=["functions"],
        fix=fix,
    )


_EXPECTED = {
    "in": "a `for` loop is written `for name in items:` — the word `in` goes between the loop variable and "
    "what it loops over",
    "(": "after `def name` (or `class name`) come round brackets with the parameters: `def name():`",
    ")": "a bracket was opened and something else came where the `)` should be",
    "import": "`from module import name` needs the word `import` after the module name",
    "=": "this statement needs `=` and a value",
    "as": "`with … as name` / `import … as name` need `as` before the new name",
    ":": "a block header (`if`, `for`, `def`, …) ends with a colon `:`",
}


@rule(r"Perhaps you forgot a comma\?$")
def _comma(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"Two items around line {lineno} stand next to each other without a comma between them "
        "(Python "
        f"stopped at {code(short(_at(sit, text) or text.strip(), 40))}).",
        why="Inside brackets, items of a list, a tuple or a call are separated by commas; when two of them "
        "touch, "
        "Python cannot tell where one ends — often the comma at the end of the previous line is missing.",
        fix_steps="Add the missing comma between the two items (check the end of the line before, too).",
        concepts=["syntax-basics"],
    )


@rule(r"^expected '([^']+)'$")
def _expected(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    tok = m.group(1)
    where = _EXPECTED.get(tok, f"the grammar needs `{tok}` at this point")
    return Said(
        summary=f"Python expected `{tok}` at the spot marked on line {lineno}: {where}.",
        why=f"Line {lineno} {code(short(text.strip(), 60))} is missing `{tok}` (or has something else in its "
        f"place): {where}.",
        fix_steps=f"Add `{tok}` where the `^` points, or fix what stands in its place.",
        concepts=["syntax-basics"],
    )


@rule(r"^expected '(\w+)' after '(\w+)' expression")
def _ternary(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return Said(
        summary=f"The conditional expression on line {lineno} has `if` but no `else`: a value written "
        "`a if condition else b` needs its `else` part.",
        why="An `if` inside an expression must say what the value is when the condition is false.",
        fix_steps="Add `else <value>`, or use an `if` statement on its own line.",
        concepts=["conditionals"],
    )


@rule(r"^trailing comma not allowed")
def _trailing(sit: Situation, m: re.Match[str], lineno: int, text: str) -> Said:
    return _import_comma(sit, m, lineno, text)
