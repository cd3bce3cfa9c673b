"""Code pasted into a question's text: found, moved to the code field, and the same rule as
the labextension's ask box (its TypeScript runs here on the same cases, through node)."""

import json
import subprocess
from pathlib import Path

import pytest
from learnflow_agents.contracts.query import MAX_TEXT, StudentQuery
from learnflow_agents.tutors.triage.pasted_code import PastedSplit, split_pasted_code, with_pasted_code

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION = REPO / "labextension"

TRACEBACK_TYPED = "\n".join(
    [
        "I get this:",
        "Traceback (most recent call last):",
        '  File "<cell>", line 2, in <module>',
        "    numbers[3]",
        "IndexError: list index out of range",
        "what is wrong?",
    ]
)
CASES = [
    "why does this print None?\ndef add(a, b):\n    total = a + b\n\nprint(add(1, 2))",
    TRACEBACK_TYPED,
    "What is the difference between a list and a tuple?",
    "If I run this loop twice, why does it print the items again?",
    "how do for loops work",
    "fix this\n```python\nx = 1\nprint(x\n```",
    "numbers = [1, 2, 3]",
    "my loop prints one too few\nfor i in range(1, 5):\n    print(i)",
    "it hits the wall when the number is odd\r\n\r\nn = 5\r\nfor k in range(n // 2):\r\n    move()\r\n",
    "the total is wrong\n\ntotal = 0\nfor n in nums:\n    total = n\n\nprint(total)\nit should be 10",
    "Why is total = 0 after my loop? I never reset it",
    "print('a')\nwhy?\nx = 1\ny = 2\nz = 3",
    "héllo wörld = ça va\nfor ü in range(2):\n    print(ü)",
    "x_é = 1\ny_é = 2\nwhy?",
    "```py\nfor i in range(3):\n  pass\n```\nand\nTraceback (most recent call last):\n  x\nKeyError: 1",
]


def test_code_after_a_question_goes_to_the_code_field() -> None:
    split = split_pasted_code(CASES[7])
    assert split == PastedSplit("my loop prints one too few", "for i in range(1, 5):\n    print(i)", None)


def test_a_pasted_traceback_goes_to_the_traceback_field() -> None:
    split = split_pasted_code(TRACEBACK_TYPED)
    assert split.traceback == "\n".join(TRACEBACK_TYPED.split("\n")[1:5])
    assert split.text == "I get this:\nwhat is wrong?" and split.code is None


@pytest.mark.parametrize("question", [*CASES[2:5], CASES[10]])
def test_plain_questions_are_left_alone(question: str) -> None:
    assert split_pasted_code(question) == PastedSplit(question, None, None)


def test_only_a_query_without_fields_of_its_own_is_split() -> None:
    pasted = StudentQuery(text=CASES[7])
    moved = with_pasted_code(pasted)
    assert (moved.text, moved.code) == ("my loop prints one too few", "for i in range(1, 5):\n    print(i)")
    assert moved.query_id == pasted.query_id
    given = StudentQuery(text=CASES[7], code="x = 1")
    assert with_pasted_code(given) is given
    plain = StudentQuery(text="what is a list?")
    assert with_pasted_code(plain) is plain


def test_words_that_merely_start_like_code_stay_the_question() -> None:
    question = StudentQuery(text="print(x) gives the wrong output")
    assert split_pasted_code(question.text).code == question.text  # the shared rule alone says code
    assert with_pasted_code(question) is question
    whole = with_pasted_code(StudentQuery(text="numbers = [1, 2, 3]\nprint(numbers[3])"))
    assert (whole.text, whole.code) == ("", "numbers = [1, 2, 3]\nprint(numbers[3])")


def test_a_split_never_breaks_the_contracts_limits() -> None:
    query = StudentQuery(text="a" * (MAX_TEXT - 20) + "\nx = 1")
    moved = with_pasted_code(query)
    assert moved.code == "x = 1" and len(moved.text) <= MAX_TEXT


_NODE = r"""
const fs = require('fs');
const ts = require(process.argv[1] + '/node_modules/typescript');
const source = fs.readFileSync(process.argv[1] + '/src/model.ts', 'utf8');
const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 };
const js = ts.transpileModule(source, { compilerOptions: options }).outputText;
const module_ = { exports: {} };
new Function('module', 'exports', 'require', js)(module_, module_.exports, require);
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(cases.map(c => module_.exports.splitPastedCode(c))));
"""


def test_the_labextension_rule_splits_every_case_the_same_way() -> None:
    done = subprocess.run(
        ["node", "-e", _NODE, str(LABEXTENSION)],
        input=json.dumps(CASES),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    theirs = json.loads(done.stdout)
    ours = [split_pasted_code(case).__dict__ for case in CASES]
    assert ours == theirs
