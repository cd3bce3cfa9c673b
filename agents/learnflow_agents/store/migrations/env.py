"""Alembic environment: run on the caller's connection (store.migrate) or a configured URL."""

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from learnflow_agents.store.engine import WRITE_OPTION, create_store_engine
from learnflow_agents.store.migrate import MIGRATION_LOCK_KEY, include_name
from learnflow_agents.store.schema import metadata

config = context.config


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=metadata,
        include_name=include_name,
        compare_type=True,
        # SQLite can roll back DDL too once the driver's own transaction handling is off
        # (store.engine), so a failed upgrade leaves no half-built schema on either backend.
        transactional_ddl=True,
        render_as_batch=conn.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        _run(conn)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the LearnFlow migrations")
    engine = create_store_engine(url)
    try:
        with engine.connect() as own:
            own.execution_options(**{WRITE_OPTION: True})
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `learnflow-agents db upgrade`")
run_online()
