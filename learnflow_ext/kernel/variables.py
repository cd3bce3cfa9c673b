"""A short description of the variables a failing cell touched: what the debug agent
needs to say "`total` is a str here" without shipping the student's whole namespace."""

import ast
import contextlib
import inspect
import io
import keyword
import reprlib
import tokenize
import types
from collections.abc import Iterable, Mapping
from typing import Any

from learnflow_agents.contracts import VariableSummary
from learnflow_agents.privacy import MASK, scrub_text, scrub_variable, secret_strength

# IPython's own names in every user namespace: never what the student meant.
_SHELL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


def names_in_source(source: str) -> list[str]:
    """Identifiers in the order they first appear; works on code that does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _names_by_tokens(source)
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append((node.lineno, node.col_offset, node.id))
        elif isinstance(node, ast.arg):
            found.append((node.lineno, node.col_offset, node.arg))
    return list(dict.fromkeys(name for _, _, name in sorted(found)))


def _names_by_tokens(source: str) -> list[str]:
    names: list[str] = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    # Keep what was read before the broken part.
    with contextlib.suppress(tokenize.TokenError, IndentationError, SyntaxError):
        names.extend(t.string for t in tokens if t.type == tokenize.NAME and not keyword.iskeyword(t.string))
    return list(dict.fromkeys(names))


def summarize_variables(
    names: Iterable[str],
    namespaces: Iterable[Mapping[str, Any]],
    max_variables: int = 12,
    max_repr: int = 120,
) -> list[VariableSummary]:
    """Describe each name found in the first namespace that has it, up to `max_variables`."""
    spaces = list(namespaces)
    summaries: list[VariableSummary] = []
    for name in dict.fromkeys(names):
        if len(summaries) >= max_variables:
            break
        if name.startswith("_") or name in _SHELL_NAMES:
            continue
        for space in spaces:
            if name in space:
                summary = describe(name, space[name], max_repr)
                if summary is not None:
                    summaries.append(summary)
                break
    return summaries


def describe(name: str, value: Any, max_repr: int = 120) -> VariableSummary | None:
    if isinstance(value, types.ModuleType):
        return None  # `import numpy as np` tells nothing the code does not show
    type_name = _type_name(value)[:128]
    # A name that announces a secret (`db_pass`, `GITHUB_TOKEN`) gives away nothing, not
    # even its length; a weak one (`token` in a tokenizer) is masked only if its value
    # looks like a secret. The same scrubber as every other door decides.
    if secret_strength(name) >= 2:
        return VariableSummary(name=name[:128], type=type_name, repr=MASK)
    summary = VariableSummary(
        name=name[:128],
        type=type_name,
        length=_length(value),
        shape=_shape(value),
        repr=scrub_text(_short_repr(value, max_repr))[: min(max_repr, 300)],
    )
    scrubbed = scrub_variable(summary)
    if scrubbed is not summary:
        return VariableSummary(name=summary.name, type=type_name, repr=MASK)
    return summary


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__ or ""
    if module == "builtins":
        return kind.__qualname__
    # "pandas.DataFrame", not "pandas.core.frame.DataFrame": what the student imported.
    return f"{module.split('.')[0]}.{kind.__qualname__}"


def _length(value: Any) -> int | None:
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) or not hasattr(
        value, "__len__"
    ):
        return None
    try:
        length = len(value)
    except Exception:
        return None
    return length if isinstance(length, int) else None


def _shape(value: Any) -> str | None:
    if isinstance(value, type):
        return None
    try:
        shape = getattr(value, "shape", None)
    except Exception:
        return None
    if isinstance(shape, tuple) and all(isinstance(d, int) for d in shape):
        return str(shape)[:64]
    return None


def _short_repr(value: Any, limit: int) -> str:
    if isinstance(value, (types.FunctionType, types.MethodType)):
        try:
            return f"{value.__name__}{inspect.signature(value)}"[:limit]
        except (TypeError, ValueError):
            return value.__name__[:limit]
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = max(limit, 12)
    shortener.maxlist = shortener.maxtuple = shortener.maxset = shortener.maxdict = 8
    shortener.maxlevel = 3
    try:
        text = shortener.repr(value)
    except Exception as err:  # a broken __repr__ is the student's bug, not ours
        text = f"<{type(value).__name__} object; repr failed: {type(err).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
