"""Attacks on the debug tutor's card through text a traceback carries: the frames' function
names and source lines, the exception's message in its many families (a module, a key, an
attribute, a file name, a type name, a "Did you mean" suggestion), terminal escape
sequences, and tracebacks at the contract's size limit.

A traceback is text someone else may have chosen: a program passed around a class, or a
traceback pasted from a forum. Whatever it says must reach the student's card as text, never
as the tutor's markup (links, emphasis, HTML), and never as terminal control sequences in the
card's plain-text form (what terminal IPython and `jupyter console` print). Judged through
the tutor's public entry point (`diagnose`) and the card's own renderer (`ReplyView`).
"""

import re
import unicodedata

import pytest
from learnflow_agents.contracts.query import MAX_TRACEBACK, StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

EVIL_URL = "https://evil.example/login"
EVIL = f"[log in again]({EVIL_URL}) <img src=x onerror=alert(1)> **LearnFlow says**"
HEAD = 'Traceback (most recent call last):\n  File "<cell>", line 1, in <module>\n'


def _frame_below(function: str = "helper", source: str = "return 1 / 0") -> str:
    return f'{HEAD}  File "/home/student/helpers.py", line 3, in {function}\n    {source}\n'


# (cell, traceback): each puts EVIL where a traceback puts text of the program's choosing.
HOSTILE = {
    "function-name": ("x = helper(1)\n", _frame_below(function=EVIL) + "ZeroDivisionError: division by zero"),
    "source-line": ("x = helper(1)\n", _frame_below(source=EVIL) + "ZeroDivisionError: division by zero"),
    "module-name": ("import foo\n", f"{HEAD}ModuleNotFoundError: No module named '{EVIL}'"),
    "key": ('d = {}\nd["k"]\n', f"{HEAD.replace('line 1', 'line 2')}KeyError: '{EVIL}'"),
    "attribute": ("x.foo\n", f"{HEAD}AttributeError: 'int' object has no attribute '{EVIL}'"),
    "suggestion": ("prnt(1)\n", f"{HEAD}NameError: name 'prnt' is not defined. Did you mean: '{EVIL}'?"),
    "undefined-name": ("prnt(1)\n", f"{HEAD}NameError: name '{EVIL}' is not defined"),
    "file-name": ('open("f")\n', f"{HEAD}FileNotFoundError: [Errno 2] No such file or directory: '{EVIL}'"),
    "callable-name": ("f(1)\n", f"{HEAD}TypeError: {EVIL}() takes 0 positional arguments but 1 was given"),
    "operand-type": ("a + b\n", f"{HEAD}TypeError: unsupported operand type(s) for +: '{EVIL}' and 'int'"),
    "chained-first": (
        "x = 1 / 0\n",
        f"{HEAD}ValueError: {EVIL}\n\nDuring handling of the above exception, another exception occurred:\n\n"
        f"{HEAD}ZeroDivisionError: division by zero",
    ),
}


def _acting_markup(html: str) -> list[str]:
    """Markup that would act in the card: a link, an image, the tutor's bold voice."""
    found = []
    if "<a " in html or EVIL_URL + '"' in html:
        found.append("a link")
    if "<img" in html:
        found.append("an image")
    if "<strong>LearnFlow says</strong>" in html:
        found.append("bold text")
    return found


@pytest.mark.parametrize(("cell", "traceback"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_tracebacks_words_reach_the_card_as_text(cell: str, traceback: str) -> None:
    reply = diagnose(StudentQuery(text="why does this fail", code=cell, traceback=traceback), run_code=False)
    html = ReplyView.of(reply).html()
    assert _acting_markup(html) == [], html


# Terminal control: an OSC 8 hyperlink closed with ST (not BEL), a C1 CSI, a full reset, a
# DCS string, and the bidirectional overrides that reorder what a reader sees.
ESCAPES = {
    "osc8-hyperlink-st": "\x1b]8;;https://evil.example\x1b\\click here\x1b]8;;\x1b\\",
    "c1-csi": "\x9b2J\x9b31mred",
    "reset": "\x1bcRESET",
    "dcs": "\x1bPq#0;2;0;0;0\x1b\\",
    "bidi-override": "\u202etxt.exe\u202c",
}

# The bidirectional controls (marks, embeddings, overrides, isolates).
_BIDI = {"\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def _control_characters(text: str) -> list[str]:
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c not in "\n\t" and (unicodedata.category(c) == "Cc" or c in _BIDI)
        }
    )


@pytest.mark.parametrize("sequence", list(ESCAPES.values()), ids=list(ESCAPES))
def test_terminal_escapes_in_a_traceback_do_not_reach_the_plain_text_card(sequence: str) -> None:
    traceback = f"{HEAD.replace('line 1', 'line 2')}ZeroDivisionError: {sequence} division by zero"
    reply = diagnose(StudentQuery(text="why", code="x = 1\ny = x / 0\n", traceback=traceback), run_code=False)
    text = ReplyView.of(reply).text()
    assert _control_characters(text) == [], text
    # Not dropped silently either: what the program wrote stays readable as text.
    assert "division by zero" in text


def test_terminal_escapes_in_the_students_own_code_are_shown_not_sent() -> None:
    cell = 'msg = "\x1b]0;owned\x07"\nprint(undefined_name)\n'
    traceback = f"{HEAD.replace('line 1', 'line 2')}NameError: name 'undefined_name' is not defined"
    text = ReplyView.of(
        diagnose(StudentQuery(text="why", code=cell, traceback=traceback), run_code=False)
    ).text()
    assert _control_characters(text) == [], text


def _giant(kind: str) -> str:
    if kind == "deep-stack":
        frames = "".join(
            f'  File "/srv/m{i}.py", line {i + 1}, in f{i}\n    f{i + 1}()\n' for i in range(2000)
        )
        text = f"Traceback (most recent call last):\n{frames}"
        return text[: MAX_TRACEBACK - 60] + "\nRecursionError: maximum recursion depth exceeded"
    if kind == "carets":
        return HEAD + "    int('a')\n    " + "^~" * (MAX_TRACEBACK // 2 - 200) + "\nValueError: x"
    if kind == "unclosed-ansi":
        return ("\x1b[" + "1;" * (MAX_TRACEBACK // 2 - 20))[: MAX_TRACEBACK - 20] + "\nValueError: x"
    if kind == "binary-ish":
        noise = "".join(chr(c) for c in range(1, 32) if c not in (10, 13)) + "\ufffd\x7f\x85"
        return HEAD + (noise * (MAX_TRACEBACK // len(noise)))[: MAX_TRACEBACK - 100] + "\nValueError: x"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["deep-stack", "carets", "unclosed-ansi", "binary-ish"])
def test_a_giant_or_binary_traceback_still_gets_a_reply_within_the_contract(kind: str) -> None:
    traceback = _giant(kind)
    assert len(traceback) <= MAX_TRACEBACK
    reply = diagnose(StudentQuery(text="why", code="int('a')\n", traceback=traceback), run_code=False)
    # AgentReply validated its own limits when it was built; the card renders it whole.
    html = ReplyView.of(reply).html()
    assert reply.summary and html
    assert _control_characters(ReplyView.of(reply).text()) == []
    assert not re.search(r"<(script|img|iframe)", html)
