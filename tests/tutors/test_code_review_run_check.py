"""Code review runs the cell once in the sandbox: a crash is the first thing to fix, and the
debug tutor is one click away. Errors that only say the cell was run away from its notebook
(names of earlier cells, packages of the student's kernel) are not blamed on the cell."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import ActionKind
from learnflow_agents.tutors.code_review import review, run_check


def _review(code: str, text: str = ""):
    return review(StudentQuery(text=text, code=code))


@pytest.mark.parametrize(
    ("code", "error", "line"),
    [
        ("scores = [3, 5]\nprint(scores[2])\n", "IndexError", 2),
        ("counts = {}\nfor w in 'a b a'.split():\n    counts[w] += 1\n", "KeyError", 3),
        ("def half(n):\n    return n / 0\n\nprint(half(4))\n", "ZeroDivisionError", 2),
        ("total = 0\ndef add(x):\n    total += x\nadd(1)\n", "UnboundLocalError", 3),
        ("age = '7'\nprint(age + 1)\n", "TypeError", 2),
    ],
)
def test_a_cell_that_crashes_gets_the_crash_as_its_top_finding(code: str, error: str, line: int) -> None:
    reply = _review(code)
    assert reply.data["top"] == "cell-raises"
    top = reply.data["improvements"][0]
    assert (top["rule"], top["line"]) == ("cell-raises", line)
    assert error in reply.summary
    assert error in reply.explanation
    ask = [a for a in reply.actions if a.kind == ActionKind.ASK_AGENT]
    assert ask and ask[0].args == {"agent": "debug"}
    assert "Nothing to change" not in reply.summary


@pytest.mark.parametrize(
    "code",
    [
        "print(df.head())\n",  # df comes from an earlier cell
        "import some_package_only_the_kernel_has\n",
        "from pandas_like_thing import frame\n",
        "x = 1\nprint(x + 1)\n",
    ],
)
def test_what_only_a_notebook_context_explains_is_not_called_a_crash(code: str) -> None:
    reply = _review(code)
    assert all(f["rule"] != "cell-raises" for f in reply.data["findings"])
    assert all(a.kind != ActionKind.ASK_AGENT for a in reply.actions)


def test_a_cell_that_does_not_end_in_time_proves_nothing() -> None:
    reply = _review("n = 0\nwhile True:\n    n += 1\n")
    assert all(f["rule"] != "cell-raises" for f in reply.data["findings"])


def test_a_cell_the_safety_filter_refuses_is_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    monkeypatch.setattr(run_check, "run_cell", lambda code, **kw: runs.append(code))
    reply = _review("name = input('name? ')\nprint(name[10])\n")
    assert runs == []
    assert all(f["rule"] != "cell-raises" for f in reply.data["findings"])


def test_failing_own_tests_are_reported_once_not_again_as_a_crash() -> None:
    code = "def double(x):\n    return x + x + 1\n\nassert double(2) == 4\n"
    reply = _review(code)
    rules = [f["rule"] for f in reply.data["findings"]]
    assert "failing-test" in rules and "cell-raises" not in rules
