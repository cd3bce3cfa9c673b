"""Group commit: concurrent callers share one transaction.

While one batch is being written, new items queue up; the next batch takes them all.
Under light load a batch is one item and nothing waits; under heavy load a handful of
transactions carry hundreds of items. No timers, so no latency is added.

A batch fails as a whole when its one transaction fails. With `split`, a failed batch
whose error `split(err)` calls per-item (a constraint one item violates, not a database
that is down) is written again in halves, down to single items, so only the item at
fault fails and its neighbours are written: one poison record never takes innocent
records down with it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from learnflow_agents import hot_path

log = logging.getLogger("learnflow.outbox")

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        # Per item a result, or an exception that fails that item alone.
        write: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        max_batch: int = 1000,
        *,
        split: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._split = split
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        return (await self.submit_many([item]))[0]

    async def submit_many(self, items: Sequence[T]) -> list[R]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="learnflow-group-commit")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in items]
        self._queue.extend(zip(items, futures, strict=True))
        self._wake.set()
        return list(await asyncio.gather(*futures))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("shutting down before the write"))
        self._queue.clear()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                try:
                    results = await self._write_isolating([item for item, _ in batch])
                except asyncio.CancelledError:
                    # Shutting down mid-write: the callers must hear about it, not wait forever.
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(RuntimeError("shutting down during the write"))
                    raise
                except Exception as err:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(err)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    # A write may fail single items (bad input) without failing the batch.
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)

    async def _write_isolating(self, items: list[T]) -> Sequence[R | BaseException]:
        """Write `items`; a per-item failure of a batch is narrowed down by halving it."""
        try:
            return await self._write(items)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            if len(items) == 1 or self._split is None or not self._split(err):
                raise
            log.info(
                "a grouped write failed; writing its items in smaller groups",
                extra={"items": len(items), "error": repr(err)[:300]},
            )
        results: list[R | BaseException] = []
        middle = len(items) // 2
        for half in (items[:middle], items[middle:]):
            try:
                results.extend(await self._write_isolating(half))
            except asyncio.CancelledError:
                raise
            except Exception as err:
                results.extend([err] * len(half))
        return results


class SentMarker:
    """Marks published outbox rows as sent, many publishers per transaction.

    Fire and forget: if the process dies before a flush, those rows are published
    again after their lease expires, which at-least-once consumers already tolerate.

    A busy process writes anyway (submissions, effects): such a write `take`s the ids
    waiting here and marks them in its own transaction, so marking costs no transaction
    of its own. The marker's own flush waits `linger` seconds for that to happen, and
    marks what is left (an idle process, the last rows before a pause).
    """

    def __init__(self, mark: Callable[[list[int]], Awaitable[object]], linger: float = 0.05) -> None:
        self._mark = mark
        self._linger = linger
        self._ids: list[int] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def give_back(self, ids: Sequence[int]) -> None:
        """Ids a write took and could not mark (its transaction failed)."""
        if ids:
            self.add(ids)

    def take(self) -> list[int]:
        """The ids waiting to be marked, for a write about to start: it marks them in its
        transaction, or hands them back with `add` if that transaction fails."""
        if hot_path.legacy:
            return []
        ids, self._ids = self._ids, []
        return ids

    def add(self, ids: Sequence[int]) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="learnflow-sent-marker")
        self._ids.extend(ids)
        self._wake.set()

    async def flush(self) -> None:
        while self._ids:
            ids, self._ids = self._ids, []
            await self._mark(ids)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._linger and not hot_path.legacy:
                await asyncio.sleep(self._linger)  # a write may take them meanwhile
            try:
                await self.flush()
            except Exception as err:
                log.warning("could not mark outbox rows sent", extra={"error": str(err)})
