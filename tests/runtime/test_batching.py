"""Group commit: concurrent callers share writes; one bad item fails only its caller."""

import asyncio

import pytest
from learnflow_agents.runtime.batching import GroupCommit, SentMarker


@pytest.mark.asyncio
async def test_concurrent_callers_share_batches_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[object]:
        batches.append(items)
        await asyncio.sleep(0.01)  # while this write runs, the others queue up
        return [ValueError(f"bad {i}") if i == 13 else i * 10 for i in items]

    group: GroupCommit[int, object] = GroupCommit(write)
    results = await asyncio.gather(*(group.submit(i) for i in range(40)), return_exceptions=True)
    assert [r for r in results if not isinstance(r, Exception)] == [i * 10 for i in range(40) if i != 13]
    assert isinstance(results[13], ValueError) and str(results[13]) == "bad 13"
    assert sorted(i for batch in batches for i in batch) == list(range(40))
    assert len(batches) < 40, "callers did not share a single write"
    await group.close()


@pytest.mark.asyncio
async def test_a_failed_write_fails_every_caller_in_it_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def write(items: list[str]) -> list[object]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database gone")
        return list(items)

    group: GroupCommit[str, object] = GroupCommit(write)
    with pytest.raises(ConnectionError):
        await group.submit("first")
    assert await group.submit("second") == "second"
    await group.close()


@pytest.mark.asyncio
async def test_closing_mid_write_fails_the_waiting_callers_instead_of_hanging_them() -> None:
    started = asyncio.Event()

    async def write(items: list[str]) -> list[object]:
        started.set()
        await asyncio.sleep(60)
        return list(items)

    group: GroupCommit[str, object] = GroupCommit(write)
    waiting = asyncio.ensure_future(group.submit("stuck"))
    await started.wait()
    await group.close()
    with pytest.raises(RuntimeError, match="shutting down"):
        await asyncio.wait_for(waiting, 5)


@pytest.mark.asyncio
async def test_sent_marker_marks_in_shared_batches_and_flushes_on_close() -> None:
    marked: list[list[int]] = []

    async def mark(ids: list[int]) -> None:
        marked.append(ids)
        await asyncio.sleep(0.01)

    marker = SentMarker(mark)
    for i in range(10):
        marker.add([i])
    await marker.close()
    assert sorted(i for batch in marked for i in batch) == list(range(10))
    assert len(marked) < 10
