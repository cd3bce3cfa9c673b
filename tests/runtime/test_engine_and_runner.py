"""The runner end to end on every bus x store pair: real broker, real databases."""

import asyncio
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from learnflow_agents.bus import Bus, Record
from learnflow_agents.contracts import DeadLetter, StudentQuery, Topic, decode
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.settings import Settings

from tests.fixtures.echo_agent import EchoAgent


class ProcessKilledError(Exception):
    """Stands in for the process dying at one exact point."""


class TopicReader:
    """Reads a topic from before the test acts (the memory bus trims what all groups read)."""

    def __init__(self, bus: Bus, topic: Topic) -> None:
        self.consumer = bus.consumer(f"reader-{topic.value}-{uuid4().hex[:6]}", [topic.value], "earliest")

    async def __aenter__(self) -> "TopicReader":
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def read(self, count: int, timeout: float = 20.0) -> list[Record]:
        """Records until `count` arrived (or the timeout), plus any late duplicates."""
        records: list[Record] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < count and asyncio.get_running_loop().time() < deadline:
            records.extend(await self.consumer.getmany(timeout=0.5))
        records.extend(await self.consumer.getmany(timeout=0.5))
        return records


async def started(settings: Settings, *agents: EchoAgent) -> Engine:
    engine = Engine(settings, agents=list(agents))
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics(settings.partitions)
    return engine


@pytest.mark.asyncio
async def test_every_query_is_answered_exactly_once(settings: Settings) -> None:
    agent = EchoAgent()
    engine = await started(settings, agent)
    try:
        queries = [(f"student-{i % 5}", StudentQuery(text=f"question {i}")) for i in range(40)]
        ids = await engine.submit_many(queries)
        replies = await asyncio.gather(*(engine.wait(qid, timeout=30) for qid in ids))
        assert [r.summary for r in replies] == [f"question {i}"[::-1] for i in range(40)]
        assert engine.store is not None
        for qid in ids:
            assert len(engine.store.get_replies(qid)) == 1
            record = engine.store.get_query(qid)
            assert record is not None and record.status == "answered"
        assert all(count == 1 for count in agent.calls.values())
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_each_students_queries_are_handled_in_order(settings: Settings) -> None:
    agent = EchoAgent()
    order: dict[str, list[int]] = {}
    original = agent.handle

    async def recording(request, ctx):  # type: ignore[no-untyped-def]
        order.setdefault(ctx.student_id, []).append(int(request.text.split()[-1]))
        return await original(request, ctx)

    agent.handle = recording  # type: ignore[method-assign]
    engine = await started(settings, agent)
    try:
        ids = []
        for i in range(30):
            ids += await engine.submit_many([(f"s{k}", StudentQuery(text=f"q {i}")) for k in range(12)])
        await asyncio.gather(*(engine.wait(qid, timeout=30) for qid in ids))
        assert len(order) == 12
        for student, seen in order.items():
            assert seen == sorted(seen), f"{student} handled out of order: {seen}"
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_crash_after_handling_before_commit_redelivers_without_a_second_reply(
    settings: Settings,
) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    first = AgentRunner(EchoAgent(), engine.bus, engine.store, group="crashy")
    await first.start()
    assert first._consumer is not None

    async def killed_before_commit(offsets: object) -> None:
        raise ProcessKilledError("killed after storing, before committing")

    first._consumer.commit = killed_before_commit  # type: ignore[method-assign]
    reader = TopicReader(engine.bus, Topic.AGENT_RESPONSES)
    await reader.__aenter__()
    try:
        qid = await engine.submit("ana", StudentQuery(text="only once"))
        await engine.wait(qid, timeout=30)
        with pytest.raises(ProcessKilledError):
            assert first._task is not None
            await first._task
        await first._consumer.stop()  # the dead process leaves the group, nothing committed

        again = EchoAgent()
        second = AgentRunner(again, engine.bus, engine.store, group="crashy")
        await second.start()
        for _ in range(100):
            if again.calls[str(qid)]:
                break
            await asyncio.sleep(0.2)
        await second.stop()
        assert again.calls[str(qid)] == 1, "the uncommitted message was not redelivered"
        assert len(engine.store.get_replies(qid)) == 1
        published = [r for r in await reader.read(1) if decode(r.topic, r.value).payload.query_id == qid]
        assert len(published) == 1
    finally:
        await reader.__aexit__()
        await engine.stop()


