"""A query whose code is pasted into its text (no code field), through the student API's real
functions and a real embedded engine: the code is stored as code, triage sends the wrong-behaviour
question to debug, and the debug tutor answers from a traced run of that code."""

from pathlib import Path

import pytest
from learnflow_agents.api import Caller
from learnflow_agents.api import student as api
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store

PASTED = "my loop prints one too few numbers, 5 is missing\nfor i in range(1, 5):\n    print(i)"


@pytest.mark.asyncio
async def test_code_pasted_into_the_question_is_debugged_as_code(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'pasted.sqlite3'}"
    engine = Engine(Settings(bus_url="memory://", db_url=db_url))
    await engine.start()
    try:
        ana = Caller("ana")
        accepted = await api.submit_query(engine, ana, {"text": PASTED})
        view = await api.view_query(engine, ana, str(accepted.query_id), wait=api.MAX_WAIT)
        assert view.status == "answered"
        assert view.routing is not None and view.routing.target_agent == "debug"
        [reply] = [r for r in view.replies if r.agent == "debug"]
        assert reply.data["likely_cause"] == "off-by-one-range"
        assert reply.data["trace"]["output"] == "1\n2\n3\n4\n"

        # A query that brought its own code field is left as the client sent it.
        own = await api.submit_query(
            engine, ana, {"text": "what does this do?\nx = 1", "code": "y = 2", "target_agent": "concepts"}
        )
    finally:
        await engine.stop()
    store = Store.open(db_url)
    try:
        stored = {q.query_id: q for q in store.recent_queries("ana", limit=10)}
    finally:
        store.close()
    pasted = stored[accepted.query_id]
    assert (pasted.text, pasted.code) == (
        "my loop prints one too few numbers, 5 is missing",
        "for i in range(1, 5):\n    print(i)",
    )
    assert (stored[own.query_id].text, stored[own.query_id].code) == ("what does this do?\nx = 1", "y = 2")
