"""Attacks on the debug tutor's no-error path ("my code runs but does the wrong thing"): the
tutor runs the cell traced in the sandbox and answers from what it printed and did, so the
program chooses text that lands in the reply. Through `diagnose` and the card's renderer.

Failed before the fix (agent.py `_visible`): control characters in the program's output
(terminal escapes, NUL, a right-to-left override) reached the reply's summary and
explanation as they were, so the lab's markdown and the card's HTML carried them: an
override in one printed line turns the tutor's own words after it around. They are now shown
as their escapes (`\\x1b`, `\\u202e`) in every prose field.

Held before (kept as tests): output posing as the card (a "checked:" title, a "### How to fix
it" heading, bold "LearnFlow says", a code fence closed early, HTML and `javascript:` links)
stays inside code; 10 MB of output is cut to a bounded reply; lone surrogates are valid
text; a program that forks, loops forever, or turns the tracer off still gets a reply.
"""

import re
import unicodedata

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

QUESTION = "my loop prints one too few numbers"
EVIL = "**LearnFlow says** [log in](https://evil.example/x) ![i](javascript:alert(1))"

POSING = {
    "card-lines": (
        'print("Fixed cell (checked: runs without the NameError)")\nprint("### How to fix it")\n'
        f"print({EVIL!r})\n"
    ),
    "fence-closed-early": f"print('```\\n' + {EVIL!r} + '\\n```')\n",
    "tilde-fence": f"print('~~~\\n' + {EVIL!r} + '\\n~~~')\n",
    "html": 'print("</code></pre><img src=x onerror=alert(1)><a href=javascript:alert(1)>x</a>")\n',
    "in-a-variable": f"x = {EVIL!r}\nfor i in range(3):\n    y = x + str(i)\n",
}


def _outside_code(html: str) -> str:
    """The card's HTML without its code and its trace table (whose cells quote what each step
    printed, as `prints '…'`): what the tutor says in its own voice."""
    return re.sub(r"<pre>.*?</pre>|<code[^>]*>.*?</code>|<table>.*?</table>", "", html, flags=re.S)


@pytest.mark.parametrize("cell", list(POSING.values()), ids=list(POSING))
def test_output_posing_as_the_card_stays_inside_code(cell: str) -> None:
    reply = diagnose(StudentQuery(text=QUESTION, code=cell))
    assert reply.data.get("analysis") == "wrong-behaviour", reply.summary  # it was run and traced
    html = ReplyView.of(reply).html()
    assert not re.search(r"<a |<img|<strong>LearnFlow says", html), html
    voice = _outside_code(html)
    assert "checked:" not in voice and "evil.example" not in voice, voice
    assert html.count("<h3>How to fix it</h3>") == 1
    assert not reply.code_blocks  # nothing to apply: no fix was made, none is "checked"


_BIDI = {"\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def _controls(text: str) -> list[str]:
    def control(c: str) -> bool:
        return c not in "\n\t" and (unicodedata.category(c) == "Cc" or c in _BIDI)

    return sorted({f"U+{ord(c):04X}" for c in text if control(c)})


CONTROLS = {
    "osc8-link": 'print("\\x1b]8;;https://evil.example\\x1b\\\\click\\x1b]8;;\\x1b\\\\")\n',
    "clear-screen-c1": 'print("\\x1b[2J\\x9b31mred")\n',
    "nul": 'print("a\\x00b")\n',
    "rtl-override": 'print("\\u202eLearnFlow checked this fix")\n',
}


@pytest.mark.parametrize("cell", list(CONTROLS.values()), ids=list(CONTROLS))
def test_control_characters_in_the_output_are_shown_not_sent(cell: str) -> None:
    reply = diagnose(StudentQuery(text=QUESTION, code=cell))
    prose = "\n".join([reply.summary, reply.explanation, *reply.hints])
    assert _controls(prose) == [], ascii(prose)
    assert _controls(ReplyView.of(reply).html()) == []
    assert "\\x" in reply.summary or "\\u" in reply.summary  # shown as escapes, not dropped


def test_enormous_output_gets_a_bounded_reply() -> None:
    reply = diagnose(StudentQuery(text=QUESTION, code='for i in range(100_000):\n    print("x" * 100)\n'))
    assert len(reply.explanation) < 20_000
    assert "characters in all" in reply.explanation
    assert len(ReplyView.of(reply).html()) < 40_000


def test_lone_surrogates_in_the_output_are_valid_text() -> None:
    reply = diagnose(StudentQuery(text=QUESTION, code='print("a\\ud800b" * 3)\n'))
    # Encoding raises on a lone surrogate, so each line below fails if one got through.
    reply.model_dump_json().encode("utf-8")
    ReplyView.of(reply).html().encode("utf-8")
    assert not any("\ud800" in text for text in (reply.summary, reply.explanation, *reply.hints))
    assert reply.data.get("traced"), reply.data  # answered from the run, not refused


@pytest.mark.parametrize(
    "cell",
    [
        'import random\nfor _ in range(50):\n    random._os.fork()\nprint("hi")\n',
        "i = 0\nwhile i < 10:\n    print(i)\n",
        "import random\nrandom._os.sys.settrace(None)\nt = 0\nfor i in range(3):\n    t = i\nprint(t)\n",
    ],
    ids=["fork", "forever", "tracer-off"],
)
def test_a_program_fighting_the_sandbox_or_the_tracer_still_gets_a_reply(cell: str) -> None:
    reply = diagnose(StudentQuery(text=QUESTION, code=cell))
    assert isinstance(reply, AgentReply) and reply.summary
    assert "hi\nhi\nhi" not in reply.explanation  # no forked child printed its line


@pytest.mark.parametrize(
    "cell",
    [
        # Raises only under the tracer: a program that notices it is watched.
        "import random\nif random._os.sys.gettrace() is not None:\n    raise ValueError('watched')\n"
        "print('fine')\n",
        # Not run before the trace (input() in a branch never taken), then raises when traced.
        'name = "Ann"\nif name == "":\n    name = input("name? ")\nprint(int(name))\n',
    ],
    ids=["raises-when-watched", "input-in-a-branch"],
)
def test_a_traced_run_that_raised_is_not_said_to_run_without_an_error(cell: str) -> None:
    """Failed before: the summary said "It runs without an error" above the trace's own
    "It stopped with `ValueError`" (families/wrong_behaviour.py)."""
    reply = diagnose(StudentQuery(text="it prints the wrong thing", code=cell))
    assert reply.data.get("trace", {}).get("stopped") == "error", reply.data
    assert "without an error" not in reply.summary, reply.summary
    assert "`ValueError`" in reply.summary
