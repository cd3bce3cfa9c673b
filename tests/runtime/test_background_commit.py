"""Offset commits are broker round trips that no reply waits for (issue 19): the runner
commits in the background while its fetch loop goes on, and the engine's feed wakes the
waiting callers before it commits. A commit that fails with anything but an outage still
ends the runner, as one in the loop did.

Each test holds a commit open (an event, not a clock) and checks that replies keep coming
meanwhile; with the commit awaited in the loop they would not, and the wait would fail.
"""

import asyncio
import contextlib

import pytest
from learnflow_agents.bus import TopicPartition
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime import engine as engine_module
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.settings import Settings

from tests.fixtures.echo_agent import EchoAgent
from tests.runtime.test_engine_and_runner import started


class HeldCommits:
    """Wraps a consumer's `commit`: every commit waits until `release` is set."""

    def __init__(self, consumer: object) -> None:
        self.release = asyncio.Event()
        self.started = 0
        self.done: list[dict[TopicPartition, int]] = []
        commit = consumer.commit  # type: ignore[attr-defined]

        async def held(offsets: dict[TopicPartition, int]) -> None:
            self.started += 1
            await self.release.wait()
            await commit(offsets)
            self.done.append(dict(offsets))

        consumer.commit = held  # type: ignore[attr-defined]


async def until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def feed_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Replies come from the live feed only: the store reader that answers waits older
    # than STORE_READ_AFTER would answer them even with the feed held.
    monkeypatch.setattr(engine_module, "STORE_READ_AFTER", 3600.0)


@pytest.mark.asyncio
async def test_a_runner_keeps_answering_while_its_commit_is_held(settings: Settings) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    runner = AgentRunner(EchoAgent(), engine.bus, engine.store, group="held-commits")
    await runner.start()
    assert runner._consumer is not None
    held = HeldCommits(runner._consumer)
    try:
        first = await engine.submit("ann", StudentQuery(text="first"))
        assert (await engine.wait(first, timeout=30)).summary == "tsrif"
        # The runner commits past `first`: that commit now waits on the held broker.
        await until(lambda: held.started >= 1)
        second = await engine.submit("bob", StudentQuery(text="second"))
        assert (await engine.wait(second, timeout=30)).summary == "dnoces"
        assert held.started >= 1 and not held.done, "answered while a commit was held"
        held.release.set()
        # Released, the commits go through.
        await until(lambda: not runner.in_flight and held.done)
        assert runner.ready and runner.failed is None
    finally:
        held.release.set()
        await runner.stop()
        await engine.stop()


@pytest.mark.asyncio
async def test_the_feed_wakes_waiters_before_it_commits(settings: Settings) -> None:
    engine = await started(settings, EchoAgent())
    assert engine._feed is not None
    held = HeldCommits(engine._feed)
    try:
        ids = [await engine.submit(f"s{i}", StudentQuery(text=f"q{i}")) for i in range(3)]
        replies = [await engine.wait(qid, timeout=30) for qid in ids]
        assert [r.summary for r in replies] == ["0q", "1q", "2q"]
        # The feed commits what it read after waking those waiters (a wait answered at once
        # may return before that commit has started): with that commit held, one more query
        # must still be answered.
        await until(lambda: held.started >= 1)
        later = await engine.submit("s3", StudentQuery(text="q3"))
        assert (await engine.wait(later, timeout=30)).summary == "3q"
        assert held.started >= 1 and not held.done
    finally:
        held.release.set()
        await engine.stop()


@pytest.mark.asyncio
async def test_a_commit_that_fails_for_a_reason_other_than_an_outage_ends_the_runner(
    settings: Settings,
) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    runner = AgentRunner(EchoAgent(), engine.bus, engine.store, group="broken-commits")
    await runner.start()
    assert runner._consumer is not None

    async def broken(offsets: dict[TopicPartition, int]) -> None:
        raise ValueError("a bug in committing")

    runner._consumer.commit = broken  # type: ignore[method-assign]
    try:
        qid = await engine.submit("cat", StudentQuery(text="boom"))
        assert (await engine.wait(qid, timeout=30)).summary == "moob"
        assert runner.task is not None
        with pytest.raises(ValueError, match="a bug in committing"):
            await asyncio.wait_for(asyncio.shield(runner.task), 30)
        assert isinstance(runner.failed, ValueError) and not runner.ready
    finally:
        with contextlib.suppress(ValueError):
            await runner.stop()
        await engine.stop()
