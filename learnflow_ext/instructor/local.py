"""Single-user mode: the dashboard reads the local store through the instructor API's
functions (learnflow_agents.api.instructor), as the gateway serves them on a hub."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from learnflow_agents.api import ApiError
from learnflow_agents.api import instructor as api
from learnflow_agents.store import Store

from learnflow_ext.instructor import shape
from learnflow_ext.instructor.data import (
    AgentStatus,
    ClassView,
    ErrorCount,
    ExercisePassRate,
    QueryWithReplies,
    StrugglingStudent,
    UsageToday,
)

T = TypeVar("T")


def default_db_url() -> str:
    """The store learnflow_ext uses: $LEARNFLOW_DB_URL, else SQLite in the Jupyter data dir."""
    from learnflow_ext.config import LearnFlow

    return LearnFlow().resolved_db_url()


def _run(call: Coroutine[Any, Any, T]) -> T:
    # On a thread of its own: the dashboard is called from a kernel, whose loop is running.
    with ThreadPoolExecutor(1, thread_name_prefix="learnflow-dashboard") as pool:
        return pool.submit(asyncio.run, call).result()


class LocalStoreSource:
    name = "local store"

    def __init__(self, db_url: str | None = None, *, store: Store | None = None) -> None:
        url = db_url or default_db_url()
        # Embedded SQLite migrates itself (as the engine does); a shared PostgreSQL is
        # migrated on purpose by `learnflow-agents db upgrade`, never by a dashboard.
        self.store = store or Store.open(url, upgrade=url.startswith("sqlite"))
        self._owned = store is None
        self.name = f"local store ({self.store.url})"
        # Whoever reads a single-user store sees all of it.
        self.who = api.Instructor.everything()

    def class_view(self, course: str | None) -> ClassView:
        return shape.class_view(_run(api.class_view(self.store, self.who, course, limit=api.MAX_PAGE)))

    def struggles(self, since: datetime, course: str | None) -> list[StrugglingStudent]:
        return shape.struggles(_run(api.struggles(self.store, self.who, since, course=course)))

    def errors(self, since: datetime, course: str | None) -> list[ErrorCount]:
        return shape.errors(_run(api.errors(self.store, self.who, since, course=course)))

    def pass_rates(self, since: datetime | None, course: str | None) -> list[ExercisePassRate]:
        return shape.pass_rates(_run(api.exercises(self.store, self.who, since, course=course)))

    def agents(self) -> list[AgentStatus]:
        return shape.agents(_run(api.health(self.store)))

    def student_queries(self, student_id: str, limit: int = 20) -> list[QueryWithReplies]:
        try:
            doc = _run(api.student_queries(self.store, self.who, student_id, limit))
        except ApiError as err:
            if err.status == 404:  # a student who never asked anything
                return []
            raise
        return shape.student_queries(doc)

    def usage(self, course: str | None) -> UsageToday:
        """Today's usage against the budgets this process's LEARNFLOW_LLM_* variables set."""
        from learnflow_agents.llm.budgets import DailyBudgets
        from learnflow_agents.llm.config import LLMSettings

        budgets = DailyBudgets.of(LLMSettings())
        return shape.usage(_run(api.usage(self.store, self.who, budgets, course)))

    def close(self) -> None:
        if self._owned:
            self.store.close()
