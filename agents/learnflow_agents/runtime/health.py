"""What the agents' heartbeats say: `learnflow-agents health`, the gateway and the server."""

from datetime import UTC, datetime
from typing import Any

from learnflow_agents.store import Store

HEARTBEAT_STALE_S = 60.0


def store_health(store: Store, stale_after: float = HEARTBEAT_STALE_S) -> dict[str, Any]:
    """Each agent instance's last heartbeat, whether every agent is fresh, the outbox backlog."""
    now = datetime.now(UTC)
    agents = []
    for beat in store.list_heartbeats():
        age = (now - beat.seen_at).total_seconds()
        agents.append(
            {
                "agent": beat.agent,
                "instance": beat.instance,
                "seen_at": beat.seen_at.isoformat(),
                "age_s": round(age, 1),
                "fresh": age <= stale_after,
                "stats": beat.stats,
            }
        )
    # An agent is fresh when any of its replicas is.
    fresh_by_agent: dict[str, bool] = {}
    for entry in agents:
        fresh_by_agent[entry["agent"]] = fresh_by_agent.get(entry["agent"], False) or entry["fresh"]
    healthy = bool(fresh_by_agent) and all(fresh_by_agent.values())
    # How each agent's machine isolates student code, from its latest heartbeat.
    sandbox = {
        entry["agent"]: entry["stats"]["sandbox"]
        for entry in agents
        if isinstance(entry["stats"], dict) and "sandbox" in entry["stats"]
    }
    return {
        "sandbox": sandbox,
        "healthy": healthy,
        "reason": None if healthy else ("no agent has reported" if not agents else "some agents are stale"),
        "agents": agents,
        "outbox_pending": store.outbox_pending_count(),
    }


def health_report(db_url: str, stale_after: float = HEARTBEAT_STALE_S) -> dict[str, Any]:
    store = Store.open(db_url, upgrade=False)
    try:
        return store_health(store, stale_after)
    finally:
        store.close()


def heartbeat_extras(llm: Any) -> dict[str, Any]:
    """What every agent's heartbeat adds: how student code is isolated where it runs (so
    `learnflow-agents health` shows it for agents on other machines), and the model's figures."""
    from learnflow_agents.sandbox import detect_isolation

    extras: dict[str, Any] = {"sandbox": detect_isolation().as_dict()}
    if llm is not None:
        extras["llm"] = llm.stats.snapshot()
    return extras
