"""The one renderer of an `AgentReply` as text: markdown, HTML and plain text.

Widgets build their live view from the same pieces, and every widget display carries
these as fallbacks, so an HTML export, nbconvert, terminal IPython or a frontend
without widgets still shows the whole answer.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from learnflow_agents.contracts import AgentReply, CodeBlock, CodeRole

from learnflow_ext.widgets import reply_data
from learnflow_ext.widgets.highlight import code_html, escape, markdown_html


class CardState(StrEnum):
    WORKING = "working"
    STREAMING = "streaming"
    DONE = "done"
    ERROR = "error"


AGENTS = {
    "triage": ("🧭", "LearnFlow"),
    "debug": ("🩺", "Debug agent"),
    "concepts": ("📘", "Concepts agent"),
    "code-review": ("🔍", "Code review agent"),
    "exercise": ("🏋️", "Exercise agent"),
    "progress": ("📈", "Progress agent"),
}

STATE_COLOURS = {
    CardState.WORKING: "#6b7280",
    CardState.STREAMING: "#2563eb",
    CardState.DONE: "#16a34a",
    CardState.ERROR: "#dc2626",
}

CODE_TITLES = {
    CodeRole.FIX: "Fix",
    CodeRole.EXAMPLE: "Example",
    CodeRole.REFACTOR: "Refactored",
    CodeRole.STARTER: "Starter code",
    CodeRole.TESTS: "Tests",
    CodeRole.ORIGINAL: "Your code",
}


def agent_title(agent: str) -> str:
    icon, title = AGENTS.get(agent, ("🤖", f"{agent.replace('-', ' ').capitalize()} agent"))
    return f"{icon} {title}"


def waiting_message(agent: str) -> str:
    if agent == "triage":
        return "Finding the right tutor…"
    if agent == "debug":
        return "Debug agent is looking…"
    return f"{AGENTS.get(agent, ('', 'The agent'))[1]} is working…"


def code_title(block: CodeBlock) -> str:
    return block.title or CODE_TITLES.get(block.role, block.role.value)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 hint`, `2 hints`: never `1 hints` or `hint(s)`."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


# Bold markers and the backticks of code spans; a fence (```) is code and stays.
_INLINE_MARKUP = re.compile(r"\*\*|__|(?<!`)`(?!`)")


# Terminal control (C0 but tab and newline, DEL, C1) and the bidirectional controls that
# reorder what a reader sees: a traceback or a program's output may carry them, and the
# plain-text card is what a terminal (terminal IPython, `jupyter console`) prints as is.
_TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every terminal or bidi control shown as its escape (`\\x1b`), not sent."""
    text = text.replace("\r\n", "\n")
    return _TERMINAL_CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def plain(markdown: str) -> str:
    """Inline markdown as plain text (titles, labels, text/plain): no `**` or backticks left."""
    return _INLINE_MARKUP.sub("", markdown)


def _same_text(a: str, b: str) -> bool:
    """The same words, or one is the other behind a short lead ("In one sentence: ...")."""

    def norm(text: str) -> str:
        return " ".join(plain(text).replace("#", " ").split()).strip(" .:!").casefold()

    first, second = sorted((norm(a), norm(b)), key=len)
    return bool(first) and second.endswith(first) and len(second) - len(first) <= 24


def without_repeats(summary: str, explanation: str) -> str:
    """The explanation without paragraphs that repeat the summary or each other."""
    kept: list[str] = []
    for paragraph in re.split(r"\n\s*\n", explanation.strip()):
        if not paragraph.strip():
            continue
        if "```" not in paragraph and (
            _same_text(paragraph, summary) or any(_same_text(paragraph, k) for k in kept)
        ):
            continue
        kept.append(paragraph)
    return "\n\n".join(kept)


def _outcome_message(message: str) -> str:
    # A mark in the message as well as the row's own would be a doubled ✅.
    return message.strip().removeprefix("✅").removeprefix("❌").strip()


