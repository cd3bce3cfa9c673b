"""A query's view is never behind its own replies: a reply and its query's "answered" are stored
in one transaction, so the API reads the replies first and the query after them. Here the
answer lands between the view's reads (a real store; the engine is a stand-in that only
serves the store, named as such) — read in the other order, the view said "pending" beside
the answer."""

import uuid
from pathlib import Path

import pytest
from learnflow_agents.api import Caller
from learnflow_agents.api import student as api
from learnflow_agents.contracts import AgentReply, Provenance, StudentQuery
from learnflow_agents.store import Store
from learnflow_agents.store.records import Effects


class AnswerLandsMidRead:
    """Stand-in for the engine (only what view_query touches): the answering agent's effects
    are committed just as the API asks for the replies, as the race in a live engine does."""

    def __init__(self, store: Store, answer: Effects) -> None:
        self.store = store
        self._answer: Effects | None = answer

    async def replies(self, query_id: uuid.UUID) -> list[AgentReply]:
        if self._answer is not None:
            self.store.apply_effects([self._answer])
            self._answer = None
        return self.store.get_replies(query_id)

    async def wait(self, query_id: uuid.UUID, timeout: float) -> AgentReply:
        raise AssertionError("the reply was already there: no wait")


@pytest.mark.asyncio
@pytest.mark.parametrize("wait", [0.0, 5.0])
async def test_a_reply_is_never_shown_beside_a_pending_status(tmp_path: Path, wait: float) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    try:
        query = StudentQuery(text="what is a list?")
        store.submit_query("ana", "trace-1", query)
        reply = AgentReply(
            query_id=query.query_id,
            agent="concepts",
            summary="A list holds values in order.",
            provenance=Provenance(agent="concepts", provider="offline"),
        )
        answer = Effects(
            "learnflow-concepts",
            str(uuid.uuid4()),
            "ana",
            query.query_id,
            reply=reply,
            query_status="answered",
        )
        engine = AnswerLandsMidRead(store, answer)
        view = await api.view_query(engine, Caller("ana"), str(query.query_id), wait=wait)  # type: ignore[arg-type]
    finally:
        store.close()
    assert [r.summary for r in view.replies] == ["A list holds values in order."]
    assert view.status == "answered"
