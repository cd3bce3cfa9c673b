"""Nothing is lost when the broker dies: the outbox holds queries until it is back."""

import asyncio
import uuid

import pytest
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings

from tests.fixtures.echo_agent import EchoAgent
from tests.fixtures.tcp_proxy import ProxiedBroker


@pytest.mark.asyncio
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_queries_submitted_while_the_broker_is_down_are_all_answered_once(
    proxied_kafka_broker: ProxiedBroker, store_url: str
) -> None:
    settings = Settings(
        bus_url=proxied_kafka_broker.bus_url(),
        db_url=store_url,
        auto_upgrade=True,
        topic_prefix=f"o{uuid.uuid4().hex[:6]}.",
    )
    agent = EchoAgent()
    engine = Engine(settings, agents=[agent])
    await engine.start()
    assert engine.bus is not None and engine.store is not None
    try:
        await engine.bus.create_topics()
        warm = await engine.ask("warm", StudentQuery(text="before the outage"), timeout=30)
        assert warm.summary == "egatuo eht erofeb"

        proxied_kafka_broker.proxy.cut()  # the broker is unreachable: refused connections
        queries = [(f"student-{i % 20}", StudentQuery(text=f"during outage {i}")) for i in range(200)]
        ids = []
        for start in range(0, 200, 25):
            ids += await asyncio.wait_for(engine.submit_many(queries[start : start + 25]), 60)
        assert engine.store.outbox_pending_count() >= 200

        proxied_kafka_broker.proxy.restore()
        replies = await asyncio.gather(*(engine.wait(qid, timeout=120) for qid in ids))
        assert sorted(r.summary for r in replies) == sorted(f"during outage {i}"[::-1] for i in range(200))
        for qid in ids:
            assert len(engine.store.get_replies(qid)) == 1
        for _ in range(50):  # the last rows are marked sent just after their replies land
            if engine.store.outbox_pending_count() == 0:
                break
            await asyncio.sleep(0.2)
        assert engine.store.outbox_pending_count() == 0
    finally:
        await engine.stop()
