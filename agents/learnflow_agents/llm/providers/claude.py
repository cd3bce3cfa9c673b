"""Claude through the official `anthropic` SDK (async client, streaming, forced tool use).

Retries for 408/409/429/5xx, with backoff that honours `retry-after`, are the SDK's own
(`max_retries`); what is left after them is a ProviderError for the tutor to fall back on.
"""

import json
import time
from typing import Any

import anthropic

from learnflow_agents.llm.providers.base import (
    LLMCall,
    LLMResult,
    OnDelta,
    ProviderError,
    breaker_worthy,
)
from learnflow_agents.llm.providers.streamed_text import StreamedFields
from learnflow_agents.llm.reported_usage import reported

SERVER_SIDE_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error"})


class ClaudeProvider:
    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        connect_timeout_seconds: float = 5.0,
        max_retries: int = 2,
    ) -> None:
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=anthropic.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        await self.client.close()

    def _params(self, call: LLMCall) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": call.model,
            "max_tokens": call.max_tokens,
            "system": _system(call),
            "messages": [{"role": t.role, "content": t.text} for t in call.turns],
            "tools": [
                {
                    "name": call.tool_name,
                    "description": call.tool_description,
                    "input_schema": call.input_schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": call.tool_name, "disable_parallel_tool_use": True},
        }
        if call.user_ref:
            params["metadata"] = {"user_id": call.user_ref}
        if call.temperature is not None:
            # Not a parameter of the 2.x SDK any more; older models and proxies still take it.
            params["extra_body"] = {"temperature": call.temperature}
        return params

    async def complete(self, call: LLMCall, on_delta: OnDelta | None = None) -> LLMResult:
        try:
            if call.stream:
                return await self._stream(call, on_delta)
            return await self._create(call)
        except anthropic.APIStatusError as err:
            kind = _error_type(err)
            # An `error` event mid-stream arrives on a 200 response: its type says what it was.
            trips = breaker_worthy(err.status_code) or kind in SERVER_SIDE_ERRORS
            raise ProviderError(
                f"{err.status_code} {kind}", status=err.status_code, trips_breaker=trips
            ) from err
        except anthropic.APITimeoutError as err:
            raise ProviderError("timeout") from err
        except anthropic.APIConnectionError as err:
            raise ProviderError(f"connection failed: {err}") from err
        except anthropic.APIError as err:
            raise ProviderError(f"unexpected response: {type(err).__name__}") from err

    async def _create(self, call: LLMCall) -> LLMResult:
        message = await self.client.messages.create(**self._params(call))
        return _result(message, call)

    async def _stream(self, call: LLMCall, on_delta: OnDelta | None) -> LLMResult:
        started = time.perf_counter()
        fields = StreamedFields(call.streamed_fields, on_delta)
        first_token: float | None = None
        try:
            async with self.client.messages.stream(**self._params(call)) as stream:
                async for event in stream:
                    if event.type == "content_block_delta" and first_token is None:
                        first_token = time.perf_counter()
                    if event.type == "text":
                        await fields.text(event.text, time.perf_counter())
                    elif event.type == "input_json":
                        await fields.feed(event.partial_json, time.perf_counter())
                await fields.flush(time.perf_counter())
                message = await stream.get_final_message()
        except ValueError as err:
            # The SDK's accumulator could not parse the tool input: malformed JSON from the model.
            return LLMResult(
                tool_input=None,
                raw=fields.raw,
                model=call.model,
                ttft_ms=_ms(started, first_token),
                output_error=f"the tool input was not valid JSON ({err})"[:500],
            )
        result = _result(message, call)
        result.ttft_ms = _ms(started, first_token)
        if result.tool_input is not None and fields.raw.strip():
            try:
                json.loads(fields.raw)
            except ValueError as err:
                # The SDK parses tool input leniently (partial mode): truncated JSON would pass.
                result.tool_input = None
                result.raw = fields.raw
                result.output_error = f"the tool input was not valid JSON ({err})"
        return result


def _system(call: LLMCall) -> Any:
    """The system prompt; with a cache breakpoint after it, the tool definition and the system
    prompt (the stable prefix: tools come first in the API's cache order) are cached together."""
    if not call.cache_prefix:
        return call.system
    return [{"type": "text", "text": call.system, "cache_control": {"type": "ephemeral"}}]


def _ms(started: float, at: float | None) -> float | None:
    return None if at is None else round((at - started) * 1000, 2)


def _error_type(err: anthropic.APIStatusError) -> str:
    body = err.body if isinstance(err.body, dict) else {}
    error = body.get("error")
    kind = error.get("type") if isinstance(error, dict) else None
    return str(kind or type(err).__name__)


def _result(message: Any, call: LLMCall) -> LLMResult:
    usage = message.usage
    # The SDK parses usage leniently: anything may be in it (llm/reported_usage.py).
    read = reported(getattr(usage, "cache_read_input_tokens", None))
    written = reported(getattr(usage, "cache_creation_input_tokens", None))
    base = LLMResult(
        tool_input=None,
        raw="",
        model=message.model or call.model,
        # `input_tokens` counts only what came after the last cache breakpoint.
        tokens_in=reported(usage.input_tokens, read, written),
        tokens_out=reported(usage.output_tokens),
        cache_read_tokens=read,
        cache_write_tokens=written,
        stop_reason=message.stop_reason,
    )
    texts = []
    for block in message.content:
        if block.type == "tool_use" and block.name == call.tool_name:
            base.raw = json.dumps(block.input, ensure_ascii=False)
            if message.stop_reason == "max_tokens":
                # A cut-off tool input parses (partially) but is not the answer the model meant.
                base.output_error = "the reply was cut off at max_tokens: answer more briefly"
            elif isinstance(block.input, dict):
                base.tool_input = block.input
            else:
                base.output_error = "the tool input was not a JSON object"
            return base
        if block.type == "text":
            texts.append(block.text)
    base.raw = "\n".join(texts)
    reason = " (stopped at max_tokens)" if message.stop_reason == "max_tokens" else ""
    base.output_error = f"no `{call.tool_name}` tool call in the reply{reason}"
    return base
