"""Alembic driven from Python: the migration scripts ship inside this package."""

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from learnflow_agents.store.engine import WRITE_OPTION
from learnflow_agents.store.schema import SEARCH_INDEX, SEARCH_TABLE, metadata

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: agents starting together upgrade one at a time.
MIGRATION_LOCK_KEY = 0x4C46_5354_4F52
# Alembic's `context` and `op` are module-global proxies: two threads running migrations
# at once would use each other's. Processes are kept apart by the databases' own locks.
_ALEMBIC_LOCK = threading.Lock()


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Leave the dialect-specific full-text objects out of schema comparison."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_TABLE)
    if type_ == "index":
        return name != SEARCH_INDEX
    return True


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py runs on this connection instead of opening its own.
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _ALEMBIC_LOCK, engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _ALEMBIC_LOCK, engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        command.downgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the live schema and `schema.metadata` (empty when they agree)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return list(compare_metadata(ctx, metadata))
