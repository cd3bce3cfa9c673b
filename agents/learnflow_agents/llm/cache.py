"""Replies cached in the store by (agent, normalised query, relevant context), with a TTL.

"Relevant context" is what changes the answer: level and style, the concept asked for,
the prompt version, the model, the course policy and graded mode; the query's variable
summaries are part of the query (the prompt shows them). The prompt also shows the student's
recent questions and mastery, which a reply may quote: when it holds any, the student's id is
part of the context, so the entry is theirs alone (their re-run of a cell still hits); a
class shares entries only for prompts with nothing of a student's own in them.
"""

import asyncio
import hashlib
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from learnflow_agents.contracts import StudentQuery
from learnflow_agents.llm.stats import LLMStats

if TYPE_CHECKING:
    from learnflow_agents.store import Store

log = logging.getLogger("learnflow.llm")

KEY_PREFIX = "llm-reply:"
# Per-execution names that differ between two runs of the very same cell.
_VOLATILE = [
    (re.compile(r"/tmp/ipykernel_\d+/\d+\.py|<ipython-input-[\d-]+-[0-9a-f]+>"), "<cell>"),
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x…"),
    (re.compile(r"\bCell In\[\d+\]"), "Cell In[…]"),
]


def normalise_text(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?!. ")


def normalise_code(code: str) -> str:
    # Indentation is meaning in Python: only trailing space and blank edges go.
    return "\n".join(line.rstrip() for line in code.strip("\n").splitlines())


def normalise_traceback(traceback: str) -> str:
    for pattern, replacement in _VOLATILE:
        traceback = pattern.sub(replacement, traceback)
    return normalise_code(traceback)


def cache_key(agent: str, query: StudentQuery, context: dict[str, Any]) -> str:
    parts = {
        "agent": agent,
        "text": normalise_text(query.text),
        "code": normalise_code(query.code or ""),
        "traceback": normalise_traceback(query.traceback or ""),
        # The prompt shows the student's values: without them here, a second student asking
        # the same question would be served a reply written from the first one's data.
        "variables": [
            [v.name, v.type, v.length, v.shape, normalise_traceback(v.repr)] for v in query.variables
        ],
        **context,
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"{KEY_PREFIX}{digest}"


class ReplyCache:
    def __init__(self, ttl_seconds: float, stats: LLMStats) -> None:
        self.ttl_seconds = ttl_seconds
        self.stats = stats

    def enabled(self, store: "Store | None") -> bool:
        return store is not None and self.ttl_seconds > 0

    async def get(self, store: "Store | None", key: str) -> dict[str, Any] | None:
        if store is None or not self.enabled(store):
            return None
        try:
            value = await asyncio.to_thread(store.cache_get, key)
        except Exception as err:
            # A cache that cannot be read is a miss, never a failed answer.
            log.warning("llm cache read failed", extra={"error": str(err)})
            value = None
        if value is None:
            self.stats.cache_misses += 1
        else:
            self.stats.cache_hits += 1
        return value

    async def put(self, store: "Store | None", key: str, agent: str, value: dict[str, Any]) -> None:
        if store is None or not self.enabled(store):
            return
        try:
            await asyncio.to_thread(store.cache_put, key, agent, value, self.ttl_seconds)
        except Exception as err:
            log.warning("llm cache write failed", extra={"error": str(err)})
