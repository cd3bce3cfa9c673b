"""Alembic environment and revisions for the LearnFlow store (see store/migrate.py)."""
