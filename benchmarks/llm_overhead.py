"""What the LLM layer itself costs, without a model: the real anthropic SDK against the
FAKE Messages API from the tests (instant answers), so the figures are LearnFlow's own
overhead (prompt building, SDK, streaming parse, mapping, cache, store) per answer.

    python benchmarks/llm_overhead.py [--n 200]

Prints median and p95 per path: streamed LLM answer, cache hit, breaker-open fallback.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnflow_agents.contracts import AgentReply, AgentRequest, StudentQuery  # noqa: E402
from learnflow_agents.llm.config import LLMSettings  # noqa: E402
from learnflow_agents.llm.factory import build_llm  # noqa: E402
from learnflow_agents.runtime.handler import HandlerContext  # noqa: E402
from learnflow_agents.store import Store  # noqa: E402
from learnflow_agents.tutors.debug import diagnose  # noqa: E402

from tests.fixtures.fake_anthropic import FakeMessagesAPI, status_reply, tool_reply  # noqa: E402

PAYLOAD = {
    "summary": "Line 2 asks for scores[3], but the list has 3 items.",
    "explanation": "Python counts from 0. " * 40,
    "code_blocks": [{"role": "fix", "code": "scores = [90, 85, 77]\nprint(scores[2])\n"}],
    "hints": ["How many items are there?"],
    "concepts": ["indexing"],
    "error_type": "IndexError",
    "root_cause": "Index past the end.",
    "prevention_tip": "Use scores[-1].",
    "conceptual": True,
}


def query(i: int, unique: bool) -> StudentQuery:
    code = f"scores = [90, 85, 77]\nprint(scores[{3 + i if unique else 3}])\n"
    return StudentQuery(
        text="why does this fail?", code=code, traceback="IndexError: list index out of range"
    )


async def timed(n: int, one: Callable[[int], Awaitable[AgentReply]]) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await one(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{name:<28} {statistics.median(samples):8.2f} {p95:8.2f}"


async def main(n: int) -> None:
    fake = FakeMessagesAPI().start()
    fake.default = tool_reply(PAYLOAD)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        settings = LLMSettings(
            anthropic_api_key="bench",
            anthropic_base_url=fake.url,
            student_requests_per_minute=10**6,
            global_requests_per_minute=10**6,
            student_daily_tokens=0,
            breaker_failures=1,
            breaker_reset_seconds=3600,
        )
        tutor = build_llm(settings)
        assert tutor is not None
        ctx = HandlerContext(student_id="bench", trace_id="t", message_id="m", store=store)

        async def answer(q: StudentQuery) -> AgentReply:
            async def offline() -> AgentReply:
                return await asyncio.to_thread(diagnose, q)

            async def sink(delta: str) -> None:
                pass

            return await tutor.answer("debug", AgentRequest(query=q), ctx, offline, on_delta=sink)

        streamed = await timed(n, lambda i: answer(query(i, unique=True)))
        await answer(query(0, unique=False))
        cached = await timed(n, lambda i: answer(query(0, unique=False)))
        fake.default = status_reply(500, headers={"x-should-retry": "false"})
        await answer(query(-1, unique=True))  # opens the breaker (threshold 1)
        breaker = await timed(n, lambda i: answer(query(10_000 + i, unique=True)))
        print(f"{'path (ms)':<28} {'median':>8} {'p95':>8}")
        print(row("streamed LLM answer", streamed))
        print(row("cache hit", cached))
        print(row("breaker open -> offline", breaker))
        print(f"ttft (fake server): {tutor.stats.snapshot()['ttft_ms']}")
        await tutor.aclose()
        store.close()
    fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    asyncio.run(main(parser.parse_args().n))
