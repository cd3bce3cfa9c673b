"""The shape of one concept-base entry, validated when the base is loaded.

Validation lives here (not only in the tests) so that a malformed topic file fails loudly
at import time in production too, instead of producing a half-empty reply for a student.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(min_length=3, strip_whitespace=True)]

LEVELS = ("beginner", "intermediate", "advanced")


class _Strict(BaseModel):
    # extra="forbid" catches misspelt keys in the TOML files (e.g. "analogie").
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    definition: Text
    analogy: Text | None = None
    points: list[Text] = Field(min_length=2, max_length=5)
    example: str = Field(min_length=1)
    output: str

    @model_validator(mode="after")
    def _example_compiles(self) -> Level:
        try:
            compile(self.example, "<concept example>", "exec")
        except SyntaxError as exc:
            raise ValueError(f"example does not compile: {exc}") from None
        if self.output and not self.output.endswith("\n"):
            raise ValueError("output must end with a newline, exactly as print() leaves it")
        return self


class Pitfall(_Strict):
    title: Text
    why: Text
    wrong: str | None = None
    right: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> Pitfall:
        if (self.wrong is None) != (self.right is None):
            raise ValueError(f"pitfall {self.title!r}: give both wrong and right snippets, or neither")
        return self


class Concept(_Strict):
    slug: Slug
    title: Text
    # Natural-language names a student might use; matched anywhere, typo-tolerant.
    aliases: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)
    # Identifiers that are ordinary English words too (get, items, add): only counted when
    # they appear as code (in backticks, after a dot, before a parenthesis).
    code_terms: list[str] = Field(default_factory=list)
    prerequisites: list[Slug] = Field(default_factory=list)
    related: list[Slug] = Field(min_length=1, max_length=3)
    practice: Slug
    use_when: Text
    self_check: list[Text] = Field(default_factory=list, max_length=3)
    diagram: str = Field(min_length=1)
    # Short facts used to build comparison tables (e.g. mutable = "yes").
    traits: dict[str, str] = Field(default_factory=dict)
    # Hand-written contrasts with another topic, keyed by that topic's slug.
    compare: dict[Slug, Text] = Field(default_factory=dict)
    beginner: Level
    intermediate: Level
    advanced: Level
    pitfalls: list[Pitfall] = Field(min_length=2, max_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> Concept:
        if self.beginner.analogy is None:
            raise ValueError(f"{self.slug}: the beginner level needs an analogy")
        if self.slug in self.prerequisites:
            raise ValueError(f"{self.slug}: a topic cannot be its own prerequisite")
        for alias in self.aliases:
            if not re.search(r"\w|[^\w\s]", alias):
                raise ValueError(f"{self.slug}: empty alias {alias!r}")
        return self

    def level(self, name: str) -> Level:
        if name not in LEVELS:
            raise ValueError(f"unknown level {name!r}; expected one of {', '.join(LEVELS)}")
        return getattr(self, name)
