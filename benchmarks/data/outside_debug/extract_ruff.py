"""Extract an outside set of SyntaxErrors from ruff's parser test fixtures
(nothing here is written by hand).

Source: ruff (github.com/astral-sh/ruff, MIT licence), the invalid-program fixtures of its
Python parser: `crates/ruff_python_parser/resources/invalid/**/*.py` and
`crates/ruff_python_parser/resources/inline/err/*.py`, each a small program ruff's parser is
tested to reject. Every file is taken whole, as it is at `COMMIT`.

Kept: the files this machine's CPython 3.11 rejects with SyntaxError, IndentationError or
TabError when the file is run as a script `cell.py` (ruff also flags code 3.11 accepts, and
code only newer or older versions reject), whose code is not already in the CPython set
(`cases.jsonl`) or the parso set (`cases_parso.jsonl`). The real stderr of that run is the
traceback. At most `CAP` cases per message kind, the first by SHA-256 of the code, so that no
wording dominates; "invalid syntax" names nothing, so its cap is per token CPython's caret
points at (the token `labels.py` labels it by), which keeps its different mistakes apart.

    python benchmarks/data/outside_debug/extract_ruff.py <ruff git dir>   # -> cases_ruff.jsonl

Output rows as in cases.jsonl, plus repo, commit, path and licence.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import SYNTAX_TYPES, compile_types
from fixture_rows import syntax_row
from labels import caret_token

HERE = Path(__file__).resolve().parent
REPO = "astral-sh/ruff"
COMMIT = "fca5c7cf2cd2f8338f18b9485f936b8e9f07bd0b"
ROOTS = ("crates/ruff_python_parser/resources/invalid/", "crates/ruff_python_parser/resources/inline/err/")
CAP = 6


def _git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, *args], capture_output=True, check=True).stdout


def fixtures(git_dir: str) -> list[tuple[str, str]]:
    """(path, text) of every invalid-program fixture at COMMIT, in path order."""
    paths = _git(git_dir, "ls-tree", "-r", "--name-only", COMMIT, "crates/ruff_python_parser/resources/")
    return [
        (path, _git(git_dir, "show", f"{COMMIT}:{path}").decode("utf-8"))
        for path in sorted(paths.decode().splitlines())
        if path.endswith(".py") and path.startswith(ROOTS)
    ]


def cap_key(row: dict) -> str:
    if row["message"] == "invalid syntax":
        return f"invalid syntax @ {caret_token(row['code'])!r}"
    return f"{row['error_type']}: {row['kind']}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    known = {
        json.loads(line)["code"]
        for name in ("cases.jsonl", "cases_parso.jsonl")
        for line in (HERE / name).open(encoding="utf-8")
    }
    found = fixtures(argv[1])
    seen: set[str] = set()
    unique = []
    for path, src in found:
        if src not in seen:
            seen.add(src)
            unique.append((path, src))
    kinds = compile_types([src for _, src in unique])
    rows: list[dict] = []
    dropped = Counter({"duplicate file": len(found) - len(unique)})
    for (path, src), compiled in zip(unique, kinds, strict=True):
        if compiled not in SYNTAX_TYPES:
            dropped["compiles under 3.11" if compiled is None else f"other: {compiled}"] += 1
            continue
        if src in known:
            dropped["already in cases.jsonl/cases_parso.jsonl"] += 1
            continue
        row = syntax_row(
            src,
            prefix="ruff",
            source=f"{path}@{COMMIT}",
            repo=REPO,
            commit=COMMIT,
            path=path,
            licence="MIT (ruff, Copyright (c) 2022 Charles Marsh)",
        )
        if row is None:
            dropped["no error line"] += 1
            continue
        rows.append(row)
    per_key: Counter[str] = Counter()
    kept: list[dict] = []
    for row in sorted(rows, key=lambda r: hashlib.sha256(r["code"].encode()).hexdigest()):
        key = cap_key(row)
        per_key[key] += 1
        if per_key[key] > CAP:
            dropped[f"over the cap of {CAP} per kind"] += 1
            continue
        kept.append(row)
    kept.sort(key=lambda r: r["path"])
    out = HERE / "cases_ruff.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for row in kept:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    types = Counter(r["error_type"] for r in kept)
    splits = Counter(r["split"] for r in kept)
    print(
        f"{len(found)} fixtures; {len(kept)} kept ({len({r['kind'] for r in kept})} kinds, "
        f"{len({cap_key(r) for r in kept})} capped keys; {dict(types)}; {dict(splits)}); "
        f"dropped {dict(dropped)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
