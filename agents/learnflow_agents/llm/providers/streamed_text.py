"""Turn a tool call's JSON, arriving in fragments, into the prose the student can already read.

A forced tool call streams as `input_json_delta` fragments, not text. Parsing the buffer
so far in jiter's partial mode (incomplete strings kept) shows how far `summary` and
`explanation` have got; the newly grown part of each is the delta for the widget.

Deltas are throttled: the first goes out at once (the student sees the answer start), then
at most one every `min_interval` seconds (10 a second by default), each carrying only the
text that arrived since the previous one; `flush()` sends what is left when the stream ends.
"""

from jiter import from_json

from learnflow_agents.llm.providers.base import OnDelta

MIN_INTERVAL_SECONDS = 0.1


class StreamedFields:
    def __init__(
        self, fields: tuple[str, ...], on_delta: OnDelta | None, min_interval: float | None = None
    ) -> None:
        self._fields = fields
        self._on_delta = on_delta
        # Read when a stream starts, so a benchmark can turn the throttle off for a "before".
        self._min_interval = MIN_INTERVAL_SECONDS if min_interval is None else min_interval
        self._pending: list[str] = []
        self._last_sent: float | None = None
        self.sent = 0
        self._buffer = bytearray()
        self._shown: dict[str, int] = {}
        self.first_delta_at: float | None = None

    async def feed(self, fragment: str, now: float) -> None:
        self._buffer += fragment.encode("utf-8")
        try:
            snapshot = from_json(bytes(self._buffer), partial_mode="trailing-strings")
        except ValueError:
            # Malformed JSON is reported when the call completes; nothing more to show now.
            return
        if not isinstance(snapshot, dict):
            return
        for name in self._fields:
            value = snapshot.get(name)
            if not isinstance(value, str):
                continue
            shown = self._shown.get(name, 0)
            if len(value) > shown:
                prefix = "" if shown or not self._shown else "\n\n"
                await self.text(prefix + value[shown:], now)
                self._shown[name] = len(value)

    async def text(self, delta: str, now: float) -> None:
        if not delta:
            return
        if self.first_delta_at is None:
            self.first_delta_at = now
        if self._on_delta is None:
            return
        self._pending.append(delta)
        if self._last_sent is None or now - self._last_sent >= self._min_interval:
            await self._send(now)

    async def flush(self, now: float) -> None:
        """Send the text still held back by the throttle (call when the stream ends)."""
        if self._pending:
            await self._send(now)

    async def _send(self, now: float) -> None:
        text, self._pending = "".join(self._pending), []
        self._last_sent = now
        self.sent += 1
        if self._on_delta is not None:
            await self._on_delta(text)

    @property
    def raw(self) -> str:
        return self._buffer.decode("utf-8", "replace")
