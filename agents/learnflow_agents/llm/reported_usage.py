"""A provider's reported usage, checked before it is charged to the shared budgets.

The counts come from the provider's response, parsed leniently by its SDK: a count that is
not a plain non-negative integer of plausible size (NaN, infinity, a float, a string, a
negative or astronomically large number) would otherwise drop the call from the accounting
(the store refuses the row, so the call is never counted) or poison the totals every later
budget check and usage view reads. Such a count is replaced by LearnFlow's own estimate of
what was sent or received, as for a server that reports no usage at all.
"""

from dataclasses import replace
from typing import Any

from learnflow_agents.llm.providers.base import LLMCall, LLMResult
from learnflow_agents.llm.student_context import estimate_tokens

# Far beyond any model's context window and output limit: a larger count is not a real call's.
MAX_CALL_TOKENS = 10_000_000
MAX_MODEL_NAME = 128


def plausible_count(value: Any) -> int | None:
    """`value` if it is a plain integer in [0, MAX_CALL_TOKENS], else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CALL_TOKENS:
        return value
    return None


# What a provider sums into one count when a part of it was unusable: implausible, so estimated.
UNREPORTED = -1


def reported(*parts: Any) -> int:
    """The sum of a provider's counts (a missing one is 0), or UNREPORTED if any part is not
    a plausible count: a provider must not do arithmetic on what it was sent."""
    counts = [0 if part is None else plausible_count(part) for part in parts]
    if any(count is None for count in counts):
        return UNREPORTED
    return sum(count for count in counts if count is not None)


def checked_usage(result: LLMResult, call: LLMCall) -> LLMResult:
    """`result` with implausible counts replaced by estimates and a malformed model name by
    the requested one."""
    tokens_in = plausible_count(result.tokens_in)
    if tokens_in is None:
        tokens_in = estimate_tokens(call.system) + sum(estimate_tokens(t.text) for t in call.turns)
    tokens_out = plausible_count(result.tokens_out)
    if tokens_out is None:
        tokens_out = estimate_tokens(result.raw if isinstance(result.raw, str) else "")
    model = result.model
    if not (isinstance(model, str) and 0 < len(model) <= MAX_MODEL_NAME and model.isprintable()):
        model = call.model
    return replace(
        result,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        # Cached tokens are part of the input: never more than it.
        cache_read_tokens=min(plausible_count(result.cache_read_tokens) or 0, tokens_in),
        cache_write_tokens=min(plausible_count(result.cache_write_tokens) or 0, tokens_in),
        model=model,
    )
