"""Extract an outside set of SyntaxErrors from parso's list of code it must reject
(nothing here is written by hand).

Source: parso (github.com/davidhalter/parso, MIT licence), `test/failing_examples.py`,
whose `FAILING_EXAMPLES` are the snippets its error finder is tested to flag, each one
checked there against the running CPython. The list is built by that file's own code
(it appends version-specific examples), executed by CPython 3.11 in a child process.

Kept: the snippets this machine's CPython 3.11 rejects with SyntaxError, IndentationError or
TabError when the snippet is run as a script `cell.py`, and whose code is not already in
the CPython set (`cases.jsonl`), so the set only holds cases the tutor has not been worked
on. The real stderr of that run is the traceback.

    python benchmarks/data/outside_debug/extract_parso.py <parso git dir>   # -> cases_parso.jsonl

Output rows as in cases.jsonl, plus repo, commit, path and licence.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import PY311, SYNTAX_TYPES, compile_types
from fixture_rows import syntax_row

HERE = Path(__file__).resolve().parent
REPO = "davidhalter/parso"
COMMIT = "bfe30584415cde2e5a686512c2b109e1d06da3b6"
PATH = "test/failing_examples.py"

# The file builds its list with textwrap and version checks only; it is run as 3.11 sees it.
_DUMP = (
    "import json, sys\nns = {}\nexec(compile(sys.stdin.read(), 'failing_examples.py', 'exec'), ns)\n"
    "print(json.dumps(ns['FAILING_EXAMPLES']))\n"
)


def failing_examples(git_dir: str) -> list[str]:
    source = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{COMMIT}:{PATH}"], capture_output=True, check=True, text=True
    ).stdout
    done = subprocess.run(
        [PY311, "-I", "-c", _DUMP], input=source, capture_output=True, check=True, text=True
    )
    return json.loads(done.stdout)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    known = {json.loads(line)["code"] for line in (HERE / "cases.jsonl").open(encoding="utf-8")}
    snippets = list(dict.fromkeys(failing_examples(argv[1])))
    kinds = compile_types(snippets)
    rows: list[dict] = []
    dropped = {"compiles": 0, "already in cases.jsonl": 0, "no error line": 0}
    for src, compiled in zip(snippets, kinds, strict=True):
        if compiled not in SYNTAX_TYPES:
            dropped["compiles"] += 1
            continue
        if src in known:
            dropped["already in cases.jsonl"] += 1
            continue
        row = syntax_row(
            src,
            prefix="parso",
            source=f"parso/{PATH}",
            repo=REPO,
            commit=COMMIT,
            path=PATH,
            licence="MIT (parso)",
        )
        if row is None:
            dropped["no error line"] += 1
            continue
        rows.append(row)
    out = HERE / "cases_parso.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds_kept = len({r["kind"] for r in rows})
    print(f"{len(snippets)} snippets; {len(rows)} kept ({kinds_kept} kinds); dropped {dropped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
