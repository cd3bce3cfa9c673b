"""Single-user mode: the dashboard reads the local store directly."""

from datetime import UTC, datetime

from learnflow_agents.store import Store
from learnflow_agents.store import analytics as an

from learnflow_ext.instructor.data import AgentStatus, ClassView, agent_statuses

STALE_AFTER_S = 60.0


def default_db_url() -> str:
    """The store learnflow_ext uses: $LEARNFLOW_DB_URL, else SQLite in the Jupyter data dir."""
    from learnflow_ext.config import LearnFlow

    return LearnFlow().resolved_db_url()


class LocalStoreSource:
    name = "local store"

    def __init__(self, db_url: str | None = None, *, store: Store | None = None) -> None:
        url = db_url or default_db_url()
        # Embedded SQLite migrates itself (as the engine does); a shared PostgreSQL is
        # migrated on purpose by `learnflow-agents db upgrade`, never by a dashboard.
        self.store = store or Store.open(url, upgrade=url.startswith("sqlite"))
        self._owned = store is None
        self.name = f"local store ({self.store.url})"

    def class_view(self, course: str | None) -> ClassView:
        return ClassView(
            matrix=an.class_mastery_matrix(self.store, course, limit=an.MAX_PAGE),
            summary=an.topic_summary(self.store, course),
            courses=an.course_ids(self.store),
        )

    def struggles(self, since: datetime, course: str | None) -> list[an.StrugglingStudent]:
        return an.struggling_now(self.store, since=since, course_id=course)

    def errors(self, since: datetime, course: str | None) -> list[an.ErrorCount]:
        return an.frequent_errors(self.store, since=since, course_id=course)

    def pass_rates(self, since: datetime | None, course: str | None) -> list[an.ExercisePassRate]:
        return an.exercise_pass_rates(self.store, since=since, course_id=course)

    def agents(self) -> list[AgentStatus]:
        now = datetime.now(UTC)
        return agent_statuses(
            {
                "agent": b.agent,
                "fresh": (now - b.seen_at).total_seconds() <= STALE_AFTER_S,
                "stats": b.stats,
            }
            for b in self.store.list_heartbeats()
        )

    def student_queries(self, student_id: str, limit: int = 20) -> list[an.QueryWithReplies]:
        return an.student_recent_queries(self.store, student_id, limit=limit)

    def close(self) -> None:
        if self._owned:
            self.store.close()
