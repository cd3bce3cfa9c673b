"""Attack on the logic-bug analysis: `float_equality` computed the float side of `x == 0.3`
with eval() in the agent's own process (empty builtins are no wall: `().__class__` walks to
any module). A cell the sandbox never runs could run code beside the agent's secrets, or
stall it with `9**9**9`. Only number literals with + - * / // % are now computed, by walking
the tree."""

import ast
import sys

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.families import logic_general

_REACH = (
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'catch_warnings'][0]()"
    "._module.__builtins__"
)


def test_the_float_side_of_a_comparison_is_never_evaluated_in_the_agent() -> None:
    payload = f"{_REACH}['setattr']({_REACH}['__import__']('sys'), 'lf_pwned', 1)"
    for guard in ("", "import random\n"):
        code = (
            f"{guard}total = 0.1 + 0.2\nif ({payload}) / 1 == 0.3:\n    print('equal')\n"
            "else:\n    print('not equal')\n"
        )
        diagnose(StudentQuery(text="why does it print not equal?", code=code))
        diagnose(StudentQuery(text="why does it print not equal?", code=code), run_code=False)
    assert not hasattr(sys, "lf_pwned")


def test_only_plain_arithmetic_of_number_literals_is_computed() -> None:
    def value(src: str):
        return logic_general._arithmetic(ast.parse(src, mode="eval").body)

    assert value("0.1 + 0.2") == 0.1 + 0.2
    assert value("-(7 / 2) % 3") == -(7 / 2) % 3
    for refused in ("9 ** 9 ** 9 / 1", "len('abc') / 1", "x / 2", "1 / 0", "1e308 * 10", "(1).real / 1"):
        assert value(refused) is None, refused


def test_the_honest_float_comparison_is_still_explained() -> None:
    code = "total = 0.1 + 0.2\nif total == 0.3:\n    print('equal')\nelse:\n    print('different')\n"
    reply = diagnose(StudentQuery(text="it prints different but 0.1 + 0.2 is 0.3", code=code))
    assert "0.30000000000000004" in reply.summary + reply.explanation
