"""Attack: a notebook cell raising an exception class of its own whose name the traceback
parser did not take for an exception (`E`, `HTTPERROR`, `oops`, or a `__name__` holding
backticks, brackets or a pipe). The kernel captured the error and sent its traceback, yet the
tutor answered "I couldn't find a Python error in the pasted text" whenever it could not
re-run the cell itself (here: `run_code=False`, as for any cell importing a third-party
library). The line after the last frame is now taken as the exception's line when it reads
`name: message` with no spaces in the name, and the name is made an identifier before any
reply text is built from it. A name with spaces (a sentence, a markdown link) is still not
taken: no exception line is claimed, nothing is injected.

A real IPython shell runs the cell; its capture and query go to the real debug tutor. The six
named cases failed before (fix: traceback_parser._exception_line_after_frames); the link held.
"""

import pytest
from IPython.core.interactiveshell import InteractiveShell
from learnflow_agents.contracts import StudentContext
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.kernel.capture import capture_error, failing_error
from learnflow_ext.widgets.document import ReplyView


def _raising(name: str) -> str:
    """Python's traceback line shows the class's `__qualname__`: set it, and `__name__`."""
    return f"class E(Exception):\n    pass\nE.__name__ = E.__qualname__ = {name!r}\nraise E('boom')\n"


# cell -> the name the reply gives
CELLS = {
    "one-letter": ("class E(Exception):\n    pass\nraise E('boom')\n", "E"),
    "all-capitals": ("class HTTPERROR(Exception):\n    pass\nraise HTTPERROR('boom')\n", "HTTPERROR"),
    "lower-case": (_raising("oops"), "oops"),
    "markup-chars": (_raising("Bad`Name*_[x](y)"), "Bad_Name___x_y"),
    "pipe": (_raising("A|B"), "A_B"),
    "bare-raise-no-message": ("class E(Exception):\n    pass\nraise E\n", "E"),
}


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    return InteractiveShell.instance()


@pytest.mark.parametrize(("cell", "name"), list(CELLS.values()), ids=list(CELLS))
def test_a_captured_error_of_the_students_own_class_is_explained(
    shell: InteractiveShell, cell: str, name: str
) -> None:
    result = shell.run_cell(cell, store_history=True)
    error = failing_error(result)
    assert error is not None
    query = capture_error(shell, result, error, max_variables=10, max_repr=120).to_query(StudentContext())
    reply = diagnose(query, run_code=False)
    assert reply.data.get("error_type") == name, reply.summary
    assert "couldn't find a Python error" not in reply.summary
    assert f"`{name}`" in reply.summary
    html = ReplyView.of(reply).html()
    assert "<a " not in html and "<img" not in html


def test_a_markdown_link_as_a_class_name_is_not_claimed_or_injected(shell: InteractiveShell) -> None:
    cell = _raising("[log in](https://evil.example/x) **LearnFlow says**")
    result = shell.run_cell(cell, store_history=True)
    error = failing_error(result)
    assert error is not None
    query = capture_error(shell, result, error, max_variables=10, max_repr=120).to_query(StudentContext())
    html = ReplyView.of(diagnose(query, run_code=False)).html()
    assert "<a " not in html and "<strong>LearnFlow says" not in html, html
