"""What one check found, in a shape shared by the ruff and the AST analyses."""

from dataclasses import dataclass, field
from enum import StrEnum

from learnflow_agents.tutors.code_review.source_map import Edit


class Category(StrEnum):
    CORRECTNESS = "correctness"
    CLARITY = "clarity"
    STYLE = "style"

    @property
    def rank(self) -> int:
        # A bug outranks hard-to-read code, which outranks layout: the order the brief
        # (and most teachers) give feedback in.
        return {"correctness": 0, "clarity": 1, "style": 2}[self.value]


@dataclass(frozen=True, eq=False)
class Finding:
    rule: str
    line: int
    col: int
    category: Category
    impact: int
    message: str
    source: str  # "ruff" or "ast"
    # Identifiers and snippets the teaching text is written from (func, param, seq...).
    details: dict[str, str] = field(default_factory=dict)
    # A safe rewrite for the refactored version; applied all together or not at all.
    edits: tuple[Edit, ...] = ()
    change_note: str = ""

    def as_data(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "line": self.line,
            "category": self.category.value,
            "message": self.message,
        }
