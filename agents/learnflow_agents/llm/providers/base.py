"""The one interface every LLM provider implements: a forced tool call, optionally streamed."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

OnDelta = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class LLMCall:
    system: str
    turns: list[Turn]
    tool_name: str
    tool_description: str
    input_schema: dict[str, Any]
    model: str
    max_tokens: int
    temperature: float | None = None
    stream: bool = True
    # Prose fields of the tool input whose text is streamed to the student as it is written.
    streamed_fields: tuple[str, ...] = ("summary", "explanation")
    # An opaque per-student id for the provider's abuse monitoring; never a name or email.
    user_ref: str | None = None
    # Mark the end of the stable prefix (tool definition + system prompt) as cacheable.
    cache_prefix: bool = True


@dataclass
class LLMResult:
    tool_input: dict[str, Any] | None
    # The raw tool-call JSON (or text) as produced, for the repair turn.
    raw: str
    model: str
    # All input tokens, cached ones included; of them, read from / written to the prompt cache.
    tokens_in: int = 0
    tokens_out: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    ttft_ms: float | None = None
    stop_reason: str | None = None
    # Why tool_input is None or unusable at the protocol level (no tool call, bad JSON).
    output_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """The provider did not answer: transport, timeout or an HTTP error after the SDK's retries."""

    def __init__(self, reason: str, *, status: int | None = None, trips_breaker: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        # Availability problems open the circuit; a rejected request (400, 404) does not,
        # because the next, different request may well succeed.
        self.trips_breaker = trips_breaker


def breaker_worthy(status: int | None) -> bool:
    return status is None or status in (401, 403, 408, 409, 429) or status >= 500


class Provider(Protocol):
    name: str

    async def complete(self, call: LLMCall, on_delta: OnDelta | None = None) -> LLMResult: ...

    async def aclose(self) -> None: ...
