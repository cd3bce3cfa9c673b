"""No single record stops an agent (issue 13): poison records on every bus x store pair.

A record whose effects can never be stored (an agent request whose query has no row) or
whose events the broker refuses (a reply too large) is retried, dead-lettered with the
stage that failed, and committed past; the records behind it flow. A store that is down
is not a poison record: nothing is dead-lettered or committed past it, and every query
is answered once it is back. A runner that dies anyway says so (`failed`).
"""

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from learnflow_agents.bus import Bus, Record
from learnflow_agents.contracts import (
    AgentRequest,
    DeadLetter,
    StudentQuery,
    Topic,
    decode,
    encode,
    make_envelope,
)
from learnflow_agents.runtime.batching import GroupCommit
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.runtime.runner import AgentRunner, is_outage
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store
from sqlalchemy.engine import make_url

from tests.fixtures.echo_agent import EchoAgent
from tests.fixtures.kafka_broker import free_port
from tests.fixtures.tcp_proxy import TcpProxy
from tests.runtime.test_engine_and_runner import TopicReader, started
from tests.runtime.test_runner_fairness import wait_for

STUDENTS = ("ana", "bo", "cy", "di", "ed")


async def publish_ghost_request(bus: Bus, student: str = "ana") -> UUID:
    """An agent request for a query that was never stored: its reply cannot be stored."""
    query = StudentQuery(text="ghost", target_agent="debug")
    envelope = make_envelope(Topic.DEBUG_REQUESTS, student, AgentRequest(query=query), "trace-ghost")
    await bus.publish(Topic.DEBUG_REQUESTS.value, student, encode(envelope))
    return query.query_id


def debug_queries(label: str, count: int = 20) -> list[tuple[str, StudentQuery]]:
    # Straight to the debug agent: the first student's land behind the poison record,
    # in its partition and its lane.
    return [
        (STUDENTS[i % len(STUDENTS)], StudentQuery(text=f"{label} {i}", target_agent="debug"))
        for i in range(count)
    ]


def letters_of(records: list[Record]) -> list[DeadLetter]:
    return [decode(r.topic, r.value).payload for r in records]


@pytest.mark.asyncio
async def test_a_request_without_its_query_is_dead_lettered_and_the_next_20_are_answered(
    settings: Settings,
) -> None:
    agent = EchoAgent()
    engine = await started(settings, agent)
    assert engine.bus is not None and engine.store is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            ghost = await publish_ghost_request(engine.bus)
            queries = debug_queries("after the ghost")
            ids = await engine.submit_many(queries)
            replies = await asyncio.wait_for(
                asyncio.gather(*(engine.wait(qid, timeout=60) for qid in ids)), 90
            )
            letters = letters_of(await reader.read(1))
        assert [r.summary for r in replies] == [q.text[::-1] for _, q in queries]
        assert len(letters) == 1
        letter = letters[0]
        assert letter.original_topic == Topic.DEBUG_REQUESTS.value
        assert letter.error.startswith("[store] IntegrityError"), letter.error
        assert str(ghost) in letter.raw
        assert engine.store.get_replies(ghost) == []
        runner = engine.runners[0]
        assert runner.failed is None and runner.ready
        assert runner.dead_lettered == 1
        assert runner.stage_failures["store"] >= 1
        assert all(agent.calls[str(qid)] == 1 for qid in ids)
    finally:
        await engine.stop()


@pytest.mark.asyncio
async def test_a_restarted_runner_does_not_meet_the_poison_record_again(settings: Settings) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    first = AgentRunner(EchoAgent(), engine.bus, engine.store, group="poison-restart")
    await first.start()
    second: AgentRunner | None = None
    try:
        ghost = await publish_ghost_request(engine.bus)
        after = await engine.submit("ana", StudentQuery(text="behind the ghost", target_agent="debug"))
        assert (await engine.wait(after, timeout=60)).summary == "tsohg eht dniheb"
        await wait_for(lambda: first.dead_lettered == 1)
        await first.stop()  # commits what is done: the poison record too
        assert first.failed is None

        again_agent = EchoAgent()
        second = AgentRunner(again_agent, engine.bus, engine.store, group="poison-restart")
        await second.start()
        again = await engine.submit("ana", StudentQuery(text="after the restart", target_agent="debug"))
        # Same partition and lane as the poison record: had it come again, it would have
        # been handled before this one.
        assert (await engine.wait(again, timeout=60)).summary == "tratser eht retfa"
        assert again_agent.calls[str(ghost)] == 0, "the poison record was delivered again"
        assert again_agent.calls[str(after)] == 0
        assert second.failed is None and second.ready and second.dead_lettered == 0
    finally:
        if first.ready:
            await first.stop()
        if second is not None:
            await second.stop()
        await engine.stop()


