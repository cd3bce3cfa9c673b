"""What the course commands share: their error type, optional imports, a source check."""

import io
import os
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


# What a child Python running an instructor's notebook during `course import` may see of the
# environment: enough to run and find its libraries, never the agents' credentials (the
# import may run where the agents run, and values it computes are written into tests).
CHILD_ENVIRONMENT = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",
    "PYTHONPATH",
)


def child_environment() -> dict[str, str]:
    """The environment for a child that runs an imported notebook's code outside the sandbox."""
    return {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}
