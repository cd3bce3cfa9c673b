"""Attack on the debug agent's time: a long cell of many small statements.

The analysers quote the source of many nodes of a cell (`code_facts.segment`), and
`ast.get_source_segment` splits the whole source, character by character in Python, on
every call: the work was quadratic in the cell's size. A 99,000-character cell of
`for i in range(3): print(i)` (within the query's 100,000-character limit) asked "why is x
wrong" kept the agent, which answers every student's debug questions, busy for a minute.

Failed before the fix (segment splits each source once), for the loops: four times the
cell cost 11.7 times the work (the `calls` shape held). The tests count the interpreter's
function-call events (calls into Python and C functions, `sys.setprofile`), not time, so
they read the same on any machine.
"""

import sys

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

SHAPES = {
    "short-loops": "for i in range(3):\n    print(i)\n",
    "calls": "total = total + f(i)\n",
}


def _work(cell: str, question: str) -> int:
    query = StudentQuery(text=question, code=cell)
    events = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal events
        events += 1

    sys.setprofile(count)
    try:
        diagnose(query, run_code=False)
    finally:
        sys.setprofile(None)
    return events


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_four_times_the_cell_is_about_four_times_the_work(shape: str) -> None:
    question = "why is x wrong"
    small = _work(SHAPES[shape] * 100, question)
    large = _work(SHAPES[shape] * 400, question)
    # Linear work gives 4; the quadratic split gave 11.7 here.
    assert large / small < 6, f"{large} events for 4x the cell vs {small}"