class StoreOutage:
    """A Store of its own for the runner, and a way to cut it off its database.

    PostgreSQL: the runner connects through a TCP proxy that is cut (refused and dropped
    connections, as when the server dies). SQLite: the store's engine is swapped for one
    whose database file cannot be opened (there is no server to cut).
    """

    def __init__(self, store_url: str, tmp_path: Path) -> None:
        self.url = make_url(store_url)
        self.tmp_path = tmp_path
        self.proxy: TcpProxy | None = None
        self.store: Store | None = None
        self._saved: sa.Engine | None = None

    def open(self) -> Store:
        url = self.url
        if url.get_backend_name() == "postgresql":
            self.proxy = TcpProxy(free_port(), url.port or 5432)
            self.proxy.start()
            url = url.set(host="127.0.0.1", port=self.proxy.listen_port)
        self.store = Store.open(url, upgrade=False)
        return self.store

    def cut(self) -> None:
        assert self.store is not None
        if self.proxy is not None:
            self.proxy.cut()
        else:
            self._saved = self.store._engine
            self.store._engine = sa.create_engine(f"sqlite:///{self.tmp_path / 'gone' / 'nothing.sqlite3'}")

    def restore(self) -> None:
        assert self.store is not None
        if self.proxy is not None:
            self.proxy.restore()
        elif self._saved is not None:
            self.store._engine.dispose()
            self.store._engine, self._saved = self._saved, None

    def close(self) -> None:
        self.restore()
        if self.store is not None:
            self.store.close()
        if self.proxy is not None:
            self.proxy.close()


@pytest.fixture
def store_outage(store_url: str, tmp_path: Path) -> Iterator[StoreOutage]:
    outage = StoreOutage(store_url, tmp_path)
    try:
        yield outage
    finally:
        outage.close()


@pytest.mark.asyncio
async def test_a_store_outage_dead_letters_nothing_and_every_query_is_answered_when_it_is_back(
    settings: Settings, store_outage: StoreOutage
) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    agent = EchoAgent()
    runner = AgentRunner(agent, engine.bus, store_outage.open(), group="store-outage", retry_backoff=0.05)
    await runner.start()
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            warm = await engine.submit("ana", StudentQuery(text="warm", target_agent="debug"))
            await engine.wait(warm, timeout=60)

            store_outage.cut()
            queries = debug_queries("during the outage")
            ids = await engine.submit_many(queries)  # the engine's own store is still up
            await wait_for(lambda: runner.store_unavailable_since is not None)
            await wait_for(lambda: sum(agent.calls[str(qid)] for qid in ids) >= len(STUDENTS))
            await asyncio.sleep(2.0)  # several rounds of retries and commits
            assert runner.dead_lettered == 0 and runner.failed is None and runner.ready
            assert runner.stage_failures["store"] == 0, "an outage was taken for a poison record"
            assert all(not engine.store.get_replies(qid) for qid in ids)
            # Nothing was committed past the waiting records.
            assert await engine.bus.lag("store-outage") >= len(ids)

            store_outage.restore()
            replies = await asyncio.wait_for(
                asyncio.gather(*(engine.wait(qid, timeout=60) for qid in ids)), 90
            )
            assert [r.summary for r in replies] == [q.text[::-1] for _, q in queries]
            letters = await reader.read(1, timeout=2.0)
        assert letters == []
        assert runner.dead_lettered == 0 and runner.store_unavailable_since is None
        for qid in ids:
            assert len(engine.store.get_replies(qid)) == 1
            assert agent.calls[str(qid)] == 1, "storing is retried, not the handler"
            record = engine.store.get_query(qid)
            assert record is not None and record.status == "answered"
    finally:
        store_outage.restore()
        await runner.stop()
        await engine.stop()


class RecordTooLargeError(Exception):
    """What a producer says about a record above its size limit (not retriable)."""


class SizeLimitedBus:
    """The in-process bus with a producer's record size limit (Kafka's is 1 MiB by default)."""

    def __init__(self, bus: Bus, limit: int = 1_048_576) -> None:
        self._bus = bus
        self.limit = limit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)

    async def publish(self, topic: str, key: str | None, value: bytes) -> None:
        await self.publish_many([(topic, key, value)])

    async def publish_many(self, records: Sequence[tuple[str, str | None, bytes]]) -> None:
        for topic, _, value in records:
            if len(value) > self.limit:
                raise RecordTooLargeError(f"a {len(value)}-byte record for {topic} is over {self.limit}")
        await self._bus.publish_many(records)


class OversizedAgent(EchoAgent):
    """Echoes, except that a query saying "oversized" gets a reply too large for the broker."""

    async def handle(self, request: StudentQuery | AgentRequest, ctx: HandlerContext) -> Outcome:
        outcome = await super().handle(request, ctx)
        query = request if isinstance(request, StudentQuery) else request.query
        if query.text == "oversized" and outcome.reply is not None:
            outcome.reply = outcome.reply.model_copy(update={"data": {"blob": "x" * 1_500_000}})
        return outcome


