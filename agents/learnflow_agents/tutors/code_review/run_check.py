"""Does the cell run? A review that finds "nothing to change" in a cell that stops with an
IndexError misleads more than it helps, so the cell is run once in the sandbox and a crash
becomes the top finding, with a hand-over to the debug tutor, which explains errors.
"""

from learnflow_agents.tutors.code_review.cell import Cell
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.rules import rule_info
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.sandbox import run_cell

# A cell run away from its notebook misses the names of earlier cells and the packages of
# the student's kernel; these errors say that, not that the cell is wrong. UnboundLocalError
# is a NameError too, but it is always the cell's own doing.
_OUT_OF_CONTEXT = frozenset({"NameError", "ModuleNotFoundError", "ImportError"})
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
