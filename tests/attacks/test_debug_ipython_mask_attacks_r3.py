"""Attack on the debug tutor's IPython masking (code_facts.neutralise_ipython): a correct cell
whose continuation line starts with `!=` or `%` (inside brackets) had that line replaced by
`pass`, so the tutor named a cause for a correct program ("the `(` opened on line 2 is never
closed") or refused to run it ("uses IPython magics or shell commands"). Found while
attacking triage's compile signal, which had the same masking."""

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.code_facts import compile_error, neutralise_ipython
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run

CORRECT = [
    "a, b = 1, 2\nif (a\n    != b):\n    print('different')\n",
    "name, age = 'Ann', 9\nmsg = ('%s is %d'\n       % (name, age))\nprint(msg)\n",
    "total = 3 + \\\n    4\nprint(total)\n",
    'banner = """\n!!! closed today !!!\n%d visitors\n"""\nprint(banner)\n',
]


def test_a_correct_cell_is_not_masked_and_compiles() -> None:
    for code in CORRECT:
        assert neutralise_ipython(code) == code
        assert compile_error(code) is None
        assert is_safe_to_run(code)[0], code


def test_a_correct_cell_is_run_and_gets_no_syntax_cause() -> None:
    reply = diagnose(StudentQuery(text="why is the output wrong?", code=CORRECT[0]))
    assert not str(reply.data.get("analysis", "")).startswith("syntax"), reply.summary
    assert "never closed" not in reply.summary
    reply = diagnose(StudentQuery(text="why is the output wrong?", code=CORRECT[1]))
    assert "IPython" not in reply.summary, reply.summary


def test_ipython_lines_are_still_masked() -> None:
    code = "%time x = 1\nfor i in range(3):\n    !echo hi\nlen?\nprint(x)\n"
    assert neutralise_ipython(code) == "pass\nfor i in range(3):\n    pass\npass\nprint(x)\n"
    assert not is_safe_to_run(code)[0]
