"""Build the refactored cell from the findings' safe edits; keep it only if it compiles."""

import bisect
import itertools
from dataclasses import dataclass, field

from learnflow_agents.contracts.query import MAX_CODE
from learnflow_agents.tutors.code_review.cell import Cell, compiles
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.source_map import Edit, apply_edits, overlaps


@dataclass
class Refactor:
    code: str | None
    # The same code with IPython magics still masked, so it can be executed by the tests.
    runnable: str = ""
    changes: list[str] = field(default_factory=list)
    applied: list[Finding] = field(default_factory=list)
    dropped_reason: str = ""
    tested: bool = False


class _Intervals:
    """Accepted edits, kept sorted so a collision check is a binary search, not a scan."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def collides(self, edit: Edit) -> bool:
        # Accepted spans never overlap, so sorted by start their ends only grow: the last
        # span starting before `edit` ends has the largest end of all candidates.
        index = bisect.bisect_left(self._spans, (edit.end, -1))
        return index > 0 and overlaps(Edit(*self._spans[index - 1], ""), edit)

    def add(self, edit: Edit) -> None:
        bisect.insort(self._spans, (edit.start, edit.end))


def _choose(findings: list[Finding], blocked: list[Edit]) -> tuple[list[Edit], list[Finding]]:
    """Each finding's edits as one group; a group that collides with a kept one is skipped."""
    kept: list[Edit] = []
    accepted = _Intervals()
    for span in blocked:
        accepted.add(span)
    applied: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()
    # Our own rewrites first: they were written for learners and know about each other.
    for finding in sorted(findings, key=lambda f: (f.source != "ast", f.line, f.col)):
        group = [e for e in finding.edits if (e.start, e.end, e.text) not in seen]
        if not finding.edits or not group:
            continue  # no rewrite, or an identical one (two unused names, one import line) is in
        if any(accepted.collides(e) for e in group) or _self_overlapping(group):
            continue
        for edit in group:
            accepted.add(edit)
        kept.extend(group)
        seen.update((e.start, e.end, e.text) for e in group)
        applied.append(finding)
    return kept, applied


def _self_overlapping(group: list[Edit]) -> bool:
    ordered = sorted(group, key=lambda e: (e.start, e.end))
    return any(overlaps(a, b) for a, b in itertools.pairwise(ordered))


def _magic_spans(cell: Cell) -> list[Edit]:
    # Masked magic lines are put back verbatim, so an edit inside one would be lost, or
    # worse, leave the restored line using a name the rewrite removed.
    spans = []
    for index in cell.magic_lines:
        start = cell.smap.line_start(index + 1)
        spans.append(Edit(start, start + len(cell.smap.line_text(index + 1)), ""))
    return spans


def build_refactor(cell: Cell, findings: list[Finding]) -> Refactor:
    blocked = _magic_spans(cell)
    edits, applied = _choose(findings, blocked)
    if not edits:
        return Refactor(None, dropped_reason="no change could be made automatically and safely")
    rewritten = apply_edits(cell.analysed, edits)
    if len(rewritten) > MAX_CODE:
        # Guards and longer names can push a cell near the limit over it; a code block
        # that the reply contract rejects would lose the whole review.
        return Refactor(
            None, dropped_reason=f"the refactored cell would be longer than {MAX_CODE:,} characters"
        )
    if not compiles(rewritten):
        # Fall back to our own rewrites alone before giving up; ruff's fixes assume a file.
        ours = [f for f in applied if f.source == "ast"]
        if not ours or len(ours) == len(applied):
            return Refactor(None, dropped_reason="the automatic rewrite did not compile")
        edits, applied = _choose(ours, blocked)
        rewritten = apply_edits(cell.analysed, edits)
        if not compiles(rewritten):
            return Refactor(None, dropped_reason="the automatic rewrite did not compile")
    if rewritten == cell.analysed:
        return Refactor(None, dropped_reason="nothing to rewrite")
    restored = cell.restore_magics(rewritten)
    if len(restored) > MAX_CODE:
        return Refactor(
            None, dropped_reason=f"the refactored cell would be longer than {MAX_CODE:,} characters"
        )
    changes = [f"line {f.line}: {f.change_note}" for f in sorted(applied, key=lambda f: f.line)]
    return Refactor(restored, rewritten, changes, applied)
