"""The engine as the server hosts it: started once on the server's event loop.

The extension starts it when the server's loop runs; a request that arrives first (or a
test server, which never runs the start hook) starts it on demand. Either way one
engine serves every handler.
"""

import asyncio
import contextlib
import logging
import os
from typing import Any

from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings
from sqlalchemy.engine import make_url

log = logging.getLogger("learnflow.server")


class EngineUnavailableError(RuntimeError):
    """The engine failed to start; every request gets this (503) until the server restarts."""


class EngineHost:
    def __init__(self, settings: Settings, *, run_agents: bool = True) -> None:
        self.settings = settings
        self.run_agents = run_agents
        self.engine: Engine | None = None
        self._starting: asyncio.Task[Engine] | None = None
        self.error: BaseException | None = None

    async def get(self) -> Engine:
        if self.engine is not None:
            return self.engine
        if self.error is not None:
            raise EngineUnavailableError(f"the LearnFlow engine did not start: {self.error}")
        if self._starting is None:
            # A task, not a lock: concurrent first requests all await the same start.
            self._starting = asyncio.ensure_future(self._start())
        try:
            return await asyncio.shield(self._starting)
        except EngineUnavailableError:
            raise
        except Exception as err:
            raise EngineUnavailableError(f"the LearnFlow engine did not start: {err}") from err

    async def _start(self) -> Engine:
        # The Jupyter server is long-running and owns this engine (a kernel's engine is the
        # embedded client's, and leaves the student's collector alone): full collections
        # walking start-up's imports and the held replies stalled every caller on the loop
        # (runtime/gc_tuning.py; tests/runtime/test_gc_owners.py).
        engine = Engine(self.settings, run_agents=self.run_agents, tune_gc=True)
        try:
            await engine.start()
        except BaseException as err:
            self.error = err
            log.exception("LearnFlow engine failed to start")
            with contextlib.suppress(Exception):
                await engine.stop()
            raise
        self.engine = engine
        log.info("LearnFlow engine started (bus %s, db %s)", self.settings.bus_url, self.db_display())
        return engine

    async def stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            with contextlib.suppress(BaseException):
                await self._starting
        engine, self.engine, self._starting = self.engine, None, None
        if engine is not None:
            await engine.stop()

    def db_display(self) -> str:
        """The database, for humans: a SQLite path, else the URL with its password hidden."""
        url = self.settings.db_url
        if url.startswith("sqlite:///"):
            return url.removeprefix("sqlite:///")
        return make_url(url).render_as_string(hide_password=True)

    def bus_display(self) -> str:
        url = self.settings.bus_url
        if "@" not in url:
            return url
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"

    def provider(self) -> str:
        """'offline', 'claude' or 'openai-compatible': what answers when agents ask an LLM."""
        chosen: Any
        try:
            from learnflow_agents.llm.config import LLMSettings

            llm = getattr(self.settings, "llm", None) or LLMSettings()
            chosen = llm.chosen_provider()
        except Exception:  # a broken LLM configuration leaves the tutors offline too
            chosen = "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else None
        return {"anthropic": "claude", None: "offline"}.get(chosen, chosen)
