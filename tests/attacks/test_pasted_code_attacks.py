"""Attacks on pasted-code detection (tutors/triage/pasted_code.py), which every query with no
code field passes through at the student API's door (`read_body`, on the server's event
loop, before anything is filed) and every `%%learnflow ask` cell of words and code in the
kernel.

A run of whitespace that does not end a fenced block or a traceback made the old
`re.sub(r"\\s+$")` retry every start in the run: quadratic, so a maximal API question
(8 000 characters) held the door's event loop for about half a second, and a 1 MB cell
hung the kernel for hours. These tests give it those shapes at 1 MB; they fail by the
suite's own timeout (pyproject's `timeout`) if the work is quadratic again
(`python benchmarks/pasted_code_cost.py` prints the cost against ordinary text).
"""

import json
import subprocess

import pytest
from learnflow_agents.api.errors import ApiError
from learnflow_agents.api.student import Caller, read_body
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.contracts.query import MAX_TEXT
from learnflow_agents.tutors.triage.pasted_code import split_pasted_code

from tests.tutors.test_pasted_code import _NODE, LABEXTENSION

MB = 1_000_000

HOSTILE = {
    "spaces-inside-a-fence": "why?\n```\n" + " " * MB + "x = 1\n```",
    "tabs-and-newlines-inside-a-fence": "```py\n" + " \t\n" * (MB // 3) + "print(1)\n```",
    "spaces-inside-a-traceback": (
        "Traceback (most recent call last):\n " + " " * MB + "x\nValueError: bad\nwhy?"
    ),
    "many-fences": "```\nx = 1   \n```\n" * (MB // 16),
    "unclosed-fences": "```x\n" * (MB // 5),
    "a-long-code-like-line": "x" * MB + " = (" + ")" * MB,
    "binary-junk": "".join(chr(c) for c in range(1, 0xD800, 7)) * 4,
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_pasted_text_is_split_in_linear_work(text: str) -> None:
    split = split_pasted_code(text)
    assert split.traceback is None or split.traceback == split.traceback.rstrip()
    assert len(split.text) + len(split.code or "") + len(split.traceback or "") <= len(text)


def test_the_spaces_are_still_stripped_as_before() -> None:
    split = split_pasted_code(
        "why?\n```\nx = 1" + " " * 50 + "\n\t\n```\nTraceback (most recent call last):\n"
        '  File "<cell>", line 1\nValueError: bad   \n\n'
    )
    assert split.code == "x = 1"
    assert split.traceback == 'Traceback (most recent call last):\n  File "<cell>", line 1\nValueError: bad'
    assert split.text == "why?"


@pytest.mark.parametrize(
    "text",
    [
        "why?\n```\n" + " " * (MAX_TEXT - 20) + "x\n```",
        "Traceback (most recent call last):\n " + " " * (MAX_TEXT - 60) + "x\nValueError: v",
    ],
    ids=["fence", "traceback"],
)
def test_the_doors_largest_question_of_spaces_is_filed_as_an_ordinary_one(text: str) -> None:
    assert len(text) <= MAX_TEXT
    body = read_body(StudentQuery, "StudentQuery", {"text": text}, Caller("ada"))
    assert isinstance(body, StudentQuery)
    assert (body.code or "").strip() == "x" or (body.traceback or "").endswith("ValueError: v")


@pytest.mark.parametrize("text", ["a\x00b" * 1000, "\x00"], ids=["nul-in-text", "only-nul"])
def test_nul_in_a_question_is_a_400_before_any_splitting(text: str) -> None:
    with pytest.raises(ApiError) as refused:
        read_body(StudentQuery, "StudentQuery", {"text": text}, Caller("ada"))
    assert refused.value.status == 400


def test_the_labextensions_ask_box_splits_the_same_shapes_in_linear_work() -> None:
    """The ask box runs the same rule in the student's browser (`splitPastedCode`); node runs
    the real TypeScript on the 1 MB shapes, and its answers match this side's."""
    shapes = [HOSTILE["spaces-inside-a-fence"], HOSTILE["spaces-inside-a-traceback"]]
    done = subprocess.run(
        ["node", "-e", _NODE, str(LABEXTENSION)],
        input=json.dumps(shapes),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == [split_pasted_code(s).__dict__ for s in shapes]
