"""`%learnflow` / `%%learnflow` on a real kernel: what each command sends, usage errors,
auto-capture off, status, the docstring, and preferences that outlive the kernel."""

import json
from typing import Any

from learnflow_agents.store import Store

from tests.jupyter.conftest import STUDENT, JupyterSandbox
from tests.jupyter.notebooks import LOAD_WITH_ECHO, errors, output_text, run_notebook, widget_displays

USAGE = "Usage: %learnflow COMMAND"


def test_commands_send_the_right_queries(jupyter_env: JupyterSandbox) -> None:
    cells = [
        LOAD_WITH_ECHO,
        "prices = [3, 4, 5]\ntotal = sum(prices)",
        "%learnflow review",
        "%%learnflow review\ndef double(x):\n    return x*2",
        "%learnflow explain list comprehensions",
        "%learnflow exercise loops --level intermediate",
        "def add(a, b):\n    return a + b",
        "%learnflow check",
        "%%learnflow check\ndef add(a, b):\n    return b + a",
        "%learnflow progress",
        "%%learnflow ask is this idiomatic?\nfor i in range(len(prices)):\n    print(prices[i])",
    ]
    notebook = run_notebook(cells, jupyter_env.workdir)
    for cell in notebook.cells[2:]:
        if cell.source.startswith("%"):
            assert len(widget_displays(cell)) == 1, cell.source
            assert errors(cell) == []
    # Stored within the same millisecond or so, so compared as a collection.
    sent = sorted((q.target_agent or "", q.text, q.code or "") for q in jupyter_env.queries())
    assert sent == sorted(
        [
            ("code-review", "Please review my code", "prices = [3, 4, 5]\ntotal = sum(prices)"),
            ("code-review", "Please review my code", "def double(x):\n    return x*2\n"),
            ("concepts", "Explain list comprehensions", ""),
            ("exercise", "Give me an exercise on loops", ""),
            ("exercise", "check", "def add(a, b):\n    return a + b"),
            ("exercise", "check", "def add(a, b):\n    return b + a\n"),
            ("progress", "How am I doing? Show my progress", ""),
            ("", "is this idiomatic?", "for i in range(len(prices)):\n    print(prices[i])\n"),
        ]
    )


def test_ask_is_answered_under_the_magic(jupyter_env: JupyterSandbox) -> None:
    notebook = run_notebook(
        [LOAD_WITH_ECHO, "%learnflow ask what is a list?", "%learnflow wait 120"], jupyter_env.workdir
    )
    [card] = widget_displays(notebook.cells[1])
    assert "?tsil a si tahw" in card["text/plain"]
    assert "You asked: what is a list?" in card["text/markdown"]


def test_bad_arguments_print_usage_and_send_nothing(jupyter_env: JupyterSandbox) -> None:
    bad = {
        "%learnflow": "give a command",
        "%learnflow frobnicate": "unknown command 'frobnicate'",
        "%learnflow explain": "explain needs a topic",
        "%learnflow exercise": "exercise needs a topic",
        "%learnflow exercise loops --level guru": "--level must be one of: beginner, intermediate, advanced",
        "%learnflow review now": "review takes no arguments",
        "%learnflow ask": "ask needs a question",
        "%learnflow config colour=blue": "config takes NAME=VALUE",
        "%learnflow config skill_level=wizard": "skill_level must be one of",
        "%learnflow config known_topics=lists,quantum": "known_topics: not curriculum topics: quantum",
        "%learnflow auto maybe": "auto takes on or off",
        "%learnflow wait soon": "wait needs a number of seconds",
        "%learnflow config 'skill_level=advanced": "cannot read the arguments",
    }
    notebook = run_notebook([LOAD_WITH_ECHO, *bad], jupyter_env.workdir)
    for cell, problem in zip(notebook.cells[1:], bad.values(), strict=True):
        text = output_text(cell)
        assert problem in text, cell.source
        assert USAGE in text, cell.source
        assert widget_displays(cell) == []
        assert errors(cell) == []
    assert jupyter_env.queries() == []


def test_auto_off_sends_nothing_until_asked(jupyter_env: JupyterSandbox) -> None:
    cells = [
        LOAD_WITH_ECHO,
        "%learnflow auto off",
        "len(5)",
        "%learnflow status",
        "%learnflow debug",
        "%learnflow wait 120",
    ]
    notebook = run_notebook(cells, jupyter_env.workdir)
    assert "auto-capture is off for this kernel" in output_text(notebook.cells[1])
    assert errors(notebook.cells[2]) == ["TypeError"]
    assert widget_displays(notebook.cells[2]) == []
    assert "auto-capture:   off" in output_text(notebook.cells[3])
    assert "sent:           0 quer(ies)" in output_text(notebook.cells[3])
    # `debug` still explains the error that was not sent.
    [query] = jupyter_env.queries()
    assert query.text == "TypeError: object of type 'int' has no len()"
    [card] = widget_displays(notebook.cells[4])
    assert query.text[::-1] in card["text/plain"]


