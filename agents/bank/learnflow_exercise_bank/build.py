"""Build the exercise notebooks from the readable TOML sources.

Each exercise lives in ``exercises/<exercise_id>.toml`` (statement, starter, solution,
tests and hints as plain text) so a reviewer reads Python, not notebook JSON. Two sets of
notebooks are generated from them; tests fail when either is stale:

- ``notebooks/<topic>/<id>.ipynb`` in this (trusted) package: the source notebooks, with
  solutions and hidden tests;
- ``learnflow_agents/tutors/exercise/released/<topic>/<id>.ipynb``: the student copies
  (`course release`: no solution, no hidden tests) that ship in ``learnflow-agents``.

    python -m learnflow_exercise_bank.build          # rebuild both
    python -m learnflow_exercise_bank.build --check  # CI: up to date?
"""

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from learnflow_agents.course.release import released_notebook
from learnflow_agents.tutors.exercise.bank import RELEASED_DIR, parse_exercise
from learnflow_agents.tutors.exercise.format import SCHEMA_VERSION, ExerciseMetadata
from learnflow_agents.tutors.exercise.notebooks import code_cell, markdown_cell, new_notebook, render_notebook

from learnflow_exercise_bank import NOTEBOOK_DIR, SOURCE_DIR

_META_KEYS = ("exercise_id", "title", "topic", "difficulty", "prerequisites", "hints")
_TEST_KEYS = {"name", "code", "hidden", "success", "failure", "points", "timeout_seconds"}


class SpecError(ValueError):
    pass


def load_spec(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        spec = tomllib.load(handle)
    missing = [k for k in (*_META_KEYS, "statement", "starter", "solution", "tests") if k not in spec]
    if missing:
        raise SpecError(f"{path}: missing {', '.join(missing)}")
    if spec["exercise_id"] != path.stem:
        raise SpecError(f"{path}: exercise_id {spec['exercise_id']!r} must match the file name")
    for test in spec["tests"]:
        unknown = set(test) - _TEST_KEYS
        if unknown or "name" not in test or "code" not in test:
            raise SpecError(f"{path}: test {test.get('name')!r} needs name and code; unknown keys {unknown}")
    return spec


def _heading(meta: ExerciseMetadata) -> str:
    facts = f"*{meta.topic.value} · {meta.difficulty.value}*"
    if meta.prerequisites:
        facts += f" · *builds on: {', '.join(p.value for p in meta.prerequisites)}*"
    return f"# {meta.title}\n\n{facts}"


def build_notebook(spec: dict[str, Any]) -> dict[str, Any]:
    """One source exercise notebook from a spec (validated through the metadata model)."""
    meta = ExerciseMetadata(**{k: spec[k] for k in _META_KEYS}, schema_version=SCHEMA_VERSION)
    cells = [
        markdown_cell(
            _heading(meta) + "\n\n" + spec["statement"].strip(), "statement", {"role": "statement"}
        ),
        code_cell(spec["starter"], "starter", {"role": "starter"}),
        code_cell(spec["solution"], "solution", {"role": "solution"}),
    ]
    for index, test in enumerate(spec["tests"]):
        role: dict[str, Any] = {
            "role": "hidden-tests" if test.get("hidden", False) else "visible-tests",
            "name": test["name"],
        }
        for key in ("success", "failure", "points", "timeout_seconds"):
            if key in test:
                role[key] = test[key]
        cells.append(code_cell(test["code"], f"test-{index}", role))
    return new_notebook(cells, meta.model_dump(mode="json", exclude_defaults=False))


def notebook_path(spec: dict[str, Any], out_dir: Path) -> Path:
    return out_dir / spec["topic"] / f"{spec['exercise_id']}.ipynb"


def _sync(wanted: dict[Path, str], out_dir: Path, *, check: bool) -> list[str]:
    """Write (or, with check, compare) `wanted` under `out_dir`; return the paths that differ."""
    stale = [p for p in out_dir.rglob("*.ipynb") if p not in wanted]
    differing = [
        str(p) for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ] + [str(p) for p in stale]
    if not check:
        for p in stale:
            p.unlink()
        for p, text in wanted.items():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
    return differing


def build_bank(
    source_dir: Path = SOURCE_DIR,
    out_dir: Path = NOTEBOOK_DIR,
    *,
    check: bool = False,
    released_dir: Path | None = None,
) -> list[str]:
    """Write (or, with check, compare) every notebook; return the paths that differ.

    With `released_dir`, also the released student copy of each notebook under it.
    """
    wanted: dict[Path, str] = {}
    released: dict[Path, str] = {}
    for path in sorted(source_dir.glob("*.toml")):
        spec = load_spec(path)
        notebook = build_notebook(spec)
        target = notebook_path(spec, out_dir)
        wanted[target] = render_notebook(notebook)
        if released_dir is not None:
            exercise = parse_exercise(notebook, target)
            released[notebook_path(spec, released_dir)] = render_notebook(released_notebook(exercise))
    differing = _sync(wanted, out_dir, check=check)
    if released_dir is not None:
        differing += _sync(released, released_dir, check=check)
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the exercise bank's notebooks and their released copies from TOML sources."
    )
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    args = parser.parse_args(argv)
    differing = build_bank(check=args.check, released_dir=RELEASED_DIR)
    if args.check:
        for path in differing:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if differing else 0
    print(
        f"built {len(list(SOURCE_DIR.glob('*.toml')))} notebooks into {NOTEBOOK_DIR} and {RELEASED_DIR}"
        f" ({len(differing)} changed)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
