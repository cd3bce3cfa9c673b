"""Does the cell run? A review that finds "nothing to change" in a cell that stops with an
IndexError misleads more than it helps, so the cell is run once in the sandbox and a crash
becomes the top finding, with a hand-over to the debug tutor, which explains errors.
"""

import ast
import builtins

from learnflow_agents.tutors.code_review.cell import Cell
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.rules import rule_info
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.sandbox import run_cell

# A cell run away from its notebook misses the names of earlier cells and the packages of
# the student's kernel; these errors say that, not that the cell is wrong. UnboundLocalError
# is a NameError too, but it is always the cell's own doing.
# The sandbox's own limits are not the kernel's either: it compiles without top-level await
# (which the kernel and this review allow, so a SyntaxError there is the sandbox's) and caps
# memory below a laptop's.
_OUT_OF_CONTEXT = frozenset({"NameError", "ModuleNotFoundError", "ImportError", "SyntaxError", "MemoryError"})
# What a built-in's name used as a value says when it fails: an earlier cell may have
# rebound it ('max = 10' before 'range(max)'), and the kernel would not fail.
_BUILTIN_AS_VALUE = ("builtin_function_or_method", "'type'", "type 'type'", "'builtin_function")
# A review should not wait on a slow cell: a run that has not ended by then proves nothing.
TIME_LIMIT = 2.0
RULE = "cell-raises"


def crash_finding(cell: Cell) -> Finding | None:
    """The exception the cell raises when run on its own, as a finding, or None."""
    if not is_safe_to_run(cell.analysed)[0]:
        return None
    result = run_cell(cell.analysed, timeout=TIME_LIMIT)
    if not result.completed or result.error_type is None or result.error_type in _OUT_OF_CONTEXT:
        return None
    if (
        result.error_type in ("TypeError", "AttributeError")
        and any(mark in result.message for mark in _BUILTIN_AS_VALUE)
        and _reads_an_unbound_builtin(cell.tree)
    ):
        return None
    line = result.line or 0
    src = cell.smap.line_text(line).strip() if line else ""
    info = rule_info(RULE)
    error = f"`{result.error_type}`" + (f" ({result.message[:120]})" if result.message else "")
    return Finding(
        rule=RULE,
        line=line,
        col=1,
        category=info.category,
        impact=info.impact,
        message=f"running the cell stops with {result.error_type}",
        source="run",
        details={
            "where": f"on line {line}" if line else "",
            "src": src[:80],
            "error": error,
            "error_type": result.error_type,
        },
    )


def _reads_an_unbound_builtin(tree: ast.Module | None) -> bool:
    """The cell reads a built-in's name other than to call it, and never binds that name."""
    if tree is None:
        return False
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    bound: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if id(node) not in called:
                    read.add(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return any(name in vars(builtins) and name not in bound for name in read)
