"""The LLM stats as Prometheus metrics: `registry.register(LLMCollector(tutor.stats))`."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from learnflow_agents.llm.stats import LLMStats


class LLMCollector(Collector):
    def __init__(self, stats: LLMStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        s = self._stats
        answered = CounterMetricFamily("learnflow_llm_answers", "Replies by source", labels=["source"])
        for source, count in s.answered.items():
            answered.add_metric([source], count)
        yield answered
        fallbacks = CounterMetricFamily(
            "learnflow_llm_fallbacks", "Offline answers by reason", labels=["reason"]
        )
        for reason, count in s.fallbacks.items():
            fallbacks.add_metric([reason], count)
        yield fallbacks
        yield CounterMetricFamily("learnflow_llm_provider_calls", "Provider calls", value=s.provider_calls)
        tokens = CounterMetricFamily("learnflow_llm_tokens", "Tokens used", labels=["direction"])
        tokens.add_metric(["in"], s.tokens_in)
        tokens.add_metric(["out"], s.tokens_out)
        yield tokens
        yield CounterMetricFamily("learnflow_llm_cost_usd", "Estimated spend in USD", value=s.cost_usd)
        yield CounterMetricFamily("learnflow_llm_cache_hits", "Reply cache hits", value=s.cache_hits)
        yield CounterMetricFamily("learnflow_llm_cache_misses", "Reply cache misses", value=s.cache_misses)
        rate = s.cache_hit_rate
        yield GaugeMetricFamily("learnflow_llm_cache_hit_rate", "Reply cache hit rate", value=rate or 0.0)
        ttft = s.snapshot()["ttft_ms"]
        gauge = GaugeMetricFamily(
            "learnflow_llm_ttft_ms", "Time to first token (recent window)", labels=["stat"]
        )
        for stat in ("last", "mean", "p50", "p95"):
            if ttft[stat] is not None:
                gauge.add_metric([stat], ttft[stat])
        yield gauge
        state = str(s.breaker_state().get("state", "closed"))
        yield GaugeMetricFamily(
            "learnflow_llm_breaker_open", "1 while the circuit is open", value=1.0 if state == "open" else 0.0
        )
