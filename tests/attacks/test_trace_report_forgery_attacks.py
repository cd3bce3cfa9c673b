"""A traced program writes its own trace report on the channel (the runner's globals are a
frame walk away): the report's line counts must be line numbers and counts the run could
reach, or the report is junk. A key that was no number made the logic analyses' int(key)
raise, so the student got the generic 'no error to diagnose' instead of a reply about
their program."""

from __future__ import annotations

import json
import logging

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.sandbox.trace import TraceUnavailableError, trace_program
from learnflow_agents.tutors.debug import diagnose

pytestmark = pytest.mark.timeout(120)


def _forging(counts: dict[str, int]) -> str:
    step = {"line": 6, "function": "<module>", "depth": 0, "output_at": 0}
    steps = [{**step, "changed": {"x": str(v)}} for v in (1, 2, 3)]
    report = {
        "steps": steps, "output": "", "output_total": 0, "stopped": "finished", "steps_total": 3,
        "line_counts": counts,
    }  # fmt: skip
    return (
        "walker = (lambda: (yield walker.gi_frame.f_back.f_back.f_globals))()\n"
        "modules = next(walker)['sys'].modules\n"
        f"body = modules['json'].dumps({json.dumps(report)}).encode()\n"
        "modules['os'].write(4, len(body).to_bytes(4, 'big') + body)\n"
        "for x in [1, 2, 3]:\n"
        "    if x == 9:\n"
        "        print('nine')\n"
    )


@pytest.mark.parametrize("counts", [{"6": 3, "x": 1}, {"6": 3, "-1": 1}, {"6": 10**400}])
def test_a_forged_report_with_impossible_line_counts_is_junk(counts: dict[str, int]) -> None:
    with pytest.raises(TraceUnavailableError):
        trace_program(_forging(counts))


def test_a_forged_line_count_key_crashes_no_analysis(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        reply = diagnose(StudentQuery(text="it never prints nine", code=_forging({"6": 3, "x": 1})))
    assert not [r for r in caplog.records if "failed; falling back" in r.getMessage()]
    assert reply.summary


def test_a_forged_count_is_not_told_to_the_student_as_what_the_run_did() -> None:
    reply = diagnose(StudentQuery(text="it never prints nine", code=_forging({"6": 10**400})))
    assert "000,000,000,000" not in reply.summary + reply.explanation, reply.summary
