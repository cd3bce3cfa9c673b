"""Errors the store raises for callers to act on (database errors propagate as SQLAlchemy's)."""


class StoreError(Exception):
    """Base class of the store's own errors."""


class InvalidDataError(StoreError, ValueError):
    """A value the store refuses before writing anything (e.g. a NUL character)."""


class FeedbackRejectedError(StoreError, LookupError):
    """Feedback names a reply that does not exist or belongs to another student."""
