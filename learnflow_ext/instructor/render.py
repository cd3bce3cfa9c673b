"""HTML for the parts that are lists to read, not charts: alerts, agents, conversations."""

from datetime import datetime

from learnflow_agents.contracts import AgentReply

from learnflow_ext.instructor.data import AgentStatus, QueryWithReplies, StrugglingStudent, UsageToday
from learnflow_ext.widgets.highlight import code_html, escape, markdown_html

LEVEL_COLOUR = {"high": "#d73027", "medium": "#fc8d59", "low": "#fee08b"}
MAX_TRACEBACK = 3_000


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def struggles_html(struggles: list[StrugglingStudent], new: set[str]) -> str:
    if not struggles:
        return "<p><i>No struggle alerts in the last 24 hours.</i></p>"
    items = []
    for s in struggles:
        colour = LEVEL_COLOUR.get(s.level, "#ccc")
        badge = ' <b style="color:#d73027">NEW</b>' if s.student_id in new else ""
        evidence = "".join(f"<li>{escape(e)}</li>" for e in s.evidence)
        items.append(
            f'<div class="lf-alert" style="border-left:6px solid {colour};padding:4px 10px;margin:6px 0">'
            f"<b>{escape(s.student_id)}</b> · {escape(s.level)} ({s.score:.2f}) · "
            f"{s.alerts} alert(s) · {escape(', '.join(s.topics))} · {_when(s.latest_at)}{badge}"
            f"<ul style='margin:2px 0'>{evidence}</ul>"
            f"<div><b>Recommendation:</b> {escape(s.recommendation)}</div></div>"
        )
    return "".join(items)


def agents_html(agents: list[AgentStatus]) -> str:
    if not agents:
        return "<p><i>No agent has reported a heartbeat yet.</i></p>"
    head = "".join(
        f"<th style='padding:2px 8px'>{h}</th>"
        for h in (
            "agent",
            "health",
            "live instances",
            "handled",
            "lag",
            "dead-lettered",
            "provider",
            "tokens in",
            "tokens out",
            "cost (USD)",
        )
    )
    rows = []
    for a in agents:
        health = "🟢 up" if a.healthy else "🔴 stale"
        cells = (
            a.agent,
            health,
            a.fresh,
            a.handled,
            a.lag,
            a.dead_lettered,
            a.provider,
            a.tokens_in,
            a.tokens_out,
            f"{a.cost_usd:.4f}",
        )
        tds = [f"<td style='padding:2px 8px'>{escape(str(c))}</td>" for c in cells]
        if a.stale:
            # Live instances only: old heartbeats (restarts, earlier runs) are not instances now.
            tds[2] = (
                f"<td style='padding:2px 8px'>{a.fresh} <span style='color:#999' title='heartbeats too old "
                f"to count'>({a.stale} stale)</span></td>"
            )
        rows.append("<tr>" + "".join(tds) + "</tr>")
    total = sum(a.cost_usd for a in agents)
    return f"<table><tr>{head}</tr>{''.join(rows)}</table><p>Total LLM cost: <b>${total:.4f}</b></p>"


def _budget(tokens: int | None, usd: float | None) -> str:
    parts = [f"{tokens:,} tokens" if tokens else "", f"${usd:.2f}" if usd else ""]
    return " and ".join(p for p in parts if p) or "no limit"


def usage_html(usage: UsageToday | None) -> str:
    """Today's model usage per course and per student, against the daily budgets."""
    if usage is None:
        return "<p><i>This gateway does not report LLM usage.</i></p>"
    head = (
        f"<h4>LLM usage today ({escape(usage.day)}, UTC)</h4>"
        f"<p>Daily budget per student: {_budget(usage.student_tokens, usage.student_usd)}; "
        f"per course: {_budget(usage.course_tokens, usage.course_usd)}.</p>"
    )
    if not usage.students:
        return head + "<p><i>No model calls today.</i></p>"
    courses = "".join(
        f"<li><b>{escape(c.course_id or '(no course)')}</b>: {c.used.tokens:,} tokens, "
        f"${c.used.cost_usd:.4f}, {c.used.requests} call(s)"
        + (f" · <b style='color:#d73027'>{escape(c.over_budget)}</b>" if c.over_budget else "")
        + "</li>"
        for c in usage.courses
    )
    cell = "<td style='padding:2px 8px'>{}</td>"
    rows = "".join(
        "<tr>"
        + "".join(
            cell.format(escape(str(v)))
            for v in (
                s.student_id,
                s.course_id or "",
                f"{s.asked.tokens:,}",
                f"{s.total.tokens:,}",
                f"{s.total.cost_usd:.4f}",
                s.total.requests,
            )
        )
        + "</tr>"
        for s in usage.students
    )
    titles = ("student", "course", "own tokens", "all tokens (routing too)", "cost (USD)", "calls")
    header = "".join(f"<th style='padding:2px 8px'>{t}</th>" for t in titles)
    return f"{head}<ul>{courses}</ul><table class='lf-usage'><tr>{header}</tr>{rows}</table>"


def conversation_html(student_id: str, items: list[QueryWithReplies]) -> str:
    if not items:
        return f"<p><i>No queries from {escape(student_id)}.</i></p>"
    parts = [f"<h4>Recent queries from {escape(student_id)}</h4>"]
    for item in items:
        q = item.query
        routed = q.routing.target_agent if q.routing else q.target_agent or "triage"
        parts.append(
            '<div class="lf-query" style="border:1px solid #ddd;border-radius:4px;padding:6px;margin:6px 0">'
            f"<div><b>{_when(q.created_at)}</b> · {escape(q.status)} · to {escape(routed)}</div>"
            f"<div>{escape(q.text)}</div>"
        )
        if q.code:
            parts.append(code_html(q.code))
        if q.traceback:
            parts.append(f"<pre style='color:#a50026'>{escape(q.traceback[-MAX_TRACEBACK:])}</pre>")
        parts.extend(_reply_html(reply) for reply in item.replies)
        parts.append("</div>")
    return "".join(parts)


def _reply_html(reply: AgentReply) -> str:
    return (
        '<div class="lf-reply" style="margin-left:16px;border-left:3px solid #4575b4;padding-left:8px">'
        f"<b>{escape(reply.agent)}</b> ({escape(reply.provenance.provider)}): {escape(reply.summary)}"
        f"{markdown_html(reply.explanation)}"
        + "".join(code_html(b.code, b.language) for b in reply.code_blocks)
        + "</div>"
    )
