"""What every part of the Store shares: the engine, transactions, dialect inserts, the clock."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from learnflow_agents.store.engine import WRITE_OPTION

# Bound parameters per statement stay well below SQLite's and PostgreSQL's limits.
CHUNK = 1_000

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    _engine: Engine
    # The bus topic prefix of the deployment using this store: written on every outbox row,
    # and the only rows its relay publishes (see OutboxMixin.claim_outbox).
    outbox_prefix: str = ""

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction that commits on success and rolls back on any error."""
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def _insert(self, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
        # Both dialect inserts offer ON CONFLICT; the generic one does not.
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
