"""The exercise notebook JSON Schema: generated from the pydantic models, checked in.

The checked-in file lets non-Python tools (editors, CI linters) validate notebooks; a
test keeps it identical to what the models generate. Regenerate after changing
format.py with:

    python -m learnflow_agents.tutors.exercise.schema --write
"""

import argparse
import json
from pathlib import Path
from typing import Any

from learnflow_agents.tutors.exercise.format import ExerciseNotebookDoc

SCHEMA_PATH = Path(__file__).with_name("exercise-notebook.schema.json")


def generate_schema() -> dict[str, Any]:
    schema = ExerciseNotebookDoc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def render_schema() -> str:
    # Sorted keys and a trailing newline keep the checked-in file diff-stable.
    return json.dumps(generate_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {SCHEMA_PATH.name}")
    args = parser.parse_args(argv)
    if args.write:
        SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
    else:
        print(render_schema(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
