"""Run the ruff binary from the ruff wheel on one cell, with rules chosen for learners."""

import functools
import json
import shutil
import subprocess
from dataclasses import dataclass, field

# pyflakes, pycodestyle, naming, bugbear, simplify, comprehensions, perflint, mccabe.
SELECT = ("F", "E", "W", "N", "B", "SIM", "C4", "PERF", "C90")
IGNORE = (
    "E501",  # line length: a nitpick that drowns the points a learner needs
    "W291",  # trailing whitespace: invisible in a notebook and not worth a lesson
    "W293",
    "W292",  # cells never end with a newline
    "W391",
    "E402",  # notebooks import wherever a cell needs it
    "B905",  # zip(strict=...) is advanced
    "PERF203",  # try/except in a loop: a micro-optimisation, not a learner's concern
    "N999",
)
# mccabe's default of 10 lets beginner functions grow tangled before it speaks up.
LEARNER_MAX_COMPLEXITY = 8
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RuffEdit:
    row: int
    column: int
    end_row: int
    end_column: int
    content: str


@dataclass(frozen=True)
class RuffDiagnostic:
    code: str
    message: str
    row: int
    column: int
    end_row: int
    fix_safe: bool = False
    fix_message: str = ""
    edits: tuple[RuffEdit, ...] = field(default=())


@dataclass(frozen=True)
class RuffResult:
    available: bool
    diagnostics: tuple[RuffDiagnostic, ...] = ()
    problem: str = ""


@functools.cache
def ruff_binary() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def ruff_command(binary: str) -> list[str]:
    return [
        binary,
        "check",
        # The project's or the student's own pyproject must not change what is taught.
        "--isolated",
        "--no-cache",
        "--output-format",
        "json",
        "--select",
        ",".join(SELECT),
        "--ignore",
        ",".join(IGNORE),
        "--config",
        f"lint.mccabe.max-complexity = {LEARNER_MAX_COMPLEXITY}",
        "--stdin-filename",
        "cell.py",
        "-",
    ]


def _parse_edit(raw: dict) -> RuffEdit:
    return RuffEdit(
        row=raw["location"]["row"],
        column=raw["location"]["column"],
        end_row=raw["end_location"]["row"],
        end_column=raw["end_location"]["column"],
        content=raw["content"],
    )


def parse_output(stdout: str) -> tuple[RuffDiagnostic, ...]:
    diagnostics = []
    for raw in json.loads(stdout or "[]"):
        if not raw.get("code"):
            continue  # a syntax error reported by ruff; the AST parse already handled it
        fix = raw.get("fix") or {}
        diagnostics.append(
            RuffDiagnostic(
                code=raw["code"],
                message=raw["message"],
                row=raw["location"]["row"],
                column=raw["location"]["column"],
                end_row=raw["end_location"]["row"],
                fix_safe=fix.get("applicability") == "safe",
                fix_message=fix.get("message") or "",
                edits=tuple(_parse_edit(e) for e in fix.get("edits", ())),
            )
        )
    return tuple(diagnostics)


def run_ruff(source: str) -> RuffResult:
    """One subprocess per review: the JSON carries both the findings and their fixes."""
    binary = ruff_binary()
    if binary is None:
        return RuffResult(available=False, problem="the ruff binary was not found")
    try:
        done = subprocess.run(
            ruff_command(binary),
            input=source,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return RuffResult(available=False, problem=f"ruff did not run: {exc}")
    # Exit code 1 only means "found something"; 2 is ruff's own failure.
    if done.returncode not in (0, 1):
        return RuffResult(available=False, problem=f"ruff failed: {done.stderr.strip()[:300]}")
    try:
        return RuffResult(available=True, diagnostics=parse_output(done.stdout))
    except (ValueError, KeyError) as exc:
        return RuffResult(available=False, problem=f"ruff output was not understood: {exc}")
