"""`course import nbgrader|otter` on real public assignments (tests/course/data), proved by `validate`."""

import json
from pathlib import Path

import pytest
from learnflow_agents.course import CourseToolError, import_assignments, release_course, validate_course
from learnflow_agents.course.cli import main as course_main
from learnflow_agents.course.importing import (
    IMPORT_KEY,
    _mini_yaml,
    _otter_points,
    _OtterTest,
    nbgrader_split,
    nbgrader_tests,
    otter_split,
    used_names,
)
from learnflow_agents.tutors.exercise.bank import cell_role, cell_source, load_exercise

DATA = Path(__file__).parent / "data"


def _problems(report, name: str) -> list[str]:
    return next(n.problems for n in report.notebooks if n.path.name == name)


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("nbgrader")
    return out, import_assignments("nbgrader", DATA / "nbgrader" / "ps1", out)


@pytest.fixture(scope="module")
def otter_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("otter")
    return out, import_assignments("otter", DATA / "otter", out)


def test_nbgrader_ps1_converts_its_autograded_questions_with_points(nbgrader_course) -> None:
    out, report = nbgrader_course
    assert report.questions == [("problem1.ipynb", "squares"), ("problem1.ipynb", "sum_of_squares")]
    # Part B calls Part A's squares(): one exercise, so Part A's solution is not handed out.
    assert [p.relative_to(out).as_posix() for p in report.written] == ["problem1/problem1-squares.ipynb"]
    assert {s.question for s in report.skipped} == {
        "sum_of_squares_equation",  # written (markdown) answer
        "sum_of_squares_application",  # manually graded code
        "cell-938593c4a215c6cc",  # a task
        "part-a",
        "part-b",
    }
    exercise = load_exercise(report.written[0])
    assert [t.name for t in exercise.visible_tests] == [
        "correct_squares",
        "squares_invalid_input",
        "correct_sum_of_squares",
        "sum_of_squares_uses_squares",
    ]
    notebook = json.loads(report.written[0].read_text())
    provenance = notebook["metadata"][IMPORT_KEY]
    assert provenance["format"] == "nbgrader" and provenance["source"] == "problem1.ipynb"
    # nbgrader's 1 + 1 + 0.5 + 0.5 points, scaled by 2 to whole numbers and kept as they were.
    assert provenance["points"] == {
        "correct_squares": 1.0,
        "squares_invalid_input": 1.0,
        "correct_sum_of_squares": 0.5,
        "sum_of_squares_uses_squares": 0.5,
    }
    assert provenance["points_scale"] == 2 and provenance["max_points"] == 3.0
    assert [t.points for t in exercise.visible_tests] == [2, 2, 1, 1]
    assert "raise NotImplementedError()" in exercise.starter
    assert "return [i ** 2 for i in range(1, n + 1)]" in exercise.solution
    assert "range(1, n + 1)" not in exercise.starter and "### BEGIN" not in exercise.starter


def test_nbgrader_import_validates_except_the_test_that_deletes_a_global(nbgrader_course) -> None:
    out, _ = nbgrader_course
    report = validate_course(out, execute=False)
    # `del squares` in a test removes the name from the test's namespace, never from the
    # student's module (tests run on the trusted side): the one nbgrader test that cannot hold.
    assert _problems(report, "problem1-squares.ipynb") == [
        "reference solution fails: sum_of_squares_uses_squares "
        "(failed: ❌ Not quite. sum_of_squares does not use squares)"
    ]


