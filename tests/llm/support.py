"""Helpers for the LLM tests: hermetic settings, valid tool payloads per agent, the real
offline tutors as fallbacks, a delta sink and a manual clock for the breaker and rate windows."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from learnflow_agents.contracts import AgentReply, AgentRequest, StudentQuery
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.store import Store

INDEX_ERROR_CODE = "scores = [90, 85, 77]\nprint(scores[3])\n"
INDEX_ERROR_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/tmp/ipykernel_4242/1234567.py", line 2, in <module>\n'
    "    print(scores[3])\n"
    "IndexError: list index out of range"
)


class ManualClock:
    """Time that moves only when a test says so: no sleeps, no timed assertions."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def system_text(body: dict[str, Any]) -> str:
    """The system prompt a request carried, whether sent as a string or as cacheable blocks."""
    system = body.get("system", "")
    if isinstance(system, str):
        return system
    return "".join(block.get("text", "") for block in system)


def make_ctx(store: Store | None, student_id: str = "student-1") -> HandlerContext:
    return HandlerContext(student_id=student_id, trace_id="trace-1", message_id="message-1", store=store)


def settings_for(url: str, **overrides: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "anthropic_api_key": "test-key-not-real",
        "anthropic_base_url": url,
        "max_retries": 0,
        "timeout_seconds": 10.0,
    }
    values.update(overrides)
    return LLMSettings(**values)


def request_for(
    text: str = "", code: str | None = None, traceback: str | None = None, **kwargs: Any
) -> AgentRequest:
    return AgentRequest(query=StudentQuery(text=text, code=code, traceback=traceback), **kwargs)


def debug_request() -> AgentRequest:
    return request_for("why does this fail?", code=INDEX_ERROR_CODE, traceback=INDEX_ERROR_TRACEBACK)


def offline_for(
    agent: str, request: AgentRequest, ctx: HandlerContext
) -> Callable[[], Awaitable[AgentReply]]:
    """The agent's real offline tutor, as the handler would pass it."""

    def answer() -> AgentReply:
        query = request.query
        if agent == "debug":
            from learnflow_agents.tutors.debug import diagnose

            return diagnose(query)
        if agent == "concepts":
            from learnflow_agents.tutors.concepts import explain

            return explain(query, concept=request.concept)
        if agent == "code-review":
            from learnflow_agents.tutors.code_review import review

            return review(query)
        if agent == "exercise":
            from learnflow_agents.tutors.exercise.agent import answer as _exercise_answer

            return _exercise_answer(request, ctx)
        from learnflow_agents.tutors.progress import report

        return report(request, ctx)

    async def run() -> AgentReply:
        return await asyncio.to_thread(answer)

    return run


class DeltaSink:
    def __init__(self) -> None:
        self.deltas: list[str] = []

    async def __call__(self, delta: str) -> None:
        self.deltas.append(delta)

    @property
    def text(self) -> str:
        return "".join(self.deltas)


# -- valid tool inputs, one per agent ---------------------------------------------------


def debug_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "summary": "Line 2 asks for scores[3], but the list has 3 items at positions 0 to 2.",
        "explanation": "**IndexError**: Python counts from 0, so the last item of `scores` is `scores[2]`.",
        "code_blocks": [
            {"role": "fix", "code": "scores = [90, 85, 77]\nprint(scores[2])\n", "title": "Fixed"}
        ],
        "hints": ["How many items does `scores` have?", "What is the position of the last one?"],
        "concepts": ["indexing", "lists"],
        "error_type": "IndexError",
        "root_cause": "Index 3 is past the end of a 3-item list.",
        "prevention_tip": "Use scores[-1] for the last item, or loop over the items directly.",
        "conceptual": True,
    }
    payload.update(overrides)
    return payload


def concepts_payload() -> dict[str, Any]:
    return {
        "summary": "A for loop repeats its body once for each item in a collection.",
        "explanation": "A `for` loop walks through a list one item at a time.",
        "code_blocks": [{"role": "example", "code": "for name in ['Ada', 'Alan']:\n    print(name)\n"}],
        "hints": ["What does the loop variable hold on the second pass?"],
        "concepts": ["for-loops", "lists", "range"],
        "definition": "A for loop runs the same lines once per item of an iterable.",
        "pitfalls": ["Changing a list while looping over it.", "Forgetting the colon."],
        "next_step": "Write a loop that adds up a list of numbers.",
    }


def review_payload() -> dict[str, Any]:
    return {
        "summary": "Loop over the items directly instead of over range(len(...)).",
        "explanation": "Your function works; two changes make it more Pythonic.",
        "code_blocks": [
            {"role": "refactor", "code": "def show(items):\n    for item in items:\n        print(item)\n"}
        ],
        "concepts": ["for-loops"],
        "improvements": [
            {
                "area": "readability",
                "title": "Iterate directly",
                "detail": "range(len(x)) hides intent.",
                "line": 2,
            },
            {"area": "style", "title": "Name things", "detail": "`l` looks like `1`; call it `items`."},
        ],
        "praise": "Clear structure and a small, focused function.",
    }


def progress_payload() -> dict[str, Any]:
    return {
        "summary": "You are steady on loops and lists; recursion needs practice.",
        "explanation": "### Strengths\n- loops\n### Next\n- recursion",
        "concepts": ["recursion"],
        "strengths": ["for-loops"],
        "growth_areas": ["recursion: three failed attempts this week"],
        "recommendations": ["recursion", "generators"],
        "encouragement": "You fixed five IndexErrors on your own this week!",
    }


def triage_payload(intent: str = "concepts", confidence: float = 0.92) -> dict[str, Any]:
    return {"intent": intent, "confidence": confidence, "reasoning": "asks what a concept means"}


def exercise_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "title": "Count the vowels",
        "statement": "Write `count_vowels(text)` that returns how many vowels (a, e, i, o, u) `text` has.",
        "topic": "strings",
        "difficulty": "beginner",
        "starter": (
            "def count_vowels(text):\n"
            '    """Return the number of vowels in text."""\n'
            "    raise NotImplementedError\n"
        ),
        "solution": "def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in 'aeiou')\n",
        "tests": [
            {"name": "simple word", "source": "assert count_vowels('banana') == 3", "hidden": False},
            {"name": "no vowels", "source": "assert count_vowels('rhythm') == 0", "hidden": False},
            {"name": "capitals count", "source": "assert count_vowels('AEIOU') == 5", "hidden": True},
        ],
        "hints": ["Loop over the letters.", "Check `letter in 'aeiou'`."],
    }
    payload.update(overrides)
    return payload


PAYLOADS: dict[str, Callable[[], dict[str, Any]]] = {
    "debug": debug_payload,
    "concepts": concepts_payload,
    "code-review": review_payload,
    "progress": progress_payload,
}

REQUESTS: dict[str, Callable[[], AgentRequest]] = {
    "debug": debug_request,
    "concepts": lambda: request_for("what is a for loop?"),
    "code-review": lambda: request_for(
        "please review my code", code="def show(l):\n    for i in range(len(l)):\n        print(l[i])\n"
    ),
    "progress": lambda: request_for("how am I doing?"),
}
