"""Specific praise: what the student did well, each point pointing at their own code."""

import ast
from collections.abc import Iterator

from learnflow_agents.tutors.code_review.analysis import BUILTIN_NAMES, Analysis, short
from learnflow_agents.tutors.code_review.findings import Category, Finding
from learnflow_agents.tutors.code_review.source_map import SourceMap

MAX_PRAISE = 3
SMALL_FUNCTION_LINES = 15
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Conventional short names nobody should be asked to lengthen.
_CONVENTIONAL = {"i", "j", "k", "n", "x", "y", "z", "_", "df", "ax", "fig", "db", "np", "pd", "plt"}


def _names(list_of: list[str], limit: int = 3) -> str:
    shown = [f"`{n}`" for n in list_of[:limit]]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _is_descriptive(name: str) -> bool:
    if name in BUILTIN_NAMES or name.startswith("_") or (not name.islower() and not name.isupper()):
        return False
    return "_" in name.strip("_") or len(name) >= 6


def _bound_names(an: Analysis) -> Iterator[tuple[str, int]]:
    for node in an.nodes(ast.Name, ast.arg, *_FUNCS):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id, node.lineno
        elif isinstance(node, ast.arg):
            yield node.arg, node.lineno
        elif isinstance(node, _FUNCS):
            yield node.name, node.lineno


def _praise_names(an: Analysis, flagged_lines: set[int]) -> str | None:
    bound = [(name, line) for name, line in _bound_names(an) if line not in flagged_lines]
    distinct = list(dict.fromkeys(name for name, _ in bound))
    good = [n for n in distinct if _is_descriptive(n)]
    vague = [n for n in distinct if len(n) <= 2 and n not in _CONVENTIONAL]
    if len(good) >= 2 and len(good) > 2 * len(vague):
        return (
            f"Descriptive names: {_names(good)} say what they mean, so the code explains itself "
            "without comments."
        )
    return None


def _praise_docstrings(funcs: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> str | None:
    documented = [f.name for f in funcs if ast.get_docstring(f)]
    if not documented:
        return None
    verb = "starts" if len(documented) == 1 else "start"
    return (
        f"{_names(documented)} {verb} with a docstring, so `help({documented[0]})` and anyone reading "
        "the code learn what it does without reading the body."
    )


def _praise_type_hints(funcs: list[ast.FunctionDef | ast.AsyncFunctionDef], smap: SourceMap) -> str | None:
    for func in funcs:
        params = [
            a for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs] if a.arg != "self"
        ]
        if func.returns is not None and params and all(a.annotation is not None for a in params):
            signature = short(smap.line_text(func.lineno).strip().removesuffix(":"), 80)
            return (
                f"Type hints on line {func.lineno} (`{signature}`) tell readers and tools what goes in and "
                "what comes out."
            )
    return None


def _praise_f_strings(an: Analysis, smap: SourceMap) -> str | None:
    for node in an.nodes(ast.JoinedStr):
        if any(isinstance(v, ast.FormattedValue) for v in node.values):
            return (
                f"Line {node.lineno} builds its text with an f-string (`{short(smap.segment(node), 50)}`), "
                "which reads far better than `+` and `str()`."
            )
    return None


def _code_lines(func: ast.FunctionDef | ast.AsyncFunctionDef, smap: SourceMap) -> int:
    end = func.end_lineno or func.lineno
    return sum(
        1
        for n in range(func.lineno, end + 1)
        if smap.line_text(n).strip() and not smap.line_text(n).strip().startswith("#")
    )


def _praise_small_functions(
    funcs: list[ast.FunctionDef | ast.AsyncFunctionDef], smap: SourceMap
) -> str | None:
    if not funcs:
        return None
    sizes = [(f.name, _code_lines(f, smap)) for f in funcs]
    if all(size <= SMALL_FUNCTION_LINES for _, size in sizes):
        listed = ", ".join(f"`{name}` ({size} lines)" for name, size in sizes[:3])
        if len(sizes) == 1:
            return f"The work is wrapped in a short, focused function: {listed}, easy to test and reuse."
        return f"Small functions that each do one job: {listed}."
    return None


def _praise_comprehensions(an: Analysis, smap: SourceMap, flagged_lines: set[int]) -> str | None:
    kinds = {
        ast.ListComp: "list comprehension",
        ast.DictComp: "dict comprehension",
        ast.SetComp: "set comprehension",
        ast.GeneratorExp: "generator expression",
    }
    for node in an.nodes(*kinds):
        if node.lineno not in flagged_lines:
            snippet = short(smap.segment(node), 50)
            return f"Line {node.lineno} uses a {kinds[type(node)]} (`{snippet}`) — concise and clear."
    return None


def _praise_idioms(an: Analysis, smap: SourceMap) -> str | None:
    for node in an.nodes(ast.With, ast.Call, ast.ExceptHandler):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Name)
            and item.context_expr.func.id == "open"
            for item in node.items
        ):
            return f"Line {node.lineno} opens the file with `with`, so it is closed even if something fails."
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"enumerate", "zip"}
        ):
            return (
                f"Line {node.lineno} uses `{node.func.id}(...)` (`{short(smap.segment(node), 40)}`) "
                "instead of juggling indices."
            )
        if (
            isinstance(node, ast.ExceptHandler)
            and isinstance(node.type, ast.Name)
            and node.type.id != "Exception"
        ):
            return (
                f"Line {node.lineno} catches `{node.type.id}` specifically, so unexpected errors still "
                "show up instead of being hidden."
            )
    return None


def find_praise(an: Analysis, findings: list[Finding]) -> list[str]:
    """Up to three points of praise, never for something a finding criticises."""
    tree, smap = an.tree, an.smap
    flagged_lines = {f.line for f in findings if f.category is not Category.STYLE}
    funcs = an.nodes(*_FUNCS)
    candidates = (
        _praise_docstrings(funcs),
        _praise_type_hints(funcs, smap),
        _praise_names(an, flagged_lines | {f.line for f in findings if f.rule.startswith("N")}),
        _praise_f_strings(an, smap),
        _praise_comprehensions(an, smap, flagged_lines),
        _praise_idioms(an, smap),
        None
        if any(f.rule in {"long-function", "C901", "deep-nesting"} for f in findings)
        else _praise_small_functions(funcs, smap),
    )
    praise = [text for text in candidates if text][:MAX_PRAISE]
    if praise:
        return praise
    statements = len(tree.body)
    plural = "s" if statements != 1 else ""
    lines = len(smap.lines)
    if not findings:
        return [f"Ruff's learner rules and the extra checks found nothing to change in these {lines} lines."]
    if not any(f.category is Category.CORRECTNESS for f in findings):
        return [
            f"No check found a correctness problem in these {lines} lines ({statements} top-level "
            f"statement{plural}), so the points above are about making good code clearer."
        ]
    return [
        f"The cell is valid Python — every bracket and block in its {statements} top-level "
        f"statement{plural} is closed — so it is ready to improve step by step."
    ]
