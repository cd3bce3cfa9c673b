"""Attack on the grouped submission: two students race for one client-chosen query id, so
that both filings land in the same group-committed transaction (the gateway's engine
batches concurrent callers). One of them gets the id; the other is told 409 and nothing of
theirs is stored, answered or shown to either, whoever wins. Through the student API
module (what the gateway and the server extension wrap) with the real engine and debug
agent, on every bus x store pair.
"""

import asyncio
import threading
from uuid import uuid4

import pytest
from learnflow_agents.api import ApiError, Caller
from learnflow_agents.api import student as api
from learnflow_agents.runtime.engine import Engine, load_agents
from learnflow_agents.settings import Settings
from learnflow_agents.store.schema import queries, replies

from tests.attacks.test_query_path_attacks import table

ROUNDS = 20


def _body(student: str, query_id: str, n: int) -> dict[str, object]:
    name = f"{student}_marker_{n}"
    return {
        "query_id": query_id,
        "text": "why does this fail?",
        "code": f"{name} = 1\nprint({name}x)\n",
        "target_agent": "debug",
    }


@pytest.mark.asyncio
async def test_two_students_racing_for_one_query_id_in_one_batch(settings: Settings) -> None:
    engine = Engine(settings, agents=load_agents(["debug"]))
    await engine.start()
    assert engine.bus is not None
    await engine.bus.create_topics(settings.partitions)
    alice, bob = Caller("alice"), Caller("bob")
    store = engine.store
    assert store is not None
    batch_sizes: list[int] = []
    write = store.submit_queries
    # The writer is held on a third student's query until both racers are queued behind
    # it, so every round's two filings share one transaction however loaded the machine
    # (left to timing, a busy machine wrote them one by one and the race never happened).
    holding, release = threading.Event(), threading.Event()

    def observed(batch, *args, **kwargs):  # the real write, its batch size noted
        batch_sizes.append(len(batch))
        if any(item.student_id == "carol" for item in batch):
            holding.set()
            release.wait(60)
        return write(batch, *args, **kwargs)

    store.submit_queries = observed  # type: ignore[method-assign]
    submitter = engine._submitter
    assert submitter is not None
    carol = Caller("carol")
    try:
        for n in range(ROUNDS):
            query_id = str(uuid4())
            first, second = (alice, bob) if n % 2 else (bob, alice)
            holding.clear()
            release.clear()
            gate = asyncio.create_task(api.submit_query(engine, carol, _body("carol", str(uuid4()), n)))
            await asyncio.to_thread(holding.wait, 60)
            racing = asyncio.gather(
                api.submit_query(engine, first, _body(first.student_id, query_id, n)),
                api.submit_query(engine, second, _body(second.student_id, query_id, n)),
                return_exceptions=True,
            )
            while len(submitter._queue) < 2 and not racing.done():
                await asyncio.sleep(0.01)
            release.set()
            await gate
            results = await racing
            assert batch_sizes[-1] == 2, batch_sizes  # the two filings shared a transaction
            won = [
                c for c, r in zip((first, second), results, strict=True) if not isinstance(r, BaseException)
            ]
            lost = [r for r in results if isinstance(r, BaseException)]
            assert len(won) == 1 and len(lost) == 1, results
            assert isinstance(lost[0], ApiError) and lost[0].status == 409, lost[0]
            winner = won[0]
            loser = bob if winner is alice else alice
            view = await api.view_query(engine, winner, query_id, wait=60)
            assert view.replies, view
            with pytest.raises(ApiError) as refused:
                await api.view_query(engine, loser, query_id)
            assert refused.value.status == 404
            stored = table(settings.db_url, queries, queries.c.query_id == view.query_id)
            assert [row["student_id"] for row in stored] == [winner.student_id]
            assert f"{loser.student_id}_marker_{n}" not in str(stored)
            answers = table(settings.db_url, replies, replies.c.query_id == view.query_id)
            assert {row["student_id"] for row in answers} == {winner.student_id}
            assert f"{loser.student_id}_marker" not in str(answers)
    finally:
        release.set()
        await engine.stop()
