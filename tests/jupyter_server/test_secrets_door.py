"""The server extension's REST API as a door: the secrets corpus goes in as the labextension
and the kernel's ServerClient send it (`POST queries`, `POST attempts`), and no secret value
is stored (SQLite rows), published (the bus, read back by a new consumer group), sent to the
model (the FAKE Messages API of tests/fixtures/fake_anthropic.py, which records every
request) or shown back (`GET queries/{id}`, `GET progress`).

Real parts: the Jupyter server with LearnFlow, its engine and agents, the store and the
Anthropic SDK; the fake model is the only stand-in.
"""

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.fake_anthropic import FakeMessagesAPI
from tests.jupyter_server.conftest import OWNER
from tests.jupyter_server.support import body, post_json
from tests.privacy.corpus import SECRETS
from tests.privacy.support import (
    answer_everything,
    bus_inspector,
    bus_records,
    database_rows,
    leaks,
    model_inputs,
    secret_queries,
    stored_codes,
)


@pytest.fixture
def jp_server_config(
    db_url: str, monkeypatch: pytest.MonkeyPatch, fake_anthropic: FakeMessagesAPI
) -> dict[str, Any]:
    # The tutors use the fake model: the engine reads LEARNFLOW_LLM_* when the server starts.
    answer_everything(fake_anthropic)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_API_KEY", "test-key-not-real")
    monkeypatch.setenv("LEARNFLOW_LLM_ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("LEARNFLOW_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("LEARNFLOW_LLM_STUDENT_REQUESTS_PER_MINUTE", "1000")
    return {
        "ServerApp": {"jpserver_extensions": {"learnflow_ext": True}, "allow_root": True},
        "LearnFlowExtension": {"db_url": db_url, "student_id": OWNER},
    }


async def test_no_secret_is_stored_published_sent_or_shown_back(
    jp_fetch: Any, learnflow: Any, db_url: str, fake_anthropic: FakeMessagesAPI, tmp_path: Path
) -> None:
    engine = await learnflow.host.get()
    inspector = await bus_inspector(engine.bus)
    ids = []
    for query in secret_queries():
        accepted = await post_json(jp_fetch, "queries", query)
        assert accepted.code == 202, body(accepted)
        ids.append(body(accepted)["query_id"])
    for snippet, _ in SECRETS[:10]:
        graded = await post_json(jp_fetch, "attempts", {"exercise_id": "sum-of-evens", "code": snippet})
        assert graded.code == 202, body(graded)
        ids.append(body(graded)["query_id"])
    shown = []
    for query_id in ids:
        view = await jp_fetch("learnflow", "api", "queries", query_id, params={"wait": "60"})
        shown.append(view.body.decode())
        assert body(view)["replies"], query_id
    shown.append((await jp_fetch("learnflow", "api", "progress", params={"limit": "100"})).body.decode())
    shown.append((await jp_fetch("learnflow", "api", "attempts", params={"limit": "100"})).body.decode())
    published = await bus_records(inspector)
    rows = database_rows(db_url)
    sent = model_inputs(fake_anthropic)

    assert len(published) >= len(ids) and len(sent) >= len(secret_queries())
    assert leaks(rows) == [], "secret values stored in the database"
    assert leaks(published) == [], "secret values published on the bus"
    assert leaks(sent) == [], "secret values sent to the model"
    assert leaks(shown) == [], "secret values shown back by the API"
    # The masks are there: the checks above had something to look at.
    assert sum("«redacted»" in (code or "") for code in stored_codes(db_url)) > 50