@dataclass
class ReplyView:
    """A reply, or the wait for one, as readable text in every format."""

    reply: AgentReply | None = None
    agent: str = "triage"
    state: CardState = CardState.WORKING
    # What is happening now (routing, progress) or, in the error state, what went wrong.
    note: str = ""
    streamed: str = ""
    hints_shown: int = 0
    heading: str = ""
    related: list[AgentReply] = field(default_factory=list)

    @classmethod
    def of(cls, reply: AgentReply, **extra: object) -> "ReplyView":
        state = CardState.ERROR if reply.status.value == "error" else CardState.DONE
        return cls(reply=reply, agent=reply.agent, state=state, **extra)  # type: ignore[arg-type]

    # -- pieces shared with the widgets ------------------------------------------------

    def header(self) -> str:
        parts = [agent_title(self.agent), self.state.value]
        reply = self.reply
        if reply is not None and self.state is CardState.DONE:
            parts.append(reply.provenance.provider)
            if reply.provenance.latency_ms:
                parts.append(f"{reply.provenance.latency_ms:.0f} ms")
        return " · ".join(parts)

    def status_line(self) -> str:
        if self.state is CardState.WORKING:
            return self.note or waiting_message(self.agent)
        if self.state is CardState.ERROR and self.reply is None:
            return f"Could not get an answer: {self.note}" if self.note else "Could not get an answer."
        return ""

    def body_markdown(self) -> str:
        reply = self.reply
        if reply is None:
            return self.streamed
        parts = [f"**{reply.summary.strip()}**"] if reply.summary.strip() else []
        explanation = without_repeats(reply.summary, reply.explanation)
        if explanation:
            parts.append(explanation)
        return "\n\n".join(parts)

    def visible_hints(self) -> list[str]:
        return self.reply.hints[: self.hints_shown] if self.reply else []

    def hidden_hint_count(self) -> int:
        return max(0, len(self.reply.hints) - self.hints_shown) if self.reply else 0

    # -- markdown ------------------------------------------------------------------------

    def markdown(self) -> str:
        out = [f"**{self.header()}**"]
        if self.heading:
            out.append(f"*{self.heading}*")
        if self.status_line():
            out.append(f"_{self.status_line()}_")
        if self.body_markdown():
            out.append(self.body_markdown())
        reply = self.reply
        if reply is not None:
            out.extend(
                f"**{code_title(block)}**\n\n```{block.language}\n{block.code.rstrip()}\n```"
                for block in reply.code_blocks
            )
            out.extend(_results_markdown(reply))
            out.extend(_progress_markdown(reply))
            if self.visible_hints():
                hints = "\n".join(f"{n}. {hint}" for n, hint in enumerate(self.visible_hints(), 1))
                out.append(f"**Hints**\n\n{hints}")
            if self.hidden_hint_count():
                out.append(f"_{plural(self.hidden_hint_count(), 'more hint')}: `%learnflow hint`_")
            if reply.concepts:
                out.append("**Related concepts:** " + ", ".join(f"`{c}`" for c in reply.concepts))
        for related in self.related:
            out.append(f"---\n\n**{agent_title(related.agent)}: {related.summary.strip()}**")
            explanation = without_repeats(related.summary, related.explanation)
            if explanation:
                out.append(explanation)
        return "\n\n".join(out) + "\n"

    # -- HTML ----------------------------------------------------------------------------

    def html(self) -> str:
        colour = STATE_COLOURS[self.state]
        out = [
            f'<div class="learnflow-card" style="border-left:4px solid {colour};'
            'padding:4px 12px;margin:4px 0">',
            f'<div style="font-weight:600;color:{colour}">{escape(self.header())}</div>',
        ]
        if self.heading:
            out.append(f"<div><em>{escape(self.heading)}</em></div>")
        if self.status_line():
            out.append(f"<div><em>{escape(self.status_line())}</em></div>")
        if self.reply is None and self.streamed:
            out.append(f'<pre style="white-space:pre-wrap">{escape(self.streamed)}</pre>')
        elif self.body_markdown():
            out.append(markdown_html(self.body_markdown()))
        reply = self.reply
        if reply is not None:
            for block in reply.code_blocks:
                out.append(f"<div><strong>{escape(code_title(block))}</strong></div>")
                out.append(code_html(block.code, block.language))
            out.append(results_html(reply))
            out.append(progress_html(reply))
            out.append(hints_html(self.visible_hints(), self.hidden_hint_count()))
            if reply.concepts:
                names = ", ".join(f"<code>{escape(c)}</code>" for c in reply.concepts)
                out.append(f"<div><strong>Related concepts:</strong> {names}</div>")
        for related in self.related:
            out.append('<hr style="margin:6px 0">')
            out.append(markdown_html(f"**{agent_title(related.agent)}: {related.summary.strip()}**"))
            out.append(markdown_html(without_repeats(related.summary, related.explanation)))
        out.append("</div>")
        return "\n".join(part for part in out if part)

    # -- plain text ------------------------------------------------------------------------

    def text(self) -> str:
        out = [self.header()]
        if self.heading:
            out.append(self.heading)
        if self.status_line():
            out.append(self.status_line())
        if self.body_markdown():
            # Plain text keeps `code` in backticks (a plain-text convention); bold markers go.
            out.append(self.body_markdown().replace("**", ""))
        reply = self.reply
        if reply is not None:
            for block in reply.code_blocks:
                indented = "\n".join(f"    {line}" for line in block.code.rstrip().splitlines())
                out.append(f"{code_title(block)}:\n{indented}")
            out.extend(
                line.replace("**", "") for line in _results_markdown(reply) + _progress_markdown(reply)
            )
            for number, hint in enumerate(self.visible_hints(), 1):
                out.append(f"Hint {number}: {hint}")
            if self.hidden_hint_count():
                out.append(f"{plural(self.hidden_hint_count(), 'more hint')}: %learnflow hint")
            if reply.concepts:
                out.append("Related concepts: " + ", ".join(reply.concepts))
        out.extend(
            (
                f"{agent_title(related.agent)}: {related.summary}\n"
                f"{without_repeats(related.summary, related.explanation)}"
            ).replace("**", "").rstrip()
            for related in self.related
        )
        return terminal_safe("\n\n".join(out))

    # -- IPython display protocol ----------------------------------------------------------

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(self.text())  # type: ignore[attr-defined]

    def mimebundle(self) -> dict[str, str]:
        return {"text/plain": self.text(), "text/markdown": self.markdown(), "text/html": self.html()}


