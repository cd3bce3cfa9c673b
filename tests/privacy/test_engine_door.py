"""The corpus through `Engine.submit_many`, the common door (the server extension, the
gateway, the CLI and the embedded client all submit through it), on SQLite and PostgreSQL:
no secret value in any database row, on the bus, or in what the model received.

Real parts: the engine, the six agents, the store (SQLite and the PostgreSQL server), the
in-process bus read back by a new consumer group, and the real Anthropic SDK. The model
is the FAKE Messages API of tests/fixtures/fake_anthropic.py, which records every request.
"""

import asyncio
from pathlib import Path

import pytest
from learnflow_agents.privacy import MASK
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

from tests.fixtures.fake_anthropic import FakeMessagesAPI
from tests.llm.support import settings_for
from tests.privacy.corpus import LOOKALIKES
from tests.privacy.support import (
    answer_everything,
    as_query,
    bus_inspector,
    bus_records,
    database_rows,
    leaks,
    lookalike_queries,
    model_inputs,
    secret_queries,
    stored_codes,
)


@pytest.mark.asyncio
async def test_no_secret_is_stored_published_or_sent_to_the_model(
    store_url: str, fake_anthropic: FakeMessagesAPI, tmp_path: Path
) -> None:
    answer_everything(fake_anthropic)
    settings = Settings(
        bus_url="memory://",
        db_url=store_url,
        auto_upgrade=True,
        llm=settings_for(fake_anthropic.url, student_requests_per_minute=1000),
    )
    queries = [as_query(body) for body in secret_queries()]
    async with Engine(settings) as engine:
        assert engine.bus is not None
        inspector = await bus_inspector(engine.bus)
        ids = await engine.submit_many([("ana", q) for q in queries])
        replies = await asyncio.gather(*(engine.wait(i, timeout=120) for i in ids))
        published = await bus_records(inspector)
    rows = database_rows(store_url)
    sent = model_inputs(fake_anthropic)

    assert len(replies) == len(queries)
    assert len(published) >= len(queries) and len(sent) >= len(queries)
    assert leaks(rows) == [], "secret values stored in the database"
    assert leaks(published) == [], "secret values published on the bus"
    assert leaks(sent) == [], "secret values sent to the model"
    assert leaks(r.model_dump_json() for r in replies) == []
    # The masks are there: the checks above had something to look at.
    assert sum(MASK in code for code in stored_codes(store_url) if code) >= len(queries) - 10
    assert any(MASK in body for body in sent)


@pytest.mark.asyncio
async def test_look_alikes_are_stored_as_written(store_url: str) -> None:
    settings = Settings(bus_url="memory://", db_url=store_url, auto_upgrade=True)
    async with Engine(settings, run_agents=False) as engine:
        await engine.submit_many([("ana", as_query(body)) for body in lookalike_queries()])
    assert sorted(c for c in stored_codes(store_url) if c) == sorted(LOOKALIKES)
