"""Hostile input to the offline debug tutor: long lines and markdown in names and values.
Each case failed before the fix (quoted code shortened by diagnosis.code, each reply field
fitted to its AgentReply limit in agent.py, file names and values quoted as inline code).

1. One long line in a failing cell (a pasted data list missing a quote, a long `if` missing
   its colon, a dict missing `}`, a call repeating a long keyword) makes the debug tutor build
   a summary or hint longer than AgentReply allows (2000 characters): `diagnose` raises
   pydantic ValidationError, the runner retries it three times and dead-letters it, and the
   student gets "The debug agent could not answer this query" instead of a diagnosis.
2. A pasted traceback whose frame line has an unclosed file-name quote and a long name: the
   generic family's explanation (> 50000) and a hint (> 2000) overflow the same way.
3. A frame's file name is put into the summary as markdown (families/common.py `place()`
   via `raise_site()`'s `frame.label`, and agent.py's "The bug itself is in
   {culprit_where}"): `File "[log in](https://evil.example)..."` renders as a link and
   `**...**` as the tutor's bold voice. compile() takes any file name, so a shared program
   makes such a traceback for real, not only a pasted one.
4. The value in an exception message is put into the prose as markdown by the ValueError
   family (int()/float() of text: summary, explanation, analogy — reproduced from the
   student's own data or pasted), the JSONDecodeError analysis and the KeyError analysis of a
   `str.format` field: a `[link](https://...)` or `**bold**` in the data renders as the
   tutor's link and bold voice.
5. An unexpected keyword argument with a long name (`f(**{'z' * 3000: 1})`), found by running
   the cell, overflows the summary (ValidationError, as 1).
"""

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import MAX_TRACEBACK, StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

LONG_LINES = {
    "data-list-missing-quote": "data = [" + ", ".join(f"'item{i}'" for i in range(400)) + ", 'oops]\n",
    "string-missing-quote": "x = 'a" + "b" * 3000 + "\n",
    "if-missing-colon": "if " + " and ".join(f"x{i}" for i in range(600)) + "\n    pass\n",
    "dict-missing-brace": "d = {" + ", ".join(f"'k{i}': {i}" for i in range(600)) + "\nprint(d)\n",
    "repeated-long-keyword": "f(" + "a" * 2500 + "=1, " + "a" * 2500 + "=2)\n",
}


@pytest.mark.parametrize("run_code", [False, True], ids=["compiled", "run"])
@pytest.mark.parametrize("cell", list(LONG_LINES.values()), ids=list(LONG_LINES))
def test_a_long_line_in_a_failing_cell_gets_a_diagnosis_not_a_crash(cell: str, run_code: bool) -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell), run_code=run_code)
    assert isinstance(reply, AgentReply) and reply.summary


def test_a_long_attribute_name_found_by_running_gets_a_diagnosis() -> None:
    reply = diagnose(StudentQuery(text="why", code="x = 1\nx." + "a" * 3000 + "\n"), run_code=True)
    assert reply.summary


def test_a_traceback_with_an_unclosed_file_quote_gets_a_reply_within_the_contract() -> None:
    head = 'Traceback (most recent call last):\n  File "<cell>", line 1, in <module>\n'
    traceback = head + '  File "' + "a" * (MAX_TRACEBACK - 200) + ", line 1\nValueError: x"
    reply = diagnose(StudentQuery(text="why", code="int('a')\n", traceback=traceback), run_code=False)
    assert reply.summary


EVIL_URL = "https://evil.example/login"
EVIL = f"[log in again]({EVIL_URL}) **LearnFlow says**"


