"""Automatic capture on a real kernel: one notebook with failing, repeated and
successful cells, run once; each test reads one aspect of what it showed and sent."""

import copy
import html

import pytest
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from tests.jupyter.conftest import JupyterSandbox
from tests.jupyter.notebooks import (
    LOAD_WITH_ECHO,
    WIDGET_VIEW,
    errors,
    output_text,
    run_notebook,
    widget_displays,
)

SECRET_KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345"
SECRET_PASSWORD = "correct-horse-battery"
SECRET_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
SECRET_URL_PASSWORD = "pg-pass-4321"

CELLS = {
    "setup": LOAD_WITH_ECHO,
    "success": "total = 0\nfor i in range(3):\n    total += i\ntotal",
    "name_error": "result = undefined_name + 1",
    "repeat": "result = undefined_name + 1",
    "syntax_error": "if total = 3:\n    print('three')",
    "secrets": (
        f"api_key = '{SECRET_KEY}'\n"
        f"db_password = '{SECRET_PASSWORD}'\n"
        f"settings = {{'retries': 3, 'token': '{SECRET_TOKEN}'}}\n"
        f"url = 'postgresql://ana:{SECRET_URL_PASSWORD}@db.example.org/course'\n"
        "scores = [90, 85, 77]\n"
        "print(api_key + len(scores))"
    ),
    "define_parse": "import json\n\ndef parse(text):\n    return json.loads(text)",
    "library_error": "parse('{not json')",
    "own_module_error": "import helpers\nhelpers.average([])",
    "more_success": "\n".join(f"value_{n} = {n} * 2" for n in range(20)),
    "wait": "%learnflow wait 120",
    "status": "%learnflow status",
}
NAMES = list(CELLS)
HELPERS_MODULE = "def average(values):\n    return sum(values) / len(values)\n"


def echo_of(text: str) -> str:
    """What the echo fixture answers to a query with this text."""
    return text[::-1]


@pytest.fixture(scope="module")
def executed(module_jupyter_env: JupyterSandbox) -> NotebookNode:
    (module_jupyter_env.workdir / "helpers.py").write_text(HELPERS_MODULE)
    return run_notebook(list(CELLS.values()), module_jupyter_env.workdir)


@pytest.fixture(scope="module")
def run(
    executed: NotebookNode, module_jupyter_env: JupyterSandbox
) -> tuple[dict[str, NotebookNode], JupyterSandbox]:
    return dict(zip(NAMES, executed.cells, strict=True)), module_jupyter_env


def sent_with_text(jupyter_env: JupyterSandbox, prefix: str) -> list:
    return [q for q in jupyter_env.queries() if q.text.startswith(prefix)]


def test_failing_cell_shows_the_card_with_the_agents_answer(run) -> None:
    cells, _ = run
    cell = cells["name_error"]
    assert errors(cell) == ["NameError"]
    [card] = widget_displays(cell)
    answer = echo_of("NameError: name 'undefined_name' is not defined")
    # The widget's fallbacks were updated in place with the reply.
    assert answer in card["text/plain"]
    assert answer in card["text/markdown"]
    assert "Debug agent · done" in card["text/plain"]
    assert "NameError in In[3]" in card["text/markdown"]


def test_the_captured_query_is_a_debug_query_with_code_and_variables(run) -> None:
    _, jupyter_env = run
    [query] = sent_with_text(jupyter_env, "NameError")
    assert query.target_agent == "debug"
    assert query.code == CELLS["name_error"]
    assert query.source == "kernel-capture"
    assert "Cell In[3], line 1" in (query.traceback or "")


def test_identical_repeated_error_is_collapsed_not_resent(run) -> None:
    cells, jupyter_env = run
    assert errors(cells["repeat"]) == ["NameError"]
    [notice] = widget_displays(cells["repeat"])
    assert "Same error as In[3]: not sent again" in notice["text/plain"]
    assert echo_of("NameError: name 'undefined_name' is not defined") in notice["text/plain"]
    assert len(sent_with_text(jupyter_env, "NameError")) == 1


