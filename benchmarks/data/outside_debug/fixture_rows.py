"""The row both fixture extractors (`extract_parso.py`, `extract_ruff.py`) make of one snippet.

Shared so the two outside SyntaxError sets keep one row shape and one split rule: a case is
scored the same way whichever parser's test suite it came from.
"""

from __future__ import annotations

import hashlib

from extract import SYNTAX_TYPES, kind_of, last_error, run_as_script


def syntax_row(
    src: str, *, prefix: str, source: str, repo: str, commit: str, path: str, licence: str
) -> dict | None:
    """The case for `src` run as a script, or None when its stderr names no syntax error.

    The split is fixed by the SHA-256 of the code (one in five to holdout), so re-running an
    extractor never moves a case between dev and holdout.
    """
    stderr = run_as_script(src)
    found = last_error(stderr) if stderr else None
    if found is None or found[0] not in SYNTAX_TYPES:
        return None
    etype, message = found
    digest = hashlib.sha256(src.encode()).hexdigest()
    return {
        "id": f"{prefix}-{digest[:10]}",
        "source": source,
        "repo": repo,
        "commit": commit,
        "path": path,
        "licence": licence,
        "code": src,
        "error_type": etype,
        "message": message,
        "kind": kind_of(message),
        "traceback": stderr,
        "split": "holdout" if int(digest, 16) % 5 == 0 else "dev",
    }
