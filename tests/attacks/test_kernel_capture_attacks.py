"""Attack on the kernel's automatic capture: a failing cell whose error carries text no query
may hold (a NUL, lone surrogates, as data read from a binary file or with
errors='surrogateescape' does). Capture built the query as is, the contract refused it, and
the student saw "LearnFlow cannot send this" instead of a diagnosis. The captured error is
now sent as valid text, NUL and lone surrogates shown as U+FFFD. A real IPython shell runs
the cell; its capture and query go to the real debug tutor.
"""

import pytest
from IPython.core.interactiveshell import InteractiveShell
from learnflow_agents.contracts import StudentContext
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.kernel.capture import capture_error, failing_error

CELLS = {
    "nul-in-message": "data = 'id\\x00name'\nraise ValueError(data)\n",
    "surrogate-in-message": "line = b'caf\\xe9'.decode('utf-8', 'surrogateescape')\nraise ValueError(line)\n",
    "both-in-a-key": "d = {}\nkey = 'a\\x00\\udcff'\nprint(d[key] + 1, key)\n",
}


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    return InteractiveShell.instance()


@pytest.mark.parametrize("cell", list(CELLS.values()), ids=list(CELLS))
def test_a_cell_failing_with_binary_text_in_its_error_is_still_explained(
    shell: InteractiveShell, cell: str
) -> None:
    result = shell.run_cell(cell, store_history=True)
    error = failing_error(result)
    assert error is not None
    captured = capture_error(shell, result, error, max_variables=10, max_repr=120)
    query = captured.to_query(StudentContext())  # raised ValidationError before
    assert query.traceback and query.code
    query.model_dump_json().encode("utf-8")
    reply = diagnose(query, run_code=False)
    assert reply.summary and reply.data.get("error_type") == type(error).__name__