@pytest.mark.asyncio
async def test_a_reply_the_broker_refuses_is_dead_lettered_and_later_records_flow(settings: Settings) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    # A real broker's producer refuses the record itself; in process, the limit is simulated.
    bus = engine.bus if settings.bus_url.startswith("kafka") else SizeLimitedBus(engine.bus)
    runner = AgentRunner(OversizedAgent(), bus, engine.store, group="refused")  # type: ignore[arg-type]
    await runner.start()
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            big = await engine.submit("ana", StudentQuery(text="oversized", target_agent="debug"))
            queries = [("ana", StudentQuery(text=f"small {i}", target_agent="debug")) for i in range(5)]
            ids = await engine.submit_many(queries)
            replies = await asyncio.wait_for(
                asyncio.gather(*(engine.wait(qid, timeout=60) for qid in ids)), 90
            )
            letters = letters_of(await reader.read(1))
        assert [r.summary for r in replies] == [f"small {i}"[::-1] for i in range(5)]
        assert len(letters) == 1
        assert letters[0].error.startswith("[publish] "), letters[0].error
        assert "TooLarge" in letters[0].error
        assert str(big) in letters[0].raw
        # The reply is stored (readable through the API), only the broker refused it; the
        # refused event is closed so the relay does not retry it forever.
        stored = engine.store.get_replies(big)
        assert len(stored) == 1 and stored[0].data["blob"]
        await wait_for(lambda: engine.store.outbox_pending_count() == 0)
        assert runner.failed is None and runner.dead_lettered == 1
        assert runner.stage_failures["publish"] >= 1
    finally:
        await runner.stop()
        await engine.stop()


@pytest.mark.asyncio
async def test_a_handler_dead_letter_names_its_stage(settings: Settings) -> None:
    engine = await started(settings, EchoAgent(fail_times=99, fail_on_text="doomed"))
    assert engine.bus is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            reply = await engine.ask("ana", StudentQuery(text="doomed"), timeout=30)
            letters = letters_of(await reader.read(1))
        assert reply.status == "error"
        assert letters[0].error.startswith("[handle] RuntimeError: echo agent told to fail")
    finally:
        await engine.stop()


class CommitBugError(Exception):
    """Not an outage: a bug in committing."""


@pytest.mark.asyncio
async def test_a_runner_that_dies_anyway_says_so(settings: Settings) -> None:
    engine = await started(settings)
    assert engine.bus is not None and engine.store is not None
    runner = AgentRunner(EchoAgent(), engine.bus, engine.store, group="buggy")
    await runner.start()
    assert runner._consumer is not None

    async def broken_commit(offsets: object) -> None:
        raise CommitBugError("commit exploded")

    runner._consumer.commit = broken_commit  # type: ignore[method-assign]
    try:
        assert runner.failed is None and runner.ready and runner.task is not None
        await engine.submit("ana", StudentQuery(text="trigger", target_agent="debug"))
        await wait_for(lambda: runner.failed is not None)
        assert isinstance(runner.failed, CommitBugError)
        assert not runner.ready and runner.task.done()
    finally:
        with pytest.raises(CommitBugError):
            await runner.stop()
        await engine.stop()


# -- group commit: one poison item does not fail the items sharing its transaction ---------


class PoisonError(Exception):
    pass


@pytest.mark.asyncio
async def test_group_commit_splits_a_batch_so_only_the_poison_item_fails() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        if 13 in items:
            raise PoisonError("item 13 violates a constraint")  # fails its whole transaction
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(write, split=lambda err: isinstance(err, PoisonError))
    results = await asyncio.gather(*(group.submit(i) for i in range(40)), return_exceptions=True)
    assert isinstance(results[13], PoisonError)
    assert [r for i, r in enumerate(results) if i != 13] == [i * 10 for i in range(40) if i != 13]
    assert any(len(b) > 1 for b in batches), "the items never shared a write"
    await group.close()


@pytest.mark.asyncio
async def test_group_commit_does_not_split_on_an_outage() -> None:
    calls = Counter[int]()

    async def write(items: list[int]) -> list[int]:
        calls[len(items)] += 1
        await asyncio.sleep(0.01)
        raise ConnectionError("database gone")

    group: GroupCommit[int, int] = GroupCommit(write, split=lambda err: not is_outage(err))
    results = await asyncio.gather(*(group.submit(i) for i in range(20)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert sum(calls.values()) < 20, "an outage was written item by item"
    await group.close()


def test_outages_and_poison_are_told_apart() -> None:
    from learnflow_agents.bus import BusUnavailable
    from learnflow_agents.store.errors import InvalidDataError

    orig = Exception("driver")
    assert is_outage(sa.exc.OperationalError("SELECT 1", {}, orig))
    assert is_outage(sa.exc.InterfaceError("SELECT 1", {}, orig))
    assert is_outage(BusUnavailable("broker gone"))
    assert not is_outage(sa.exc.IntegrityError("INSERT", {}, orig))
    assert not is_outage(sa.exc.DataError("INSERT", {}, orig))
    assert not is_outage(InvalidDataError("NUL in reply"))
    assert not is_outage(RecordTooLargeError("too big"))
