"""Streamed text is throttled: at most 10 deltas a second, each only the new text, nothing lost."""

import json

import pytest
from learnflow_agents.llm.providers.streamed_text import StreamedFields

from tests.llm.support import DeltaSink


@pytest.mark.asyncio
async def test_deltas_are_coalesced_to_ten_a_second_and_nothing_is_lost() -> None:
    explanation = "Python counts from zero. " * 160  # about 4 KB, as in the issue
    raw = json.dumps({"summary": "Index past the end.", "explanation": explanation})
    sink = DeltaSink()
    fields = StreamedFields(("summary", "explanation"), sink)
    now = 0.0
    pieces = [raw[i : i + 7] for i in range(0, len(raw), 7)]  # ~600 fragments over 3 s
    for piece in pieces:
        await fields.feed(piece, now)
        now += 0.005
    await fields.flush(now)

    assert sink.text == "Index past the end.\n\n" + explanation
    # ~3 s of streaming: at most 10 a second, plus the first and the final flush.
    assert len(sink.deltas) <= int(now * 10) + 2
    assert len(sink.deltas) < len(pieces) / 10
    # Deltas, not the whole text again: together they are the text exactly once.
    assert sum(len(d) for d in sink.deltas) == len(sink.text)


@pytest.mark.asyncio
async def test_the_first_delta_is_not_held_back() -> None:
    sink = DeltaSink()
    fields = StreamedFields(("summary",), sink)
    await fields.feed('{"summary": "Hel', 1.0)
    assert sink.deltas == ["Hel"]
    await fields.feed("lo", 1.01)
    assert sink.deltas == ["Hel"]
    await fields.feed(" there", 1.2)
    assert sink.deltas == ["Hel", "lo there"]
