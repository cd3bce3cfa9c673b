"""Attack on code review's run check (80506aa): the crash it reports must be the cell's, not
the sandbox's. A cell that runs in the student's kernel was reported as 'running the cell
stops with ...' when it used top-level await (the kernel allows it; the sandbox compiled
without it: SyntaxError), needed more memory than the sandbox's cap (MemoryError), or read a
built-in's name that an earlier cell rebinds ('range(max)' after 'max = 10': TypeError)."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.code_review import review


def _crashes(code: str) -> list[dict]:
    reply = review(StudentQuery(text="", code=code))
    return [f for f in reply.data["findings"] if f["rule"] == "cell-raises"]


@pytest.mark.parametrize(
    "code",
    [
        "async def main():\n    return 1\n\nresult = await main()\nprint(result)\n",
        "async def numbers():\n    yield 1\n\nasync for n in numbers():\n    print(n)\n",
        "grid = [0] * 120_000_000\nprint(len(grid))\n",
        "for i in range(max):\n    print(i)\n",
        "total = sum + 5\nprint(total)\n",
        "print('id:', id + 1)\n",
        "for word in list:\n    print(word)\n",
        "sum.append(3)\n",
    ],
)
def test_a_failure_of_the_sandbox_not_the_cell_is_not_called_a_crash(code: str) -> None:
    assert _crashes(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "scores = [3, 5]\nprint(scores[max(scores)])\n",
        "def total(xs):\n    return sum(xs) / len(xs)\n\nprint(total([]))\n",
        "max = 3\nprint(max + '1')\n",
    ],
)
def test_a_cell_that_crashes_on_its_own_is_still_called_a_crash(code: str) -> None:
    assert len(_crashes(code)) == 1
