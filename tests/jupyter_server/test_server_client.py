"""The kernel's `ServerClient` against a real server with the extension, in this process.

The server runs on the test's event loop, so anything that blocks (the client's
`wait_idle`, the discovery probe) runs in a worker thread.
"""

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from learnflow_agents.contracts import AgentReply, StudentQuery

from learnflow_ext.client.embedded import EmbeddedClient
from learnflow_ext.client.factory import create_client
from learnflow_ext.client.server_client import ServerClient, ServerInfo, candidate_servers, find_server
from learnflow_ext.config import LearnFlow
from tests.fixtures.listener import Recorder
from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import DEBUG_QUERY


@pytest.fixture
def server(jp_serverapp: Any, http_server: Any, jp_http_port: int, jp_base_url: str) -> ServerInfo:
    """The test server, listening (`http_server`) like a real one."""
    return ServerInfo(f"http://127.0.0.1:{jp_http_port}{jp_base_url}", jp_serverapp.identity_provider.token)


@pytest.fixture
def client(server: ServerInfo) -> Iterator[ServerClient]:
    client = ServerClient(ServerInfo(server.url, server.token, {"student_id": OWNER}), reply_timeout=60)
    client.start()
    yield client
    client.close(5)


async def test_listener_hears_routing_logs_and_the_reply(client: ServerClient) -> None:
    listener = Recorder()
    query = StudentQuery(**{k: v for k, v in DEBUG_QUERY.items() if k != "target_agent"})
    assert client.submit(query, listener) == query.query_id
    assert await asyncio.to_thread(client.wait_idle, 60)
    assert listener.failures == []
    assert [r.target_agent for r in listener.routing] == ["debug"]
    assert {log.agent for log in listener.logs} >= {"debug"}
    assert [r.agent for r in listener.replies] == ["debug"]
    assert listener.replies[0].query_id == query.query_id


class WithRelated(Recorder):
    """A listener that also takes a helper's reply, as the kernel's cards do."""

    def __init__(self) -> None:
        super().__init__()
        self.related: list[AgentReply] = []

    def on_related_reply(self, reply: AgentReply) -> None:
        self.related.append(reply)


async def test_a_helpers_reply_follows_the_answer_that_announced_it(client: ServerClient) -> None:
    listener = WithRelated()
    client.submit(StudentQuery(**DEBUG_QUERY), listener)
    assert await asyncio.to_thread(client.wait_idle, 60)
    [answer] = listener.replies
    assert answer.agent == "debug" and answer.follow_up is not None and not answer.is_helper
    [helper] = listener.related
    assert helper.agent == answer.follow_up.agent == "concepts"
    assert helper.helps is not None and helper.helps.reply_id == answer.reply_id


async def test_feedback_is_stored_and_another_students_reply_refused(
    client: ServerClient, learnflow: Any
) -> None:
    listener = Recorder()
    client.submit(StudentQuery(**DEBUG_QUERY), listener)
    assert await asyncio.to_thread(client.wait_idle, 60)
    engine = await learnflow.host.get()
    theirs = await engine.ask("someone-else", StudentQuery(**DEBUG_QUERY), timeout=60)

    results: list[str | None] = []
    both = threading.Semaphore(0)

    def done(error: str | None) -> None:
        results.append(error)
        both.release()

    client.record_feedback(listener.replies[0].reply_id, True, rating=4, done=done)
    await asyncio.to_thread(both.acquire)
    client.record_feedback(theirs.reply_id, True, done=done)
    await asyncio.to_thread(both.acquire)
    assert results[0] is None
    assert results[1] is not None and "(HTTP 403)" in results[1]


async def test_status_comes_from_the_server(client: ServerClient, db_url: str) -> None:
    status = await asyncio.to_thread(client.status, 10)
    assert status.error is None
    assert (status.mode, status.student_id, status.connected) == ("jupyter-server", OWNER, True)
    assert status.provider == "offline"
    assert status.db_path == db_url.removeprefix("sqlite:///")
    assert "debug (running)" in status.agents
    # The owner's own model usage today (GET usage), for `%learnflow status`.
    usage = status.detail["usage"]
    assert (usage["student_id"], usage["used"]["requests"], usage["budget"]["tokens"]) == (OWNER, 0, 200_000)


async def test_the_kernels_server_is_found_through_the_runtime_files(server: ServerInfo) -> None:
    # The kernel's server is the one that started it; here the URL hint names it.
    env = {"JUPYTER_SERVER_URL": server.url}
    port = server.url.split(":")[2]  # the runtime file says localhost
    assert [c.url.split(":")[2] for c in candidate_servers(env)] == [port]
    found = await asyncio.to_thread(find_server, env)
    assert found is not None
    assert found.token == server.token
    assert found.status["student_id"] == OWNER
    assert candidate_servers({}) == []  # not started by that server: not its kernel


async def test_factory_uses_the_server_when_it_answers(
    server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNFLOW_SERVER_URL", server.url)
    monkeypatch.setenv("LEARNFLOW_SERVER_TOKEN", server.token)
    client = await asyncio.to_thread(create_client, LearnFlow())
    assert isinstance(client, ServerClient)
    assert client.student_id == OWNER


def test_factory_falls_back_to_the_embedded_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("LEARNFLOW_SERVER_URL", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("LEARNFLOW_DB_URL", f"sqlite:///{tmp_path / 'kernel.sqlite3'}")
    assert isinstance(create_client(LearnFlow()), EmbeddedClient)


def test_a_server_that_stops_answering_fails_the_query_with_a_message() -> None:
    # Accepts connections and never answers: the way a hung or dying server looks.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        client = ServerClient(ServerInfo(url, "t"), reply_timeout=5, request_timeout=1)
        listener = Recorder()
        client.submit(StudentQuery(text="what is a list?"), listener)
        assert client.wait_idle(60)
        client.close(5)
    assert listener.replies == []
    assert len(listener.failures) == 1
    assert f"no answer from the LearnFlow server at {url}" in listener.failures[0]
