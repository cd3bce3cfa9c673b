"""nbgrader's ``### AUTOTEST`` and ``### HASHED AUTOTEST`` directives, expanded into plain asserts.

nbgrader 0.9 (docs: user guide, "Advanced topics" > "Automatic test code generation") lets a
test cell say *what* to check instead of *how*::

    ### AUTOTEST squares(1); squares(2)
    ### HASHED AUTOTEST squares(3)

At ``generate_assignment`` time it runs the notebook with the instructor's solution, takes
``type(snippet)`` of each ``;``-separated snippet to pick a template list from
``autotests.yml`` (the ``default`` list when the type has none), and writes one
``assert str(<test>) == "<value>", "<message>"`` per template test, where the value is
``str(<test>)`` evaluated on the solution. ``HASHED`` writes a salted hash of the value
instead, so that students cannot read it.

Here the same runs happen once, in a child Python, and each directive line becomes the same
asserts, comparing the same ``str`` values. A ``HASHED`` line's asserts go in a ``### BEGIN
HIDDEN TESTS`` region instead of being hashed: LearnFlow's hidden tests never reach students,
which is what the hash was for, and pass exactly when the hash would match.

Templates come from ``autotests.yml`` (or ``tests.yml``, the name nbgrader's preprocessor
reads) beside the notebook, else in the assignments' root; without one, nbgrader's default
file (its ``python3`` section, below) is used, and the report says so.
"""

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnflow_agents.course.common import CourseToolError, child_environment

DELIMITER = "AUTOTEST"


def directive(line: str) -> tuple[str, bool, str] | None:
    """(indent, hashed, snippets text) of a directive line, by nbgrader's own rule: a comment
    line holding AUTOTEST, hashed when HASHED comes before it (so `# # HASHED AUTOTEST a` counts)."""
    if not line.strip().startswith("#") or DELIMITER not in line:
        return None
    at = line.find(DELIMITER)
    return line[: len(line) - len(line.lstrip())], "HASHED" in line[:at], line[at + len(DELIMITER) :]


TEMPLATE_FILES = ("autotests.yml", "tests.yml")

# nbgrader's nbgrader/docs/source/user_guide/autotests.yml, python3 section (BSD 3-Clause,
# Copyright (c) 2014-2015, Jupyter Development Team): type -> [(test, failure message)].
DEFAULT_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "default": [
        ("type({{snippet}})", "type of {{snippet}} is not correct"),
        ("{{snippet}}", "value of {{snippet}} is not correct"),
    ],
    "int": [
        (
            "type({{snippet}})",
            "type of {{snippet}} is not int. Please make sure it is int and not np.int64, etc. "
            "You can cast your value into an int using int()",
        ),
        ("{{snippet}}", "value of {{snippet}} is not correct"),
    ],
    "float": [
        (
            "type({{snippet}})",
            "type of {{snippet}} is not float. Please make sure it is float and not np.float64, "
            "etc. You can cast your value into a float using float()",
        ),
        ("round({{snippet}}, 2)", "value of {{snippet}} is not correct (rounded to 2 decimal places)"),
    ],
    "set": [
        ("type({{snippet}})", "type of {{snippet}} is not set. {{snippet}} should be a set"),
        ("len({{snippet}})", "length of {{snippet}} is not correct"),
        ("{{snippet}}", "value of {{snippet}} is not correct"),
    ],
    "list": [
        ("type({{snippet}})", "type of {{snippet}} is not list. {{snippet}} should be a list"),
        ("len({{snippet}})", "length of {{snippet}} is not correct"),
        ("sorted(map(str, {{snippet}}))", "values of {{snippet}} are not correct"),
        ("{{snippet}}", "order of elements of {{snippet}} is not correct"),
    ],
    "tuple": [
        ("type({{snippet}})", "type of {{snippet}} is not tuple. {{snippet}} should be a tuple"),
        ("len({{snippet}})", "length of {{snippet}} is not correct"),
        ("sorted(map(str, {{snippet}}))", "values of {{snippet}} are not correct"),
        ("{{snippet}}", "order of elements of {{snippet}} is not correct"),
    ],
    "str": [
        ("type({{snippet}})", "type of {{snippet}} is not str. {{snippet}} should be an str"),
        ("len({{snippet}})", "length of {{snippet}} is not correct"),
        ("{{snippet}}.lower()", "value of {{snippet}} is not correct"),
        ("{{snippet}}", "correct string value of {{snippet}} but incorrect case of letters"),
    ],
    "dict": [
        ("type({{snippet}})", "type of {{snippet}} is not dict. {{snippet}} should be a dict"),
        ("len(list({{snippet}}.keys()))", "number of keys of {{snippet}} is not correct"),
        ("sorted(map(str, {{snippet}}.keys()))", "keys of {{snippet}} are not correct"),
        ("sorted(map(str, {{snippet}}.values()))", "correct keys, but values of {{snippet}} are not correct"),
        (
            "{{snippet}}",
            "correct keys and values, but incorrect correspondence in keys and values of {{snippet}}",
        ),
    ],
    "bool": [
        ("type({{snippet}})", "type of {{snippet}} is not bool. {{snippet}} should be a bool"),
        ("{{snippet}}", "boolean value of {{snippet}} is not correct"),
    ],
    "type": [("{{snippet}}", "type of {{snippet}} is not correct")],
    "pandas.core.frame.DataFrame": [
        (
            "type({{snippet}})",
            "type of {{snippet}} is not pandas.core.frame.DataFrame. {{snippet}} should be a DataFrame",
        ),
        (
            "{{snippet}}.reindex(sorted({{snippet}}.columns), axis=1)",
            "some or all elements of {{snippet}} are not correct",
        ),
    ],
}


