"""The key-parallel runner on every bus x store pair: one student's slow work never holds
another student's reply, and offsets are never committed past an unfinished record.

The two students of these tests share one partition on purpose: partitions were already
handled concurrently; what is tested is that records of different keys in ONE partition
are too. Handlers wait on events (latches), not on clocks.
"""

import asyncio
import itertools
from collections import Counter
from uuid import UUID

import pytest
from learnflow_agents.bus import Record, TopicPartition
from learnflow_agents.bus.partitioner import partition_for
from learnflow_agents.contracts import AgentReply, Provenance, StudentQuery, Topic, decode
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.settings import Settings

from tests.runtime.test_engine_and_runner import TopicReader, started


def same_partition_students(partitions: int, count: int = 2) -> list[str]:
    """`count` student ids whose records land in one partition of a per-student topic."""
    by_partition: dict[int, list[str]] = {}
    for i in itertools.count():
        student = f"student-{i}"
        group = by_partition.setdefault(partition_for(student, partitions), [])
        group.append(student)
        if len(group) == count:
            return group
    raise AssertionError("unreachable")


class LatchedAgent:
    """Answers at once, except for students in `held`: those wait until released."""

    name = "debug"
    topics = (Topic.STUDENT_QUERIES,)

    def __init__(self, held: set[str]) -> None:
        self.held = held
        self.release = asyncio.Event()
        self.started: list[str] = []
        self.calls: Counter[str] = Counter()
        self.running = 0
        self.most_running = 0

    async def handle(self, query: StudentQuery, ctx: HandlerContext) -> Outcome:
        self.started.append(ctx.student_id)
        self.calls[str(query.query_id)] += 1
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            if ctx.student_id in self.held:
                await self.release.wait()
        finally:
            self.running -= 1
        reply = AgentReply(
            query_id=query.query_id,
            agent=self.name,
            summary=f"answered {query.text}",
            provenance=Provenance(agent=self.name, provider="latch-fixture"),
        )
        return Outcome(reply=reply)


class OffsetSpy:
    """Records what a runner's consumer delivered and committed."""

    def __init__(self, runner: AgentRunner) -> None:
        consumer = runner._consumer
        assert consumer is not None
        self.delivered: dict[str, Record] = {}
        self.commits: list[dict[TopicPartition, int]] = []
        getmany, commit = consumer.getmany, consumer.commit

        async def spying_getmany(*args, **kwargs):  # type: ignore[no-untyped-def]
            records = await getmany(*args, **kwargs)
            for record in records:
                query = decode(record.topic, record.value).payload
                self.delivered[query.text] = record
            return records

        async def spying_commit(offsets: dict[TopicPartition, int]) -> None:
            self.commits.append(dict(offsets))
            await commit(offsets)

        consumer.getmany = spying_getmany  # type: ignore[method-assign]
        consumer.commit = spying_commit  # type: ignore[method-assign]

    def committed(self, tp: TopicPartition) -> list[int]:
        return [offsets[tp] for offsets in self.commits if tp in offsets]


async def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_a_slow_student_does_not_delay_another_students_reply(settings: Settings) -> None:
    slow, other = same_partition_students(settings.partitions)
    agent = LatchedAgent(held={slow})
    engine: Engine = await started(settings, agent)  # type: ignore[arg-type]
    try:
        held = [await engine.submit(slow, StudentQuery(text=f"slow {i}")) for i in range(3)]
        await wait_for(lambda: slow in agent.started)
        quick = await engine.submit(other, StudentQuery(text="quick"))
        # The slow student's first record is still running (the latch is closed), and
        # the other student's record was published after all three of theirs.
        reply = await engine.wait(quick, timeout=30)
        assert reply.summary == "answered quick"
        assert agent.started.count(slow) == 1, "the slow student's records stay in order, one at a time"
        assert engine.store is not None
        assert all(not engine.store.get_replies(qid) for qid in held)
        agent.release.set()
        replies = await asyncio.gather(*(engine.wait(qid, timeout=30) for qid in held))
        assert [r.summary for r in replies] == [f"answered slow {i}" for i in range(3)]
    finally:
        agent.release.set()
        await engine.stop()


@pytest.mark.asyncio
async def test_commit_never_passes_an_unfinished_record_and_a_crash_redelivers_it(
    settings: Settings,
) -> None:
    slow, other = same_partition_students(settings.partitions)
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    first_agent = LatchedAgent(held={slow})
    first = AgentRunner(first_agent, engine.bus, engine.store, group="fair-crashy")  # type: ignore[arg-type]
    await first.start()
    spy = OffsetSpy(first)
    reader = TopicReader(engine.bus, Topic.AGENT_RESPONSES)
    await reader.__aenter__()
    try:
        slow_id = await engine.submit(slow, StudentQuery(text="unfinished"))
        await wait_for(lambda: slow in first_agent.started)
        done_id = await engine.submit(other, StudentQuery(text="finished"))
        await engine.wait(done_id, timeout=30)
        unfinished, finished = spy.delivered["unfinished"], spy.delivered["finished"]
        assert unfinished.tp == finished.tp and unfinished.offset < finished.offset
        # The runner tries to commit after every fetch round; let it try a few times.
        await asyncio.sleep(1.0)
        assert all(offset <= unfinished.offset for offset in spy.committed(unfinished.tp))

        # The process dies with the slow record unfinished: nothing past it is committed.
        assert first._task is not None
        first._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first._task
        assert first._consumer is not None
        await first._consumer.stop()

        second_agent = LatchedAgent(held=set())
        second = AgentRunner(second_agent, engine.bus, engine.store, group="fair-crashy")  # type: ignore[arg-type]
        await second.start()
        reply = await engine.wait(slow_id, timeout=30)
        assert reply.summary == "answered unfinished"
        assert second_agent.calls[str(slow_id)] == 1, "the unfinished record was not redelivered"
        # The finished record came again too (it sat after the unfinished one) but
        # produced no second reply: its message id was already processed.
        await wait_for(lambda: second_agent.calls[str(done_id)] == 1)
        await second.stop()
        assert len(engine.store.get_replies(done_id)) == 1
        assert len(engine.store.get_replies(slow_id)) == 1
        published = [decode(r.topic, r.value).payload.query_id for r in await reader.read(2)]
        assert Counter(published)[done_id] == 1
        assert Counter(published)[slow_id] == 1
    finally:
        first_agent.release.set()
        await reader.__aexit__()
        await engine.stop()


@pytest.mark.asyncio
async def test_a_runner_holds_at_most_max_in_flight_records(settings: Settings) -> None:
    students = [f"bounded-{i}" for i in range(5)]
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    agent = LatchedAgent(held=set(students))
    runner = AgentRunner(agent, engine.bus, engine.store, group="bounded", max_in_flight=2)  # type: ignore[arg-type]
    await runner.start()
    try:
        ids: list[UUID] = [await engine.submit(s, StudentQuery(text=s)) for s in students]
        await wait_for(lambda: agent.running == 2)
        await asyncio.sleep(1.0)  # several fetch rounds: none may take a third record
        assert runner.in_flight == 2 and len(agent.started) == 2
        agent.release.set()
        replies = await asyncio.gather(*(engine.wait(qid, timeout=30) for qid in ids))
        assert sorted(r.summary for r in replies) == sorted(f"answered {s}" for s in students)
        assert agent.most_running == 2
    finally:
        agent.release.set()
        await runner.stop()
        await engine.stop()
