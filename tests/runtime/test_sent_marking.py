"""SentMarker hands its waiting ids to a write that marks them in its own transaction,
and marks what no write took itself after `linger`."""

import asyncio

import pytest
from learnflow_agents.runtime.batching import SentMarker


@pytest.mark.asyncio
async def test_a_write_takes_the_waiting_ids_and_the_marker_marks_only_the_rest() -> None:
    marked: list[list[int]] = []

    async def mark(ids: list[int]) -> None:
        marked.append(ids)

    marker = SentMarker(mark, linger=0.2)
    marker.add([1, 2])
    taken = marker.take()  # a write starting now marks these in its transaction
    assert taken == [1, 2]
    assert marker.take() == []
    marker.give_back([2])  # ... its transaction failed for 2 (say): back to the marker
    marker.add([3])
    await marker.close()
    assert sorted(i for batch in marked for i in batch) == [2, 3]


@pytest.mark.asyncio
async def test_ids_no_write_takes_are_marked_by_the_marker() -> None:
    done = asyncio.Event()
    marked: list[int] = []

    async def mark(ids: list[int]) -> None:
        marked.extend(ids)
        done.set()

    marker = SentMarker(mark, linger=0.01)
    marker.add([7])
    await asyncio.wait_for(done.wait(), 10)
    assert marked == [7]
    await marker.close()