def test_debug_without_an_error_says_so(jupyter_env: JupyterSandbox) -> None:
    notebook = run_notebook([LOAD_WITH_ECHO, "%learnflow debug"], jupyter_env.workdir)
    assert "no error so far in this kernel" in output_text(notebook.cells[1])
    assert jupyter_env.queries() == []


def test_status_describes_the_kernel_only_engine(jupyter_env: JupyterSandbox) -> None:
    notebook = run_notebook([LOAD_WITH_ECHO, "%learnflow status"], jupyter_env.workdir)
    text = output_text(notebook.cells[1])
    assert "kernel-only mode" in text
    assert "(not ready)" not in text
    assert f"student:        {STUDENT}" in text
    assert "provider:       offline" in text
    assert "agents:         debug (running)" in text
    assert f"database:       {jupyter_env.db_url.removeprefix('sqlite:///')}" in text
    assert "bus:            memory://" in text
    assert "preferences:    kept in the LearnFlow database" in text
    # CI runs with bubblewrap: the status names the isolation student code gets.
    assert "code sandbox:   isolated (namespaces, no-network" in text


def test_the_magic_documents_every_command(jupyter_env: JupyterSandbox) -> None:
    notebook = run_notebook(
        [LOAD_WITH_ECHO, "print(get_ipython().find_line_magic('learnflow').__doc__)"], jupyter_env.workdir
    )
    doc = output_text(notebook.cells[1])
    for command in (
        "ask QUESTION",
        "explain TOPIC",
        "review",
        "%%learnflow review",
        "debug",
        "exercise TOPIC [--level beginner|intermediate|advanced]",
        "check",
        "hint",
        "progress",
        "status",
        "config [skill_level=LEVEL]",
        "auto on|off",
        "wait [SECONDS]",
    ):
        assert command in doc


def saved_preferences(env: JupyterSandbox) -> dict[str, Any] | None:
    """The student's one preferences record, as the store keeps it (kernel-only mode)."""
    store = Store.open(env.db_url, upgrade=True)
    try:
        return store.get_preferences(STUDENT)
    finally:
        store.close()


def test_config_is_saved_for_the_user_and_read_by_the_next_kernel(jupyter_env: JupyterSandbox) -> None:
    first = run_notebook(
        [
            LOAD_WITH_ECHO,
            "%learnflow config skill_level=advanced learning_style=visual auto_capture=off"
            " known_topics=list,functions",
        ],
        jupyter_env.workdir,
    )
    assert f"Saved for {STUDENT} (kept in the LearnFlow database)" in output_text(first.cells[1])
    assert saved_preferences(jupyter_env) == {
        "skill_level": "advanced",
        "learning_style": "visual",
        "auto_capture": False,
        "known_topics": ["lists", "functions"],
    }
    assert not (jupyter_env.data_dir / "learnflow" / "preferences.json").exists()
    second = run_notebook(
        [
            LOAD_WITH_ECHO,
            "%learnflow config",
            "1 / 0",
            "%learnflow config known_topics+=strings,lists",
            "%learnflow config known_topics-=list",
        ],
        jupyter_env.workdir,
    )
    shown = output_text(second.cells[1])
    assert "skill_level     advanced" in shown
    assert "learning_style  visual" in shown
    assert "auto_capture    off" in shown
    assert "known_topics    lists, functions" in shown
    assert widget_displays(second.cells[2]) == []  # auto-capture stayed off in the new kernel
    assert jupyter_env.queries() == []
    # += adds to what was declared (no repeats), -= takes a topic away.
    assert "known_topics    lists, functions, strings" in output_text(second.cells[3])
    assert "known_topics    functions, strings" in output_text(second.cells[4])
    saved = saved_preferences(jupyter_env)
    assert saved is not None and saved["known_topics"] == ["functions", "strings"]


def test_a_fresh_kernel_with_auto_capture_saved_off_sends_nothing(jupyter_env: JupyterSandbox) -> None:
    """The first failing cell waits for the saved record rather than guessing."""
    run_notebook([LOAD_WITH_ECHO, "%learnflow config auto_capture=off"], jupyter_env.workdir)
    notebook = run_notebook([LOAD_WITH_ECHO, "1 / 0"], jupyter_env.workdir)
    assert widget_displays(notebook.cells[1]) == []
    assert jupyter_env.queries() == []


def test_preferences_an_older_version_left_in_a_file_are_imported_once(jupyter_env: JupyterSandbox) -> None:
    legacy = jupyter_env.data_dir / "learnflow" / "preferences.json"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    # A value no longer valid is dropped, the others imported.
    legacy.write_text(
        json.dumps({"skill_level": "intermediate", "learning_style": "sideways", "auto_capture": False})
    )
    notebook = run_notebook([LOAD_WITH_ECHO, "%learnflow config"], jupyter_env.workdir)
    shown = output_text(notebook.cells[1])
    assert "skill_level     intermediate" in shown and "auto_capture    off" in shown
    assert saved_preferences(jupyter_env) == {
        "skill_level": "intermediate",
        "learning_style": "example-driven",
        "auto_capture": False,
        "known_topics": [],
    }
    assert not legacy.exists() and legacy.with_name("preferences.json.imported").exists()
