"""The debug agent's offline analysis: traceback parsing, one diagnosis per error family,
the culprit-elsewhere case, level adaptation, the generic fallback and the eval floor.

Tracebacks are real: each test runs the failing snippet in a fresh interpreter (or uses
one recorded that way in benchmarks/data/debug_eval.jsonl) and hands what Python printed
to the agent, exactly as the notebook extension would.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import SkillLevel, StudentContext, StudentQuery, VariableSummary
from learnflow_agents.contracts.reply import ActionKind, AgentReply, CodeRole
from learnflow_agents.tutors.debug import diagnose, parse_traceback
from learnflow_agents.tutors.debug.diagnosis import CONCEPT_SLUGS
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run, verify_fix

ROOT = Path(__file__).resolve().parents[2]
EVAL_DATA = ROOT / "benchmarks" / "data" / "debug_eval.jsonl"


def run_for_traceback(code: str, tmp_path: Path, *, stdin: str = "") -> str:
    """Run ``code`` as a script the way a student would and return what Python printed."""
    script = tmp_path / "cell.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, "-S", str(script)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode != 0, f"snippet did not fail:\n{code}"
    return proc.stderr


def raised_type(code: str, tmp_path: Path, *, stdin: str = "") -> str | None:
    """The exception type ``code`` raises when run, or None when it runs cleanly."""
    script = tmp_path / "fixed.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, "-S", str(script)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    if proc.returncode == 0:
        return None
    parsed = parse_traceback(proc.stderr)
    return parsed.error_type if parsed else "unknown"


def ask(
    code: str,
    tmp_path: Path,
    *,
    level: str = "beginner",
    stdin: str = "",
    variables: list[VariableSummary] | None = None,
) -> AgentReply:
    code = textwrap.dedent(code).strip("\n")
    traceback = run_for_traceback(code, tmp_path, stdin=stdin)
    return diagnose(
        StudentQuery(
            code=code,
            traceback=traceback,
            variables=variables or [],
            context=StudentContext(skill_level=SkillLevel(level)),
        )
    )


def fix_of(reply: AgentReply) -> str:
    fixes = [b.code for b in reply.code_blocks if b.role == CodeRole.FIX]
    assert fixes, f"no fix in reply: {reply.summary}"
    return fixes[0]


def assert_fix_removes(reply: AgentReply, tmp_path: Path, *, stdin: str = "") -> None:
    fix = fix_of(reply)
    compile(fix, "<fix>", "exec")
    original = reply.data["error_type"]
    assert raised_type(fix, tmp_path, stdin=stdin) != original, f"fix still raises {original}:\n{fix}"


@cache
def eval_rows() -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, EVAL_DATA.read_text().splitlines())}


def ask_recorded(row_id: str, *, level: str = "beginner") -> AgentReply:
    row = eval_rows()[row_id]
    return diagnose(
        StudentQuery(
            code=row["code"],
            traceback=row["traceback"],
            variables=[VariableSummary(**v) for v in row.get("variables", [])],
            context=StudentContext(skill_level=SkillLevel(level)),
        )
    )


# ---- traceback parser ----------------------------------------------------------------------


def test_parser_reads_plain_frames_carets_and_suggestion(tmp_path: Path) -> None:
    code = "def area(width, height):\n    return width * heigth\n\nprint(area(3, 4))\n"
    parsed = parse_traceback(run_for_traceback(code, tmp_path))
    assert parsed is not None
    assert parsed.error_type == "NameError"
    assert parsed.message.startswith("name 'heigth' is not defined")
    assert parsed.suggestion == "height"
    assert [(f.lineno, f.function) for f in parsed.frames] == [(4, "<module>"), (2, "area")]
    last = parsed.frames[-1]
    assert last.source == "return width * heigth"
    assert last.span is not None and last.source[last.span[0] : last.span[1]] == "heigth"


def test_parser_reads_ipython_cells_and_context_lines() -> None:
    parsed = parse_traceback(eval_rows()["attr-other-cell"]["traceback"])
    assert parsed is not None
    assert parsed.error_type == "AttributeError"
    assert [(f.cell, f.lineno, f.function) for f in parsed.frames] == [
        ("In[2]", 1, None),
        ("In[1]", 2, "shout"),
    ]
    assert parsed.frames[1].context[1] == "def shout(text):"
    assert parsed.frames[1].source == 'return text.uper() + "!"'


def test_parser_strips_ansi_and_keeps_the_highlight_as_a_span() -> None:
    raw = eval_rows()["type-concat-ipython"]["traceback"]
    assert "\x1b[" in raw
    parsed = parse_traceback(raw)
    assert parsed is not None and parsed.error_type == "TypeError"
    frame = parsed.frames[-1]
    assert frame.cell == "In[1]" and frame.lineno == 2
    assert frame.source is not None and frame.span is not None
    assert frame.source[frame.span[0] : frame.span[1]] == '"Score: " + score'
    colored = parse_traceback(eval_rows()["name-typo-py313"]["traceback"])
    assert colored is not None and "\x1b" not in colored.message
    assert colored.suggestion == "counter"


def test_parser_uses_the_last_of_chained_exceptions(tmp_path: Path) -> None:
    code = "d = {}\ntry:\n    d['a']\nexcept KeyError:\n    int('x')\n"
    parsed = parse_traceback(run_for_traceback(code, tmp_path))
    assert parsed is not None
    assert parsed.chained == 1
    assert parsed.error_type == "ValueError"
    assert parsed.frames[-1].lineno == 5


def test_parser_reads_syntax_error_caret_block(tmp_path: Path) -> None:
    parsed = parse_traceback(run_for_traceback("age = 3\nif age = 18:\n    pass\n", tmp_path))
    assert parsed is not None and parsed.error_type == "SyntaxError"
    assert parsed.syntax is not None and parsed.syntax.lineno == 2
    assert parsed.syntax.text == "if age = 18:"
    assert parsed.syntax.col_start == 3


def test_parser_counts_repeated_recursion_frames() -> None:
    parsed = parse_traceback(eval_rows()["rec-no-base"]["traceback"])
    assert parsed is not None and parsed.error_type == "RecursionError"
    assert sum(f.repeated for f in parsed.frames) > 900


def test_parser_accepts_only_the_last_line_and_rejects_non_tracebacks() -> None:
    parsed = parse_traceback("NameError: name 'total' is not defined")
    assert parsed is not None and parsed.error_type == "NameError" and parsed.frames == []
    assert parse_traceback("hello\nworld") is None
    assert parse_traceback("   ") is None


# ---- SyntaxError family --------------------------------------------------------------------

SYNTAX_CASES = [
    ("x = 7\nif x > 5\n    print('big')", ["line 2", "colon"]),
    ("total = (1 + 2\nprint(total)", ["line 1", "never closed"]),
    ("print(len('abc')))", ["extra `)`"]),
    ("age = 18\nif age = 18:\n    print('adult')", ["line 2", "=="]),
    ('print("Hello, world)', ["line 1", "never closed"]),
    ("primes = [2, 3 5, 7]", ["comma", "`3`", "`5`"]),
    ("class = 'Biology'\nprint(class)", ["`class`", "keyword"]),
    ("name = 'Ada'\nprint 'Hello', name", ["line 2", "print('Hello', name)"]),
    ("message = 'It's sunny'", ["apostrophe"]),
]


@pytest.mark.parametrize(("code", "facts"), SYNTAX_CASES)
def test_syntax_errors_are_named_and_fixed(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask(code, tmp_path)
    assert reply.data["error_type"] == "SyntaxError"
    for fact in facts:
        assert fact.lower() in reply.summary.lower(), (fact, reply.summary)
    assert_fix_removes(reply, tmp_path)
    assert reply.data["fix_verified"] == "ran"


INDENT_CASES = [
    ("for i in range(3):\nprint(i)", "IndentationError", ["`for`", "line 1", "line 2"]),
    ("x = 1\n    y = 2\nprint(x + y)", "IndentationError", ["line 2", "indented more"]),
    ("if True:\n    a = 1\n  b = 2\nprint(a, b)", "IndentationError", ["line 3", "2 spaces"]),
    ("if True:\n\tx = 1\n        y = 2\nprint(x, y)", "TabError", ["line 3", "tabs"]),
]


@pytest.mark.parametrize(("code", "error", "facts"), INDENT_CASES)
def test_indentation_errors_are_located_and_fixed(
    code: str, error: str, facts: list[str], tmp_path: Path
) -> None:
    reply = ask(code, tmp_path)
    assert reply.data["error_type"] == error
    for fact in facts:
        assert fact.lower() in reply.summary.lower(), (fact, reply.summary)
    assert reply.concepts[0] == "indentation"
    assert_fix_removes(reply, tmp_path)


def test_syntax_error_without_traceback_is_found_by_compiling() -> None:
    reply = diagnose(StudentQuery(code="for x in [1, 2]\n    print(x)"))
    assert reply.data["error_type"] == "SyntaxError"
    assert "line 1" in reply.summary.lower() and "colon" in reply.summary
    assert fix_of(reply) == "for x in [1, 2]:\n    print(x)"


# ---- NameError -----------------------------------------------------------------------------


def test_name_typo_names_the_defined_name_and_its_line(tmp_path: Path) -> None:
    reply = ask("length = 5\nwidth = 3\nprint(lenght * width)", tmp_path)
    assert reply.summary == (
        "Line 3 uses `lenght`, which is not defined — you probably meant `length` (defined on line 1)."
    )
    assert reply.data["line"] == 3 and reply.data["culprit_line"] == 3
    assert reply.concepts[0] == "variables"
    assert fix_of(reply) == "length = 5\nwidth = 3\nprint(length * width)"
    assert_fix_removes(reply, tmp_path)


def test_name_typo_uses_the_variable_summary(tmp_path: Path) -> None:
    reply = ask(
        "average = sum(score) / 3",
        tmp_path,
        variables=[VariableSummary(name="scores", type="list", length=3, repr="[90, 85, 77]")],
    )
    assert "`score`" in reply.summary and "`scores`" in reply.summary


def test_name_used_before_assignment_points_at_the_late_definition(tmp_path: Path) -> None:
    reply = ask("result = double(4)\ndef double(x):\n    return 2 * x\nprint(result)", tmp_path)
    assert "before it exists" in reply.summary and "line 2" in reply.summary
    assert reply.data["culprit_line"] == 2
    assert_fix_removes(reply, tmp_path)


def test_name_missing_import_adds_the_import(tmp_path: Path) -> None:
    reply = ask("radius = 2\narea = math.pi * radius ** 2", tmp_path)
    assert "import math" in reply.summary
    assert fix_of(reply).splitlines()[0] == "import math"
    assert reply.concepts[0] == "modules-imports"
    assert_fix_removes(reply, tmp_path)


def test_name_missing_quotes_explains_quotes_without_a_verified_fix(tmp_path: Path) -> None:
    # Quoting a name silences the NameError whatever was meant, so it is explained, never
    # offered as a checked fix (issue 14: no verified fix turns a name into a string).
    reply = ask('name = Alice\nprint("Hello", name)', tmp_path)
    assert "`Alice`" in reply.summary and "quotes" in reply.summary and '`"Alice"`' in reply.summary
    assert not [b for b in reply.code_blocks if b.role == CodeRole.FIX]


# ---- AttributeError ------------------------------------------------------------------------


def test_attribute_typo_suggests_the_real_method(tmp_path: Path) -> None:
    reply = ask('name = "ada"\nprint(name.uper())', tmp_path)
    assert "`uper`" in reply.summary and "`upper`" in reply.summary and "Line 2" in reply.summary
    assert_fix_removes(reply, tmp_path)


def test_attribute_on_none_traces_the_in_place_method(tmp_path: Path) -> None:
    reply = ask("nums = [3, 1, 2]\nnums = nums.sort()\nnums.append(4)", tmp_path)
    assert "sort" in reply.summary and "`None`" in reply.summary and "line 2" in reply.summary
    assert reply.data["culprit_line"] == 2
    assert reply.data["conceptual"] is True
    assert "mutability" in reply.concepts
    assert fix_of(reply) == "nums = [3, 1, 2]\nnums.sort()\nnums.append(4)"
    assert_fix_removes(reply, tmp_path)


def test_attribute_from_another_type_maps_to_the_python_method(tmp_path: Path) -> None:
    reply = ask("stack = [1, 2]\nstack.push(3)", tmp_path)
    assert "`push`" in reply.summary and "stack.append(3)" in reply.summary
    assert_fix_removes(reply, tmp_path)
    reply = ask('word = "cat"\nword.append("s")', tmp_path)
    assert 'word += "s"' in reply.summary
    assert_fix_removes(reply, tmp_path)


# ---- TypeError -----------------------------------------------------------------------------


def test_type_str_plus_int_converts_the_number(tmp_path: Path) -> None:
    reply = ask('age = 20\nprint("I am " + age + " years old")', tmp_path)
    assert "str(age)" in reply.summary and "Line 2" in reply.summary
    assert 'f"I am {age} years old"' in reply.explanation
    assert_fix_removes(reply, tmp_path)


def test_type_input_text_is_converted_with_int(tmp_path: Path) -> None:
    reply = ask('n = input("Number: ")\nprint(n + 1)', tmp_path, stdin="7\n")
    assert "int(n)" in reply.summary and "input()" in reply.summary
    assert fix_of(reply).endswith("print(int(n) + 1)")
    assert reply.data["fix_verified"] == "compiled"  # input() is never run by the agent
    assert_fix_removes(reply, tmp_path, stdin="7\n")


def test_type_not_callable_finds_the_shadowing_assignment(tmp_path: Path) -> None:
    reply = ask("sum = 0\nfor n in [1, 2, 3]:\n    sum += n\nprint(sum([4, 5]))", tmp_path)
    assert "line 1" in reply.summary and "`sum`" in reply.summary
    assert reply.data["culprit_line"] == 1
    assert_fix_removes(reply, tmp_path)


def test_type_wrong_argument_count_points_at_the_def_line(tmp_path: Path) -> None:
    reply = ask("def area(w, h):\n    return w * h\nprint(area(3))", tmp_path)
    assert "`area`" in reply.summary and "line 1" in reply.summary and "`h`" in reply.summary
    assert reply.data["line"] == 3 and reply.data["culprit_line"] == 1


def test_type_missing_self_is_fixed_on_the_def_line(tmp_path: Path) -> None:
    reply = ask(
        "class Counter:\n    def increment():\n        return 1\nc = Counter()\nc.increment()", tmp_path
    )
    assert "self" in reply.summary and reply.data["culprit_line"] == 2
    assert "    def increment(self):" in fix_of(reply)
    assert_fix_removes(reply, tmp_path)


def test_type_unhashable_key_becomes_a_tuple(tmp_path: Path) -> None:
    reply = ask('d = {}\nkey = [1, 2]\nd[key] = "pair"', tmp_path)
    assert "`key`" in reply.summary and "tuple" in reply.summary and "Line 3" in reply.summary
    assert "d[tuple(key)]" in fix_of(reply)
    assert_fix_removes(reply, tmp_path)


def test_type_none_not_subscriptable_traces_the_none(tmp_path: Path) -> None:
    reply = ask("nums = [3, 1, 2]\nnums = nums.sort()\nprint(nums[0])", tmp_path)
    assert "sort" in reply.summary and reply.data["culprit_line"] == 2
    assert_fix_removes(reply, tmp_path)


def test_type_int_not_iterable_loops_over_range(tmp_path: Path) -> None:
    reply = ask('names = ["a", "b"]\nfor i in len(names):\n    print(names[i])', tmp_path)
    assert "range(len(names))" in reply.summary
    assert "range" in reply.concepts
    assert_fix_removes(reply, tmp_path)


# ---- IndexError, KeyError, ValueError, ZeroDivisionError -----------------------------------


def test_index_off_by_one_blames_the_range_line(tmp_path: Path) -> None:
    reply = ask("nums = [1, 2, 3]\nfor i in range(len(nums) + 1):\n    print(nums[i])", tmp_path)
    assert "range(len(nums))" in reply.summary and "line 2" in reply.summary
    assert reply.data["line"] == 3 and reply.data["culprit_line"] == 2
    assert reply.data["conceptual"] is True
    assert_fix_removes(reply, tmp_path)


def test_index_on_empty_list_says_it_is_empty(tmp_path: Path) -> None:
    reply = ask("results = []\nprint(results[0])", tmp_path)
    assert "`results` is empty" in reply.summary
    assert_fix_removes(reply, tmp_path)


def test_key_error_offers_the_closest_key(tmp_path: Path) -> None:
    reply = ask('person = {"name": "Ann", "age": 31}\nprint(person["nmae"])', tmp_path)
    assert "'nmae'" in reply.summary and "'name'" in reply.summary and "Line 2" in reply.summary
    assert fix_of(reply).endswith("print(person['name'])")
    assert_fix_removes(reply, tmp_path)


def test_key_error_in_counting_uses_get(tmp_path: Path) -> None:
    reply = ask('counts = {}\nfor w in ["a", "b", "a"]:\n    counts[w] += 1', tmp_path)
    assert "counts[w] = counts.get(w, 0) + 1" in reply.summary
    assert_fix_removes(reply, tmp_path)


def test_value_error_int_of_text_quotes_the_text(tmp_path: Path) -> None:
    reply = ask('age = int(input("Age: "))', tmp_path, stdin="abc\n")
    assert "'abc'" in reply.summary and "int(" in reply.summary
    assert reply.concepts[0] == "type-conversion"


def test_value_error_unpacking_a_dict_uses_items(tmp_path: Path) -> None:
    reply = ask('ages = {"ann": 31, "bob": 25}\nfor name, age in ages:\n    print(name, age)', tmp_path)
    assert "ages.items()" in reply.summary
    assert_fix_removes(reply, tmp_path)


def test_zero_division_in_a_function_names_the_empty_argument(tmp_path: Path) -> None:
    reply = ask("def average(nums):\n    return sum(nums) / len(nums)\n\nprint(average([]))", tmp_path)
    assert "len(nums)" in reply.summary and "empty" in reply.summary and "line 4" in reply.summary
    assert reply.data["line"] == 4 and reply.data["raised_line"] == 2
    assert_fix_removes(reply, tmp_path)


# ---- UnboundLocalError, RecursionError, imports, files, iterators, tests, loops ------------


def test_unbound_local_prefers_parameter_and_return(tmp_path: Path) -> None:
    reply = ask("count = 0\ndef increment():\n    count += 1\nincrement()", tmp_path)
    assert "`count`" in reply.summary and reply.data["culprit_line"] == 3
    assert "global" in reply.explanation and "last resort" in reply.explanation
    assert reply.concepts[0] == "scope" and reply.data["conceptual"] is True
    assert "def increment(count):" in fix_of(reply) and "count = increment(count)" in fix_of(reply)
    assert_fix_removes(reply, tmp_path)


def test_recursion_without_base_case_gets_one(tmp_path: Path) -> None:
    reply = ask("def factorial(n):\n    return n * factorial(n - 1)\n\nprint(factorial(5))", tmp_path)
    assert "`factorial`" in reply.summary and "base case" in reply.summary and "line 1" in reply.summary
    assert reply.data["culprit_line"] == 1
    assert_fix_removes(reply, tmp_path)


def test_recursion_with_unreachable_base_case(tmp_path: Path) -> None:
    reply = ask(
        "def countdown(n):\n    if n == 0:\n        return\n    countdown(n - 2)\n\ncountdown(5)", tmp_path
    )
    assert "n == 0" in reply.summary and "n <= 0" in reply.summary
    assert reply.data["culprit_line"] == 2
    assert_fix_removes(reply, tmp_path)


def test_module_typo_and_pip_names(tmp_path: Path) -> None:
    reply = ask("import maths\nprint(maths.pi)", tmp_path)
    assert "`maths`" in reply.summary and "`math`" in reply.summary
    assert fix_of(reply) == "import math\nprint(math.pi)"
    assert_fix_removes(reply, tmp_path)
    reply = ask("from sklearn.linear_model import LinearRegression", tmp_path)
    assert "%pip install scikit-learn" in reply.summary
    assert not reply.code_blocks


def test_file_not_found_explains_the_working_directory(tmp_path: Path) -> None:
    reply = ask('with open("data.csv") as f:\n    print(f.read())', tmp_path)
    assert "data.csv" in reply.summary and "working directory" in reply.summary
    assert "os.getcwd()" in reply.explanation and "os.listdir()" in reply.explanation
    assert reply.concepts == ["file-io"]


def test_stop_iteration_counts_the_items(tmp_path: Path) -> None:
    reply = ask("it = iter([1, 2])\nprint(next(it))\nprint(next(it))\nprint(next(it))", tmp_path)
    assert "next(it)" in reply.summary and "2 items" in reply.summary and "Line 4" in reply.summary
    assert fix_of(reply).endswith("print(next(it, None))")
    assert_fix_removes(reply, tmp_path)


def test_assertion_shows_expected_and_actual(tmp_path: Path) -> None:
    reply = ask("def square(x):\n    return x * 2\n\nassert square(3) == 9", tmp_path)
    # The actual value is computed in the sandbox: square(3) really returns 6.
    assert "expected `9` but got `6`" in reply.summary
    assert "`square` (defined on line 1)" in reply.summary
    assert reply.data["culprit_line"] == 1
    assert reply.concepts[0] == "testing-assert"


def test_keyboard_interrupt_finds_the_loop_that_never_changes() -> None:
    reply = ask_recorded("loop-no-increment")
    assert "`i`" in reply.summary and "line 2" in reply.summary and "i += 1" in reply.summary
    assert reply.data["culprit_line"] == 2
    assert fix_of(reply).endswith("    print(i)\n    i += 1")
    assert reply.data["fix_verified"] == "ran"
    reply = ask_recorded("loop-increment-outside")
    assert "count += 1" in reply.summary and reply.data["culprit_line"] == 4


# ---- culprit elsewhere, levels, fallback, reply contract -----------------------------------


def test_culprit_in_a_function_defined_earlier_in_the_cell(tmp_path: Path) -> None:
    reply = ask("def last(items):\n    return items[len(items)]\n\nprint(last([1, 2, 3]))", tmp_path)
    assert reply.data["line"] == 4 and reply.data["culprit_line"] == 2
    assert reply.summary.startswith("Line 2 (inside `last`), called from line 4")
    assert "items[-1]" in reply.summary
    assert_fix_removes(reply, tmp_path)


def test_culprit_in_another_notebook_cell() -> None:
    reply = ask_recorded("type-other-cell")
    assert reply.data["culprit_where"] == "cell In[1]" and reply.data["culprit_line"] == 2
    assert reply.summary.startswith("Line 2 of cell In[1] (inside `total_cost`), called from line 1")
    assert 'return price * qty + " EUR"' in reply.explanation
    assert not reply.code_blocks  # the fix belongs in the other cell, not this one


def test_beginner_and_advanced_explanations_differ(tmp_path: Path) -> None:
    code = "count = 0\ndef increment():\n    count += 1\nincrement()"
    beginner = ask(code, tmp_path, level="beginner")
    advanced = ask(code, tmp_path, level="advanced")
    assert beginner.summary == advanced.summary  # same facts, different telling
    assert beginner.explanation != advanced.explanation
    assert "Think of it like this" in beginner.explanation
    assert "Think of it like this" not in advanced.explanation
    assert "LEGB" in advanced.explanation and "LEGB" not in beginner.explanation
    assert "compile time" in advanced.explanation and "compile time" not in beginner.explanation


def test_generic_fallback_is_honest_about_the_failing_line(tmp_path: Path) -> None:
    # (OverflowError, chr() out of range and complex() of bad text, the examples here before, now
    # have their own analyses.)
    reply = ask("import sys\nsys.setrecursionlimit(0)", tmp_path)
    assert reply.data["error_type"] == "ValueError" and reply.data["analysis"] == "generic"
    assert reply.summary.startswith("Line 2 (`sys.setrecursionlimit(0)`) raised `ValueError`")
    assert "recursion limit must be greater or equal than 1" in reply.summary
    assert "Inappropriate argument value" in reply.explanation  # from the exception's own docs
    assert reply.concepts == ["exceptions"] and not reply.code_blocks


def test_own_raise_is_explained_with_its_condition(tmp_path: Path) -> None:
    code = (
        "def withdraw(balance, amount):\n"
        "    if amount > balance:\n"
        "        raise ValueError('not enough money')\n"
        "    return balance - amount\n\n"
        "withdraw(10, 50)"
    )
    reply = ask(code, tmp_path)
    assert "line 3" in reply.explanation and "amount > balance" in reply.explanation


def test_reply_follows_the_contract(tmp_path: Path) -> None:
    reply = ask("nums = [1, 2, 3]\nfor i in range(len(nums) + 1):\n    print(nums[i])", tmp_path)
    assert reply.agent == "debug"
    assert reply.provenance.agent == "debug" and reply.provenance.provider == "offline"
    assert reply.provenance.latency_ms > 0
    assert 2 <= len(reply.hints) <= 3 and len(set(reply.hints)) == len(reply.hints)
    assert set(reply.concepts) <= CONCEPT_SLUGS
    kinds = [(a.kind, a.args) for a in reply.actions]
    assert (ActionKind.APPLY_FIX, {"code_block": 0}) in kinds
    assert (ActionKind.EXPLAIN_CONCEPT, {"concept": reply.concepts[0]}) in kinds
    for key in ("error_type", "line", "culprit_line", "conceptual", "fix_verified"):
        assert key in reply.data
    for section in ("### Why it happened", "### How to fix it", "### How to avoid it next time"):
        assert section in reply.explanation


def test_concept_links_exist_in_the_concepts_agent() -> None:
    from learnflow_agents.tutors.concepts import all_slugs

    assert set(CONCEPT_SLUGS) <= set(all_slugs())


def test_code_without_traceback_is_reproduced_in_the_sandbox() -> None:
    reply = diagnose(StudentQuery(code="a = 4\nb = 0\nprint(a / b)"))
    assert reply.data["reproduced"] is True
    assert reply.data["error_type"] == "ZeroDivisionError"
    assert "`b`" in reply.summary and "line 2" in reply.summary


def test_code_that_runs_cleanly_gets_an_honest_partial_reply() -> None:
    reply = diagnose(StudentQuery(code="print(1 + 1)"))
    assert reply.status.value == "partial"
    assert "No error to diagnose" in reply.summary and reply.data["error_type"] is None


# ---- fix verifier --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import os\nos.remove('x')",
        "open('notes.txt').read()",
        "name = input()",
        "().__class__.__base__.__subclasses__()",
        "__import__('subprocess')",
        "%pip install numpy",
    ],
)
def test_unsafe_code_is_never_run(code: str) -> None:
    safe, why = is_safe_to_run(code)
    assert not safe and why


def test_verifier_distinguishes_ran_compiled_and_broken() -> None:
    assert verify_fix("x = [1]\nprint(x[0])", error_type="IndexError").status == "ran"
    still = verify_fix("x = []\nprint(x[0])", error_type="IndexError", line=2)
    assert still.status == "compiled" and "still raises IndexError" in still.detail
    assert verify_fix("if x\n", error_type="SyntaxError").status is None
    looping = verify_fix("while True:\n    pass", error_type="KeyboardInterrupt", timeout=1.0)
    assert looping.status == "compiled"


# ---- evaluation set ------------------------------------------------------------------------


def _load_eval_module():
    spec = importlib.util.spec_from_file_location("debug_eval", ROOT / "benchmarks" / "debug_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_eval_set_is_large_real_and_covers_every_family() -> None:
    rows = list(eval_rows().values())
    assert len(rows) >= 150
    families = {row["family"] for row in rows}
    required = {
        "SyntaxError", "IndentationError", "TabError", "NameError", "AttributeError", "TypeError",
        "IndexError", "KeyError", "ValueError", "ZeroDivisionError", "UnboundLocalError", "RecursionError",
        "ModuleNotFoundError", "ImportError", "FileNotFoundError", "StopIteration", "AssertionError",
        "KeyboardInterrupt", "Other", "UnexpectedNone",
    }  # fmt: skip
    assert required <= families
    assert sum("Cell In[" in (row["traceback"] or "") for row in rows) >= 10
    for row in rows:
        if row["family"] == "UnexpectedNone":
            # No error: the cell runs; the student's question says what surprised them.
            assert row["traceback"] is None and row["error_type"] is None and row["question"], row["id"]
            assert row["must_mention"], row["id"]
            continue
        parsed = parse_traceback(row["traceback"])
        assert parsed is not None and parsed.error_type == row["error_type"], row["id"]
        assert row["must_mention"], row["id"]


def test_eval_floor(caplog: pytest.LogCaptureFixture) -> None:
    debug_eval = _load_eval_module()
    with caplog.at_level(logging.ERROR, logger="learnflow_agents.tutors.debug"):
        report = debug_eval.evaluate(debug_eval.load_rows(EVAL_DATA), run_fixes=False)
    # Analysers fall back to the generic answer on an internal error; none may happen here.
    assert not [r for r in caplog.records if "analyser" in r.getMessage()]
    misses = [(o.row["id"], o.missing) for o in report.outcomes if not o.correct]
    assert report.correct_rate >= 0.85, misses
    fixable = [o for o in report.outcomes if o.row["fixable"]]
    assert sum(bool(o.fix_compiles) for o in fixable) / len(fixable) >= 0.85


# -- no error, but an unexpected None ------------------------------------------------------


def _asked(text: str, source: str, **kw: object) -> AgentReply:
    return diagnose(StudentQuery(text=text, code=textwrap.dedent(source)), **kw)  # type: ignore[arg-type]


def test_a_function_that_prints_instead_of_returning_explains_the_printed_none() -> None:
    reply = _asked(
        "why does this print None?",
        """\
        def double(x):
            print(x * 2)

        print(double(4))
        """,
    )
    assert reply.data["error_type"] is None and reply.data["unexpected_none"] == "no-return"
    assert "`double` (defined on line 1) has no `return` statement" in reply.summary
    assert "`print(…)` on line 4 shows that `None`" in reply.summary
    (fix,) = [b for b in reply.code_blocks if b.role == CodeRole.FIX]
    assert "    return x * 2" in fix.code
    # Checked by running it: the cell still runs and no longer prints None.
    assert (
        reply.data["fix_verified"] == "ran" and fix.title == "Fixed cell (checked: runs and prints no `None`)"
    )
    assert reply.concepts[:2] == ["return-values", "none"]


def test_a_printed_none_is_explained_even_when_the_question_does_not_say_none() -> None:
    reply = _asked("the output looks wrong", "nums = [3, 1, 2]\nnums = nums.sort()\nprint(nums)\n")
    assert reply.data["unexpected_none"] == "in-place"
    assert "changes `nums` in place and returns `None`" in reply.summary
    assert reply.code_blocks[0].code == "nums = [3, 1, 2]\nnums.sort()\nprint(nums)\n"


def test_without_running_the_cell_the_question_alone_is_enough_and_the_fix_only_compiled() -> None:
    reply = _asked("why is x None?", "x = print(5)\nprint(x)\n", run_code=False)
    assert reply.data["unexpected_none"] == "print" and reply.data["reproduced"] is False
    assert reply.data["fix_verified"] == "compiled"


def test_none_asked_about_but_nowhere_made_gets_the_honest_no_error_answer() -> None:
    reply = _asked("why is it None?", "value = 3\nprint(value * 2)\n")
    assert "unexpected_none" not in reply.data
    assert reply.summary.startswith("No error to diagnose")


def test_a_method_that_computes_without_returning_is_traced_too() -> None:
    source = """\
    class Rect:
        def __init__(self, w, h):
            self.w = w
            self.h = h

        def area(self):
            self.w * self.h

    print(Rect(2, 3).area())
    """
    reply = _asked("why does area print None?", source)
    assert "`area` (defined on line 6) has no `return` statement" in reply.summary
    assert "        return self.w * self.h" in reply.code_blocks[0].code
    assert reply.data["fix_verified"] == "ran"
    # The same missing return behind an AttributeError on None.
    failing = textwrap.dedent(source).replace("print(Rect(2, 3).area())", "Rect(2, 3).area().bit_length()")
    crashed = diagnose(StudentQuery(text="", code=failing))
    assert crashed.data["error_type"] == "AttributeError"
    assert "`area` (defined on line 6) has no `return` statement" in crashed.summary


def test_run_code_false_starts_no_sandbox_for_a_failing_assert(monkeypatch: pytest.MonkeyPatch) -> None:
    """diagnose(run_code=False) promises no sandbox process: the assertion analysis used to
    run the cell up to the assert anyway to show the tested value."""
    from learnflow_agents.tutors.debug.families import assertion_errors

    runs: list[str] = []
    monkeypatch.setattr(assertion_errors, "run_cell", lambda code, **kw: runs.append(code))
    code = "def add(a, b):\n    return a - b\n\nassert add(2, 3) == 5\n"
    traceback = (
        'Traceback (most recent call last):\n  File "<cell>", line 4, in <module>\n'
        "    assert add(2, 3) == 5\nAssertionError\n"
    )
    reply = diagnose(StudentQuery(text="why", code=code, traceback=traceback), run_code=False)
    assert runs == []
    assert reply.data and reply.data.get("error_type") == "AssertionError"
    # The same cell with running allowed does evaluate the tested value.
    diagnose(StudentQuery(text="why", code=code, traceback=traceback))
    assert runs, "the analysis never ran the probe, so this test shows nothing"
