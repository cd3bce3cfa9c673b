"""Code review asked for with no code: the student is asked for the code and offered other
tutors; the query is answered, never failed or dead-lettered (real embedded engine, in-memory bus)."""

from pathlib import Path

import pytest
from learnflow_agents.api import Caller
from learnflow_agents.api import student as api
from learnflow_agents.contracts import ActionKind, ReplyStatus
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"text": "can you review my code?"},  # routed by triage
        {"text": "please review my code", "target_agent": "code-review"},  # chosen by the student
        {"text": "review this", "code": "   \n", "target_agent": "code-review"},  # an empty cell
    ],
)
async def test_review_without_code_asks_for_it(tmp_path: Path, body: dict) -> None:
    engine = Engine(Settings(bus_url="memory://", db_url=f"sqlite:///{tmp_path / 'review.sqlite3'}"))
    await engine.start()
    try:
        ana = Caller("ana")
        accepted = await api.submit_query(engine, ana, dict(body))
        view = await api.view_query(engine, ana, str(accepted.query_id), wait=api.MAX_WAIT)
    finally:
        await engine.stop()
    assert view.status == "answered"
    [reply] = view.replies
    assert (reply.agent, reply.status) == ("code-review", ReplyStatus.PARTIAL)
    assert reply.data == {"needs_code": True} and "I need the code" in reply.summary
    offered = [a.args["agent"] for a in reply.actions if a.kind is ActionKind.ASK_AGENT]
    assert offered == ["concepts", "exercise"]
    assert all(a.args["text"] == body["text"] for a in reply.actions)


@pytest.mark.asyncio
@pytest.mark.parametrize("magic", ["bash", "html", "sh"])
async def test_a_cell_in_another_language_is_answered_not_failed(tmp_path: Path, magic: str) -> None:
    engine = Engine(Settings(bus_url="memory://", db_url=f"sqlite:///{tmp_path / 'review.sqlite3'}"))
    await engine.start()
    try:
        ana = Caller("ana")
        body = {"text": "review this", "code": f"%%{magic}\necho hi\nls -la\n", "target_agent": "code-review"}
        accepted = await api.submit_query(engine, ana, body)
        view = await api.view_query(engine, ana, str(accepted.query_id), wait=api.MAX_WAIT)
    finally:
        await engine.stop()
    assert view.status == "answered"
    [reply] = view.replies
    assert (reply.agent, reply.status) == ("code-review", ReplyStatus.PARTIAL)
    assert reply.data == {"not_python": magic}
    assert f"%%{magic} cell, not Python" in reply.summary
    assert [a.args["agent"] for a in reply.actions if a.kind is ActionKind.ASK_AGENT] == ["concepts"]