@pytest.mark.asyncio
async def test_poison_message_goes_to_dead_letter_and_the_next_is_handled(settings: Settings) -> None:
    engine = await started(settings, EchoAgent())
    assert engine.bus is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            await engine.bus.publish(Topic.STUDENT_QUERIES.value, "ana", b"\xff\xfe not json at all")
            bad = b'{"student_id": "ana", "payload": {"text": 3}}'
            await engine.bus.publish(Topic.STUDENT_QUERIES.value, "ana", bad)
            reply = await engine.ask("ana", StudentQuery(text="still alive?"), timeout=30)
            assert reply.summary == "?evila llits"
            payloads = [decode(r.topic, r.value).payload for r in await reader.read(2)]
        assert len(payloads) == 2
        assert all(isinstance(p, DeadLetter) and p.original_topic == "student-queries" for p in payloads)
        assert any("payload.text" in p.error for p in payloads)
        assert any("not json at all" in p.raw for p in payloads)
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_failing_handler_is_redelivered_until_it_succeeds(settings: Settings) -> None:
    agent = EchoAgent(fail_times=2, fail_on_text="flaky")
    engine = await started(settings, agent)
    try:
        qid = await engine.submit("ana", StudentQuery(text="flaky"))
        reply = await engine.wait(qid, timeout=30)
        assert reply.summary == "ykalf"
        assert agent.calls[str(qid)] == 3
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_handler_that_always_fails_is_dead_lettered_and_the_student_told(settings: Settings) -> None:
    agent = EchoAgent(fail_times=99, fail_on_text="doomed")
    engine = await started(settings, agent)
    assert engine.bus is not None and engine.store is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            qid = await engine.submit("ana", StudentQuery(text="doomed"))
            reply = await engine.wait(qid, timeout=30)
            letters = await reader.read(1)
        assert reply.status == "error"
        assert "echo agent told to fail" in reply.explanation
        record = engine.store.get_query(qid)
        assert record is not None and record.status == "failed"
        assert len(letters) == 1
        assert decode(letters[0].topic, letters[0].value).payload.attempts == 3
        ok = await engine.ask("ana", StudentQuery(text="next one"), timeout=30)
        assert ok.summary == "eno txen"
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_events_stream_a_students_replies_only(settings: Settings) -> None:
    engine = await started(settings, EchoAgent())
    try:
        stream = engine.events("ana")
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.5)  # let the subscription register before anything is published
        await engine.submit("bob", StudentQuery(text="not for ana"))
        qid: UUID = await engine.submit("ana", StudentQuery(text="for ana"))
        seen = [await asyncio.wait_for(first, 30)]
        while not any(getattr(e.payload, "summary", None) for e in seen):
            seen.append(await asyncio.wait_for(anext(stream), 30))
        assert all(e.student_id == "ana" for e in seen)
        assert any(getattr(e.payload, "query_id", None) == qid for e in seen)
        await stream.aclose()
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_queries_can_carry_the_students_learning_record(settings: Settings) -> None:
    engine = await started(settings)
    assert engine.store is not None
    try:
        await engine.submit("ana", StudentQuery(text="first question"))
        engine.store.upsert_mastery("ana", "lists", 0.8)
        asked = StudentQuery(text="give me an exercise", context={"skill_level": "advanced"})
        enriched = await engine.with_learning_record("ana", asked)
        assert enriched.context.mastery == {"lists": 0.8}
        assert enriched.context.skill_level == "advanced"  # the client's preference is kept
        # Topics the student declares known are kept beside what the store knows.
        await engine.submit("ana", StudentQuery(text="what is a loop?", target_agent="concepts"))
        declared = StudentQuery(text="an exercise", context={"topics_covered": ["functions"]})
        covered = (await engine.with_learning_record("ana", declared)).context.topics_covered
        assert "functions" in covered
        assert await engine.with_learning_record("nobody", asked) == asked
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_a_topic_declared_once_can_be_taken_back(settings: Settings) -> None:
    """`known_topics-=` works: declared topics are the query's and the saved preferences', not
    every topic an earlier query's context once carried (that context is stored on submit)."""
    engine = await started(settings)
    assert engine.store is not None

    async def covered(topics: list[str]) -> list[str]:
        query = StudentQuery(text="an exercise", context={"topics_covered": topics})
        query = await engine.with_learning_record("ana", query)
        await engine.submit("ana", query)  # stores this context, as the API and the kernel do
        return query.context.topics_covered

    try:
        assert await covered(["functions", "conditionals"]) == ["functions", "conditionals"]
        assert await covered(["functions"]) == ["functions"]
        assert await covered([]) == []
        # Saved preferences count even when a client sends no topics of its own.
        engine.store.set_preferences("ana", {"known_topics": ["loops"]})
        assert await covered([]) == ["loops"]
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_an_unsure_routing_reaches_the_student_with_a_choice(tmp_path: Path) -> None:
    """Through the real engine and the real tutors: a question triage can only guess at comes
    back answered by the guessed tutor and offering the others (ASK_AGENT actions)."""
    from learnflow_agents.contracts import Action, ActionKind, AgentReply

    settings = Settings(bus_url="memory://", db_url=f"sqlite:///{tmp_path}/lf.db", emit_logs=False)
    engine = Engine(settings)
    await engine.start()
    try:
        unsure = await engine.submit("amy", StudentQuery(text="hmm not sure"))
        clear = await engine.submit("amy", StudentQuery(text="what is a dictionary in python?"))
        unsure_reply = await engine.wait(unsure, timeout=60)
        clear_reply = await engine.wait(clear, timeout=60)
    finally:
        await engine.stop()
    def choices(reply: AgentReply) -> list[Action]:
        return [a for a in reply.actions if a.kind is ActionKind.ASK_AGENT and a.args.get("choice")]

    offered = [a.args["agent"] for a in choices(unsure_reply)]
    assert offered and unsure_reply.agent not in offered
    assert {a.args["text"] for a in choices(unsure_reply)} == {"hmm not sure"}
    assert choices(clear_reply) == []