def has_directives(source: str) -> bool:
    return any(directive(line) for line in source.splitlines())


def snippets(rest: str) -> list[str]:
    """The ``;``-separated expressions after ``AUTOTEST`` (as nbgrader splits them)."""
    return [s.strip() for s in rest.strip().strip(";").split(";") if s.strip()]


def load_templates(folder: Path | None, root: Path | None) -> tuple[dict[str, list[tuple[str, str]]], str]:
    """(templates, where they came from): the assignment's file, the root's, or nbgrader's defaults."""
    for directory in dict.fromkeys(d for d in (folder, root) if d is not None):
        for name in TEMPLATE_FILES:
            path = directory / name
            if path.is_file():
                return _read_templates(path), str(path)
    return DEFAULT_TEMPLATES, "nbgrader's default autotests.yml"


def _read_templates(path: Path) -> dict[str, list[tuple[str, str]]]:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - pyyaml comes with jupyter
        raise CourseToolError(f"{path} needs PyYAML to read (pip install pyyaml)") from exc
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data.get("python3") or data.get("python") or {}
        templates = {
            str(kind): [(str(t["test"]), str(t["fail"])) for t in tests]
            for kind, tests in (section.get("templates") or {}).items()
        }
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
        raise CourseToolError(f"{path}: not an nbgrader autotests file ({exc})") from exc
    if "default" not in templates:
        raise CourseToolError(f"{path}: its python3 templates need a 'default' list, as nbgrader requires")
    return templates


def _render(template: str, snippet: str) -> str:
    return re.sub(r"\{\{\s*snippet\s*\}\}", lambda _: snippet, template)


@dataclass
class Step:
    """A code cell of the source notebook, in order: run as is, or a test cell to expand."""

    source: str
    grade_id: str | None = None  # a test cell with directives


@dataclass
class Expansion:
    """What the solution gave for one test cell: its new source, or why it cannot be converted."""

    source: str = ""
    error: str | None = None
    hashed: bool = False
    notes: list[str] = field(default_factory=list)


