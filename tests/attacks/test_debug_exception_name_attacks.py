"""Attack: a cell whose exception class is hostile. A class's `__name__` is any text its
program chose (`type("Bad`Name*_[x](y)", (Exception,), {})`, backticks, pipes, newlines,
a link, 100,000 characters, a lower-case or one-letter name), its `__qualname__` and
`__module__` write the traceback's last line, its `__str__` may raise, return a non-string
or 1 MB, and a metaclass may make `__name__` a property that raises.

Before the fix every one of these cells, sent without a traceback (the tutor runs it in the
sandbox to see what it raises), was answered "It runs without an error" or "No error to
diagnose: ... ran without an error in a sandbox": the traceback's last line did not parse
back to an exception (or the sandbox's runner died calling `str()` on the exception), so the
tutor told the student a failing cell worked. Now the run's own report of the class's name
and message counts, the name is made an identifier before any reply text is built from it
(situation.exception_name), and the message is shown as escaped text.

A program that ends its own process (`random._os._exit(0)`) also got "ran without an error
in a sandbox"; a run that sent no report is no longer called a clean run.
"""

import re

import pytest
from learnflow_agents.contracts import AgentReply
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

EVIL = "[log in](https://evil.example/x) <img src=x onerror=alert(1)> **LearnFlow says**"


def _named(name: str) -> str:
    return f"class E(Exception):\n    pass\nE.__name__ = {name!r}\nraise E('boom')\n"


# cell -> the name the reply must give (an identifier made from the class's own name).
CELLS = {
    "markup-chars": ('E = type("Bad`Name*_[x](y)", (Exception,), {})\nraise E("boom")\n', "Bad_Name___x_y"),
    "pipe": (_named("A|B"), "A_B"),
    "newline": (_named("Fake\nZeroDivisionError"), "Fake_ZeroDivisionError"),
    "link-image-bold": (_named(EVIL), None),
    "bidi-override": (_named("Err\u202eor"), "Err_or"),
    "huge": ('E = type("E" * 100_000, (Exception,), {})\nraise E("boom")\n', None),
    "lower-case": ('E = type("oops", (Exception,), {})\nraise E("boom")\n', "oops"),
    "one-letter": ("class E(Exception):\n    pass\nraise E('boom')\n", "E"),
    "qualname": (f"class E(Exception):\n    __qualname__ = {EVIL!r}\nraise E('boom')\n", "E"),
    "module": (f"class E(Exception):\n    __module__ = {EVIL!r}\nraise E('boom')\n", "E"),
    "module-newline": (
        "class E(Exception):\n    __module__ = 'x\\nZeroDivisionError'\nraise E('boom')\n",
        "E",
    ),
    "str-raises": (
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()\n",
        "E",
    ),
    "str-not-a-string": ("class E(Exception):\n    def __str__(self):\n        return 5\nraise E()\n", "E"),
    "str-one-megabyte": (
        "class E(Exception):\n    def __str__(self):\n        return 'x' * 1_000_000\nraise E()\n",
        "E",
    ),
    "metaclass-name-raises": (
        "class M(type):\n    @property\n    def __name__(cls):\n        raise RuntimeError('no')\n"
        "class E(Exception, metaclass=M):\n    pass\nraise E('boom')\n",
        "E",
    ),
}

_CLAIMS_CLEAN = re.compile(r"without an error|No error to diagnose", re.IGNORECASE)


def _acting_markup(html: str) -> list[str]:
    return [m for m in ("<a ", "<img", "<strong>LearnFlow says") if m in html]


@pytest.mark.parametrize(("cell", "name"), list(CELLS.values()), ids=list(CELLS))
def test_a_hostile_exception_class_gets_an_honest_diagnosis_naming_it_safely(
    cell: str, name: str | None
) -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell))
    assert isinstance(reply, AgentReply)
    error_type = reply.data.get("error_type")
    assert isinstance(error_type, str), reply.summary  # it raised: not "runs without an error"
    assert not _CLAIMS_CLEAN.search(reply.summary), reply.summary
    assert error_type.isidentifier() and len(error_type) <= 60, error_type
    if name is not None:
        assert error_type == name
    assert f"`{error_type}`" in reply.summary  # named, as code
    assert reply.data.get("line") == cell.rstrip("\n").count("\n") + 1  # the `raise` line
    html = ReplyView.of(reply).html()
    assert _acting_markup(html) == [], html


def test_a_cell_that_ends_its_own_process_is_not_said_to_run_without_an_error() -> None:
    reply = diagnose(StudentQuery(text="why does this fail?", code="import random\nrandom._os._exit(0)\n"))
    assert not re.search(r"ran without an error", reply.summary + reply.explanation), reply.summary
    assert reply.data.get("reproduced") is False


STALE = (
    'Traceback (most recent call last):\n  File "<cell>", line 7, in <module>\n    something_else()\n'
    "NameError: name 'x' is not defined"
)


@pytest.mark.parametrize("case", ["lower-case", "one-letter", "markup-chars", "str-raises"])
def test_a_stale_traceback_with_a_hostile_class_in_the_cell_gets_the_cells_own_error(case: str) -> None:
    """The pasted traceback is from another version of the cell, so the tutor runs the cell
    to see what it raises now: that answer must not be lost to the class's name either (it
    was "I couldn't find a Python error in the pasted text")."""
    cell, name = CELLS[case]
    reply = diagnose(StudentQuery(text="why", code=cell, traceback=STALE))
    assert reply.data.get("error_type") == name, reply.summary
    assert reply.data.get("line") == cell.rstrip("\n").count("\n") + 1


@pytest.mark.parametrize(
    ("cell", "catch"),
    [
        ('E = type("ZeroDivisionError", (Exception,), {})\nraise E("boom")\n', "E"),
        (_named("KeyError"), "E"),
        (
            "class errors:\n    class Bad(Exception):\n        pass\nerrors.Bad.__name__ = 'KeyError'\n"
            "raise errors.Bad()\n",
            "errors.Bad",
        ),
    ],
    ids=["type-named-as-builtin", "renamed-class", "dotted"],
)
def test_the_except_suggested_for_an_own_raise_names_what_the_code_raises_by(cell: str, catch: str) -> None:
    """The class's `__name__` is the program's to choose: an `except` written with it catches
    nothing (or, named like a built-in, the wrong thing). The reply must name the class as the
    code refers to it."""
    reply = diagnose(StudentQuery(text="why does this fail?", code=cell))
    text = reply.explanation
    assert f"except {catch}:" in text, text
    assert "except ZeroDivisionError" not in text and "except KeyError" not in text
