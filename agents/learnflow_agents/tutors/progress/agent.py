"""The progress agent: reports on request, and learns from every other agent's replies.

- `progress-requests` (AgentRequest): answers with the progress report.
- `agent-responses` (AgentReply): no reply; updates mastery for the topics the reply is
  evidence about, records exercise checks as attempts, and raises at most one struggle
  alert per message.

It never touches the store: history comes in through the context (`ctx.history`, read
only) and everything to store (mastery, the alert, the attempt) goes out on the Outcome,
which the runner writes in one transaction with the message's inbox entry.
"""

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from learnflow_agents.contracts import (
    AgentName,
    AgentReply,
    AgentRequest,
    CheckResult,
    HelperRelation,
    ReplyStatus,
    Topic,
)
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.store import AttemptRecord
from learnflow_agents.store.base import utc_now
from learnflow_agents.tutors.progress.bkt import replay
from learnflow_agents.tutors.progress.config import ProgressConfig
from learnflow_agents.tutors.progress.evidence import (
    Kind,
    attempt_details,
    check_of,
    from_attempt,
    from_reply,
)
from learnflow_agents.tutors.progress.history import load_history, merge
from learnflow_agents.tutors.progress.narrative import remember
from learnflow_agents.tutors.progress.report import report
from learnflow_agents.tutors.progress.struggle import choose, detect

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor

log = logging.getLogger("learnflow.progress")


def attempt_of(student_id: str, reply: AgentReply, check: CheckResult) -> AttemptRecord:
    """The attempt a check reply is, to store once per reply (its source): a redelivered
    reply, or one handled by two consumers during a rebalance, records no second one."""
    assert check.exercise_id and check.topic  # check_of's promise
    return AttemptRecord(
        id=0,
        student_id=student_id,
        exercise_id=check.exercise_id,
        topic=check.topic,
        passed=check.passed,
        hints_used=check.hints_used,
        details=attempt_details(reply, check),
        created_at=utc_now(),
        source_id=str(reply.reply_id),
    )


class ProgressAgent:
    name = AgentName.PROGRESS.value
    topics = (Topic.PROGRESS_REQUESTS, Topic.AGENT_RESPONSES)

    def __init__(self, config: ProgressConfig | None = None, llm: "LLMTutor | None" = None) -> None:
        self.config = config or ProgressConfig()
        self.llm = llm

    async def handle(self, payload: Any, ctx: HandlerContext) -> Outcome:
        if isinstance(payload, AgentRequest):
            reply = await self.report(payload, ctx)
            if payload.requested_by:
                reply.helps = HelperRelation(agent=payload.requested_by, reply_id=payload.for_reply)
            return Outcome(reply=reply)
        if isinstance(payload, AgentReply) and self._is_evidence(payload):
            return await asyncio.to_thread(self.observe, payload, ctx)
        return Outcome()

    async def report(self, request: AgentRequest, ctx: HandlerContext) -> AgentReply:
        """The offline report, told by the model when one is configured (narrative.py): the
        figures are computed here once, and stay the offline ones either way."""
        computed = await asyncio.to_thread(report, request, ctx, self.config)
        if self.llm is None:
            return computed
        remember(request, computed)

        async def offline() -> AgentReply:
            return computed.model_copy(deep=True)

        return await self.llm.answer(self.name, request, ctx, offline, ctx.stream)

    def _is_evidence(self, reply: AgentReply) -> bool:
        # Our own reports, saga helpers' answers and failures say nothing about the student.
        failed = reply.status is ReplyStatus.ERROR
        return reply.agent != self.name and not reply.is_helper and not failed

    def observe(self, reply: AgentReply, ctx: HandlerContext) -> Outcome:
        """Mastery, struggle and attempt effects of one reply (synchronous: it reads history)."""
        check = check_of(reply)
        attempt = None
        if check is not None and check.exercise_id and check.topic:
            attempt = attempt_of(ctx.student_id, reply, check)
            new = from_attempt(attempt)
        else:
            item = from_reply(reply)
            new = [item] if item is not None else []
        if not new:
            return Outcome()
        cfg, stored = self.config, ctx.history
        history = merge(load_history(stored, cfg.history_limit) if stored else [], new)
        # An item already in the history (a redelivered reply) counts as it was stored.
        wanted = {(e.source, e.seq) for e in new}
        new = [e for e in history if (e.source, e.seq) in wanted]
        traces = replay(history, cfg.bkt)
        mastery = {e.topic: round(traces[e.topic].p, 6) for e in new if e.kind is not Kind.EXPLAIN}
        findings = detect(ctx.student_id, new, history, traces, cfg)
        already: set[str] = set()
        if findings and stored is not None:
            since = min(e.at for e in new) - timedelta(hours=cfg.alert_window_hours)
            already = {a.dedupe_key for a in stored.struggles(since)}
        chosen = choose(findings, already)
        if chosen is not None:
            log.info(
                "struggle detected",
                extra={"student": ctx.student_id, "topic": chosen.alert.topic, "rule": chosen.rule},
            )
        return Outcome(
            mastery=mastery or None,
            struggle=chosen.alert if chosen else None,
            struggle_key=chosen.key if chosen else None,
            attempt=attempt,
        )