# One namespace for the whole notebook, as nbgrader's kernel has; a test cell's plain lines
# run up to each directive, then each snippet is dispatched on its type and every template
# test evaluated, str() as nbgrader normalizes it.
_RUNNER = r"""
import json, re, sys
data = json.loads(sys.stdin.read())
templates = data["templates"]
namespace = {"__name__": "__main__"}

def directive(line):
    if not line.strip().startswith("#") or "AUTOTEST" not in line:
        return None
    at = line.find("AUTOTEST")
    return line[: len(line) - len(line.lstrip())], "HASHED" in line[:at], line[at + len("AUTOTEST"):]

def key_of(value):
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"

def render(template, snippet):
    return re.sub(r"\{\{\s*snippet\s*\}\}", lambda _: snippet, template)

results = {}
for step in data["steps"]:
    grade_id = step["grade_id"]
    if grade_id is None:
        try:
            exec(compile(step["source"], "<cell>", "exec"), namespace)
        except BaseException as exc:
            pass  # nbgrader would stop here; the test cells that need it will fail and say so
        continue
    out, pending = [], []
    try:
        for line in step["source"].split("\n"):
            found = directive(line)
            if not found:
                pending.append(line)
                continue
            exec(compile("\n".join(pending), "<test cell>", "exec"), namespace)
            pending = []
            indent, hashed, rest = found
            for snippet in [s.strip() for s in rest.strip().strip(";").split(";") if s.strip()]:
                value = eval(compile(snippet, "<autotest>", "eval"), namespace)
                tests = templates.get(key_of(value), templates["default"])
                checks = []
                for test, fail in tests:
                    code = render(test, snippet)
                    checks.append([code, str(eval(compile(code, "<autotest>", "eval"), namespace)),
                                   render(fail, snippet)])
                out.append({"line": line, "indent": indent, "hashed": hashed, "checks": checks})
        exec(compile("\n".join(pending), "<test cell>", "exec"), namespace)
        results[grade_id] = {"directives": out}
    except BaseException as exc:
        results[grade_id] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
print(json.dumps(results))
"""


def expand(
    steps: list[Step], templates: dict[str, list[tuple[str, str]]], cwd: Path | None, timeout: float = 120
) -> dict[str, Expansion]:
    """Each directive test cell's expanded source (HASHED lines in a hidden region), by grade_id."""
    wanted = [s.grade_id for s in steps if s.grade_id is not None]
    if not wanted:
        return {}
    payload = {
        "steps": [{"source": s.source, "grade_id": s.grade_id} for s in steps],
        "templates": {k: [list(t) for t in v] for k, v in templates.items()},
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER],
            cwd=cwd,
            env=child_environment(),
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        lines = done.stdout.strip().splitlines()
        results = json.loads(lines[-1]) if lines else {}
        if not results:
            error = done.stderr.strip()[-300:] or "the notebook did not run"
            return {g: Expansion(error=error) for g in wanted}
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return {g: Expansion(error=str(exc)[:300]) for g in wanted}
    by_id = {s.grade_id: s.source for s in steps if s.grade_id is not None}
    return {g: _rewrite(by_id[g], results.get(g) or {"error": "not reached"}) for g in wanted}


def _assert_line(indent: str, check: list[str]) -> str:
    code, value, message = check
    return f"{indent}assert str({code}) == {value!r}, {message!r}"


def _rewrite(source: str, result: dict[str, Any]) -> Expansion:
    if "error" in result:
        return Expansion(error=result["error"])
    ran = iter(result["directives"])
    lines: list[str] = []
    hashed_any = False
    hidden = False  # inside the cell's own ### BEGIN HIDDEN TESTS region
    for line in source.split("\n"):
        found = directive(line)
        if found is None:
            hidden = {"### BEGIN HIDDEN TESTS": True, "### END HIDDEN TESTS": False}.get(line.strip(), hidden)
            lines.append(line)
            continue
        # Each directive line ran once, in order: its entries are next (one per snippet).
        entries = []
        for snippet in snippets(found[2]):
            entry = next(ran)
            assert entry["line"] == line, (entry["line"], line, snippet)
            entries.append(entry)
        asserts = [_assert_line(e["indent"], c) for e in entries for c in e["checks"]]
        if entries and entries[0]["hashed"] and not hidden:
            hashed_any = True
            lines += ["### BEGIN HIDDEN TESTS", *asserts, "### END HIDDEN TESTS"]
        else:
            lines += asserts
    return Expansion(source="\n".join(lines).rstrip() + "\n", hashed=hashed_any)
