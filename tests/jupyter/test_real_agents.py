"""The real offline agents answering inside a real kernel, and the LearnFlow kernel spec."""

from learnflow_agents.store import Store

from tests.jupyter.conftest import JupyterSandbox
from tests.jupyter.notebooks import (
    LOAD_WITH_REAL_AGENTS,
    REPO,
    errors,
    output_text,
    run_notebook,
    widget_displays,
)


def replies_to(jupyter_env: JupyterSandbox, text_prefix: str) -> list:
    [query] = [q for q in jupyter_env.queries() if q.text.startswith(text_prefix)]
    store = Store.open(jupyter_env.db_url, upgrade=False)
    try:
        return [r for r in store.get_replies(query.query_id) if not r.is_helper]
    finally:
        store.close()


def test_debug_and_review_agents_answer_under_the_cells(jupyter_env: JupyterSandbox) -> None:
    cells = [
        LOAD_WITH_REAL_AGENTS,
        "numbers = [1, 2, 3]\nnumbers[3]",
        "%%learnflow review\ndef show(items):\n    for i in range(len(items)):\n        print(items[i])",
        "%learnflow explain list comprehensions",
        "%learnflow wait 120",
    ]
    notebook = run_notebook(cells, jupyter_env.workdir)
    assert "all answers are in" in output_text(notebook.cells[4])

    assert errors(notebook.cells[1]) == ["IndexError"]
    [diagnosis] = replies_to(jupyter_env, "IndexError")
    assert diagnosis.agent == "debug"
    assert diagnosis.data["error_type"] == "IndexError"
    assert "numbers" in diagnosis.summary  # it read the captured code and variables
    [card] = widget_displays(notebook.cells[1])
    assert "Debug agent · done · offline" in card["text/plain"]
    # The output is marked as LearnFlow's card: "Explain this error" shows it instead of asking again.
    [shown] = [o for o in notebook.cells[1].outputs if o["output_type"] == "display_data"]
    assert shown["metadata"] == {"learnflow": {"card": True}}
    assert diagnosis.summary in card["text/plain"]
    # Debug asked the concepts agent (saga); that answer is shown beneath the diagnosis.
    assert diagnosis.follow_up is not None and diagnosis.follow_up.agent == "concepts"
    assert diagnosis.follow_up.concept
    store = Store.open(jupyter_env.db_url, upgrade=False)
    try:
        [helper] = [r for r in store.get_replies(diagnosis.query_id) if r.is_helper]
    finally:
        store.close()
    assert helper.agent == "concepts" and helper.helps is not None
    assert (helper.helps.agent, helper.helps.reply_id) == ("debug", diagnosis.reply_id)
    assert f"**📘 Concepts agent: {helper.summary}" in card["text/markdown"]

    [review] = replies_to(jupyter_env, "Please review my code")
    assert review.agent == "code-review"
    [card] = widget_displays(notebook.cells[2])
    assert "Code review agent · done" in card["text/plain"]
    assert review.summary in card["text/markdown"]
    for block in review.code_blocks:
        assert f"```{block.language}\n{block.code.rstrip()}\n```" in card["text/markdown"]

    [explanation] = replies_to(jupyter_env, "Explain list comprehensions")
    assert explanation.agent == "concepts"
    [card] = widget_displays(notebook.cells[3])
    assert "Concepts agent · done" in card["text/plain"]
    assert explanation.summary in card["text/plain"]


def test_an_exercise_is_picked_inserted_and_checked(jupyter_env: JupyterSandbox) -> None:
    solution = 'left = "Grace"\nright = "Alan"\nleft, right = right, left\nswapped = True'
    cells = [
        LOAD_WITH_REAL_AGENTS,
        "%learnflow exercise variables --level beginner",
        "%learnflow wait 120",
        solution,
        "%learnflow check",
        "%learnflow hint",
        "%learnflow wait 120",
    ]
    notebook = run_notebook(cells, jupyter_env.workdir)
    [exercise] = replies_to(jupyter_env, "Give me an exercise on variables")
    assert exercise.agent == "exercise"
    exercise_id = exercise.data["exercise_id"]
    [card] = widget_displays(notebook.cells[1])
    assert "Exercise agent · done" in card["text/plain"]
    assert "**Starter code**" in card["text/markdown"]

    [check] = replies_to(jupyter_env, f"check {exercise_id}")
    [query] = [q for q in jupyter_env.queries() if q.text == f"check {exercise_id}"]
    assert query.code == solution
    assert check.check is not None and check.check.passed is True
    assert check.check.exercise_id == exercise_id
    [card] = widget_displays(notebook.cells[4])
    assert "✅" in card["text/markdown"]
    assert "❌" not in card["text/markdown"]
    assert output_text(notebook.cells[5]).startswith(f"Hint 1: {exercise.hints[0]}")


def test_the_learnflow_kernel_spec_preloads_the_extension(jupyter_env: JupyterSandbox, monkeypatch) -> None:
    # JUPYTER_PATH makes the repo's kernels/ directory a kernel spec location, as installing it would.
    monkeypatch.setenv("JUPYTER_PATH", str(REPO))
    notebook = run_notebook(
        ["%learnflow status", "1 +"], jupyter_env.workdir, kernel_name="learnflow-python3"
    )
    assert "kernel-only mode" in output_text(notebook.cells[0])
    assert "debug (running)" in output_text(notebook.cells[0])
    assert errors(notebook.cells[1]) == ["SyntaxError"]
    assert len(widget_displays(notebook.cells[1])) == 1
