"""Errors the store raises for callers to act on (database errors propagate as SQLAlchemy's)."""


class StoreError(Exception):
    """Base class of the store's own errors."""


class InvalidDataError(StoreError, ValueError):
    """A value the store refuses before writing anything (e.g. a NUL character)."""


class ForeignQueryError(InvalidDataError):
    """A handled message's effects name a query stored under another student: refused whole.

    Messages on the bus are trusted no further than their envelope: a record naming one
    student and carrying another's query id (forged with broker access) changes nothing.
    """


class FeedbackRejectedError(StoreError, LookupError):
    """Feedback names a reply that does not exist or belongs to another student."""