@pytest.mark.parametrize(
    "traceback",
    [
        'Traceback (most recent call last):\n  File "<cell>", line 1, in <module>\n'
        f'  File "/home/u/{EVIL}.py", line 3, in helper\n    return 1/0\nZeroDivisionError: division by zero',
        "ZeroDivisionError Traceback (most recent call last)\nCell In[3], line 1\n----> 1 x = helper(1)\n\n"
        f"File ~/{EVIL}.py:3, in helper(a)\n----> 3 return 1/0\n\nZeroDivisionError: division by zero",
    ],
    ids=["plain-frame", "ipython-frame"],
)
def test_a_frames_file_name_reaches_the_card_as_text(traceback: str) -> None:
    reply = diagnose(StudentQuery(text="why", code="x = helper(1)\n", traceback=traceback), run_code=False)
    html = ReplyView.of(reply).html()
    assert "<a " not in html, reply.summary
    assert "<strong>LearnFlow says</strong>" not in html, reply.summary


HEAD2 = 'Traceback (most recent call last):\n  File "<cell>", line 2, in <module>\n'
MESSAGES = {
    "int-of-text": (
        "x = input()\nn = int(x)\n",
        f"ValueError: invalid literal for int() with base 10: '{EVIL}'",
    ),
    "float-of-text": (
        "x = input()\nn = float(x)\n",
        f"ValueError: could not convert string to float: '{EVIL}'",
    ),
    "json": (
        "import json\njson.loads(s)\n",
        f"json.decoder.JSONDecodeError: {EVIL}: line 1 column 1 (char 0)",
    ),
    "format-field": ("d = {}\n'{a}'.format(**d)\n", f"KeyError: '{EVIL}'"),
}
RUNS = {
    "int-literal": f"int({EVIL!r})\n",
    "int-of-variable": f"x = {EVIL!r}\nn = int(x)\n",
    "float-literal": f"float({EVIL!r})\n",
}


def _acting(reply: AgentReply) -> list[str]:
    html = ReplyView.of(reply).html()
    return [m for m in ("<a ", "<strong>LearnFlow says</strong>") if m in html]


@pytest.mark.parametrize(("cell", "last"), list(MESSAGES.values()), ids=list(MESSAGES))
def test_a_value_in_a_pasted_message_reaches_the_card_as_text(cell: str, last: str) -> None:
    reply = diagnose(StudentQuery(text="why", code=cell, traceback=HEAD2 + last), run_code=False)
    assert _acting(reply) == [], reply.summary


@pytest.mark.parametrize("cell", list(RUNS.values()), ids=list(RUNS))
def test_a_value_the_cell_converts_reaches_the_card_as_text(cell: str) -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell))
    assert _acting(reply) == [], reply.summary


def test_a_long_unexpected_keyword_found_by_running_gets_a_diagnosis() -> None:
    cell = "def f(a):\n    return a\nf(**{'" + "z" * 3000 + "': 1})\n"
    assert diagnose(StudentQuery(text="why", code=cell)).summary


@pytest.mark.parametrize("cell", list(LONG_LINES.values()), ids=list(LONG_LINES))
def test_a_long_line_still_gets_its_own_family_with_the_quoted_line_shortened(cell: str) -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell), run_code=False)
    assert reply.data.get("analysis") not in (None, "generic"), reply.summary
    assert "…" in reply.summary and len(reply.summary) < 1000, reply.summary


def test_the_tutors_field_limits_are_the_contracts() -> None:
    # agent.py fits fields to these limits; if the contract changes, they must follow it.
    from learnflow_agents.contracts.reply import AgentReply, Provenance
    from learnflow_agents.tutors.debug import agent
    from pydantic import ValidationError

    base = {"query_id": "00000000-0000-0000-0000-000000000001", "agent": "debug"}
    base["provenance"] = Provenance(agent="debug")
    for field, limit in (("summary", agent.SUMMARY_LIMIT), ("explanation", agent.EXPLANATION_LIMIT)):
        AgentReply(**{"summary": "s", **base, field: "x" * limit})
        with pytest.raises(ValidationError):
            AgentReply(**{"summary": "s", **base, field: "x" * (limit + 1)})
    AgentReply(summary="s", hints=["x" * agent.HINT_LIMIT], **base)
    with pytest.raises(ValidationError):
        AgentReply(summary="s", hints=["x" * (agent.HINT_LIMIT + 1)], **base)
