"""Small helpers shared by the server tests."""

import json
from typing import Any

DEBUG_QUERY: dict[str, Any] = {
    "text": "why does this fail?",
    "code": "scores = [90, 85]\nprint(scores[2])",
    "traceback": 'Traceback (most recent call last):\n  File "<cell>", line 2, in <module>\n'
    "IndexError: list index out of range",
    "target_agent": "debug",
    "source": "test",
}


def body(response: Any) -> Any:
    return json.loads(response.body.decode()) if response.body else None


async def post_json(jp_fetch: Any, path: str, data: Any, **kwargs: Any) -> Any:
    return await jp_fetch(
        "learnflow", "api", path, method="POST", body=json.dumps(data), raise_error=False, **kwargs
    )
