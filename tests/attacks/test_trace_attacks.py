"""Attacks on the debug tutor's traced run of a student's program (a logic bug with no
error: sandbox/trace.py, tutors/debug/families/wrong_behaviour.py), through the debug
tutor's public entry point and the real sandbox.

The program's printed output, its variables' values and its error message are words the
program chose. Code is shared between students (a notebook passed around, a snippet from a
forum), so whoever runs it and asks the tutor must not be shown those words as the tutor's
own prose: no breaking out of the "What it printed" block, no links, no emphasis, no HTML.
The reply is judged as the kernel's card renders it (`ReplyView.html()`), and its markdown
(what the lab's markdown renderer gets) is checked for links outside code.
"""

import re

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.sandbox.trace import TraceUnavailableError, trace_program
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

QUESTION = "my code prints the wrong thing"
EVIL = "https://evil.example/login"
PROSE = "LearnFlow: your session expired"

HOSTILE = {
    "output-closes-the-printed-block": (f'print("```\\n\\n**{PROSE}** [log in again]({EVIL})\\n\\n```")\n'),
    "output-with-a-longer-fence": f'print("~~~~\\n`````\\n**{PROSE}** [log in]({EVIL})")\n',
    "value-with-a-link": (
        f'total = 0\nfor i in range(3):\n    total = "**{PROSE}** [log in]({EVIL})"\nprint(total)\n'
    ),
    "value-with-a-bare-link": (
        'x = ""\nfor part in ["log in at ", "www.evil.example/login"]:\n    x = x + part\nprint(x)\n'
    ),
    "value-with-html": 'x = 0\nfor i in range(2):\n    x = "<img src=x onerror=alert(1)>"\nprint(x)\n',
    "error-named-by-type()": (
        f'E = type("[{PROSE}]({EVIL})", (Exception,), {{}})\n'
        f'print("start")\nraise E("**{PROSE}** [log in]({EVIL})")\n'
    ),
    "backticks-close-the-summary-span": f'print("`` **{PROSE}** [log in]({EVIL}) ``")\n',
}


# Since ce61fdb the tutor reads a program's own exception class whatever its name, so this one
# is answered as the program's own `raise`, not from the trace; its words must stay text too.
OWN_RAISE = "error-named-by-type()"


def traced(code: str) -> AgentReply:
    reply = diagnose(StudentQuery(text=QUESTION, code=code))
    assert reply.data["analysis"] == "wrong-behaviour" and reply.data["traced"], reply.data
    return reply


def answered(name: str) -> AgentReply:
    if name != OWN_RAISE:
        return traced(HOSTILE[name])
    reply = diagnose(StudentQuery(text=QUESTION, code=HOSTILE[name]))
    assert reply.data["analysis"] == "own-raise", reply.data
    return reply


def outside_code(markdown: str) -> str:
    """The markdown with fenced blocks and code spans removed, as a renderer would not read them as markup."""
    text = re.sub(r"^(`{3,})[^\n]*\n.*?\n\1\s*$", "", markdown, flags=re.S | re.M)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text, flags=re.S)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_programs_words_are_never_shown_as_the_tutors_markup(name: str) -> None:
    reply = answered(name)
    view = ReplyView.of(reply)
    html = view.html()
    # Rendered by the kernel's card: no link, no emphasis and no element came from the program.
    assert "<a " not in html, html
    assert "<img" not in html
    assert not re.search(r"<(strong|em|b|h\d)>[^<]*(session expired|log in)", html), html
    # What the lab's markdown renderer gets: no link syntax or bare URL outside code.
    markdown = view.markdown()
    loose = outside_code(markdown)
    assert "](" not in loose.replace("\\](", "").replace("\\]\\(", ""), loose
    # Bare URLs too: the lab's GFM renderer links them without any brackets.
    assert EVIL not in loose and "www.evil.example" not in loose, loose


def test_the_error_is_still_shown_as_text() -> None:
    reply = answered(OWN_RAISE)
    # Named as an identifier in code, its message's words shown escaped, as plain text.
    assert "`LearnFlow_your_session_expired_https_evil_example_login`" in reply.summary
    assert "\\[log in\\]" in reply.explanation and "log in" in ReplyView.of(reply).html()


def test_the_printed_block_still_shows_what_was_printed() -> None:
    reply = traced(HOSTILE["output-closes-the-printed-block"])
    assert reply.data["trace"]["output"].startswith("```\n\n**" + PROSE)
    html = ReplyView.of(reply).html()
    # Inside the block, as text: the words are there, escaped, in a <pre>.
    block = re.search(r"<pre><code[^>]*>(.*?)</code></pre>", html, re.S)
    assert block is not None and PROSE in block.group(1) and "[log in again]" in block.group(1)


def test_a_metaclass_name_property_runs_no_student_code_when_a_value_is_shown() -> None:
    code = (
        "class Meta(type):\n"
        "    @property\n"
        "    def __name__(cls):\n"
        "        print('NAME RAN')\n"
        "        return 'Forged'\n"
        "class Thing(metaclass=Meta):\n"
        "    pass\n"
        "thing = Thing()\n"
        "things = {Thing(): 1}\n"
        "done = True\n"
    )
    report = trace_program(code)
    assert report.output == "" and report.stopped == "finished"
    shown = {k: v for step in report.steps for k, v in step.changed.items()}
    assert shown["thing"] == "<Thing object>"


def test_a_class_body_in_a_hostile_namespace_runs_no_student_code() -> None:
    code = (
        "class Spy(dict):\n"
        "    def items(self):\n"
        "        print('ITEMS RAN')\n"
        "        return dict.items(self)\n"
        "    def keys(self):\n"
        "        print('KEYS RAN')\n"
        "        return dict.keys(self)\n"
        "class Meta(type):\n"
        "    @classmethod\n"
        "    def __prepare__(mcs, name, bases):\n"
        "        return Spy()\n"
        "class Body(metaclass=Meta):\n"
        "    a = 1\n"
        "    b = 2\n"
        "done = True\n"
    )
    report = trace_program(code)
    assert report.stopped == "finished" and report.output == ""


# The runner's globals are a frame walk away (no import), and with them its `sys` and the
# channel's file descriptor: a raw frame that is valid JSON syntax but holds an integer of
# more than 4300 digits made the parent's json.loads raise a plain ValueError, which escaped
# the sandbox's "junk frame" handling and the tracer's contract.
GIANT_INTEGER_FRAME = """\
def peek():
    yield walker.gi_frame.f_back.f_back.f_globals
walker = peek()
runner = next(walker)
os = runner["sys"].modules["os"]
body = b'{"steps": ' + b"1" * 5000 + b"}"
os.write(4, len(body).to_bytes(4, "big") + body)
total = 0
for n in [1, 2]:
    total = n
print(total)
"""


def test_a_frame_holding_a_giant_integer_is_junk_not_a_crash() -> None:
    with pytest.raises(TraceUnavailableError):
        trace_program(GIANT_INTEGER_FRAME)
    reply = diagnose(StudentQuery(text="the total is wrong", code=GIANT_INTEGER_FRAME))
    assert reply.data["analysis"] == "wrong-behaviour" and reply.data["traced"] is False
