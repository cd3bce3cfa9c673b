"""Input tokens billed per query, with and without prompt caching, over one class's queries.

The real `anthropic` SDK (through LearnFlow's LLM tutor) against the FAKE Messages API from
the tests, which counts tokens at about 4 characters a token (not Claude's tokenizer) and
reports `cache_creation_input_tokens` / `cache_read_input_tokens` as the real API does:
a prefix ending at a cache breakpoint and seen within 5 minutes is read; a prefix below the
model family's minimum cacheable length is never cached.

    python benchmarks/llm_cache.py [--n 50] [--model claude-sonnet-5-5]

"Billed" input tokens weigh cache reads at 0.1 and cache writes at 1.25 (Anthropic's price
multipliers for the 5-minute cache), so they are proportional to the input cost.
"""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents.contracts import AgentReply, AgentRequest, StudentContext, StudentQuery  # noqa: E402
from learnflow_agents.llm.config import LLMSettings  # noqa: E402
from learnflow_agents.llm.factory import build_llm  # noqa: E402
from learnflow_agents.llm.pricing import billed_input_tokens  # noqa: E402
from learnflow_agents.runtime.handler import HandlerContext  # noqa: E402
from learnflow_agents.tutors.debug import diagnose  # noqa: E402

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply  # noqa: E402

PAYLOAD = {
    "summary": "The index is one past the end of the list.",
    "explanation": "Python counts from 0, so the last index is len(list) - 1.",
    "code_blocks": [{"role": "fix", "code": "print(scores[-1])\n"}],
    "hints": ["How many items does the list have?"],
    "concepts": ["indexing"],
    "error_type": "IndexError",
    "root_cause": "Index past the end.",
    "prevention_tip": "Use scores[-1] for the last item.",
    "conceptual": True,
}
LEVELS = ("beginner", "intermediate", "advanced")


def query(n: int) -> AgentRequest:
    """Student n's IndexError, as a class of 50 would send them: same exercise, own code."""
    code = f"scores_{n} = [{', '.join(str(60 + (n * 7 + i) % 40) for i in range(3 + n % 4))}]\n"
    code += f"print(scores_{n}[{3 + n % 4}])\n"
    traceback = (
        "Traceback (most recent call last):\n"
        f'  File "/tmp/ipykernel_{4000 + n}/1.py", line 2, in <module>\n'
        f"    print(scores_{n}[{3 + n % 4}])\n"
        "IndexError: list index out of range"
    )
    context = StudentContext(skill_level=LEVELS[n % 3])
    return AgentRequest(
        query=StudentQuery(text="why does this fail?", code=code, traceback=traceback, context=context)
    )


async def answer_class(settings: LLMSettings, server: Any, n: int) -> list[tuple[AgentReply, dict[str, Any]]]:
    """Each of n students' query answered by the model behind `server` (a fake API that keeps
    `usages`), with the usage the server reported for it; the tutor and server are closed after."""
    tutor = build_llm(settings)
    assert tutor is not None
    answered = []
    try:
        for i in range(n):
            request = query(i)
            ctx = HandlerContext(student_id=f"student-{i}", trace_id="t", message_id=f"m{i}", store=None)

            async def offline(request: AgentRequest = request, ctx: HandlerContext = ctx) -> AgentReply:
                return diagnose(request.query, ctx)

            reply = await tutor.answer("debug", request, ctx, offline)
            if "llm_fallback" in reply.data:
                raise SystemExit(f"query {i} fell back: {reply.data['llm_fallback']}")
            answered.append((reply, server.usages[-1]))
    finally:
        await tutor.aclose()
        server.stop()
    return answered


async def run(n: int, model: str, caching: bool) -> list[dict[str, float]]:
    server = FakeMessagesAPI().start()
    server.default = tool_reply(PAYLOAD)
    settings = LLMSettings(
        anthropic_api_key="fake-key",
        anthropic_base_url=server.url,
        model=model,
        max_retries=0,
        stream=True,
        prompt_caching=caching,
        student_requests_per_minute=1_000,
    )
    rows = []
    for reply, usage in await answer_class(settings, server, n):
        total = (
            usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"]
        )
        rows.append(
            {
                "total": total,
                "read": usage["cache_read_input_tokens"],
                "write": usage["cache_creation_input_tokens"],
                "billed": billed_input_tokens(
                    total, usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]
                ),
                "cost": reply.data["llm"]["cost_usd"],
            }
        )
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--model", default="claude-sonnet-5-5")
    args = parser.parse_args()
    cached = await run(args.n, args.model, caching=True)
    plain = await run(args.n, args.model, caching=False)
    print(f"{args.n} debug queries of one class, model {args.model}, fake Messages API (~4 chars/token)")
    print(f"{'query':>5} | {'without caching':^24} | {'with caching':^40}")
    print(f"{'':>5} | {'input':>10} {'billed':>13} | {'input':>7} {'read':>7} {'written':>8} {'billed':>14}")
    for i, (c, p) in enumerate(zip(cached, plain, strict=True), 1):
        print(
            f"{i:>5} | {p['total']:>10.0f} {p['billed']:>13.1f} | "
            f"{c['total']:>7.0f} {c['read']:>7.0f} {c['write']:>8.0f} {c['billed']:>14.1f}"
        )
    sum_plain = sum(r["billed"] for r in plain)
    sum_cached = sum(r["billed"] for r in cached)
    print(
        f"total billed input tokens: without {sum_plain:.0f} ({sum_plain / args.n:.1f}/query), "
        f"with {sum_cached:.0f} ({sum_cached / args.n:.1f}/query): "
        f"{100 * (1 - sum_cached / sum_plain):.1f}% less"
    )
    cost_plain = sum(r["cost"] for r in plain)
    cost_cached = sum(r["cost"] for r in cached)
    print(f"cost at list prices (input + output): without ${cost_plain:.4f}, with ${cost_cached:.4f}")


if __name__ == "__main__":
    asyncio.run(main())
