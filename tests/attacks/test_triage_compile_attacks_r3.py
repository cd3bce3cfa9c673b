"""Attack on triage's compile signal (5fd72e7): a cell sent with no words that does not
compile goes to debug. Cells that a notebook runs without complaint must stay review
requests: correct Python that the IPython masking broke (a comment ending in '?', a
continuation line starting with '%' or '!='), and IPython syntax the masking did not know
(cell magics whose body is not Python, 'x = !cmd', a magic inside a block, autocall)."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.triage import classify
from learnflow_agents.tutors.triage.signals import compile_error

CORRECT_PYTHON = [
    "age = 12\nif age > 10:\n    print('big')  # is this right?\n",
    "name, age = 'Ann', 9\nmsg = ('%s is %d'\n       % (name, age))\nprint(msg)\n",
    "a, b = 1, 2\nif (a\n    != b):\n    print('different')\n",
    'question = """How old are you?\n"""\nprint(question)\n',
]

IPYTHON_CELLS = [
    "%%bash\nls -la\necho hello world\n",
    "%%html\n<b>hi</b>\n",
    "%%sql\nSELECT * FROM students WHERE age > 10\n",
    "%%markdown\n# Title\nsome *text*\n",
    "files = !ls\nprint(files)\n",
    "t = %timeit -o sum(range(10))\n",
    "for i in range(3):\n    %time x = i\n",
    "if True:\n    !echo hi\n",
    "%timeit \\\n   sum(range(10))\n",
    "/print 'hi'\n",
    ",print a b c\n",
    "%%time\ntotal = 0\nfor i in range(10):\n    total += i\n",
]


@pytest.mark.parametrize("code", CORRECT_PYTHON + IPYTHON_CELLS)
def test_a_cell_a_notebook_runs_is_not_routed_as_not_compiling(code: str) -> None:
    assert compile_error(code) is None
    out = classify(StudentQuery(text="", code=code))
    assert "does not compile" not in out.reasoning


@pytest.mark.parametrize(
    "code",
    [
        "%%time\nfor i in range(3)\n    print(i)\n",
        "!pip install requests\nif x = 3:\n    pass\n",
        "for i in range(3):\n    %time x = i\n  print(i)\n",
        "x = (1,\n     2\nprint(x)\n",
    ],
)
def test_a_broken_cell_with_ipython_lines_still_does_not_compile(code: str) -> None:
    assert compile_error(code) is not None
