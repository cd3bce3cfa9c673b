"""Kernel-only mode: the engine runs inside the kernel, on its own thread and event loop.

The kernel's main thread never awaits anything here: `submit` hands the query to the
engine thread and returns. The engine (in-process bus, SQLite) starts in the background
when the extension loads, so `%load_ext` returns at once; queries sent before it is up
simply wait for it on the engine thread.
"""

import asyncio
import atexit
import contextlib
import logging
import os
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from learnflow_agents.contracts import AgentLog, AgentReply, RoutingDecision, StudentQuery
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.settings import Settings

from learnflow_ext.client.base import (
    RELATED_TIMEOUT,
    ClientStatus,
    FeedbackDone,
    LearnFlowClient,
    PreferencesError,
    QueryListener,
    safely,
)

if TYPE_CHECKING:
    from learnflow_agents.runtime.engine import Engine

log = logging.getLogger("learnflow.kernel.client")

T = TypeVar("T")


def provider_name(settings: Settings) -> str:
    configured = getattr(settings, "llm_provider", None) or getattr(settings, "provider", None)
    if configured:
        return str(configured)
    return "claude" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


def sqlite_path(db_url: str) -> str | None:
    return db_url.removeprefix("sqlite:///") if db_url.startswith("sqlite:///") else None


