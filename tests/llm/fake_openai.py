"""FAKE OpenAI-compatible `POST /v1/chat/completions` server (not OpenAI, vLLM or Ollama).

Speaks enough of the chat-completions protocol, JSON and SSE chunks with tool-call
argument deltas and a final usage chunk, for the real `openai` SDK to run against it.
Scripts come from tests.fixtures.fake_anthropic (tool_reply, status_reply, hang, ...).
"""

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fixtures.fake_anthropic import (
    FakeHTTPService,
    Scripted,
    chunks,
    send_json,
    start_sse,
    status_reply,
)


class FakeChatCompletionsAPI(FakeHTTPService):
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
        if body.get("stream"):
            self._stream(handler, scripted, tool, model, arguments)
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
                "usage": _usage(scripted),
            },
            {},
        )

    def _stream(
        self,
        handler: BaseHTTPRequestHandler,
        scripted: Scripted,
        tool: str,
        model: str,
        arguments: str | None,
    ) -> None:
        start_sse(handler)

        def chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> None:
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
        chunk([], usage=_usage(scripted))
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()


def _usage(scripted: Scripted) -> dict[str, int]:
    prompt, completion = scripted.usage if scripted.usage is not None else (120, 80)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
