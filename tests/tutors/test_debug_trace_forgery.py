"""A student's program can send the tracer's report itself (it reaches the runner's channel by
walking frames, no import needed): that only changes the reply to that student's own question.
Through the student API on a real embedded engine, with two students asking at once."""

import asyncio
from pathlib import Path

import pytest
from learnflow_agents.api import Caller
from learnflow_agents.api import student as api
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store

FORGER = """\
def peek():
    yield walker.gi_frame.f_back.f_back.f_globals
walker = peek()
runner = next(walker)
runner["_lf_send"]({"steps": [], "output": "FORGED BY BOB", "output_total": 13, "stopped": "finished",
                    "steps_total": 0, "line_counts": {}})
total = 0
for n in [1, 2]:
    total = n
print(total)
"""
HONEST = "total = 0\nfor n in [1, 2, 3]:\n    total = n\nprint(total)\n"


async def _answer(engine: Engine, caller: Caller, query_id: str):
    view = await api.view_query(engine, caller, query_id, wait=api.MAX_WAIT)
    # The reply is stored before the query's status is: read again until the status follows.
    for _ in range(200):
        if view.status != "pending":
            break
        await asyncio.sleep(0.05)
        view = await api.view_query(engine, caller, query_id)
    [reply] = [r for r in view.replies if r.agent == "debug"]
    return view, reply


@pytest.mark.asyncio
async def test_a_forged_trace_reaches_only_the_forgers_own_reply(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'forgery.sqlite3'}"
    engine = Engine(Settings(bus_url="memory://", db_url=db_url))
    await engine.start()
    try:
        alice, bob = Caller("alice"), Caller("bob")
        asked = await asyncio.gather(
            api.submit_query(
                engine, alice, {"text": "the total is wrong", "code": HONEST, "target_agent": "debug"}
            ),
            api.submit_query(
                engine, bob, {"text": "the total is wrong", "code": FORGER, "target_agent": "debug"}
            ),
        )
        (alice_view, alice_reply), (bob_view, bob_reply) = await asyncio.gather(
            _answer(engine, alice, str(asked[0].query_id)), _answer(engine, bob, str(asked[1].query_id))
        )
    finally:
        await engine.stop()
    assert bob_reply.data["trace"]["output"] == "FORGED BY BOB"  # his own reply believes his program
    assert alice_reply.data["trace"]["output"] == "3\n" and "FORGED" not in alice_reply.model_dump_json()
    assert (alice_reply.query_id, bob_reply.query_id) == (asked[0].query_id, asked[1].query_id)
    assert alice_view.status == bob_view.status == "answered"
    store = Store.open(db_url)
    try:
        for student, reply in (("alice", alice_reply), ("bob", bob_reply)):
            [query] = store.recent_queries(student, limit=5)
            assert query.query_id == reply.query_id
    finally:
        store.close()
