"""Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, LiteLLM) by base URL.

Through the `openai` SDK rather than hand-written HTTP: it is the client these servers
test against, and it brings the same retry policy as the anthropic SDK (both honour
`retry-after`), streaming and tool-call accumulation. Local models are less strict
about forced tool calls, so JSON written as plain content is accepted too.

Prompt caching: OpenAI (and vLLM's prefix caching) cache the longest prompt prefix seen
before, with no breakpoints to set. The prompt builder already puts what is the same for
every request (tool, system prompt, course context) first, so the request only adds a
`prompt_cache_key` naming that prefix, which keeps requests sharing it on one cache, and
reads `usage.prompt_tokens_details.cached_tokens` back as cache reads.
"""

import hashlib
import json
import time
from typing import Any

import openai

from learnflow_agents.llm.providers.base import (
    LLMCall,
    LLMResult,
    OnDelta,
    ProviderError,
    breaker_worthy,
)
from learnflow_agents.llm.providers.streamed_text import StreamedFields
from learnflow_agents.llm.reported_usage import reported


class OpenAICompatibleProvider:
    name = "openai-compatible"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 60.0,
        connect_timeout_seconds: float = 5.0,
        max_retries: int = 2,
    ) -> None:
        self.client = openai.AsyncOpenAI(
            base_url=base_url,
            # Local servers usually need no key, but the SDK insists on one.
            api_key=api_key or "not-needed",
            timeout=openai.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        await self.client.close()

    def _params(self, call: LLMCall) -> dict[str, Any]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": call.system}]
        messages += [{"role": t.role, "content": t.text} for t in call.turns]
        params: dict[str, Any] = {
            "model": call.model,
            "max_tokens": call.max_tokens,
            "messages": messages,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": call.tool_name,
                        "description": call.tool_description,
                        "parameters": call.input_schema,
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": call.tool_name}},
        }
        if call.temperature is not None:
            params["temperature"] = call.temperature
        if call.user_ref:
            params["user"] = call.user_ref
        if call.cache_prefix:
            params["prompt_cache_key"] = prefix_key(call.system, params["tools"])
        return params

    async def complete(self, call: LLMCall, on_delta: OnDelta | None = None) -> LLMResult:
        try:
            if call.stream:
                return await self._stream(call, on_delta)
            return await self._create(call)
        except openai.APIStatusError as err:
            raise ProviderError(
                f"{err.status_code} {type(err).__name__}",
                status=err.status_code,
                trips_breaker=breaker_worthy(err.status_code),
            ) from err
        except openai.APITimeoutError as err:
            raise ProviderError("timeout") from err
        except openai.APIConnectionError as err:
            raise ProviderError(f"connection failed: {err}") from err
        except openai.APIError as err:
            raise ProviderError(f"unexpected response: {type(err).__name__}") from err

    async def _create(self, call: LLMCall) -> LLMResult:
        completion = await self.client.chat.completions.create(**self._params(call))
        if not completion.choices:
            return LLMResult(
                tool_input=None, raw="", model=call.model, output_error="the reply had no choices"
            )
        choice = completion.choices[0]
        calls = choice.message.tool_calls or []
        arguments = next((c.function.arguments for c in calls if c.function.name == call.tool_name), None)
        usage = completion.usage
        return _parse(
            call,
            arguments,
            choice.message.content or "",
            model=completion.model or call.model,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            cached=cached_tokens(usage),
            stop_reason=choice.finish_reason,
        )

    async def _stream(self, call: LLMCall, on_delta: OnDelta | None) -> LLMResult:
        started = time.perf_counter()
        fields = StreamedFields(call.streamed_fields, on_delta)
        first_token: float | None = None
        arguments: list[str] = []
        content: list[str] = []
        tool_seen = False
        tokens_in = tokens_out = cached = 0
        model = call.model
        finish: str | None = None
        stream = await self.client.chat.completions.create(
            **self._params(call), stream=True, stream_options={"include_usage": True}
        )
        async for chunk in stream:
            model = chunk.model or model
            if chunk.usage is not None:
                tokens_in, tokens_out = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                cached = cached_tokens(chunk.usage)
            for choice in chunk.choices:
                finish = choice.finish_reason or finish
                delta = choice.delta
                for tool_call in delta.tool_calls or []:
                    if tool_call.function is None:
                        continue
                    if tool_call.function.name and tool_call.function.name != call.tool_name:
                        continue
                    tool_seen = True
                    piece = tool_call.function.arguments or ""
                    if piece:
                        first_token = first_token or time.perf_counter()
                        arguments.append(piece)
                        await fields.feed(piece, time.perf_counter())
                if delta.content:
                    first_token = first_token or time.perf_counter()
                    content.append(delta.content)
        await fields.flush(time.perf_counter())
        result = _parse(
            call,
            "".join(arguments) if tool_seen else None,
            "".join(content),
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cached=cached,
            stop_reason=finish,
        )
        result.ttft_ms = None if first_token is None else round((first_token - started) * 1000, 2)
        return result


def prefix_key(system: str, tools: list[dict[str, Any]]) -> str:
    """Names the stable prefix: equal for every request whose tool and system prompt are equal."""
    digest = hashlib.sha256(json.dumps(tools, sort_keys=True).encode())
    digest.update(b"\x00" + system.encode())
    return f"learnflow-{digest.hexdigest()[:32]}"


def cached_tokens(usage: Any) -> int:
    """Prompt tokens read from the provider's cache; servers without caching report none."""
    details = getattr(usage, "prompt_tokens_details", None) if usage is not None else None
    # The SDK parses usage leniently: anything may be in it (llm/reported_usage.py).
    return reported(getattr(details, "cached_tokens", None))


def _parse(
    call: LLMCall,
    arguments: str | None,
    content: str,
    *,
    model: str,
    tokens_in: int,
    tokens_out: int,
    cached: int = 0,
    stop_reason: str | None,
) -> LLMResult:
    raw = arguments if arguments is not None else content
    result = LLMResult(
        tool_input=None,
        raw=raw,
        model=model,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        # prompt_tokens counts the cached ones too, as the Anthropic provider's tokens_in does.
        cache_read_tokens=cached,
        stop_reason=stop_reason,
    )
    if stop_reason == "length":
        result.output_error = "the reply was cut off at max_tokens: answer more briefly"
        return result
    text = raw.strip()
    if arguments is None:
        # Servers without forced tool calls often answer with the JSON as content, maybe fenced.
        text = text.removeprefix("```json").removeprefix("```").removesuffix("```").strip()
        if not text.startswith("{"):
            result.output_error = f"no `{call.tool_name}` tool call in the reply"
            return result
    try:
        value = json.loads(text)
    except ValueError as err:
        result.output_error = f"the tool input was not valid JSON ({err})"
        return result
    if not isinstance(value, dict):
        result.output_error = "the tool input was not a JSON object"
        return result
    result.tool_input = value
    return result
