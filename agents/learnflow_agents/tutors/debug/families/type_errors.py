"""TypeError: an operation got a value of the wrong type. The message decides which of
the three sub-families explains it: operands, calls, or containers."""

from __future__ import annotations

import re

from learnflow_agents.tutors.debug.code_facts import replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families import (
    builtin_misuse,
    call_errors,
    call_site,
    container_type_errors,
    operand_errors,
    text_operands,
)
from learnflow_agents.tutors.debug.situation import Situation


def analyse(sit: Situation) -> Diagnosis | None:
    if "exceptions must derive from BaseException" in sit.message:
        return _raise_non_exception(sit)
    for module in (
        call_site,
        builtin_misuse,
        operand_errors,
        call_errors,
        container_type_errors,
        text_operands,
    ):
        found = module.analyse(sit)
        if found is not None:
            return found
    return None


def _raise_not_implemented(sit: Situation, line: int | None, indent: str, value: str) -> Diagnosis:
    """`raise NotImplemented`: the constant comparison methods return, not the exception."""
    new = f"raise NotImplementedError{value[len('NotImplemented') :]}"
    fix = replace_line(sit.code, line, indent + new) if sit.has_code and line is not None else None
    return Diagnosis(
        summary=f"Line {line} raises `NotImplemented`, a special value (not an exception) that comparison "
        f"methods return; the exception for 'not written yet' is `NotImplementedError`: {code(new)}.",
        plain="Two similar names: `NotImplemented` is a value, `NotImplementedError` is the exception to "
        "raise in a method that is not written yet.",
        precise="`NotImplemented` is a singleton returned by binary special methods to let Python try the "
        "reflected operation; it is not a BaseException, so `raise` rejects it.",
        fix_steps=f"Write {code(new)}.",
        prevention="Raise exceptions, whose names end in `Error`: `NotImplementedError`, `ValueError`.",
        concepts=["exceptions"],
        hints=[
            f"Is `NotImplemented` on line {line} an exception?",
            "The exception has `Error` at the end of its name.",
            f"Write {code(new)}.",
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _raise_non_exception(sit: Situation) -> Diagnosis:
    """`raise "foo"`: raise needs an exception class or object, not a string."""
    line = sit.raised_line
    text = sit.text(line)
    m = re.match(r"^(\s*)raise\s+(.+?)\s*$", text)
    value = m.group(2) if m else "…"
    if m and re.fullmatch(r"NotImplemented(\(.*\))?", value):
        return _raise_not_implemented(sit, line, m.group(1), value)
    fix = None
    if m and sit.has_code and line is not None and re.match(r"^[rRbBfF]?['\"]", value):
        fix = replace_line(sit.code, line, f"{m.group(1)}raise Exception({value})")
    shown = f"raise Exception({value})" if m else "raise ValueError('message')"
    return Diagnosis(
        summary=f"Line {line} raises {code(short(value, 40))}, which is not an exception: `raise` needs an "
        "exception "
        f"class or object (a subclass of BaseException), e.g. {code(shown)}.",
        plain="`raise` stops the program with an *exception*, an object of a class like `ValueError` or "
        "`Exception`, which carries your message. A plain string is not one (Python 2 allowed it, Python 3 "
        "doesn't).",
        precise="The operand of `raise` must be a BaseException subclass or instance; strings were "
        "removed as "
        "exceptions in Python 3.",
        fix_steps=f"Wrap the message in an exception: {code(shown)} (or a more specific class such as "
        "`ValueError`).",
        prevention="Raise a specific built-in exception with a message: `raise ValueError('why')`.",
        concepts=["exceptions"],
        hints=[
            f"What kind of value follows `raise` on line {line}?",
            "`raise` needs an exception object, not text.",
            f"Write {code(shown)}.",
        ],
        fix_code=fix,
        culprit_line=line,
    )
