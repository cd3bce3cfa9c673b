"""`%%learnflow ask` with the question's words and code in one cell, on a real kernel: the code
goes to the code field (the sidebar's rule), and a cell that is code is sent as it was."""

from tests.jupyter.conftest import JupyterSandbox
from tests.jupyter.notebooks import LOAD_WITH_ECHO, errors, run_notebook, widget_displays


def test_words_and_code_in_one_cell_are_sent_apart(jupyter_env: JupyterSandbox) -> None:
    cells = [
        LOAD_WITH_ECHO,
        "%%learnflow ask\nwhy does this print one too few?\nfor i in range(1, 5):\n    print(i)",
        "%%learnflow ask it never stops\nthis is my loop:\ni = 0\nwhile i < 3:\n    print(i)",
        "%%learnflow ask why the error?\nx = [1, 2,\n",
        "%%learnflow ask is this fine?\ntotal = 0\nfor n in [1, 2]:\n    total = n\n",
    ]
    notebook = run_notebook(cells, jupyter_env.workdir)
    for cell in notebook.cells[1:]:
        assert len(widget_displays(cell)) == 1, cell.source
        assert errors(cell) == []
    sent = sorted((q.text, q.code or "") for q in jupyter_env.queries())
    assert sent == sorted(
        [
            ("why does this print one too few?", "for i in range(1, 5):\n    print(i)"),
            ("it never stops\nthis is my loop:", "i = 0\nwhile i < 3:\n    print(i)"),
            # Code that does not compile on its own is the student's to show as written.
            ("why the error?", "x = [1, 2,\n"),
            ("is this fine?", "total = 0\nfor n in [1, 2]:\n    total = n\n"),
        ]
    )