def hints_html(visible: list[str], hidden: int) -> str:
    if not visible and not hidden:
        return ""
    items = "".join(f"<li>{markdown_html(hint)}</li>" for hint in visible)
    out = f"<div><strong>Hints</strong><ol>{items}</ol></div>" if visible else ""
    if hidden:
        out += f"<div><em>{plural(hidden, 'more hint')} available.</em></div>"
    return out


def _results_markdown(reply: AgentReply) -> list[str]:
    results = reply_data.test_results(reply)
    if not results:
        return []
    lines = []
    for result in results:
        mark = "✅" if result.passed else "❌"
        line = f"- {mark} {result.name}"
        message = _outcome_message(result.message)
        if message:
            line += f": {message}"
        if not result.passed and (result.expected is not None or result.actual is not None):
            line += f" (expected `{result.expected}`, got `{result.actual}`)"
        if not result.passed and result.line:
            line += f", line {result.line} of your code"
        lines.append(line)
    return [f"**{_tests_title(reply)}**\n\n" + "\n".join(lines)]


def _tests_title(reply: AgentReply) -> str:
    results = reply_data.test_results(reply)
    passed = sum(r.passed for r in results)
    title = f"Tests: {passed}/{len(results)} passed"
    check = reply.check
    if check is not None and (check.points, check.max_points) != (passed, len(results)):
        title += f" · {check.points}/{check.max_points} points"
    return title


def results_html(reply: AgentReply) -> str:
    results = reply_data.test_results(reply)
    if not results:
        return ""
    rows = []
    for result in results:
        mark = "✅" if result.passed else "❌"
        detail = escape(_outcome_message(result.message))
        if not result.passed and (result.expected is not None or result.actual is not None):
            detail += (
                f" <span style='color:#6b7280'>expected <code>{escape(result.expected or '')}</code>, "
                f"got <code>{escape(result.actual or '')}</code></span>"
            )
        rows.append(
            f"<tr><td>{mark}</td><td><strong>{escape(result.name)}</strong></td><td>{detail}</td></tr>"
        )
    return (
        f"<div><strong>{escape(_tests_title(reply))}</strong></div>"
        f"<table style='border-collapse:collapse'>{''.join(rows)}</table>"
    )


def _progress_markdown(reply: AgentReply) -> list[str]:
    out = []
    levels = reply_data.mastery(reply)
    if levels:
        rows = []
        for topic, value in sorted(levels.items(), key=lambda item: -item[1]):
            filled = round(value * 10)
            rows.append(f"    {topic:<18} {'█' * filled}{'░' * (10 - filled)} {value:.0%}")
        out.append("**Mastery**\n\n" + "\n".join(rows))
    recs = reply_data.recommendations(reply)
    if recs:
        out.append(
            "**Next steps**\n\n"
            + "\n".join(f"- {r.title}{f': {r.detail}' if r.detail else ''}" for r in recs)
        )
    wins = reply_data.achievements(reply)
    if wins:
        out.append("**Achievements**\n\n" + "\n".join(f"- 🏆 {a.title}" for a in wins))
    return out


def mastery_bars_html(levels: dict[str, float]) -> str:
    """Mastery per topic as horizontal bars: plain HTML, so it exports and needs no JS."""
    if not levels:
        return ""
    rows = []
    for topic, value in sorted(levels.items(), key=lambda item: -item[1]):
        colour = "#16a34a" if value >= 0.8 else "#f59e0b" if value >= 0.5 else "#dc2626"
        rows.append(
            "<div style='display:flex;align-items:center;gap:8px;margin:2px 0'>"
            f"<span style='width:140px;overflow:hidden;text-overflow:ellipsis'>{escape(topic)}</span>"
            "<span style='flex:0 0 220px;height:12px;background:#e5e7eb;border-radius:6px;overflow:hidden'>"
            f"<span style='display:block;height:100%;width:{value * 100:.0f}%;"
            f"background:{colour}'></span></span>"
            f"<span>{value:.0%}</span></div>"
        )
    return "<div class='learnflow-mastery'><strong>Mastery</strong>" + "".join(rows) + "</div>"


def progress_html(reply: AgentReply) -> str:
    out = [mastery_bars_html(reply_data.mastery(reply))]
    recs = reply_data.recommendations(reply)
    if recs:
        items = "".join(
            f"<li><strong>{escape(r.title)}</strong>{': ' + escape(r.detail) if r.detail else ''}</li>"
            for r in recs
        )
        out.append(f"<div><strong>Next steps</strong><ul>{items}</ul></div>")
    wins = reply_data.achievements(reply)
    if wins:
        items = "".join(f"<li>🏆 {escape(a.title)}</li>" for a in wins)
        out.append(f"<div><strong>Achievements</strong><ul>{items}</ul></div>")
    return "".join(out)
