"""REST handlers under /learnflow/api/: Jupyter's authentication around learnflow_agents.api.

In cluster mode only `status` and `openapi.json` are answered here; the rest is forwarded
to the gateway (cluster.py), which serves the same API.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any

from jupyter_server.auth.decorator import authorized
from learnflow_agents.api import openapi_document
from learnflow_agents.api import student as api
from tornado import web

from learnflow_ext import __version__
from learnflow_ext.server.base import LearnFlowHandler


class QueriesHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        self.write_json(await api.submit_query(await self.engine(), self.caller(), data), 202)


class QueryHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self, query_id: str) -> None:
        """`?wait=SECONDS` holds the request until the answering agent's reply is stored."""
        wait = self.number_argument("wait", 0.0, 0.0, api.MAX_WAIT)  # a 400 whether or not the query exists
        self.write_json(await api.view_query(await self.engine(), self.caller(), query_id, wait))


class FeedbackHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        await api.record_feedback(await self.engine(), self.caller(), data)
        self.set_status(204)
        self.finish()


class ProgressHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_argument("limit", api.DEFAULT_LIMIT, 1, api.MAX_LIMIT)
        self.write_json(await api.progress(await self.engine(), self.caller(), limit))


class AttemptsHandler(LearnFlowHandler):
    """Submit an exercise solution for grading; list past attempts."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.json_body()
        self.write_json(await api.submit_attempt(await self.engine(), self.caller(), data), 202)

    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self.int_argument("limit", api.DEFAULT_LIMIT, 1, api.MAX_LIMIT)
        topic = self.get_argument("topic", None)
        self.write_json(await api.list_attempts(await self.engine(), self.caller(), limit, topic))


class PreferencesHandler(LearnFlowHandler):
    """The student's preferences: the one record the lab settings and `%learnflow config` share."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await api.get_preferences(await self.engine(), self.caller()))

    @web.authenticated
    @authorized
    async def put(self) -> None:
        data = self.json_body()
        self.write_json(await api.put_preferences(await self.engine(), self.caller(), data))


class UsageHandler(LearnFlowHandler):
    """The caller's own LLM usage today against their daily budget."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await api.usage(await self.engine(), self.caller()))


class OpenAPIHandler(LearnFlowHandler):
    """`GET openapi.json`: the API's OpenAPI document (learnflow_agents/api/openapi.yaml) as
    JSON, behind the same authentication as every other route, in both modes."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(openapi_document())


class StatusHandler(LearnFlowHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        host = self.host
        status: dict[str, Any] = {
            "learnflow": __version__,
            "mode": "jupyter-server",
            "student_id": self.student_id(),
            "provider": host.provider(),
            "bus": host.bus_display(),
            "db": host.db_display(),
            "run_agents": host.run_agents,
            "engine": "starting",
            "agents": [],
            "heartbeats": [],
            "outbox_pending": None,
            "error": None,
        }
        try:
            engine = await host.get()
        except Exception as err:
            status.update(engine="failed", error=str(err))
            self.write_json(status)
            return
        assert engine.store is not None
        store = engine.store
        beats, pending = await asyncio.gather(
            asyncio.to_thread(store.list_heartbeats), asyncio.to_thread(store.outbox_pending_count)
        )
        now = datetime.now(UTC)
        status.update(
            engine="running",
            agents=[{"agent": r.agent.name, "running": bool(r.ready)} for r in engine.runners],
            heartbeats=[
                {
                    "agent": b.agent,
                    "instance": b.instance,
                    "seen_at": b.seen_at.isoformat(),
                    "age_s": round((now - b.seen_at).total_seconds(), 1),
                }
                for b in beats
            ],
            outbox_pending=pending,
            llm=engine.llm_stats(),
            sandbox=engine.sandbox_status(),
        )
        self.write_json(status)
