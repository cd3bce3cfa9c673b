"""Attacks on the query path: the shared runner, the group-committed writes and the bus, on
every bus x store pair (the in-process bus and the real Kafka-protocol broker; SQLite and
the real PostgreSQL), with the product's own triage and debug agents.

- A burst of malformed, oversized, binary and forged records lands in the same fetches and
  the same grouped writes as five students' real queries: each bad record is dead-lettered
  once, every real query gets its own agent's answer, and the runner stays up.
- Every record is delivered three times and the agent dies in the middle of a batch (its
  last write committed, the runner never told, nothing committed to the broker); a new
  runner in the group reads everything again: one reply per query, stored under its own
  student, published as one event (a copy may be sent again by the relay after the
  crash: at-least-once), and no effect written twice.
- Values the contract takes at its extremes (numbers of thousands of digits, astral and
  separator characters, the longest code) pass every encoder and database and are answered.
"""

import asyncio
import json
import threading
from collections import Counter
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from learnflow_agents.bus import Record
from learnflow_agents.contracts import (
    AgentReply,
    DeadLetter,
    StudentQuery,
    Topic,
    decode,
    encode,
    make_envelope,
)
from learnflow_agents.runtime.engine import Engine, load_agents
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.settings import Settings
from learnflow_agents.store.schema import outbox, processed_messages, replies

from tests.runtime.test_engine_and_runner import TopicReader
from tests.runtime.test_runner_poison import STUDENTS


def failing_cell(student: str, n: int, target: str | None = None, **fields: Any) -> StudentQuery:
    """A real failing cell whose diagnosis names the student's own variable."""
    name = f"{student}_total_{n}"
    code = f"{name} = 0\nprint({name[:-1]}x)\n"
    return StudentQuery(text="why does this fail?", code=code, target_agent=target, **fields)


async def started(settings: Settings, *names: str, run_agents: bool = True) -> Engine:
    # No names: all six agents, so wherever triage routes, someone answers.
    engine = Engine(settings, agents=load_agents(names) if names else None, run_agents=run_agents)
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics(settings.partitions)
    return engine


def table(url: str, t: sa.Table, *where: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(t).where(*where))]
    finally:
        engine.dispose()


def assert_owned(url: str, owner: dict[UUID, str]) -> None:
    """Every stored reply is its query's student's, and each query has one debug reply."""
    rows = table(url, replies, replies.c.query_id.in_(list(owner)))
    per_query = Counter((r["query_id"], r["agent"]) for r in rows)
    assert {q for q, agent in per_query if agent == "debug"} == set(owner)
    assert max(per_query.values()) == 1, per_query
    for row in rows:
        assert row["student_id"] == owner[row["query_id"]], row


def _poison(student: str) -> dict[str, bytes]:
    """Records no agent can take, each written as an attacker with broker access would."""
    good = make_envelope(Topic.STUDENT_QUERIES, student, StudentQuery(text="fine"))
    as_json = json.loads(encode(good))

    def variant(**changes: Any) -> bytes:
        doc = json.loads(json.dumps(as_json))
        for path, value in changes.items():
            where = doc
            *parents, last = path.split("__")
            for part in parents:
                where = where[part]
            where[last] = value
        return json.dumps(doc).encode()

    return {
        "binary": b"\x00\xff\xfe\x80 not json \x00" * 64,
        "invalid-utf8-json": b'{"student_id": "\xff\xfe", "payload": {"text": "\xc3\x28"}}',
        "empty": b"",
        "oversized-text": variant(payload__text="x" * 20_000),
        "deep-nesting": b'{"payload": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "nul-in-text": variant(payload__text="before\u0000after"),
        "lone-surrogate": variant(payload__text="\ud800"),
        "future-major-version": variant(schema_version="2.0"),
        "forged-student-id": variant(student_id="../../bob; DROP TABLE queries"),
        "not-an-envelope": json.dumps([1, 2, 3]).encode(),
    }


