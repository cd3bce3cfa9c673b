"""Positions and text edits on a cell's source.

The AST counts columns in UTF-8 bytes and ruff counts them in characters; both are
turned into character offsets here so edits from either source can be merged safely.
"""

import ast
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace source[start:end] with text (start == end inserts)."""

    start: int
    end: int
    text: str


class SourceMap:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self._line_starts: list[int] = []
        offset = 0
        for line in self.lines:
            self._line_starts.append(offset)
            offset += len(line)
        # A position just past the last line (ruff reports fixes there for the final newline).
        self._line_starts.append(offset)
        self._ascii = source.isascii()

    def line_text(self, lineno: int) -> str:
        """The 1-based line without its newline, or '' when out of range."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1].rstrip("\r\n")
        return ""

    def line_start(self, lineno: int) -> int:
        index = min(max(lineno - 1, 0), len(self._line_starts) - 1)
        return self._line_starts[index]

    def offset_from_ast(self, lineno: int, byte_col: int) -> int:
        start = self.line_start(lineno)
        if self._ascii:
            return start + byte_col
        line = self.lines[lineno - 1] if lineno <= len(self.lines) else ""
        return start + len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def offset_from_ruff(self, row: int, column: int) -> int:
        return self.line_start(row) + column - 1

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset_from_ast(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset_from_ast(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        # ast.get_source_segment re-splits the whole source on every call, which turns a
        # 5,000-line cell into quadratic work; offsets computed once keep it linear.
        start, end = self.span(node)
        return self.source[start:end]

    def char_col(self, lineno: int, byte_col: int) -> int:
        """1-based character column for an AST position."""
        return self.offset_from_ast(lineno, byte_col) - self.line_start(lineno) + 1


def overlaps(a: Edit, b: Edit) -> bool:
    # Two insertions at the same point, or an insertion at a replacement's edge, can both
    # apply; only an insertion strictly inside a replaced range, or two replacements that
    # share a character, conflict.
    return a.start < b.end and b.start < a.end


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; callers resolve conflicts before calling."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    pieces: list[str] = []
    cursor = 0
    for edit in ordered:
        pieces.append(source[cursor : edit.start])
        pieces.append(edit.text)
        cursor = max(cursor, edit.end)
    pieces.append(source[cursor:])
    return "".join(pieces)
