"""Operations: agent heartbeats, the LLM reply cache, and retention (purge)."""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from learnflow_agents.store.base import StoreBase, utc_now
from learnflow_agents.store.records import Heartbeat
from learnflow_agents.store.rows import check_row
from learnflow_agents.store.schema import (
    agent_heartbeats,
    feedback,
    llm_cache,
    llm_usage,
    outbox,
    processed_messages,
    queries,
    replies,
    struggle_alerts,
)


class OpsMixin(StoreBase):
    def heartbeat(self, agent: str, instance: str, stats: dict[str, Any]) -> None:
        row = {"agent": agent, "instance": instance, "stats": stats, "seen_at": utc_now()}
        check_row(agent_heartbeats, row)
        stmt = self._insert(agent_heartbeats)
        with self._write() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[agent_heartbeats.c.agent, agent_heartbeats.c.instance],
                    set_={"stats": stmt.excluded.stats, "seen_at": stmt.excluded.seen_at},
                ),
                row,
            )

    def list_heartbeats(self) -> list[Heartbeat]:
        stmt = sa.select(agent_heartbeats).order_by(agent_heartbeats.c.agent, agent_heartbeats.c.instance)
        with self._read() as conn:
            return [Heartbeat(**r._asdict()) for r in conn.execute(stmt)]

    def cache_get(self, key: str) -> dict[str, Any] | None:
        """The cached value unless missing or expired; a hit is counted."""
        now = utc_now()
        stmt = (
            sa.update(llm_cache)
            .where(llm_cache.c.key == key)
            .where(sa.or_(llm_cache.c.expires_at.is_(None), llm_cache.c.expires_at > now))
            .values(hits=llm_cache.c.hits + 1)
            .returning(llm_cache.c.value)
        )
        with self._write() as conn:
            value = conn.execute(stmt).scalar()
        return dict(value) if value is not None else None

    def cache_put(self, key: str, agent: str, value: dict[str, Any], ttl_seconds: float | None) -> None:
        """Store (or replace) a value; `ttl_seconds=None` never expires."""
        now = utc_now()
        expires = now + timedelta(seconds=ttl_seconds) if ttl_seconds is not None else None
        row = {
            "key": key,
            "agent": agent,
            "value": value,
            "created_at": now,
            "expires_at": expires,
            "hits": 0,
        }
        check_row(llm_cache, row)
        stmt = self._insert(llm_cache)
        with self._write() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[llm_cache.c.key],
                    set_={
                        c: stmt.excluded[c] for c in ("agent", "value", "created_at", "expires_at", "hits")
                    },
                ),
                row,
            )

    def cache_stats(self) -> dict[str, int]:
        """entries (all rows), live, expired, hits (summed over live and expired rows)."""
        now = utc_now()
        expired = sa.and_(llm_cache.c.expires_at.is_not(None), llm_cache.c.expires_at <= now)
        stmt = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((expired, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(llm_cache.c.hits), 0),
        ).select_from(llm_cache)
        with self._read() as conn:
            entries, n_expired, hits = conn.execute(stmt).one()
        return {
            "entries": int(entries),
            "live": int(entries) - int(n_expired),
            "expired": int(n_expired),
            "hits": int(hits),
        }

    def purge(self, older_than_days: int) -> dict[str, int]:
        """Delete what is older than the cutoff; returns rows deleted per table.

        Queries go with their replies and the feedback on those; outbox rows only once
        sent; cache rows once expired (whatever their age); LLM usage of days before the
        cutoff's (budgets read today's only). Students, mastery and exercise attempts are the
        learning record and are kept.
        """
        if older_than_days < 0:
            raise ValueError(f"older_than_days must be >= 0, got {older_than_days}")
        now = utc_now()
        cutoff = now - timedelta(days=older_than_days)
        old_queries = sa.select(queries.c.query_id).where(queries.c.created_at < cutoff)
        old_replies = sa.select(replies.c.reply_id).where(replies.c.query_id.in_(old_queries))
        deletes: dict[str, sa.Delete] = {
            # Children first and explicitly, so the counts are real (not hidden in a cascade).
            "feedback": sa.delete(feedback).where(feedback.c.reply_id.in_(old_replies)),
            "replies": sa.delete(replies).where(replies.c.query_id.in_(old_queries)),
            "queries": sa.delete(queries).where(queries.c.created_at < cutoff),
            "outbox": sa.delete(outbox).where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff),
            "processed_messages": sa.delete(processed_messages).where(
                processed_messages.c.processed_at < cutoff
            ),
            "llm_cache": sa.delete(llm_cache).where(
                llm_cache.c.expires_at.is_not(None), llm_cache.c.expires_at <= now
            ),
            "agent_heartbeats": sa.delete(agent_heartbeats).where(agent_heartbeats.c.seen_at < cutoff),
            "struggle_alerts": sa.delete(struggle_alerts).where(struggle_alerts.c.created_at < cutoff),
            "llm_usage": sa.delete(llm_usage).where(llm_usage.c.day < cutoff.date()),
        }
        with self._write() as conn:
            return {table: conn.execute(stmt).rowcount for table, stmt in deletes.items()}