@pytest.mark.asyncio
async def test_poison_records_in_a_burst_are_dead_lettered_and_every_real_query_answered(
    settings: Settings,
) -> None:
    engine = await started(settings, "triage", "debug")
    assert engine.bus is not None and engine.store is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            poison = _poison("ana")
            # Interleaved with the real queries, on the same keys: the same partitions, lanes
            # and fetches, and (concurrent completions) the same grouped transactions.
            work: list[tuple[str, StudentQuery]] = []
            for n, (label, value) in enumerate(poison.items()):
                student = STUDENTS[n % len(STUDENTS)]
                await engine.bus.publish(Topic.STUDENT_QUERIES.value, student, value)
                work.append((student, failing_cell(student, n)))
                work.append((student, failing_cell(student, n + 100)))
                assert label
            ids = await engine.submit_many(work)
            answers = await asyncio.wait_for(
                asyncio.gather(*(engine.wait(qid, timeout=120) for qid in ids)), 180
            )
            letters = [decode(r.topic, r.value).payload for r in await reader.read(len(poison), timeout=60)]
        for (student, query), answer in zip(work, answers, strict=True):
            assert answer.agent == "debug" and answer.status == "ok", answer.summary
            assert answer.query_id == query.query_id
            own = query.code.split(" = ")[0] if query.code else ""
            assert own in answer.summary + answer.explanation, (student, answer.summary)
        assert_owned(settings.db_url, {qid: s for (s, _), qid in zip(work, ids, strict=True)})
        assert all(isinstance(letter, DeadLetter) for letter in letters)
        assert all(letter.error.startswith("[decode]") for letter in letters), [x.error for x in letters]
        assert len(letters) == len(poison), [letter.raw[:80] for letter in letters]
        for runner in engine.runners:
            assert runner.failed is None and runner.ready, runner.agent.name
    finally:
        await engine.stop()


