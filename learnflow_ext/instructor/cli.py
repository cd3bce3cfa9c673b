"""`learnflow instructor-dashboard [PATH]`: copy the shipped dashboard notebook to PATH."""

import argparse
import shutil
import sys
from importlib.resources import as_file, files
from pathlib import Path

NOTEBOOK = "dashboard.ipynb"
DEFAULT_NAME = "learnflow-dashboard.ipynb"


def create_dashboard(path: str | Path = DEFAULT_NAME, *, force: bool = False) -> Path:
    target = Path(path)
    if target.is_dir():
        target = target / DEFAULT_NAME
    if target.exists() and not force:
        # An instructor's edited dashboard is theirs: never overwrite it silently.
        raise FileExistsError(f"{target} exists (use --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with as_file(files("learnflow_ext.instructor") / NOTEBOOK) as shipped:
        shutil.copyfile(shipped, target)
    return target


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learnflow", description="LearnFlow for Jupyter")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dash = sub.add_parser("instructor-dashboard", help="create the instructor dashboard notebook")
    dash.add_argument(
        "path", nargs="?", default=DEFAULT_NAME, help=f"file or folder (default ./{DEFAULT_NAME})"
    )
    dash.add_argument("--force", action="store_true", help="replace an existing file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        path = create_dashboard(args.path, force=args.force)
    except FileExistsError as err:
        print(f"learnflow: {err}", file=sys.stderr)
        return 1
    print(f"created {path}; open it in Jupyter and run all cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
