"""Failing cells become debug queries: the post_run_cell hook and what it gathers.

IPython's events are used, not the single `set_custom_exc` slot, so LearnFlow coexists
with other extensions that want it. A successful cell costs one attribute check.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from learnflow_agents.contracts import StudentContext, StudentQuery, VariableSummary
from learnflow_agents.contracts.query import MAX_CODE, MAX_TEXT, MAX_TRACEBACK
from learnflow_agents.privacy import scrub_text

from learnflow_ext.kernel.frames import student_traceback
from learnflow_ext.kernel.variables import names_in_source, summarize_variables

# Errors that are the student's way of stopping or mistyping a magic, not bugs to explain.
IGNORED_ERRORS = (KeyboardInterrupt, SystemExit, UsageError)
LEARNFLOW_PREFIXES = ("%learnflow", "%%learnflow")

# What no query may hold (the contract refuses NUL; no UTF-8 encoder takes a lone surrogate),
# though an error's text may: data read from a binary file, or with errors='surrogateescape'.
_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")


def sendable(text: str) -> str:
    """`text` with NUL and lone surrogates shown as U+FFFD, so the error is still explained."""
    return _UNSENDABLE.sub("\ufffd", text)


@dataclass
class CapturedError:
    source: str
    execution_count: int | None
    error_type: str
    message: str
    traceback: str
    variables: list[VariableSummary] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Same cell, same error: the identity used to collapse repeats."""
        raw = "\x00".join((self.source.strip(), self.error_type, self.message))
        return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()

    @property
    def where(self) -> str:
        return f"In[{self.execution_count}]" if self.execution_count else "an earlier cell"

    def to_query(self, context: StudentContext) -> StudentQuery:
        headline = sendable(f"{self.error_type}: {self.message}".strip().rstrip(":"))
        return StudentQuery(
            text=headline[:MAX_TEXT],
            code=sendable(self.source[:MAX_CODE]) or None,
            # The end of a traceback names the error; keep it when cutting.
            traceback=sendable(self.traceback[-MAX_TRACEBACK:]) or None,
            variables=self.variables,
            target_agent="debug",
            context=context,
            source="kernel-capture",
        )


def failing_error(result: ExecutionResult) -> BaseException | None:
    error = result.error_before_exec or result.error_in_exec
    if error is None or isinstance(error, IGNORED_ERRORS):
        return None
    if result.info is not None and (result.info.raw_cell or "").lstrip().startswith(LEARNFLOW_PREFIXES):
        return None  # never explain LearnFlow's own magic to itself
    return error


def capture_error(
    shell: InteractiveShell,
    result: ExecutionResult,
    error: BaseException,
    *,
    max_variables: int,
    max_repr: int,
) -> CapturedError:
    source = (result.info.raw_cell if result.info is not None else "") or ""
    trace = student_traceback(error, lambda filename: cell_label(shell, filename))
    names = [*trace.innermost_locals, *names_in_source(source)]
    variables = summarize_variables(names, [trace.innermost_locals, shell.user_ns], max_variables, max_repr)
    return CapturedError(
        source=scrub_text(source),
        execution_count=result.execution_count,
        error_type=trace.error_type,
        message=scrub_text(trace.message),
        traceback=scrub_text(trace.text),
        variables=variables,
    )


def cell_label(shell: InteractiveShell, filename: str) -> str | None:
    named = shell.compile.format_code_name(filename)
    return f"{named[0]} {named[1]}" if named else None


class CaptureHook:
    """The post_run_cell callback; everything beyond `result.success` runs on failure only."""

    def __init__(self, on_error: Callable[[ExecutionResult, BaseException], Any]) -> None:
        self._on_error = on_error

    def __call__(self, result: ExecutionResult) -> None:
        if result.success:
            return
        error = failing_error(result)
        if error is not None:
            self._on_error(result, error)
