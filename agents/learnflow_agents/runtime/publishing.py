"""Turning outcomes into outbox events, and publishing outbox rows."""

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from learnflow_agents.bus import Bus
from learnflow_agents.contracts import Topic, encode, make_envelope

if TYPE_CHECKING:
    from learnflow_agents.runtime.batching import SentMarker
    from learnflow_agents.store import OutboxEvent, OutboxRow, Store

log = logging.getLogger("learnflow.outbox")


def outbox_event(topic: Topic | str, student_id: str, payload: BaseModel, trace_id: str) -> "OutboxEvent":
    from learnflow_agents.store import OutboxEvent

    envelope = make_envelope(topic, student_id, payload, trace_id)
    return OutboxEvent(topic=str(topic), key=student_id, value=encode(envelope))


async def publish_rows(
    bus: Bus, store: "Store", rows: Sequence["OutboxRow"], marker: "SentMarker | None" = None
) -> bool:
    """Publish freshly written outbox rows now; on failure hand them to the relay.

    Returns True when they were published. A failure is not an error for the caller:
    the rows are durable, and releasing their lease lets the relay retry with backoff.
    """
    if not rows:
        return True
    ids = [row.id for row in rows]
    try:
        await bus.publish_many([(row.topic, row.key, row.value) for row in rows])
    except Exception as err:
        log.warning("publish failed, relay will retry", extra={"events": len(rows), "error": str(err)})
        await asyncio.to_thread(store.release_outbox, ids, str(err))
        return False
    if marker is not None:
        marker.add(ids)
    else:
        await asyncio.to_thread(store.mark_sent, ids)
    return True
