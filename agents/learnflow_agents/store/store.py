"""The Store: one synchronous, thread-safe facade over PostgreSQL or SQLite."""

from types import TracebackType
from typing import Any, Self

from sqlalchemy.engine import URL

from learnflow_agents.store import migrate
from learnflow_agents.store.effects import EffectsMixin
from learnflow_agents.store.engine import create_store_engine
from learnflow_agents.store.learning import LearningMixin
from learnflow_agents.store.ops import OpsMixin
from learnflow_agents.store.outbox import OutboxMixin
from learnflow_agents.store.reads import ReadMixin
from learnflow_agents.store.schema import SEARCH_TABLE
from learnflow_agents.store.submit import SubmitMixin
from learnflow_agents.store.usage import UsageMixin


class Store(SubmitMixin, EffectsMixin, OutboxMixin, ReadMixin, LearningMixin, OpsMixin, UsageMixin):
    """`sqlite:///path` or `postgresql://...`; every method is one short transaction.

    Safe to share between threads (asyncio callers use asyncio.to_thread): each call
    takes its own pooled connection.
    """

    def __init__(
        self, url: str | URL, *, pool_size: int = 10, echo: bool = False, outbox_prefix: str = ""
    ) -> None:
        self._engine = create_store_engine(url, pool_size=pool_size, echo=echo)
        self.outbox_prefix = outbox_prefix
        self.url = self._engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str | URL, upgrade: bool = True, **kwargs: Any) -> Self:
        """A Store whose schema is at head (migrated now unless `upgrade=False`)."""
        store = cls(url, **kwargs)
        if upgrade:
            try:
                store.upgrade()
            except BaseException:
                store.close()
                raise
        return store

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to `revision`; a no-op when already there."""
        migrate.upgrade(self._engine, revision)

    def downgrade(self, revision: str) -> None:
        migrate.downgrade(self._engine, revision)

    def current_revision(self) -> str | None:
        return migrate.current_revision(self._engine)

    @staticmethod
    def head_revision() -> str:
        return migrate.head_revision()

    def schema_diff(self) -> list[Any]:
        """Differences between the database and the code's table definitions ([] = none)."""
        return migrate.schema_diff(self._engine)

    def rebuild_search_index(self) -> None:
        """Rebuild SQLite's FTS index (needed after a VACUUM, which may renumber rowids)."""
        if self.dialect == "sqlite":
            with self._write() as conn:
                conn.exec_driver_sql(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')")

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"