def test_otter_assignments_convert_and_validate(otter_course) -> None:
    out, report = otter_course
    assert sorted(report.questions) == [
        ("demo.ipynb", "q1"),
        ("demo.ipynb", "q2"),
        ("demo.ipynb", "q3"),
        ("example.ipynb", "q1"),
        ("example.ipynb", "q3"),
        ("example.ipynb", "q8"),
        ("example.ipynb", "q9"),
    ]
    assert {(s.notebook, s.question) for s in report.skipped} == {
        ("demo.ipynb", "q4"),
        ("demo.ipynb", "q5"),
        ("example.ipynb", "q2"),
        ("example.ipynb", "q4"),
        ("example.ipynb", "question5"),  # no tests
        ("example.ipynb", "question6"),
        ("example.ipynb", "q7"),
    }
    validated = validate_course(out, execute=True)
    by_name = {n.path.name: n.problems for n in validated.notebooks}
    for name in ("demo-q1.ipynb", "demo-q2.ipynb", "example-q3.ipynb", "example-q9.ipynb"):
        assert by_name[name] == [], (name, by_name[name])
    # Data-science questions need pandas / numpy, which the sandbox does not offer students'
    # code; otter's example q1 imports a support file (student_file.py) the course must ship.
    assert "No module named 'pandas'" in by_name["demo-q3.ipynb"][0]
    assert "No module named 'matplotlib'" in by_name["example-q8.ipynb"][0]
    assert by_name["example-q1.ipynb"][0].startswith("reference solution fails: q1-6")
    assert "No module named 'student_file'" in by_name["example-q1.ipynb"][0]


def test_otter_tests_keep_hidden_points_and_messages(otter_course) -> None:
    out, _ = otter_course
    demo = load_exercise(out / "demo" / "demo-q1.ipynb")
    assert [t.source.strip() for t in demo.visible_tests] == [
        "assert square(1) == 1",
        "assert square(0) == 0",
    ]
    assert [t.source.strip() for t in demo.hidden_tests] == ["assert square(2.5) == 6.25"]
    assert "return ..." in demo.starter and "x**2" not in demo.starter
    example = load_exercise(out / "example" / "example-q1.ipynb")
    tests = {t.name: t for t in example.all_tests}
    assert tests["q1a-1"].points == 2 and tests["q1a-1"].failure == "This is not an int."
    assert tests["q1a-4"].hidden and tests["q1a-4"].points == 10
    # A non-boolean last expression is compared with the solution's value.
    assert tests["q1a-4"].source.strip().endswith("assert identity(x) == 2")
    assert example.starter.strip() == "x = ..."
    q3 = load_exercise(out / "example" / "example-q3.ipynb")
    assert "np.cos" not in q3.solution  # BEGIN IGNORE / # IGNORE lines are gone
    assert {t.name: t.source.strip() for t in q3.all_tests}["q3a-2"] == "assert square(16) == 256"


def test_released_imports_hold_no_solution(nbgrader_course, otter_course, tmp_path: Path) -> None:
    for out, _ in (nbgrader_course, otter_course):
        for path in release_course(out, tmp_path / out.name):
            text = "\n".join(cell_source(c) for c in json.loads(path.read_text())["cells"])
            assert "range(1, n + 1)" not in text and "x**2" not in text
            assert all(
                cell_role(c) not in ("solution", "hidden-tests")
                for c in json.loads(path.read_text())["cells"]
            )


def test_nbgrader_hidden_tests_in_nbgraders_own_fixture(tmp_path: Path) -> None:
    """nbgrader's test-hidden-tests.ipynb: its "solution" hard-codes n = 1, 2, 10; hidden tests catch it."""
    report = import_assignments("nbgrader", DATA / "nbgrader" / "hidden", tmp_path)
    (path,) = report.written
    exercise = load_exercise(path)
    assert [(t.name, t.points) for t in exercise.hidden_tests] == [
        ("correct_squares (hidden)", 2),
        ("correct_sum_of_squares (hidden)", 1),
    ]
    assert "assert squares(11) ==" in exercise.hidden_tests[0].source
    # The visible part stays visible (worth nothing: the hidden test carries the cell's points).
    visible = {t.name: t for t in exercise.visible_tests}
    assert visible["correct_squares"].points == 0 and "squares(11)" not in visible["correct_squares"].source
    problems = _problems(validate_course(tmp_path, execute=False), path.name)
    assert problems == [
        "reference solution fails: sum_of_squares_uses_squares (failed: ❌ Not quite. sum_of_squares "
        "does not use squares); correct_squares (hidden) (failed: ❌ Not quite.); "
        "correct_sum_of_squares (hidden) (failed: ❌ Not quite.)"
    ]
    released = release_course(tmp_path, tmp_path / "released")
    assert "squares(11)" not in released[0].read_text(encoding="utf-8")


