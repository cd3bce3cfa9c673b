"""Attacks on the debug agent's time: an exception message shaped to make its analysers'
regexes backtrack.

The analysers match the message with patterns such as `[\\w.<>]+\\(\\) takes ...`, which take
time quadratic in the length of a line they do not match. Two doors let a student choose
that line's length:

* a pasted traceback (up to the query's 50,000 characters): `TypeError: 1111...` of 49,000
  digits kept the agent busy for minutes (5,000 took 1.8 s, 10,000 took 8 s), and one
  agent process serves every student's debug questions;
* the sandboxed run of a cell sent without a traceback: the runner cuts the message it
  reports to 500 characters, but the program can write its own answer to the channel
  (`random._os` passes the tutor's static check) with a message of megabytes; 1 MB of it
  was not answered within 5 minutes.

Failed before the fix: the situation the analysers read carried the whole message
(situation.py now reads the first MAX_MESSAGE characters), and `run_cell` took the
program's own answer as it came (sandbox.py now repeats the runner's cuts on the trusted
side). The tests check what reaches the analysers, not a time: the cost follows from it.

Also failed before: the run's answer could be 8 MB (the sandbox's default frame limit), and
8 MB of tiny JSON lists grew the agent's memory by about 400 MB to decode, per run; the
answer is now refused unread above 1 MiB, which the largest honest answer stays under (the
runner now sends at most 1,000 characters of a class's name, its two ends).
"""

import json

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.sandbox import MAX_MESSAGE as RUN_MESSAGE
from learnflow_agents.tutors.debug.sandbox import MAX_STDOUT, MAX_TRACEBACK, run_cell
from learnflow_agents.tutors.debug.situation import MAX_MESSAGE, build_situation

CELL = "s = 'a'\nx = f(s)\n"
HEAD = 'Traceback (most recent call last):\n  File "<cell>", line 2, in <module>\n    x = f(s)\n'

SHAPES = {
    "digits": "1" * 49_000,
    "dotted": "a." * 24_500,
    "letters": "m" * 49_000,
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_pasted_giant_message_reaches_the_analysers_cut(shape: str) -> None:
    traceback = HEAD + "TypeError: " + SHAPES[shape]
    query = StudentQuery(text="why does this fail?", code=CELL, traceback=traceback)
    sit = build_situation(query, allow_run=False)
    assert sit.error_type == "TypeError"
    assert len(sit.message) <= MAX_MESSAGE
    assert sit.tb is not None and len(sit.tb.message) <= MAX_MESSAGE
    reply = diagnose(query, run_code=False)
    assert "TypeError" in reply.summary


# The program writes its own answer to the runner's channel (fd 4) and ends before the
# runner can send the honest one.
FORGER = """import random, json
o = random._os
big = "1" * 150_000  # five fields of it stay under the 1 MiB answer limit
answer = {"type": "TypeError", "message": big, "line": 2, "outer_line": 2,
          "traceback": "Traceback (most recent call last):\\n" + big + "\\nTypeError: " + big,
          "frames": big, "stdout": big}
data = json.dumps(answer).encode()
o.write(4, len(data).to_bytes(4, "big") + data)
o._exit(0)
"""


def test_a_forged_run_answer_is_cut_as_the_runner_cuts_its_own() -> None:
    result = run_cell(FORGER)
    assert result.completed and result.error_type == "TypeError"  # the forgery was read
    assert len(result.message) <= RUN_MESSAGE
    assert len(result.traceback) <= MAX_TRACEBACK
    assert len(result.frames) <= MAX_TRACEBACK
    assert len(result.stdout) <= MAX_STDOUT


def test_a_forged_giant_message_still_gets_a_bounded_reply() -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=FORGER))
    assert "TypeError" in reply.summary
    assert len(json.dumps(reply.model_dump(mode="json"))) < 200_000


# An answer far larger than the runner ever sends, made of tiny JSON lists: 8 MB of it grew
# the agent's memory by about 400 MB to decode, per run.
NESTED_FORGER = """import random
o = random._os
n = 700_000  # 2.1 MB: over any honest answer, under the old 8 MB frame limit
data = ('{"type": null, "x": [' + "[]," * n + '[]]}').encode()
o.write(4, len(data).to_bytes(4, "big") + data)
o._exit(0)
"""

# The largest answer the runner honestly sends: every kept character a 12-byte JSON escape
# (an astral character), with a long exception class name and message.
HONEST_WORST = """E = type("E" + "\\U0001F600" * 100_000, (Exception,), {})
print("\\U0001F600" * 70_000)
raise E("\\U0001F600" * 10_000)
"""


def test_a_forged_answer_larger_than_any_honest_one_is_refused_unread() -> None:
    result = run_cell(NESTED_FORGER)
    assert not result.completed  # refused from its length, never decoded


def test_the_largest_honest_answer_is_still_read() -> None:
    result = run_cell(HONEST_WORST)
    assert result.completed and result.error_type is not None
    assert result.error_type.startswith("E\U0001f600") and len(result.error_type) <= 1000
    assert len(result.stdout) == MAX_STDOUT
