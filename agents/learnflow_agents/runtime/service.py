"""`learnflow-agents run`: agents as long-lived bus consumers, with health and metrics."""

import asyncio
import contextlib
import logging
import signal
import time

from learnflow_agents.bus import BusUnavailable, create_bus
from learnflow_agents.llm import LLMCollector, build_llm
from learnflow_agents.runtime.batching import SentMarker
from learnflow_agents.runtime.cpu_account import charged, stage
from learnflow_agents.runtime.gc_tuning import settle as settle_gc
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.runtime.health import heartbeat_extras
from learnflow_agents.runtime.logs import configure_json_logging
from learnflow_agents.runtime.metrics import HealthServer, LoopWatch, Metrics
from learnflow_agents.runtime.registry import build_agents
from learnflow_agents.runtime.relay import OutboxRelay
from learnflow_agents.runtime.runner import AgentRunner
from learnflow_agents.runtime.sweeper import QuerySweeper
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


EXIT_RUNNER_DIED = 70  # EX_SOFTWARE: the orchestrator restarts the process
WATCH_INTERVAL = 0.5


def refuse_memory_bus(settings: Settings, allow_memory_bus: bool = False) -> None:
    """`run` on memory:// serves nobody outside this process: only when asked explicitly."""
    if settings.bus_url.startswith("memory:") and not allow_memory_bus:
        raise ValueError(
            "`run` needs a shared bus: --bus kafka://HOST:PORT (or LEARNFLOW_BUS_URL); "
            "with memory:// the agents would serve only this process "
            "(pass --allow-memory-bus to run them like that anyway)"
        )


def _dead_runner(runners: list[AgentRunner]) -> AgentRunner | None:
    """A runner whose task has ended although nobody stopped it."""
    for runner in runners:
        if runner.failed is not None or not runner.ready:
            return runner
    return None


def _runner_error(runner: AgentRunner) -> str:
    if runner.failed is not None:
        return repr(runner.failed)[:1000]
    return "the runner task is not running"


def _wedged_runner(runners: list[AgentRunner], stall_after: float) -> tuple[AgentRunner, float] | None:
    """A runner whose task runs but whose fetch loop has not turned for `stall_after`."""
    now = time.monotonic()
    for runner in runners:
        idle = now - runner.last_turn
        if runner.ready and idle > stall_after:
            return runner, idle
    return None


async def run_service(
    settings: Settings,
    stop: asyncio.Event | None = None,
    agents: list[Agent] | None = None,
    *,
    loop_stall_after: float = 10.0,
    allow_memory_bus: bool = True,
) -> int:
    """Run the agents until `stop` (or SIGTERM/SIGINT): 0 after a graceful stop.

    A runner task that dies (the store failed under it, a bug) ends the process with
    EXIT_RUNNER_DIED so the orchestrator restarts it, instead of a process that looks
    healthy and serves nobody. `/health` fails when the event loop stops turning for
    `loop_stall_after` seconds, a runner task has died or a runner's fetch loop has not
    turned for as long (wedged); `/ready` holds while every runner consumes (its task
    runs and it is not waiting for an unreachable store) and the relay reaches the
    broker, and holds again once they do. `learnflow-agents run` passes
    `allow_memory_bus=False`: memory:// there is a mistake unless asked for.
    """
    configure_json_logging(settings.log_level)
    llm = build_llm(settings) if agents is None else None
    agents = agents if agents is not None else build_agents(settings.agents, llm)
    refuse_memory_bus(settings, allow_memory_bus)  # before touching any database
    store = await asyncio.to_thread(Store.open, settings.db_url, bool(settings.auto_upgrade))
    with stage("publish"):  # the producer's background sending is publishing
        bus = await _connect(settings)
    # Outbox rows carry this deployment's prefix; its relay publishes only those.
    store.outbox_prefix = bus.prefix
    metrics = Metrics()
    if llm is not None:
        metrics.registry.register(LLMCollector(llm.stats))

    async def mark_sent(ids: list[int]) -> None:
        await asyncio.to_thread(charged("outbox", store.mark_sent), ids)

    marker = SentMarker(mark_sent)
    runners = [
        AgentRunner(
            agent,
            bus,
            store,
            metrics=metrics,
            emit_logs=settings.emit_logs,
            marker=marker,
            extra_stats=lambda: heartbeat_extras(llm),
        )
        for agent in agents
    ]
    relay = OutboxRelay(bus, store, metrics)
    sweeper = QuerySweeper(
        bus, store, relay, metrics, idle_seconds=settings.redrive_after, max_redrives=settings.max_redrives
    )
    watch = LoopWatch(stall_after=loop_stall_after).start()
    started = False

    def alive() -> str | None:
        problem = watch.problem()
        if problem is None and started and (dead := _dead_runner(runners)) is not None:
            problem = f"the {dead.agent.name} runner died: {_runner_error(dead)}"
        if problem is None and started and (wedged := _wedged_runner(runners, loop_stall_after)):
            problem = f"the {wedged[0].agent.name} runner has not turned for {wedged[1]:.0f}s"
        return problem

    def ready() -> bool:
        """Consuming: every runner runs, none waits for the store, the relay reaches the broker."""
        return (
            started
            and all(r.ready and r.store_unavailable_since is None for r in runners)
            and relay.failures == 0
        )

    health = HealthServer(metrics, ready=ready, port=settings.metrics_port, alive=alive).start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        await relay.start()
        await sweeper.start()
        for runner in runners:
            await runner.start()
        started = True
        settle_gc()
        log.info(
            "agents running",
            extra={"agents": [a.name for a in agents], "bus": settings.bus_url, "health_port": health.port},
        )
        while not stop.is_set():
            dead = _dead_runner(runners)
            if dead is not None:
                log.error(
                    "a runner died; exiting so the process is restarted",
                    extra={"agent": dead.agent.name, "error": _runner_error(dead)},
                )
                code = EXIT_RUNNER_DIED
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WATCH_INTERVAL)
        if code == 0:
            log.info("stopping: finishing in-flight messages")
    finally:
        # Graceful SIGTERM: finish the batch in flight, commit it, then leave the group.
        for runner in runners:
            try:
                await runner.stop()
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this service is being cancelled, not just the runner
                code = code or EXIT_RUNNER_DIED
            except Exception as err:  # a dead runner re-raises what killed it
                log.warning(
                    "runner stopped with an error", extra={"agent": runner.agent.name, "error": repr(err)}
                )
                code = code or EXIT_RUNNER_DIED
        await marker.close()
        await sweeper.stop()
        watch.stop()
        await relay.stop()
        await bus.stop()
        if llm is not None:
            await llm.aclose()
        store.close()
        health.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return code
