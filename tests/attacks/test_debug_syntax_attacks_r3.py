"""Attack on this round's SyntaxError analyses (syntax_incomplete.py, syntax_errors.py): each
case is a beginner's slip run through real CPython 3.11; the reply said something false.
- `cd Documents` was told to use `!cd Documents` in a notebook: `!` runs it in a throwaway
  shell, so the notebook's folder never changes (`%cd` is the notebook's own).
- `if x = 5 and y = 6:` was told to check whether `x` equals `5 and y = 6`.
- `print(math.)` / `nums.` were given `math.upper()` / `nums.upper()` as the example, a method
  neither has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.code_facts import compile_error


def _reply(code: str, tmp_path: Path):
    script = tmp_path / "cell.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert "SyntaxError" in done.stderr, done.stderr
    return diagnose(StudentQuery(text="why?", code=code, traceback=done.stderr))


def _fixes(reply) -> list[str]:
    return [b.code for b in reply.code_blocks if b.role.value == "fix"]


def test_cd_in_a_notebook_is_the_cd_magic_not_a_throwaway_shell(tmp_path: Path) -> None:
    reply = _reply("cd Documents\n", tmp_path)
    assert reply.data.get("analysis") == "syntax:terminal-command"
    assert "!cd" not in reply.summary + reply.explanation
    assert "%cd Documents" in reply.summary


def test_a_condition_with_two_assignments_names_each_comparison(tmp_path: Path) -> None:
    code = "x, y = 5, 6\nif x = 5 and y = 6:\n    print('both')\n"
    reply = _reply(code, tmp_path)
    assert "5 and y = 6" not in reply.summary, reply.summary
    assert "x == 5" in reply.summary
    fixes = _fixes(reply)
    assert fixes and compile_error(fixes[0]) is None
    assert "if x == 5 and y == 6:" in fixes[0]


def test_a_dangling_dot_is_not_given_a_method_its_value_lacks(tmp_path: Path) -> None:
    reply = _reply("import math\nprint(math.sqrt(4))\nprint(math.)\n", tmp_path)
    assert reply.data.get("analysis") == "syntax:dangling-dot"
    assert "math.upper" not in reply.summary
    reply = _reply("nums = [1, 2]\nnums.\n", tmp_path)
    assert "nums.upper" not in reply.summary, reply.summary


def test_a_spaced_name_is_joined_everywhere_not_split_into_two_values(tmp_path: Path) -> None:
    """The fix joined the name on its own line only; a later repair then read `print(my list)`
    as two values and wrote `print(my, list)`, which compiles and prints the built-in `list`."""
    for code, fixed in [
        ("my list = [1, 2]\nprint(my list)\n", "my_list = [1, 2]\nprint(my_list)\n"),
        (
            "def my func(x, y):\n    return x\nprint(my func(1, 2))\n",
            "def my_func(x, y):\n    return x\nprint(my_func(1, 2))\n",
        ),
    ]:
        reply = _reply(code, tmp_path)
        assert reply.data.get("analysis") == "syntax:name-with-space"
        assert _fixes(reply) == [fixed]


def test_unquoted_text_keeps_the_cells_own_names_as_names(tmp_path: Path) -> None:
    """`print(Your score is, score)` was told to write `print("Your score is, score")`: the
    variable became the word 'score'."""
    for code, shown in [
        ("score = 5\nprint(Your score is, score)\n", 'print("Your score is", score)'),
        ("total = 5\nprint(The total is total)\n", 'print("The total is", total)'),
    ]:
        reply = _reply(code, tmp_path)
        assert reply.data.get("analysis") == "syntax:unquoted-text"
        assert shown in reply.summary, reply.summary
    reply = _reply('name = "Ann"\nprint(Hello, name!)\n', tmp_path)
    assert '"Hello, name!"' not in reply.summary + "".join(_fixes(reply))


def test_a_dangling_dot_example_is_not_read_from_the_next_line(tmp_path: Path) -> None:
    reply = _reply("a = [1, 2, 3]\nb = a.\nc = 5\n", tmp_path)
    assert "a.c" not in reply.summary, reply.summary


def test_a_comprehension_else_fix_keeps_the_order_of_its_loops(tmp_path: Path) -> None:
    """The value after `else` swallowed a later `for` clause and the fix moved it in front of the
    first one: `[n * 2 if n > 0 else 0 for m in ms for n in nums]` runs the loops the other way."""
    code = "nums = [1, -2]\nms = [0, 1]\nresult = [n * 2 for n in nums if n > 0 else 0 for m in ms]\n"
    reply = _reply(code, tmp_path)
    assert reply.data.get("analysis") == "syntax:comprehension-else"
    assert _fixes(reply) == [
        code.replace("n * 2 for n in nums if n > 0 else 0", "n * 2 if n > 0 else 0 for n in nums")
    ]


def test_a_loop_variable_with_a_space_is_not_called_a_missing_colon(tmp_path: Path) -> None:
    reply = _reply("items = [1]\nfor my item in items:\n    print(my item)\n", tmp_path)
    assert "colon" not in reply.summary, reply.summary
    assert reply.data.get("analysis") == "syntax:name-with-space"
    assert _fixes(reply) == ["items = [1]\nfor my_item in items:\n    print(my_item)\n"]