class EmbeddedClient(LearnFlowClient):
    mode = "kernel-only"

    def __init__(
        self,
        settings: Settings,
        student_id: str,
        *,
        agents: Sequence[Agent] | None = None,
        reply_timeout: float = 120.0,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._student_id = student_id
        self._agents = agents
        self.reply_timeout = reply_timeout
        self.engine: Engine | None = None
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        # Set once the engine is up (or failed): `_ready` for the kernel's thread, `_started`
        # for coroutines on the engine's loop.
        self._ready = threading.Event()
        self._started = asyncio.Event()
        self._startup_error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        # Submitted but not yet written to the store: closing waits for these, so a
        # question asked just before the kernel stops is still kept.
        self._unstored: set[UUID] = set()

    @property
    def student_id(self) -> str:
        return self._student_id

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        # The store is written from worker threads. Making the pool now, and stopping before
        # Python shuts its pools down at exit, lets a question asked just before the kernel
        # stops still be stored: a plain atexit handler runs after the pools are gone.
        self._loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="learnflow-io"))
        register_early_exit = getattr(threading, "_register_atexit", atexit.register)
        register_early_exit(self.close)
        self._thread = threading.Thread(target=self._thread_main, name="learnflow-engine", daemon=True)
        self._thread.start()

    def _thread_main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        # Imported here, on the engine thread: it is most of the import time of LearnFlow,
        # and `%load_ext` should not wait for it.
        from learnflow_agents.runtime.engine import Engine

        self._stop = asyncio.Event()
        engine = Engine(self.settings, agents=self._agents)
        try:
            await engine.start()
        except BaseException as err:  # surfaced to every query and to `status`
            self._startup_error = err
            log.exception("LearnFlow engine failed to start")
            self._ready.set()
            self._started.set()
            if self.on_preferences is not None:
                safely(self.on_preferences, None)
            await self._stop.wait()
            return
        self.engine = engine
        feed = asyncio.create_task(self._forward_events(engine), name="learnflow-kernel-feed")
        # The feed must be subscribed before the first query is published, or its
        # routing and logs could be missed; one loop turn lets the generator register.
        await asyncio.sleep(0)
        self._ready.set()
        self._started.set()
        announce = asyncio.create_task(self._announce_preferences(), name="learnflow-preferences")
        try:
            await self._stop.wait()
        finally:
            for task in (announce, feed):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await engine.stop()

    def close(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._ready.wait(timeout)
        with self._idle:
            self._idle.wait_for(lambda: not self._unstored, timeout)
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join(timeout)

    # -- asking ----------------------------------------------------------------------

    def submit(self, query: StudentQuery, listener: QueryListener) -> UUID:
        self.start()
        with self._idle:
            self._unstored.add(query.query_id)
        self._track(query.query_id, listener)
        asyncio.run_coroutine_threadsafe(self._deliver(query, listener), self._loop)
        return query.query_id

    async def _deliver(self, query: StudentQuery, listener: QueryListener) -> None:
        from learnflow_agents.runtime.engine import QueryTimeoutError

        try:
            try:
                engine = await self._engine()
                query = await engine.with_learning_record(self.student_id, query)
                await engine.submit(self.student_id, query)
            finally:
                with self._idle:
                    self._unstored.discard(query.query_id)
                    self._idle.notify_all()
            # Still pending until an announced helper answers, so `wait_idle` includes it.
            await self._deliver_replies(
                listener,
                engine.wait(query.query_id, self.reply_timeout),
                lambda: self._helper_reply(engine, query.query_id),
            )
        except QueryTimeoutError:
            safely(
                listener.on_failure,
                f"no answer within {self.reply_timeout:g}s; the question is stored "
                "and may still be answered (run `%learnflow status`)",
            )
        except Exception as err:
            safely(listener.on_failure, f"{type(err).__name__}: {err}")
        finally:
            self._settle(query.query_id)

    @staticmethod
    async def _helper_reply(engine: "Engine", query_id: UUID) -> AgentReply | None:
        from learnflow_agents.runtime.engine import QueryTimeoutError

        try:
            return await engine.wait(query_id, RELATED_TIMEOUT, helper=True)
        except QueryTimeoutError:
            return None

    async def _engine(self) -> "Engine":
        await self._started.wait()
        if self._startup_error is not None:
            err = self._startup_error
            raise RuntimeError(f"the LearnFlow engine did not start: {type(err).__name__}: {err}")
        assert self.engine is not None
        return self.engine

    async def _forward_events(self, engine: "Engine") -> None:
        async for envelope in engine.events(self.student_id):
            payload = envelope.payload
            query_id = getattr(payload, "query_id", None)
            listener = self._listeners.get(query_id) if query_id is not None else None
            if listener is None:
                continue
            if isinstance(payload, RoutingDecision):
                safely(listener.on_routing, payload)
            elif isinstance(payload, AgentLog):
                safely(listener.on_log, payload)

    def record_feedback(
        self,
        reply_id: UUID,
        helpful: bool | None,
        rating: int | None = None,
        comment: str | None = None,
        done: FeedbackDone | None = None,
    ) -> None:
        async def store_it() -> None:
            error: str | None = None
            try:
                engine = await self._engine()
                assert engine.store is not None
                await asyncio.to_thread(
                    engine.store.record_feedback, reply_id, self.student_id, helpful, rating, comment
                )
            except Exception as err:
                error = f"{type(err).__name__}: {err}"
            if done is not None:
                safely(done, error)

        self.start()
        asyncio.run_coroutine_threadsafe(store_it(), self._loop)

    # -- preferences: the API's functions over the embedded store ---------------------

    async def _read_preferences(self) -> dict[str, Any]:
        from learnflow_agents.api import student as api

        engine = await self._engine()
        found = await api.get_preferences(engine, api.Caller(self.student_id))
        return found.model_dump(mode="json")

    async def _write_preferences(self, changes: dict[str, Any]) -> dict[str, Any]:
        from learnflow_agents.api import ApiError
        from learnflow_agents.api import student as api

        engine = await self._engine()
        try:
            saved = await api.put_preferences(engine, api.Caller(self.student_id), dict(changes))
        except ApiError as err:
            raise PreferencesError(err.message) from None
        return saved.model_dump(mode="json")

    # -- observing -------------------------------------------------------------------

    def status(self, timeout: float = 5.0) -> ClientStatus:
        status = ClientStatus(
            mode=self.mode,
            student_id=self.student_id,
            connected=False,
            provider=provider_name(self.settings),
            db_path=sqlite_path(self.settings.db_url) or self.settings.db_url,
            pending=self.pending(),
            detail={"bus": self.settings.bus_url, "submitted": self.submitted},
        )
        self.start()
        if not self._ready.wait(timeout):
            status.error = f"the engine is still starting after {timeout:g}s"
            return status
        if self._startup_error is not None:
            status.error = f"the engine did not start: {self._startup_error}"
            return status
        try:
            health = self._call(self._health(), timeout)
        except Exception as err:
            status.error = f"{type(err).__name__}: {err}"
            return status
        status.connected = True
        status.agents = health["agents"]
        status.detail.update(health["detail"])
        return status

    async def _health(self) -> dict[str, Any]:
        engine = await self._engine()
        agents = [f"{r.agent.name} ({'running' if r.ready else 'stopped'})" for r in engine.runners]
        detail: dict[str, Any] = {}
        if engine.store is not None:
            with contextlib.suppress(Exception):
                detail["outbox_pending"] = await asyncio.to_thread(engine.store.outbox_pending_count)
        detail["llm"] = engine.llm_stats()
        detail["sandbox"] = engine.sandbox_status()
        if engine.store is not None:
            from learnflow_agents.api import student as api

            with contextlib.suppress(Exception):
                usage = await api.usage(engine, api.Caller(self.student_id))
                detail["usage"] = usage.model_dump(mode="json")
        return {"agents": agents, "detail": detail}

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)
