"""AssertionError, usually from an exercise's tests: show what the test expected and what
it got, and point at the function under test rather than at the test."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import lines_of, segment
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, message_text
from learnflow_agents.tutors.debug.families.common import fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.sandbox import run_cell
from learnflow_agents.tutors.debug.situation import Situation

_EXPECTED_GOT = re.compile(
    r"expected:?\s*(?P<exp>.+?)[,;.]?\s+(?:but\s+)?(?:got|was|actual(?:ly)?:?|received|returned)\s*:?\s*(?P<act>.+)",
    re.I | re.S,
)
_NOT_EQUAL = re.compile(r"^(?P<act>.+?)\s*!=\s*(?P<exp>.+)$", re.S)


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    asserts = list(fragment_nodes(sit, line, ast.Assert, text=text if other else None))
    node = asserts[0] if asserts else None
    editable = sit.has_code and not other and sit.tree is not None
    test = (
        (segment(sit.code, node.test) if editable else ast.unparse(node.test))
        if node is not None
        else text.strip()
    )
    expected = actual = None
    if (m := _EXPECTED_GOT.search(sit.message)) or (m := _NOT_EQUAL.match(sit.message.strip())):
        expected, actual = m["exp"].strip(), m["act"].strip()
    subject, subject_src = _subject(node, sit, editable)
    if actual is None and node is not None and editable and subject_src is not None and line is not None:
        actual = _evaluate(sit, subject_src, node)
        if actual is not None and isinstance(node.test, ast.Compare) and expected is None:
            expected = ast.unparse(node.test.comparators[0])
    fdef = sit.facts.functions.get(subject) if subject else None
    under_test = f"`{subject}`" + (f" (defined on line {fdef.lineno})" if fdef is not None else "")
    if expected is not None and actual is not None:
        outcome = f"it expected {code(expected)} but got {code(actual)}"
    elif sit.message:
        outcome = f"its message says: {message_text(sit.message)}"
    else:
        outcome = f"{code(test)} was false"
    blame = f" — the bug is most likely in {under_test}, not in the test" if subject else ""
    said = f' The test\'s own message: "{message_text(sit.message)}".' if sit.message.strip() else ""
    return Diagnosis(
        summary=f"The check on {place(line, other, function)} failed: {code(test)} is not true — "
        f"{outcome}{blame}.",
        plain=f'`assert` is a check: "this must be true". On line {line} the check {code(test)} turned out '
        "false, so "
        f"Python stopped. {outcome[0].upper() + outcome[1:]}."
        + (f" The test is telling you {under_test} doesn't do what it should yet." if subject else "")
        + said,
        precise=f"`assert {test}` evaluated to a falsy value and raised AssertionError; {outcome}."
        + (f" The tested unit is {under_test}." if subject else "")
        + said,
        analogy="a test is like a teacher's answer key: the assert compares your function's answer with the "
        "key.",
        deeper="Test frameworks (pytest) show both sides of a failing comparison automatically; `assert` "
        "statements are stripped when Python runs with `-O`, so never use them for input validation.",
        fix_steps=(
            f"Work through {under_test} by hand with the test's input, compare each step with what you "
            "expect, "
            "and fix the step where they differ."
            if subject
            else "Print the values in the check just before it, and find out why it's false."
        ),
        prevention="Test small functions one example at a time (including edge cases) as you write them.",
        concepts=["testing-assert", "functions"] if subject else ["testing-assert"],
        hints=[
            f"What does {code(subject_src or test)} actually give? Print it.",
            outcome[0].upper() + outcome[1:] + ".",
            f"Trace {under_test} step by step with that input."
            if subject
            else "Fix the code the check is about.",
        ],
        culprit_line=fdef.lineno if fdef is not None else line,
        culprit_where=other,
    )


def _subject(node: ast.Assert | None, sit: Situation, editable: bool) -> tuple[str | None, str | None]:
    """The function the assertion tests, and the call expression to evaluate."""
    if node is None:
        return None, None
    test = node.test
    side = test.left if isinstance(test, ast.Compare) else test
    if isinstance(side, ast.UnaryOp):
        side = side.operand
    call = next((c for c in ast.walk(side) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)), None)
    name = call.func.id if call is not None and isinstance(call.func, ast.Name) else None
    if name in ("len", "sorted", "list", "str", "int", "abs", "sum", "max", "min"):
        name = None
    if isinstance(side, ast.Name):
        return None, side.id
    source = segment(sit.code, side) if editable else ast.unparse(side)
    return name, source


def _evaluate(sit: Situation, expr: str, node: ast.Assert) -> str | None:
    """Run the cell up to the assertion (in the sandbox) and print the tested value."""
    if not sit.allow_run:
        return None
    lines = lines_of(sit.code)
    before = "\n".join(lines[: node.lineno - 1])
    indent = lines[node.lineno - 1][: len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())]
    if indent:
        return None
    probe = f"{before}\nprint(repr({expr}))"
    if not is_safe_to_run(probe)[0]:
        return None
    result = run_cell(probe, timeout=2.0)
    if result.clean and result.stdout.strip():
        return result.stdout.strip().splitlines()[-1][:120]
    return None
