"""`_dead_letter` used to cut the record's raw value at 200,000 *characters*; quoted in the dead
letter's JSON, 400,000 control bytes (b"\\x01") become 200,000 six-byte `\\u0001` escapes,
1.2 MB, over the broker's message limit (1 MB). The broker refuses it: "outbox events
refused by the broker; closed without publishing" and "dead letter refused by the broker".
The records behind it are answered (holds), but the poison's dead letter never reached the
dead-letter topic, where instructors and operators look. It is cut by its quoted size now
(runner.cut_raw), ending with a marker that gives the record's size.

Attack on the dead-letter path's size: a poison record made of bytes that grow when the
dead letter quotes them (control bytes become six-character JSON escapes, invalid UTF-8
becomes three-byte U+FFFD). The dead letter must still reach the dead-letter topic, where an
instructor sees it, and the records behind it must still be answered. Every bus x store
pair, with the product's triage and debug agents.
"""

import asyncio
import json

import pytest
from learnflow_agents.contracts import DeadLetter, StudentQuery, Topic, decode
from learnflow_agents.runtime.runner import DEAD_LETTER_RAW_BYTES
from learnflow_agents.settings import Settings

from tests.attacks.test_query_path_attacks import started
from tests.runtime.test_engine_and_runner import TopicReader

POISON = {
    "control-bytes": b"\x01" * 400_000,
    "invalid-utf8": b"\xff" * 400_000,
    "escaped-quotes": b'"\\' * 200_000,
}


@pytest.mark.asyncio
async def test_a_poison_record_that_grows_when_quoted_is_still_dead_lettered(settings: Settings) -> None:
    engine = await started(settings, "triage", "debug")
    assert engine.bus is not None
    try:
        async with TopicReader(engine.bus, Topic.DEAD_LETTER) as reader:
            for value in POISON.values():
                await engine.bus.publish(Topic.STUDENT_QUERIES.value, "ana", value)
            after = await engine.submit(
                "ana",
                StudentQuery(text="why?", code="ana_total = 0\nprint(ana_totl)\n", target_agent="debug"),
            )
            reply = await engine.wait(after, timeout=120)
            letters = [decode(r.topic, r.value).payload for r in await reader.read(len(POISON), timeout=60)]
        assert reply.agent == "debug" and "ana_total" in reply.summary + reply.explanation
        assert len(letters) == len(POISON), f"{len(letters)} of {len(POISON)} dead letters reached the topic"
        assert all(isinstance(x, DeadLetter) and x.error.startswith("[decode]") for x in letters)
        for x in letters:
            assert isinstance(x, DeadLetter)
            assert x.raw.endswith("\n[cut for the dead letter: the record was 400000 bytes]"), x.raw[-80:]
            quoted = json.dumps(x.raw, ensure_ascii=False).encode()
            assert len(quoted) - 2 <= DEAD_LETTER_RAW_BYTES
        for runner in engine.runners:
            assert runner.failed is None and runner.ready
        await asyncio.sleep(0)
    finally:
        await engine.stop()
