"""One analyser per error family, chosen by the exception's type (or its nearest builtin
base class). An analyser returns None when its specific causes don't fit; the generic
fallback then still explains the failing line honestly."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable

from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families import (
    assertion_errors,
    attribute_errors,
    builtin_values,
    call_site,
    file_errors,
    generic,
    import_errors,
    indentation_errors,
    index_errors,
    infinite_loops,
    key_errors,
    memory_errors,
    name_errors,
    overflow_errors,
    recursion_errors,
    runtime_errors,
    runtime_messages,
    stop_iteration,
    syntax_errors,
    type_errors,
    unbound_local,
    unexpected_none,
    value_errors,
    wrong_behaviour,
    zero_division,
)
from learnflow_agents.tutors.debug.situation import Situation

log = logging.getLogger(__name__)

Analyser = Callable[[Situation], Diagnosis | None]

ANALYSERS: dict[str, Analyser] = {
    "SyntaxError": syntax_errors.analyse,
    "IndentationError": indentation_errors.analyse,
    "TabError": indentation_errors.analyse,
    "NameError": name_errors.analyse,
    "UnboundLocalError": unbound_local.analyse,
    "AttributeError": attribute_errors.analyse,
    "TypeError": type_errors.analyse,
    "IndexError": index_errors.analyse,
    "KeyError": key_errors.analyse,
    "ValueError": value_errors.analyse,
    "ZeroDivisionError": zero_division.analyse,
    "RecursionError": recursion_errors.analyse,
    "ImportError": lambda sit: call_site.analyse(sit) or import_errors.analyse(sit),
    "ModuleNotFoundError": import_errors.analyse,
    "FileNotFoundError": file_errors.analyse,
    "IsADirectoryError": file_errors.analyse,
    "NotADirectoryError": file_errors.analyse,
    "StopIteration": stop_iteration.analyse,
    "AssertionError": assertion_errors.analyse,
    "KeyboardInterrupt": infinite_loops.analyse,
    "RuntimeError": runtime_errors.analyse,
    "MemoryError": memory_errors.analyse,
    "OverflowError": overflow_errors.analyse,
    "UnicodeEncodeError": call_site.analyse,
}


def no_error(sit: Situation) -> Diagnosis:
    """No exception: a `None` the student did not expect, else what the code did when run
    (traced, with the likely cause), else an honest "no error here"."""
    for analyser in (unexpected_none, wrong_behaviour):
        try:
            found = analyser.analyse(sit)
        except Exception:  # an analyser bug must not cost the student their answer
            log.exception("debug analyser %s failed; falling back", analyser.__name__)
            found = None
        if found is not None:
            return found
    return generic.no_error(sit)


def _lineage(error_type: str) -> list[str]:
    """The type itself, then its builtin base classes (ModuleNotFoundError → ImportError)."""
    cls = getattr(builtins, error_type, None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return [c.__name__ for c in cls.__mro__ if c.__name__ in ANALYSERS]
    return [error_type]


def analyse(sit: Situation) -> Diagnosis:
    assert sit.error_type is not None
    # Messages with one precise rule (chr()'s range, int()'s base, JSON's quotes, …) are answered
    # before the families, whose broader causes would otherwise claim or miss them.
    try:
        precise = builtin_values.analyse(sit)
    except Exception:  # an analyser bug must not cost the student their answer
        log.exception("debug analyser builtin_values failed; falling back")
        precise = None
    if precise is not None:
        precise.extra.setdefault("analysis", sit.error_type)
        return precise
    for name in _lineage(sit.error_type):
        analyser = ANALYSERS.get(name)
        if analyser is None:
            continue
        try:
            found = analyser(sit)
        except Exception:  # an analyser bug must not cost the student their answer
            log.exception("debug analyser %s failed; falling back", name)
            found = None
        if found is not None:
            found.extra.setdefault("analysis", name)
            return found
        if name in ("SyntaxError", "IndentationError", "TabError"):
            return _generic(syntax_errors.generic_syntax(sit))
    # One-rule messages of built-ins (format specs, slice bounds, isinstance's types, …) that no
    # family claims: asked after the families, so their broader analyses keep what they answer.
    try:
        found = runtime_messages.analyse(sit)
    except Exception:  # an analyser bug must not cost the student their answer
        log.exception("debug analyser runtime_messages failed; falling back")
        found = None
    if found is not None:
        found.extra.setdefault("analysis", sit.error_type)
        return found
    return _generic(generic.analyse(sit))


def _generic(diag: Diagnosis) -> Diagnosis:
    """Mark the last-resort reply, so callers and the benchmarks can count it (a `raise` of the
    student's own, which generic explains specifically, keeps its own mark)."""
    diag.extra.setdefault("analysis", "generic")
    return diag
