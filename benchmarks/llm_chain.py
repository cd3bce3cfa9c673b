"""Issue 15's figures, side by side, in one run:

1. input tokens per query with and without prompt caching over one class's 50 queries, on
   the FAKE Messages API (Claude's cache_control breakpoints) and the FAKE chat-completions
   server (OpenAI's automatic prefix caching, with `prompt_cache_key`). Both fakes count
   about 4 characters a token, not a real tokenizer;
2. time to first token as the kernel sees it (the card's first streamed text, from the card
   appearing), and
3. kernel message bytes per streamed answer (iopub: displays, display updates, widget comm
   messages) before and after throttling/deltas,

2 and 3 on a real kernel (jupyter_client) running LearnFlow's embedded engine against the
fake Messages API, which streams a ~4 KB answer at a model's pace (--pace seconds per 17
characters). "Before" is the same kernel with the card's `stream_mode = "whole-card"` and
the provider's stream throttle off (`streamed_text.MIN_INTERVAL_SECONDS = 0`), i.e. every
delta redraws and redisplays the whole card, as before issue 15.

    python benchmarks/llm_chain.py [--n 50] [--pace 0.01]

Without the LearnFlow labextension "after" redraws the card's text widget, throttled;
"after+lab" opens the learnflow.commands comm as the labextension does (its hello says it
appends streamed text), and only new text is sent (`stream` messages).
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from learnflow_agents.llm.config import LLMSettings  # noqa: E402
from llm_cache import PAYLOAD, answer_class  # noqa: E402
from llm_cache import run as run_claude  # noqa: E402

from tests.fixtures.fake_anthropic import FakeMessagesAPI, Scripted, tool_reply  # noqa: E402
from tests.llm.fake_openai import FakeChatCompletionsAPI  # noqa: E402

# About 4 KB of prose: what one streamed answer of the issue carried.
LONG_PAYLOAD = {
    **PAYLOAD,
    "summary": "Line 2 asks for an index one past the end of the list.",
    "explanation": (
        "Python numbers list positions from 0, so a list of three items has the positions 0, 1 "
        "and 2; asking for position 3 goes past the end and raises IndexError. "
    )
    * 24,
}


async def run_openai(n: int) -> list[dict[str, float]]:
    server = FakeChatCompletionsAPI().start()
    server.default = tool_reply(PAYLOAD)
    settings = LLMSettings(
        openai_base_url=f"{server.url}/v1",
        model="gpt-fake",
        max_retries=0,
        stream=True,
        student_requests_per_minute=1_000,
    )
    rows = []
    for _, usage in await answer_class(settings, server, n):
        cached = usage["prompt_tokens_details"]["cached_tokens"]
        rows.append(
            {"total": usage["prompt_tokens"], "cached": cached, "full": usage["prompt_tokens"] - cached}
        )
    return rows


def caching_table(n: int) -> None:
    claude_cached = asyncio.run(run_claude(n, "claude-sonnet-5-5", caching=True))
    claude_plain = asyncio.run(run_claude(n, "claude-sonnet-5-5", caching=False))
    openai = asyncio.run(run_openai(n))

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return sum(r[key] for r in rows) / len(rows)

    print(f"1. Input tokens per query, {n} debug queries of one class (fakes: ~4 characters a token)")
    print(f"   {'':<44} {'without caching':>16} {'with caching':>14}")
    print(
        f"   {'Claude, billed (reads x0.1, writes x1.25)':<44} {mean(claude_plain, 'billed'):>16.1f} "
        f"{mean(claude_cached, 'billed'):>14.1f}"
    )
    print(f"   {'Claude, of which read from the cache':<44} {0:>16.1f} {mean(claude_cached, 'read'):>14.1f}")
    print(
        f"   {'OpenAI-compatible, at the full input price':<44} {mean(openai, 'total'):>16.1f} "
        f"{mean(openai, 'full'):>14.1f}"
    )
    print(f"   {'OpenAI-compatible, cached (discounted)':<44} {0:>16.1f} {mean(openai, 'cached'):>14.1f}")
    print(
        "   (OpenAI-compatible 'without' is the same prompts on a server that caches nothing; "
        "the cached tokens' discount depends on the model's price list)"
    )


# -- the kernel ---------------------------------------------------------------------------------

BEFORE = """\
from learnflow_ext.widgets.card import FeedbackCard
import learnflow_agents.llm.providers.streamed_text as streamed_text
FeedbackCard.stream_mode = "whole-card"
streamed_text.MIN_INTERVAL_SECONDS = 0.0"""
AFTER = """\
from learnflow_ext.widgets.card import FeedbackCard
import learnflow_agents.llm.providers.streamed_text as streamed_text
FeedbackCard.stream_mode = "deltas"
streamed_text.MIN_INTERVAL_SECONDS = 0.1"""
WAIT = """\
from learnflow_ext.kernel.extension import current_session
session = current_session()
assert session.client.wait_idle(300), "no answer"
card = list(session.cards.values())[-1]
print(json.dumps({"ttft_s": card.first_delta_at - card.created_at, "updates": card.stream_updates,
                  "state": card.view.state.value, "provider": card.view.reply.provenance.provider}))"""
COUNTED = ("display_data", "update_display_data", "comm_open", "comm_msg", "clear_output")


def execute(client: Any, code: str, timeout: float = 300) -> list[dict[str, Any]]:
    """Run `code`; every iopub message it caused, until the kernel is idle again."""
    msg_id = client.execute(code)
    messages = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id and msg["msg_type"] not in COUNTED:
            continue
        messages.append(msg)
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return messages


def size(msg: dict[str, Any]) -> int:
    parts = (msg["header"], msg["parent_header"], msg["metadata"], msg["content"])
    return sum(len(json.dumps(p, default=str)) for p in parts) + sum(len(b) for b in msg.get("buffers") or [])


def streamed_answer(client: Any, setup: str, n: int) -> dict[str, Any]:
    execute(client, setup)
    # A new error each time: neither the repeat notice nor the reply cache answers it.
    failing = execute(client, f"scores_{n} = [90, 85, 77]\nprint(scores_{n}[{3 + n}])")
    waited = execute(client, WAIT)
    counted = [m for m in failing + waited if m["msg_type"] in COUNTED]
    streams = [
        m
        for m in counted
        if m["msg_type"] == "comm_msg" and (m["content"].get("data") or {}).get("command") == "stream"
    ]
    [printed] = [m["content"]["text"] for m in waited if m["msg_type"] == "stream"]
    seen = json.loads(printed)
    return {
        **seen,
        "bytes": sum(size(m) for m in counted),
        "displays": sum(m["msg_type"] in ("display_data", "update_display_data") for m in counted),
        "comm": sum(m["msg_type"] in ("comm_open", "comm_msg") for m in counted) - len(streams),
        "streams": len(streams),
        "stream_bytes": sum(size(m) for m in streams),
    }


def as_labextension(client: Any) -> None:
    """Open the learnflow.commands comm as the labextension does (its frontend-hello): the
    kernel then sends streamed text as `stream` messages, which the extension appends."""
    from learnflow_ext.kernel.frontend import INSERT, REPLACE, TARGET

    data = {"command": "frontend-hello", "commands": [INSERT, REPLACE], "streams": True}
    content = {"comm_id": uuid.uuid4().hex, "target_name": TARGET, "data": data}
    client.shell_channel.send(client.session.msg("comm_open", content))


def kernel_table(pace: float) -> None:
    from jupyter_client.manager import start_new_kernel

    server = FakeMessagesAPI().start()
    server.default = Scripted("tool", tool_input=LONG_PAYLOAD, pace=pace)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("LEARNFLOW_", "ANTHROPIC_", "OPENAI_"))
        }
        env.update(
            ANTHROPIC_API_KEY="fake-key",
            LEARNFLOW_LLM_ANTHROPIC_BASE_URL=server.url,
            LEARNFLOW_LLM_MAX_RETRIES="0",
            LEARNFLOW_DB_URL=f"sqlite:///{tmp}/chain.sqlite3",
            LEARNFLOW_STUDENT_ID="bench-student",
            JUPYTER_DATA_DIR=f"{tmp}/data",
            JUPYTER_RUNTIME_DIR=f"{tmp}/runtime",
            IPYTHONDIR=f"{tmp}/ipython",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=tmp)
        try:
            execute(client, "import json\n%load_ext learnflow_ext")
            execute(client, "print(get_ipython().run_line_magic('learnflow', 'status'))")
            streamed_answer(client, AFTER, 0)  # warm-up: the first answer pays for imports
            before = streamed_answer(client, BEFORE, 1)
            after = streamed_answer(client, AFTER, 2)
            as_labextension(client)
            lab = streamed_answer(client, AFTER, 3)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            server.stop()
    answer = len(LONG_PAYLOAD["summary"]) + len(LONG_PAYLOAD["explanation"])
    print()
    print(
        f"2-3. One streamed answer of {answer / 1024:.1f} KB of prose, real kernel, {pace:g} s per 17 chars"
    )
    print(f"   {'':<40} {'before':>12} {'after':>12} {'ratio':>8} {'after+lab':>12} {'ratio':>8}")
    for label, key, unit in (
        ("time to first token seen by the kernel", "ttft_s", "s"),
        ("kernel message bytes per answer", "bytes", "B"),
        ("display messages (display + updates)", "displays", ""),
        ("widget comm messages (opens + updates)", "comm", ""),
        ("streamed-text updates of the card", "updates", ""),
        ("learnflow.commands 'stream' messages", "streams", ""),
        ("  their bytes", "stream_bytes", "B"),
    ):
        b, a, la = before[key], after[key], lab[key]
        fmt = ".2f" if unit == "s" else ".0f"
        ratios = [f"{b / x:.1f}x" if x else "-" for x in (a, la)]
        print(
            f"   {label:<40} {b:>11{fmt}}{unit or ' '} {a:>11{fmt}}{unit or ' '} {ratios[0]:>8} "
            f"{la:>11{fmt}}{unit or ' '} {ratios[1]:>8}"
        )
    for name, run in (("before", before), ("after", after), ("after+lab", lab)):
        if run["provider"] != "anthropic" or run["state"] != "done":
            print(f"   warning: the {name} answer was {run['state']} from {run['provider']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--pace", type=float, default=0.01)
    args = parser.parse_args()
    caching_table(args.n)
    kernel_table(args.pace)


if __name__ == "__main__":
    main()
