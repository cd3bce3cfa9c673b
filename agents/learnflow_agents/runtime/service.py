"""`learnflow-agents run`: agents as long-lived bus consumers, with health and metrics."""

import asyncio
import logging
import signal
from typing import Any

from learnflow_agents.bus import BusUnavailable, create_bus
from learnflow_agents.llm import LLMCollector, build_llm
from learnflow_agents.runtime.batching import SentMarker
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.runtime.logs import configure_json_logging
from learnflow_agents.runtime.metrics import HealthServer, Metrics
from learnflow_agents.runtime.registry import build_agents
from learnflow_agents.runtime.relay import OutboxRelay
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store

log = logging.getLogger("learnflow.service")


async def _connect(settings: Settings, attempts: int = 30):
    """Wait for the broker: in a cluster the agents often start before Kafka is ready."""
    delay = 0.5
    for attempt in range(1, attempts + 1):
        bus = create_bus(settings.bus_url, prefix=settings.topic_prefix, partitions=settings.partitions)
        try:
            await bus.start()
            return bus
        except BusUnavailable as err:
            if attempt == attempts:
                raise
            log.warning("broker not reachable yet", extra={"error": str(err), "retry_in_s": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


async def run_service(
    settings: Settings, stop: asyncio.Event | None = None, agents: list[Agent] | None = None
) -> int:
    configure_json_logging(settings.log_level)
    llm = build_llm(settings) if agents is None else None
    agents = agents if agents is not None else build_agents(settings.agents, llm)
    store = await asyncio.to_thread(Store.open, settings.db_url, bool(settings.auto_upgrade))
    bus = await _connect(settings)
    metrics = Metrics()
    if llm is not None:
        metrics.registry.register(LLMCollector(llm.stats))

    async def mark_sent(ids: list[int]) -> None:
        await asyncio.to_thread(store.mark_sent, ids)

    marker = SentMarker(mark_sent)
    runners = [
        AgentRunner(
            agent,
            bus,
            store,
            metrics=metrics,
            emit_logs=settings.emit_logs,
            marker=marker,
            extra_stats=lambda: _heartbeat_stats(llm),
        )
        for agent in agents
    ]
    relay = OutboxRelay(bus, store, metrics)
    health = HealthServer(
        metrics, ready=lambda: all(r.ready for r in runners), port=settings.metrics_port
    ).start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await relay.start()
        for runner in runners:
            await runner.start()
        log.info(
            "agents running",
            extra={"agents": [a.name for a in agents], "bus": settings.bus_url, "health_port": health.port},
        )
        await stop.wait()
        log.info("stopping: finishing in-flight messages")
    finally:
        # Graceful SIGTERM: finish the batch in flight, commit it, then leave the group.
        for runner in runners:
            await runner.stop()
        await marker.close()
        await relay.stop()
        await bus.stop()
        if llm is not None:
            await llm.aclose()
        store.close()
        health.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0


def _heartbeat_stats(llm: Any) -> dict[str, Any]:
    """What each heartbeat adds: the sandbox's isolation here, and the model's figures."""
    from learnflow_agents.sandbox import detect_isolation

    stats: dict[str, Any] = {"sandbox": detect_isolation().as_dict()}
    if llm is not None:
        stats["llm"] = llm.stats.snapshot()
    return stats
