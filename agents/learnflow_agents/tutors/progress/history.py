"""A student's evidence, read back from their history (attempts and reply facts)."""

from collections.abc import Iterable

from learnflow_agents.runtime.history import StudentHistory
from learnflow_agents.tutors.progress.evidence import Evidence, from_attempt, from_reply_fields


def load_history(history: StudentHistory, limit: int = 1_000) -> list[Evidence]:
    """Every piece of evidence on record for the student, oldest first.

    Only the newest `limit` attempts and replies are read: BKT forgets its prior within a
    few observations, so older evidence no longer moves the estimate noticeably.
    """
    items: list[Evidence] = []
    for attempt in history.attempts(limit):
        items.extend(from_attempt(attempt))
    for facts in history.reply_facts(limit):
        item = from_reply_fields(
            facts.reply_id,
            facts.agent,
            facts.created_at,
            facts.status,
            [facts.concept] if facts.concept else None,
            facts.error_type,
            facts.helps,
        )
        if item is not None:
            items.append(item)
    return sorted(items, key=lambda e: e.sort_key)


def merge(history: Iterable[Evidence], new: Iterable[Evidence]) -> list[Evidence]:
    """History plus the items in `new` not already in it (same source and sequence)."""
    items = list(history)
    seen = {(e.source, e.seq) for e in items}
    items.extend(e for e in new if (e.source, e.seq) not in seen)
    return sorted(items, key=lambda e: e.sort_key)
