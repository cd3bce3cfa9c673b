"""Schemathesis hooks for test_schemathesis.py (loaded by `st run` through SCHEMATHESIS_HOOKS).

- Count every response the run received, and the server errors among them, and write the
  counts as JSON to $LEARNFLOW_ST_COUNTS when the run ends. The counts are the run's own, not
  inferred from its summary (which counts test cases, not requests).
- Hold long polls briefly: a valid `?wait=` above MAX_HELD_WAIT seconds is sent as a value
  below it (still valid, so every check still applies). The server holds such a request
  until the reply is stored or the wait ends, and with thousands of generated questions
  queued for the agents a wait of up to 60 s would be served in full, request after request.
  Invalid waits (negative, over 60, not a number) are sent as generated.
"""

import atexit
import collections
import json
import os
import threading
from typing import Any

import schemathesis

MAX_HELD_WAIT = 2.0
MAX_WAIT = 60.0

_lock = threading.Lock()
_counts: collections.Counter[str] = collections.Counter()
_statuses: collections.Counter[int] = collections.Counter()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    query = case.query
    if not isinstance(query, dict) or "wait" not in query:
        return
    value = query["wait"]
    if isinstance(value, bool):
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        return
    if MAX_HELD_WAIT < number <= MAX_WAIT:
        query["wait"] = round(number % MAX_HELD_WAIT, 3)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    with _lock:
        _counts["requests"] += 1
        _statuses[response.status_code] += 1
        if response.status_code >= 500:
            _counts["server_errors"] += 1
        label = f"{case.method.upper()} {case.path}"
        _counts[f"op:{label}"] += 1


def _write() -> None:
    path = os.environ.get("LEARNFLOW_ST_COUNTS")
    if not path:
        return
    with _lock:
        data = {
            "requests": _counts["requests"],
            "server_errors": _counts["server_errors"],
            "statuses": {str(code): n for code, n in sorted(_statuses.items())},
            "operations": {k[3:]: n for k, n in sorted(_counts.items()) if k.startswith("op:")},
        }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1)


atexit.register(_write)
