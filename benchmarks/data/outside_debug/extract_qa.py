"""Build ``cases_qa.jsonl``: real beginners' failing programs from public Q&A pages.

Reads the hand-made ``qa_sources.jsonl`` (one row per question: the page's URL and title,
the page actually read, its licence, the asker's code as posted, the minimal edits that make
it a self-contained script, each recorded, and what it reads from ``input()``), applies the
edits, runs each program as a script ``cell.py`` under CPython 3.11 in its own subprocess
(temp dir, isolated mode, 10 s timeout, 1 GB address space, the recorded stdin) and keeps it
only when it raises the error type the asker reports, with the real stderr as ``traceback``.

Output rows: {id, source, title, licence, code, edits, stdin, error_type, message, kind,
traceback, split}; ``split`` is "holdout" for every 5th case by the SHA-256 of the code.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_qa.py
    .venv/bin/python benchmarks/data/outside_debug/labels.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract import kind_of, last_error  # noqa: E402
from extract_runtime import run_as_script  # noqa: E402


def apply_edits(code: str, edits: list[dict]) -> str:
    for edit in edits:
        if edit["old"] not in code:
            raise ValueError(f"edit {edit['what']!r} does not apply")
        code = code.replace(edit["old"], edit["new"], 1)
    return code


def main() -> int:
    text = (HERE / "qa_sources.jsonl").read_text(encoding="utf-8")
    sources = [json.loads(x) for x in text.splitlines() if x]
    rows, dropped = [], []
    for src in sources:
        code = apply_edits(src["code_as_posted"], src["edits"])
        stderr = run_as_script(code, stdin=src.get("stdin", ""))
        got = last_error(stderr) if stderr else None
        if got is None or got[0] != src["reported"]:
            dropped.append((src["id"], got))
            continue
        etype, message = got
        digest = hashlib.sha256(code.encode()).hexdigest()
        rows.append(
            {
                "id": src["id"],
                "source": src["url"],
                "read_at": src["read_at"],
                "title": src["title"],
                "licence": src["licence"],
                "code": code,
                "edits": [e["what"] for e in src["edits"]],
                "stdin": src.get("stdin", ""),
                "error_type": etype,
                "message": message,
                "kind": kind_of(message),
                "traceback": stderr,
                "split": "holdout" if int(digest, 16) % 5 == 0 else "dev",
            }
        )
    out = HERE / "cases_qa.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for row in sorted(rows, key=lambda r: r["id"]):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {(r["error_type"], r["kind"]) for r in rows}
    print(f"{len(rows)} cases, {len(kinds)} kinds -> {out}; dropped: {dropped}")
    print(f"  holdout {sum(r['split'] == 'holdout' for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
