"""What the course commands share: their error type, optional imports, a source check."""

import io
import tokenize
from typing import Any


class CourseToolError(RuntimeError):
    """A course command cannot run (missing optional dependency, bad directory...)."""


def require(module: str) -> Any:
    """Import an optional `course` extra dependency, or explain how to install it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        raise CourseToolError(
            f"{module} is needed for this command: pip install 'learnflow-agents[course]'"
        ) from exc


def has_multiline_string(source: str) -> bool:
    """True if a string literal spans lines: re-indenting the cell would change its value."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    return any(t.type == tokenize.STRING and t.start[0] != t.end[0] for t in tokens)
