"""FAKE OpenAI-compatible `POST /v1/chat/completions` server (not OpenAI, vLLM or Ollama).

Speaks enough of the chat-completions protocol, JSON and SSE chunks with tool-call
argument deltas and a final usage chunk, for the real `openai` SDK to run against it.
Scripts come from tests.fixtures.fake_anthropic (tool_reply, status_reply, hang, ...).
Usage is counted from the request (about 4 characters a token) and, as OpenAI's prompt
caching reports it, `prompt_tokens_details.cached_tokens` is the longest prefix seen before.
"""

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fixtures.fake_anthropic import (
    CACHE_TTL_SECONDS,
    FakeHTTPService,
    Scripted,
    chunks,
    count_tokens,
    send_json,
    start_sse,
    status_reply,
)

# As OpenAI's prompt-caching guide gives it: prompts of 1024 tokens or more are cached, and
# hits come in increments of 128 tokens of the longest prefix computed before.
MIN_CACHED_TOKENS = 1024
CACHE_INCREMENT = 128
CHARS_PER_TOKEN = 4


def prompt_text(body: dict[str, Any]) -> str:
    """The request's prompt in cache order: tools, then the messages as sent."""
    parts = [json.dumps(body.get("tools") or [], sort_keys=True)]
    parts += [f"{m.get('role')}:{m.get('content')}" for m in body.get("messages") or []]
    return "\x00".join(parts)


class PrefixCache:
    """Prefix caching as OpenAI reports it: no breakpoints, every 128-token prefix of a
    long-enough prompt is remembered, per model and `prompt_cache_key`."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def cached(self, body: dict[str, Any]) -> int:
        text = prompt_text(body)
        total = count_tokens(text)
        if total < MIN_CACHED_TOKENS:
            return 0
        namespace = f"{body.get('model')}\x00{body.get('prompt_cache_key') or ''}\x00"
        now = time.monotonic()
        keys = []
        for tokens in range(MIN_CACHED_TOKENS, total + 1, CACHE_INCREMENT):
            prefix = text[: tokens * CHARS_PER_TOKEN]
            keys.append((tokens, hashlib.sha256((namespace + prefix).encode()).hexdigest()))
        hit = 0
        with self._lock:
            for tokens, key in keys:
                seen = self._seen.get(key)
                if seen is None or now - seen >= CACHE_TTL_SECONDS:
                    break
                hit = tokens
            for _, key in keys:
                self._seen[key] = now
        return hit


class FakeChatCompletionsAPI(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__()
        self.prefix_cache = PrefixCache()
        # The usage reported for each answered request, in order.
        self.usages: list[dict[str, Any]] = []

    def respond(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], scripted: Scripted) -> None:
        if handler.path.rstrip("/") != "/v1/chat/completions":
            send_json(handler, 404, {"error": {"message": "fake: not found"}}, {})
            return
        if scripted.kind == "hang":
            self.wait_or_stop(scripted.seconds)
            scripted = status_reply(500, headers={"x-should-retry": "false"})
        if scripted.kind == "status":
            send_json(
                handler, scripted.status, {"error": {"message": f"fake {scripted.status}"}}, scripted.headers
            )
            return
        tool = (
            scripted.tool_name
            or ((body.get("tool_choice") or {}).get("function") or {}).get("name")
            or "reply"
        )
        model = body.get("model", "fake-local-model")
        arguments = json.dumps(scripted.tool_input) if scripted.kind == "tool" else scripted.raw_json
        usage = self._usage(body, scripted, arguments)
        if body.get("stream"):
            self._stream(handler, scripted, tool, model, arguments, usage)
            return
        message: dict[str, Any] = {"role": "assistant", "content": scripted.text}
        if arguments is not None:
            message["tool_calls"] = [
                {"id": "call_fake", "type": "function", "function": {"name": tool, "arguments": arguments}}
            ]
        finish = scripted.stop_reason or ("tool_calls" if arguments is not None else "stop")
        send_json(
            handler,
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            },
            {},
        )

    def _usage(self, body: dict[str, Any], scripted: Scripted, arguments: str | None) -> dict[str, Any]:
        if scripted.usage is not None:
            prompt, completion = scripted.usage
            usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion}
        else:
            usage = {
                "prompt_tokens": count_tokens(prompt_text(body)),
                "completion_tokens": count_tokens((arguments or "") + (scripted.text or "")),
                "prompt_tokens_details": {"cached_tokens": self.prefix_cache.cached(body)},
            }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        with self._lock:
            self.usages.append(usage)
        return usage

    def _stream(
        self,
        handler: BaseHTTPRequestHandler,
        scripted: Scripted,
        tool: str,
        model: str,
        arguments: str | None,
        usage: dict[str, Any],
    ) -> None:
        start_sse(handler)

        def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> None:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": choices,
            }
            if usage is not None:
                data["usage"] = usage
            handler.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
            handler.wfile.flush()

        if scripted.text:
            for piece in chunks(scripted.text, 12):
                chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
        if arguments is not None:
            call = {
                "index": 0,
                "id": "call_fake",
                "type": "function",
                "function": {"name": tool, "arguments": ""},
            }
            chunk([{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]}, "finish_reason": None}])
            for piece in chunks(arguments, 17):
                delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                chunk([{"index": 0, "delta": delta, "finish_reason": None}])
        finish = scripted.stop_reason or ("tool_calls" if arguments is not None else "stop")
        chunk([{"index": 0, "delta": {}, "finish_reason": finish}])
        chunk([], usage=usage)
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