def test_syntax_errors_are_captured(run) -> None:
    cells, jupyter_env = run
    assert errors(cells["syntax_error"]) == ["SyntaxError"]
    [query] = sent_with_text(jupyter_env, "SyntaxError")
    assert query.text.startswith("SyntaxError: invalid syntax")
    assert "Cell In[5], line 1" in (query.traceback or "")
    assert "if total = 3:" in (query.traceback or "")
    [card] = widget_displays(cells["syntax_error"])
    assert echo_of(query.text) in card["text/plain"]


def test_secrets_never_leave_the_kernel(run) -> None:
    _, jupyter_env = run
    [query] = sent_with_text(jupyter_env, "TypeError")
    sent = query.model_dump_json()
    for secret in (SECRET_KEY, SECRET_PASSWORD, SECRET_TOKEN, SECRET_URL_PASSWORD):
        assert secret not in sent
    variables = {v.name: v for v in query.variables}
    assert variables["api_key"].repr == "«redacted»"
    assert variables["db_password"].repr == "«redacted»"
    assert "retries" in variables["settings"].repr  # the rest of the dict is still described
    assert variables["scores"].type == "list"
    assert variables["scores"].length == 3
    assert variables["scores"].repr == "[90, 85, 77]"


def test_traceback_keeps_the_students_frames_only(run) -> None:
    _, jupyter_env = run
    [query] = sent_with_text(jupyter_env, "JSONDecodeError")
    traceback = query.traceback or ""
    assert "parse('{not json')" in traceback
    assert "return json.loads(text)" in traceback
    for internal in (
        "interactiveshell.py",
        "IPython",
        "json/decoder.py",
        "json/__init__.py",
        "site-packages",
    ):
        assert internal not in traceback
    assert traceback.rstrip().endswith("line 1 column 2 (char 1)")


def test_students_own_modules_are_their_frames(run) -> None:
    _, jupyter_env = run
    [query] = sent_with_text(jupyter_env, "ZeroDivisionError")
    assert 'File "helpers.py", line 2, in average' in (query.traceback or "")
    assert "return sum(values) / len(values)" in (query.traceback or "")
    variables = {v.name: v for v in query.variables}
    assert variables["values"].repr == "[]"


def test_successful_cells_send_nothing_and_show_nothing(run) -> None:
    cells, jupyter_env = run
    for name in ("success", "define_parse", "more_success"):
        assert widget_displays(cells[name]) == []
        assert errors(cells[name]) == []
    failing = ("NameError", "SyntaxError", "TypeError", "JSONDecodeError", "ZeroDivisionError")
    assert sorted(q.text.split(":")[0] for q in jupyter_env.queries()) == sorted(failing)
    assert "sent:           5 quer(ies), 1 repeat(s) collapsed" in output_text(cells["status"])


def test_wait_reports_all_answers_in(run) -> None:
    cells, _ = run
    assert "LearnFlow: all answers are in." in output_text(cells["wait"])


def test_html_export_without_widget_state_shows_the_answer(executed: NotebookNode) -> None:
    notebook = copy.deepcopy(executed)
    notebook.metadata.pop("widgets", None)  # as JupyterLab saves by default
    body, _ = HTMLExporter().from_notebook_node(notebook)
    answer = echo_of("NameError: name 'undefined_name' is not defined")
    assert html.escape(answer, quote=False) in body or html.escape(answer) in body
    assert "Debug agent · done" in body


def test_saved_widget_state_is_the_finished_card(executed: NotebookNode) -> None:
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    values = [
        model["state"].get("value", "") for model in state.values() if model["model_name"] == "HTMLModel"
    ]
    assert any("Debug agent · done" in value for value in values)
    assert not any("Debug agent · working" in value for value in values)
    card_ids = {display[WIDGET_VIEW]["model_id"] for display in widget_displays(executed.cells[2])}
    assert card_ids <= set(state)
