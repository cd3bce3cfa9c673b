"""`learnflow-agents health`: what the agents' heartbeats say."""

from datetime import UTC, datetime
from typing import Any

from learnflow_agents.store import Store


def health_report(db_url: str, stale_after: float = 60.0) -> dict[str, Any]:
    store = Store.open(db_url, upgrade=False)
    try:
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
        fresh_by_agent: dict[str, bool] = {}
        for entry in agents:
            fresh_by_agent[entry["agent"]] = fresh_by_agent.get(entry["agent"], False) or entry["fresh"]
        healthy = bool(fresh_by_agent) and all(fresh_by_agent.values())
        return {
            "healthy": healthy,
            "reason": None
            if healthy
            else ("no agent has reported" if not agents else "some agents are stale"),
            "agents": agents,
            "outbox_pending": store.outbox_pending_count(),
        }
    finally:
        store.close()
