"""Counters the `status` command, heartbeats and /metrics read: outcomes, tokens, cost, TTFT, cache."""

import statistics
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WINDOW = 500


def _summary(values: deque[float]) -> dict[str, float | None]:
    if not values:
        return {"last": None, "mean": None, "p50": None, "p95": None}
    ordered = sorted(values)
    return {
        "last": round(values[-1], 2),
        "mean": round(statistics.fmean(values), 2),
        "p50": round(ordered[len(ordered) // 2], 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
    }


@dataclass
class LLMStats:
    provider: str = "none"
    model: str = ""
    # answered by the LLM / from the cache / offline, with the reason for each fallback
    answered: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    provider_calls: int = 0
    provider_errors: Counter[str] = field(default_factory=Counter)
    repairs: int = 0
    # Requests for a model off the allow-list (answered with the default model).
    model_refusals: int = 0
    withheld_solutions: int = 0
    generated_exercises: Counter[str] = field(default_factory=Counter)
    cache_hits: int = 0
    cache_misses: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    # Input tokens read from / written to the provider's prompt cache (part of tokens_in).
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    ttft_ms: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))
    latency_ms: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))
    # The daily budgets this process enforces (llm/budgets.py), so readers elsewhere (the
    # gateway's usage views) show what the agents enforce, not their own settings.
    budgets: dict[str, float] = field(default_factory=dict)
    # Read live: the circuit turns half-open with time, not only when a call is made.
    breaker_source: Callable[[], dict[str, object]] | None = None

    @property
    def cache_hit_rate(self) -> float | None:
        looked = self.cache_hits + self.cache_misses
        return round(self.cache_hits / looked, 4) if looked else None

    def breaker_state(self) -> dict[str, object]:
        return self.breaker_source() if self.breaker_source is not None else {"state": "closed"}

    def record_usage(self, tokens_in: int, tokens_out: int, cost: float) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost_usd = round(self.cost_usd + cost, 6)

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready, for heartbeats (`status`) and the HTTP status endpoints."""
        return {
            "provider": self.provider,
            "model": self.model,
            "answered": dict(self.answered),
            "fallbacks": dict(self.fallbacks),
            "provider_calls": self.provider_calls,
            "provider_errors": dict(self.provider_errors),
            "repairs": self.repairs,
            "model_refusals": self.model_refusals,
            "withheld_solutions": self.withheld_solutions,
            "generated_exercises": dict(self.generated_exercises),
            "cache": {"hits": self.cache_hits, "misses": self.cache_misses, "hit_rate": self.cache_hit_rate},
            "tokens": {
                "in": self.tokens_in,
                "out": self.tokens_out,
                "cache_read": self.cache_read_tokens,
                "cache_write": self.cache_write_tokens,
            },
            "cost_usd": self.cost_usd,
            "ttft_ms": _summary(self.ttft_ms),
            "latency_ms": _summary(self.latency_ms),
            "breaker": self.breaker_state(),
            "budgets": dict(self.budgets),
        }
