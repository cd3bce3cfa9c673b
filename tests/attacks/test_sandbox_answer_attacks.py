"""Attack on the sandbox's answer channel: a student program puts lone surrogates (text no
UTF-8 encoder accepts) into what the sandboxed run reports (its exception's message, its
printed output, a value), as JSON escapes the trusted side's `json.loads` turns back into
lone surrogates. The debug tutor built its reply from them, AgentReply refused the text, and
the student's query was dead-lettered ("The debug agent could not answer"); anything else
that encoded them (a database, an HTTP response) would fail the same way. The answer is now
made valid text where it leaves the sandbox (sandbox/run.py), for every caller and for the
sandbox service's clients alike.
"""

import json

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.sandbox import Limits
from learnflow_agents.sandbox.run import run_python
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

CELLS = {
    "exception-message": "x = 1\nraise ValueError('bad \\ud800 value')\n",
    "key-error": "d = {}\nprint(d['\\udcff'])\n",
    "printed-then-error": "print('\\ud83d' * 3)\nx = int('\\udc80')\n",
    "wrong-output": "total = 0\nfor c in '\\ud800\\udfff':\n    total = c\nprint(total)\n",
}


@pytest.mark.parametrize("cell", list(CELLS.values()), ids=list(CELLS))
def test_a_program_reporting_lone_surrogates_still_gets_its_diagnosis(cell: str) -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell))
    assert isinstance(reply, AgentReply) and reply.summary
    reply.model_dump_json().encode("utf-8")  # storable and sendable as it is
    ReplyView.of(reply).html().encode("utf-8")


def test_the_answer_of_a_run_is_valid_text_whatever_the_child_sends() -> None:
    runner = "_lf_receive()\n_lf_send({'\\ud800key': ['\\udfff', {'nested': 'a\\ud83db'}], 'ok': 'plain'})\n"
    answer, ended = run_python(runner, {}, Limits(wall_seconds=10))
    assert answer is not None, ended
    assert answer["ok"] == "plain"
    text = json.dumps(answer, ensure_ascii=False)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text), ascii(text)
    assert text.encode("utf-8")


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_a_deeply_nested_answer_is_read_or_refused_never_raised(depth: int) -> None:
    runner = f"_lf_receive()\nv = 'x'\nfor _ in range({depth}):\n    v = [v]\n_lf_send({{'v': v}})\n"
    answer, _ = run_python(runner, {}, Limits(wall_seconds=10))
    assert answer is None or isinstance(answer["v"], list)