class _CrashMidBatch:
    """The runner's store, whose `crash_on`-th grouped write commits and then never returns
    (the process died right after its transaction): the runner never learns it was written."""

    def __init__(self, store: Any, crash_on: int) -> None:
        self._store = store
        self.crash_on = crash_on
        self.writes = 0
        self.written: list[str] = []
        self.crashed = asyncio.Event()
        self.released = threading.Event()  # set when the test is done with the dead runner
        self._loop = asyncio.get_running_loop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def apply_effects(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        self.writes += 1
        result = self._store.apply_effects(batch, *args, **kwargs)
        self.written.extend(item.message_id for item in batch)
        if self.writes >= self.crash_on:
            self._loop.call_soon_threadsafe(self.crashed.set)
            self.released.wait(600)  # the dead process's thread, never heard from again
        return result


@pytest.mark.asyncio
async def test_triple_delivery_and_a_crash_mid_batch_give_one_reply_per_query_and_no_double_effects(
    settings: Settings,
) -> None:
    engine = await started(settings, "debug", run_agents=False)
    bus, store = engine.bus, engine.store
    assert bus is not None and store is not None
    work = [
        (STUDENTS[i % len(STUDENTS)], failing_cell(STUDENTS[i % len(STUDENTS)], i, "debug"))
        for i in range(15)
    ]
    group = f"learnflow-debug-{uuid4().hex[:6]}"
    crashy = _CrashMidBatch(store, crash_on=3)
    first = AgentRunner(load_agents(["debug"])[0], bus, crashy, group=group, batch_size=64)
    second: AgentRunner | None = None
    try:
        async with (
            TopicReader(bus, Topic.DEBUG_REQUESTS) as requests,
            TopicReader(bus, Topic.AGENT_RESPONSES) as responses,
        ):
            ids = await engine.submit_many(work)
            stored_requests = await requests.read(len(work))
            assert len(stored_requests) == len(work)
            # Every record again, twice, byte for byte: the same message ids.
            for _ in range(2):
                await bus.publish_many([(r.topic, r.key, r.value) for r in stored_requests])
            # The first runner never commits (as if each commit were lost with the process).
            await first.start()
            assert first._consumer is not None

            async def lost(offsets: object) -> None:
                return None

            first._consumer.commit = lost  # type: ignore[method-assign]
            await asyncio.wait_for(crashy.crashed.wait(), 120)
            # Dead: its task and lanes stop where they are; it leaves the group uncommitted.
            assert first.task is not None
            first.task.cancel()
            await asyncio.gather(first.task, return_exceptions=True)
            await first._consumer.stop()
            assert crashy.written, "the crash came before any write"

            second = AgentRunner(load_agents(["debug"])[0], bus, store, group=group, batch_size=64)
            await second.start()
            answers = await asyncio.wait_for(
                asyncio.gather(*(engine.wait(qid, timeout=120) for qid in ids)), 180
            )
            # Replies the dead runner stored but never published reach the topic through the
            # outbox relay once their lease runs out.
            published: list[Record] = []
            for _ in range(20):
                published.extend(await responses.read(len(work), timeout=5))
                seen = {decode(r.topic, r.value).payload.query_id for r in published}
                if seen >= set(ids):
                    break
        assert all(isinstance(a, AgentReply) and a.agent == "debug" for a in answers)
        owner = {qid: student for (student, _), qid in zip(work, ids, strict=True)}
        assert_owned(settings.db_url, owner)
        per_query = Counter(decode(r.topic, r.value).payload.query_id for r in published)
        assert set(per_query) == set(ids), "a stored reply was never published"
        # A runner killed between publishing a reply and marking it sent leaves it for the
        # relay, which publishes it again once its lease expires: delivery is at least once
        # (Kafka without transactions), so a copy may appear twice. What must not happen is
        # a second reply: every copy of a query's reply is the one stored event, byte for byte.
        copies: dict[UUID, set[bytes]] = {}
        for record in published:
            copies.setdefault(decode(record.topic, record.value).payload.query_id, set()).add(record.value)
        assert all(len(values) == 1 for values in copies.values()), "a query got two different replies"
        for record in published:
            envelope = decode(record.topic, record.value)
            assert envelope.student_id == owner[envelope.payload.query_id] == record.key
        # One inbox row per message, one outbox event per reply.
        inbox = table(settings.db_url, processed_messages, processed_messages.c.consumer_group == group)
        assert len(inbox) == len({row["message_id"] for row in inbox}) == len(work)
        events = table(settings.db_url, outbox, outbox.c.topic.like("%agent-responses"))
        assert len(events) == len(work), len(events)
        assert second.failed is None and second.ready
    finally:
        crashy.released.set()
        if second is not None:
            await second.stop()
        await engine.stop()


@pytest.mark.asyncio
async def test_valid_but_extreme_values_are_answered_not_dead_lettered(settings: Settings) -> None:
    """Values the contract takes (JSON numbers of thousands of digits, every plane of
    Unicode, the longest texts) must survive every encoder and both databases."""
    engine = await started(settings)
    assert engine.store is not None
    try:
        variable = {"name": "n", "type": "int", "length": 10**4000 - 1, "repr": "\U0001f600" * 300}
        extreme = [
            failing_cell("ana", 1, "debug", variables=[variable]),
            failing_cell("bo", 2, None, variables=[variable]),
            StudentQuery(text="\U0010fffd\u2028\u2029\ufeff" * 2000, code="x = '\U0001f600'\nprint(y)\n"),
            StudentQuery(
                text="why?", code="s = '" + "\u00e9" * 99_000 + "'\nprint(t)\n", target_agent="debug"
            ),
        ]
        ids = await engine.submit_many([(STUDENTS[i], q) for i, q in enumerate(extreme)])
        answers = await asyncio.wait_for(asyncio.gather(*(engine.wait(q, timeout=120) for q in ids)), 180)
        assert [a.status for a in answers] != [] and all(a.status != "error" for a in answers), [
            a.explanation[:300] for a in answers
        ]
        stored = engine.store.get_query(ids[0])
        assert stored is not None and stored.variables[0].length == 10**4000 - 1
        for runner in engine.runners:
            assert runner.dead_lettered == 0 and runner.failed is None, runner.agent.name
    finally:
        await engine.stop()