def test_nbgrader_hidden_tests_become_a_hidden_test_worth_the_points() -> None:
    source = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS\n"
    visible, hidden = nbgrader_tests("f_ok", source, points=__import__("fractions").Fraction(3))
    assert (visible.name, visible.hidden, visible.points, visible.source) == (
        "f_ok",
        False,
        0,
        "assert f(1) == 1\n",
    )
    assert (hidden.name, hidden.hidden, hidden.points) == ("f_ok (hidden)", True, 3)
    assert hidden.source == "assert f(1) == 1\nassert f(2) == 4\n"


def test_solution_markers() -> None:
    starter, solution = nbgrader_split("x = 1\n### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION\n")
    # A top-level stub keeps the starter loadable (nbgrader's raise would stop the whole module).
    assert starter == "x = 1\n# YOUR CODE HERE\ny = ...\n" and solution == "x = 1\ny = x + 1\n"
    code = (
        "def f(r):\n    # BEGIN SOLUTION NO PROMPT\n    return 2 * r\n    # END SOLUTION\n"
        '    """ # BEGIN PROMPT\n    pass\n    """; # END PROMPT\n'
        "total = f(2) # SOLUTION\nsecret = 1 # SOLUTION NO PROMPT\nnoise = 0 # IGNORE\n"
    )
    starter, solution = otter_split(code)
    assert starter == "def f(r):\n    pass\ntotal = ...\n"
    assert solution == "def f(r):\n    return 2 * r\ntotal = f(2)\nsecret = 1\n"


def test_used_names_ignore_parameters_and_locals() -> None:
    assert used_names("def square(x):\n    y = x * x\n    return y + z\nnine = square(3)") == {"z", "square"}


def test_import_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = course_main(["course", "import", "otter", str(DATA / "otter" / "demo.ipynb"), str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "3 questions imported into 3 exercises, 2 skipped" in out
    assert course_main(["course", "import", "nbgrader", str(tmp_path / "nothing"), str(tmp_path)]) == 2


@pytest.mark.parametrize(
    ("question", "tests", "expected"),
    [
        ({}, [{}, {}, {"hidden": True}], ["1/3", "1/3", "1/3"]),  # an unscored question is worth 1
        ({"points": 2}, [{"points": 1}, {}, {}], ["1", "1/2", "1/2"]),
        ({}, [{"points": 2}, {}], ["2", "0"]),  # beside scored tests, unscored ones are worth 0
        ({"points": [10, 2]}, [{}, {}], ["10", "2"]),
        ({"points": {"each": 3}}, [{}, {}], ["3", "3"]),
    ],
)
def test_otter_points_resolve_as_otter_does(question: dict, tests: list[dict], expected: list[str]) -> None:
    cases = [_OtterTest(f"t{i}", "", "True", config, False) for i, config in enumerate(tests)]
    assert [str(p) for p in _otter_points(question, cases)] == expected


def test_otter_config_cells_parse() -> None:
    assert _mini_yaml("name: q8\npoints:\n    - 10\n    - 2\nmanual: false") == {
        "name": "q8",
        "points": [10, 2],
        "manual": False,
    }
    assert _mini_yaml("points:\n  each: 2\nname: q1")["points"] == {"each": 2}


def test_import_refuses_to_write_into_its_source(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text((DATA / "otter" / "demo.ipynb").read_text(encoding="utf-8"))
    with pytest.raises(CourseToolError, match="another destination"):
        import_assignments("otter", tmp_path, tmp_path)
