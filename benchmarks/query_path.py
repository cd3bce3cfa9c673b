"""Which of LearnFlow's source files a failing cell's query runs through, cell to card.

Runs a real kernel (nbclient) in kernel-only mode — no Jupyter server is found because the
runtime directory is empty — traces every Python function call on every thread from the
moment the failing cell starts until its card is complete, and prints the LearnFlow files
those calls came from. The count is a structural figure (how many files a newcomer reads
to follow one query), not a timing.

    python benchmarks/query_path.py [--list]
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("learnflow_ext", "learnflow_agents")

TRACE = """
import sys, threading
_lf_seen = set()
_lf_on = [False]
def _lf_trace(frame, event, arg):
    if _lf_on[0] and event == "call":
        name = frame.f_code.co_filename
        if ("learnflow_ext" in name or "learnflow_agents" in name) and frame.f_code.co_name != "<module>":
            _lf_seen.add(name)
    return None
sys.settrace(_lf_trace)
threading.settrace(_lf_trace)
"""
START = "_lf_seen.clear(); _lf_on[0] = True"
FAILING = "prices = [3, 4, 5]\ntotal = 0\nfor p in prices:\n    total = total + p\nprint('Total: ' + total)"
WARM_UP = "values = {'a': 1}\nvalues['b']"
DUMP = "_lf_on[0] = False\nimport json; print(json.dumps(sorted(_lf_seen)))"


def traced_files() -> list[str]:
    # A first failing cell warms the engine up (migrations, lazy imports), so the trace
    # shows one query's path and not the start-up.
    wait = "%learnflow wait 120"
    cells = [TRACE, "%load_ext learnflow_ext", WARM_UP, wait, START, FAILING, wait, DUMP]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "JUPYTER_RUNTIME_DIR": str(Path(tmp, "runtime")),
            "JUPYTER_DATA_DIR": str(Path(tmp, "data")),
            "LEARNFLOW_SERVER_URL": "",
            "PYTHONPATH": str(REPO),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            client = NotebookClient(
                notebook, timeout=300, allow_errors=True, resources={"metadata": {"path": tmp}}
            )
            client.execute()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    out = "".join(o.get("text", "") for o in notebook.cells[-1].outputs if o["output_type"] == "stream")
    files = json.loads(out.strip().splitlines()[-1])
    return sorted({_relative(f) for f in files})


def _relative(path: str) -> str:
    for package in PACKAGES:
        marker = f"/{package}/"
        if marker in path:
            return package + "/" + path.split(marker, 1)[1]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="print every file, not only the counts")
    args = parser.parse_args()
    files = traced_files()
    by_package: dict[str, int] = {}
    for name in files:
        top = "/".join(name.split("/")[:2])
        by_package[top] = by_package.get(top, 0) + 1
    print(f"files a failing cell's query runs through (kernel-only mode): {len(files)}")
    for top, count in sorted(by_package.items(), key=lambda kv: -kv[1]):
        print(f"  {top:45} {count}")
    if args.list:
        print("\n".join(files))
    if not files:
        sys.exit("no LearnFlow code was traced: the kernel did not load the extension")


if __name__ == "__main__":
    main()
