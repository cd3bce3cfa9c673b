"""Versioned prompt templates, rendered with `{{placeholders}}`.

The shared parts (`prompts/_shared.v<N>.md`, `prompts/repair.v<N>.md`) live here; each
tutor's own prompt lives next to the tutor (`tutors/<name>/prompt.v<N>.md`, named by its
declaration) and is loaded with `load_prompt_file`.

A template file holds a `=== system ===` and a `=== user ===` section. Rendering is one
pass of plain substitution: a value (student code, say) that itself contains `{{...}}` is
inserted as is, never expanded, and a placeholder without a value is an error rather
than a prompt that silently says "{{skill_level}}".
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).with_name("prompts")
_FILE = re.compile(r"^(?P<name>[a-z_][a-z0-9_-]*)\.v(?P<version>\d+)\.md$")
_VERSION = re.compile(r"\.v(?P<version>\d+)\.md$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^=== (system|user) ===[ \t]*$", re.MULTILINE)


class TemplateError(LookupError):
    pass


@dataclass(frozen=True)
class RenderedPrompt:
    system: str
    user: str
    ref: str


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    sections: dict[str, str]

    @property
    def ref(self) -> str:
        return f"{self.name}.v{self.version}"

    def placeholders(self) -> set[str]:
        return {m.group(1) for text in self.sections.values() for m in _PLACEHOLDER.finditer(text)}

    def render_section(self, section: str, values: dict[str, str]) -> str:
        def substitute(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in values:
                raise TemplateError(f"prompt {self.ref} needs a value for {{{{{key}}}}}")
            return values[key]

        return _PLACEHOLDER.sub(substitute, self.sections.get(section, "")).strip() + "\n"

    def render(self, **values: str) -> RenderedPrompt:
        return RenderedPrompt(
            system=self.render_section("system", values),
            user=self.render_section("user", values),
            ref=self.ref,
        )


def _parse(name: str, version: int, text: str) -> PromptTemplate:
    parts = _SECTION.split(text)
    # parts: [preamble, "system", body, "user", body, ...]; the preamble is a comment for humans.
    sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    if not sections:
        sections = {"system": text.strip("\n")}
    return PromptTemplate(name=name, version=version, sections=sections)


@cache
def available() -> dict[str, list[int]]:
    """Template name -> its versions, oldest first."""
    found: dict[str, list[int]] = {}
    for path in PROMPTS_DIR.glob("*.md"):
        match = _FILE.match(path.name)
        if match:
            found.setdefault(match.group("name"), []).append(int(match.group("version")))
    return {name: sorted(versions) for name, versions in found.items()}


@cache
def load_template(name: str, version: int | None = None) -> PromptTemplate:
    """`name` at `version`, or its newest version."""
    versions = available().get(name)
    if not versions:
        raise TemplateError(f"no prompt template named {name!r} in {PROMPTS_DIR}")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise TemplateError(f"prompt {name!r} has versions {versions}, not {chosen}")
    text = (PROMPTS_DIR / f"{name}.v{chosen}.md").read_text(encoding="utf-8")
    return _parse(name, chosen, text)


@cache
def load_prompt_file(path: Path, name: str) -> PromptTemplate:
    """A tutor's prompt file (`.../prompt.v<N>.md`) as template `name` at version N.

    The reference stays `<name>.v<N>` wherever the file lives, so cache keys and the
    recorded `llm.prompt` do not change when a prompt moves next to its tutor."""
    match = _VERSION.search(path.name)
    if match is None:
        raise TemplateError(f"prompt file {path} is not named <something>.v<N>.md")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TemplateError(f"cannot read prompt file {path}: {err}") from err
    return _parse(name, int(match.group("version")), text)
