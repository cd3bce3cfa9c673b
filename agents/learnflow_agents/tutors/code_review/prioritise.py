"""Merge ruff's and the AST checks' findings, drop what is wrong for a notebook, rank them."""

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from learnflow_agents.tutors.code_review.analysis import short
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.ruff_runner import RuffDiagnostic
from learnflow_agents.tutors.code_review.rules import RUFF_ALIASES, rule_info
from learnflow_agents.tutors.code_review.source_map import Edit, SourceMap

MAX_IMPROVEMENTS = 3
_BACKTICKED = re.compile(r"`([^`]+)`")
# Ruff's safe fixes we still leave out of the refactor: in a notebook an import that this
# cell does not use is very often there for the cells below it.
NOT_AUTOFIXED = {"F401"}


@dataclass(frozen=True)
class Improvement:
    finding: Finding
    other_lines: tuple[int, ...]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _cap_words(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _notebook_noise(diag: RuffDiagnostic, last_line: int, known: set[str]) -> bool:
    """Diagnostics that are right for a .py file but wrong for a notebook cell."""
    if diag.code in {"B018", "E703"} and diag.row >= last_line:
        # The cell's last expression is displayed, and a trailing `;` hides that display.
        return True
    if diag.code == "F704" and "await" in diag.message:
        return True  # IPython runs top-level await
    if diag.code == "F821":
        names = _BACKTICKED.findall(diag.message)
        return bool(names) and names[0] in known  # defined by an earlier cell
    return False


def from_ruff(diag: RuffDiagnostic, smap: SourceMap) -> Finding:
    rule = RUFF_ALIASES.get(diag.code, diag.code)
    info = rule_info(rule)
    names = _BACKTICKED.findall(diag.message)
    name = names[0] if names else ""
    details = {
        "line": str(diag.row),
        "src": short(smap.line_text(diag.row).strip()),
        "name": name,
        "snake": _snake(name),
        "cap_words": _cap_words(name),
        "message": diag.message,
        "fix": diag.fix_message,
        "code": diag.code,
        "func": "the cell",
    }
    edits: tuple[Edit, ...] = ()
    if diag.fix_safe and diag.code not in NOT_AUTOFIXED:
        edits = tuple(
            Edit(
                smap.offset_from_ruff(e.row, e.column),
                smap.offset_from_ruff(e.end_row, e.end_column),
                e.content,
            )
            for e in diag.edits
        )
    return Finding(
        rule=rule,
        line=diag.row,
        col=diag.column,
        category=info.category,
        impact=info.impact,
        message=diag.message,
        source="ruff",
        details=details,
        edits=edits,
        change_note=diag.fix_message or diag.message,
    )


def merge(
    ruff_diagnostics: Iterable[RuffDiagnostic],
    ast_findings: list[Finding],
    tree: ast.Module,
    smap: SourceMap,
    known_names: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Finding]:
    last_line = tree.body[-1].lineno if tree.body else 0
    taken = {(f.rule, f.line) for f in ast_findings}
    # A local computed and then dropped is one mistake, the forgotten `return`, not also an unused variable.
    taken |= {("F841", f.line) for f in ast_findings if f.rule == "missing-return"}
    merged = list(ast_findings)
    for diag in ruff_diagnostics:
        if _notebook_noise(diag, last_line, known_names):
            continue
        finding = from_ruff(diag, smap)
        if (finding.rule, finding.line) in taken:
            continue  # the AST check already explains this one, with the student's names
        taken.add((finding.rule, finding.line))
        merged.append(finding)
    return merged


def order(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.category.rank, -f.impact, f.line, f.col, f.rule))


def pick(ordered: list[Finding], limit: int = MAX_IMPROVEMENTS) -> list[Improvement]:
    """The top findings with distinct rules; repeats of a rule become 'also on line …'."""
    chosen: list[Finding] = []
    repeats: dict[str, list[int]] = {}
    for finding in ordered:
        if finding.rule in repeats:
            if finding.line != chosen[[c.rule for c in chosen].index(finding.rule)].line:
                repeats[finding.rule].append(finding.line)
            continue
        if len(chosen) < limit:
            chosen.append(finding)
            repeats[finding.rule] = []
    return [Improvement(f, tuple(sorted(set(repeats[f.rule])))) for f in chosen]
