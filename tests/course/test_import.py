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
from learnflow_agents.tutors.exercise.checker import check_code

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


# --- printed output (otter) and ### AUTOTEST (nbgrader) ------------------------------------


def test_otter_printed_output_is_compared_as_otters_doctest_does(otter_course) -> None:
    """Otter's example q1a-5 is `str(print(x))`: its stored output is the printed `2` and `'None'`."""
    out, _ = otter_course
    example = load_exercise(out / "example" / "example-q1.ipynb")
    test = {t.name: t for t in example.all_tests}["q1a-5"]
    assert test.hidden and test.source.rstrip().endswith(
        "assert str(print(x)) == 'None'\nassert \"\".join(_printed) == '2\\n'"
    )
    # The solution passes (validated above: only q1-6's support file fails); printing 3 does not.
    result = check_code(example, example.solution.replace("x = 2", "x = 3"))
    assert {t.name: t.passed for t in result.tests}["q1a-5"] is False


def _otter_notebook(answer: str, tests: list[tuple[str, str]]) -> dict:
    """A minimal otter-assign (v1 format) master notebook: one question, its tests and their
    stored outputs (stream text), as `otter assign` reads them."""

    def raw(text: str) -> dict:
        return {"cell_type": "raw", "metadata": {}, "source": text}

    def code(text: str, printed: str = "") -> dict:
        outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
        return {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": outputs, "source": text}

    cells = [
        raw("# ASSIGNMENT CONFIG\nrequirements: []"),
        raw("# BEGIN QUESTION\nname: q1\npoints: 2"),
        {"cell_type": "markdown", "metadata": {}, "source": "**Question 1.** Write `greet(name)`."},
        raw("# BEGIN SOLUTION"),
        code(answer),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        *(code(source, printed) for source, printed in tests),
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_otter_printed_output_of_the_test_itself_becomes_a_checked_test(tmp_path: Path) -> None:
    answer = 'def greet(name):\n    return f"Hello, {name}!" # SOLUTION\n'
    notebook = _otter_notebook(
        answer, [('for who in ["Ada", "Alan"]:\n    print(greet(who))', "Hello, Ada!\nHello, Alan!\n")]
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hw.ipynb").write_text(json.dumps(notebook))
    report = import_assignments("otter", tmp_path / "src", tmp_path / "out")
    (path,) = report.written
    exercise = load_exercise(path)
    (test,) = exercise.visible_tests
    assert "assert \"\".join(_printed) == 'Hello, Ada!\\nHello, Alan!\\n'" in test.source
    assert _problems(validate_course(tmp_path / "out", execute=False), path.name) == []
    wrong = check_code(exercise, 'def greet(name):\n    return f"Hi, {name}!"\n')
    assert [t.passed for t in wrong.tests] == [False]


def test_otter_output_printed_by_the_answer_itself_is_refused_naming_the_test(tmp_path: Path) -> None:
    answer = "def greet(name):\n    print(f'Hello, {name}!') # SOLUTION\n"
    notebook = _otter_notebook(answer, [('greet("Ada")', "Hello, Ada!\n")])
    (tmp_path / "hw.ipynb").write_text(json.dumps(notebook))
    report = import_assignments("otter", tmp_path / "hw.ipynb", tmp_path / "out")
    assert report.written == [] and len(report.skipped) == 1
    skipped = report.skipped[0]
    assert (skipped.notebook, skipped.question) == ("hw.ipynb", "q1")
    assert skipped.reason.startswith("test cell q1-1 expects output printed by the answer's own code")


@pytest.fixture(scope="module")
def autotest_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("autotest")
    return out, import_assignments("nbgrader", DATA / "nbgrader" / "ps1_autotest", out)


def test_nbgrader_autotest_user_guide_assignment(autotest_course) -> None:
    """nbgrader's own ps1_autotest: ### AUTOTEST squares(1); squares(2) and ### HASHED AUTOTEST squares(3)."""
    out, report = autotest_course
    assert report.questions == [
        ("problem1.ipynb", "squares"),
        ("problem1.ipynb", "sum_of_squares"),
        ("problem1.ipynb", "cell-d3df8cd59fd0eb74"),
    ]
    assert (
        "problem1.ipynb: no autotests.yml; ### AUTOTEST expanded with nbgrader's default autotests.yml"
        in (report.notes)
    )
    squares = load_exercise(out / "problem1" / "problem1-squares.ipynb")
    tests = {t.name: t for t in squares.all_tests}
    visible = tests["correct_squares"].source
    # nbgrader's list template: type, len, sorted(map(str, ...)), the value; each str()-compared.
    assert "assert str(type(squares(1))) == \"<class 'list'>\", 'type of squares(1) is not list." in visible
    assert "assert str(squares(2)) == '[1, 4]', 'order of elements of squares(2) is not correct'" in visible
    assert "### AUTOTEST" not in visible and "squares(3)" not in visible
    # The HASHED line's checks are a hidden test worth the cell's point (scaled by 2, like 0.5s).
    hidden = tests["correct_squares (hidden)"]
    assert hidden.hidden and hidden.points == 2 and tests["correct_squares"].points == 0
    assert "assert str(squares(3)) == '[1, 4, 9]'" in hidden.source
    # test_func_throws, defined in an earlier test cell, comes along: each test runs on its own.
    uses = tests["sum_of_squares_uses_squares"].source
    assert uses.startswith("def test_func_throws(func, ErrorType):")
    assert "assert str(test_func_throws(lambda : sum_of_squares(1), NameError)) == 'True'" in uses
    # An answer cell without solution delimiters is replaced whole, as nbgrader does.
    part_f = load_exercise(out / "problem1" / "problem1-cell-d3df8cd59fd0eb74.ipynb")
    assert part_f.starter.strip() == "# YOUR CODE HERE\nmy_dictionary = ..."
    assert """assert str(my_dictionary["one"]) == '1'""" in part_f.visible_tests[0].source


def test_nbgrader_autotest_import_validates_except_the_test_that_deletes_a_global(autotest_course) -> None:
    out, _ = autotest_course
    report = validate_course(out, execute=False)
    assert _problems(report, "problem1-cell-d3df8cd59fd0eb74.ipynb") == []
    assert _problems(report, "problem1-squares.ipynb") == [
        "reference solution fails: sum_of_squares_uses_squares (failed: ❌ Not quite. boolean value of "
        "test_func_throws(lambda : sum_of_squares(1), NameError) is not correct)"
    ]
    squares = load_exercise(out / "problem1" / "problem1-squares.ipynb")
    wrong = squares.solution.replace("range(1, n + 1)", "range(n)")
    failed = {t.name for t in check_code(squares, wrong).tests if not t.passed}
    assert {"correct_squares", "correct_squares (hidden)"} <= failed


def test_nbgrader_autotest_fixtures_with_their_templates_file(tmp_path: Path) -> None:
    """nbgrader's own autotest-{hashed,hidden,multi} fixtures and their autotests.yml."""
    report = import_assignments("nbgrader", DATA / "nbgrader" / "autotest", tmp_path)
    assert report.skipped == [] and not any("default autotests.yml" in n for n in report.notes)
    hashed = load_exercise(tmp_path / "autotest-hashed" / "autotest-hashed-soln.ipynb")
    # Only HASHED lines: everything is hidden; `# # # # HASHED AUTOTEST a` counts, as in nbgrader.
    assert [t.name for t in hashed.hidden_tests] == ["test_hashed (hidden)"]
    assert hashed.hidden_tests[0].source.count("assert str(a) == '5'") == 7
    hidden = load_exercise(tmp_path / "autotest-hidden" / "autotest-hidden-soln.ipynb")
    visible = {t.name: t.source for t in hidden.visible_tests}["test_hidden"]
    assert "str(a) ==" not in visible and "assert str(type(c)) == \"<class 'list'>\"" in visible
    multi = load_exercise(tmp_path / "autotest-multi" / "autotest-multi-soln.ipynb")
    spaced = {t.name: t.source for t in multi.all_tests}["cell-f2803ba7c42d03ab"]
    assert spaced.count("assert str(a) == '5'") == 7 and 'print("hello!")' in spaced
    assert """assert str(a == "5") == 'False'""" in spaced  # `a == "5";` on a line of several
    problems = validate_course(tmp_path, execute=False)
    assert all(n.problems == [] for n in problems.notebooks), [
        (n.path.name, n.problems) for n in problems.notebooks
    ]


def test_nbgrader_autotest_that_fails_on_the_solution_is_refused_naming_the_cell(tmp_path: Path) -> None:
    def cell(kind: str, source: str, **nbgrader: object) -> dict:
        meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
        extra = {"outputs": [], "execution_count": None} if kind == "code" else {}
        return {"cell_type": kind, "metadata": meta, "source": source, **extra}

    notebook = {
        "cells": [
            cell("markdown", "Define `total`."),
            cell(
                "code",
                "### BEGIN SOLUTION\ntotal = 3\n### END SOLUTION",
                grade_id="answer",
                solution=True,
                grade=False,
            ),
            cell("code", "### AUTOTEST totl", grade_id="check_total", solution=False, grade=True, points=1),
        ],
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "hw.ipynb").write_text(json.dumps(notebook))
    report = import_assignments("nbgrader", tmp_path / "hw.ipynb", tmp_path / "out")
    assert report.written == []
    (skipped,) = report.skipped
    assert skipped.question == "answer"
    assert skipped.reason.startswith(
        "test cell check_total: its ### AUTOTEST could not be evaluated on the solution "
        "(NameError: name 'totl' is not defined)"
    )


def test_autotest_templates_come_from_the_assignment_then_the_root_then_nbgraders_defaults(
    tmp_path: Path,
) -> None:
    from learnflow_agents.course import nbgrader_autotest as autotest

    folder, root = tmp_path / "ps1", tmp_path
    folder.mkdir()
    assert autotest.load_templates(folder, root) == (
        autotest.DEFAULT_TEMPLATES,
        "nbgrader's default autotests.yml",
    )
    yml = (DATA / "nbgrader" / "autotest" / "autotests.yml").read_text(encoding="utf-8")
    (root / "tests.yml").write_text(yml)  # the name nbgrader's preprocessor reads
    templates, origin = autotest.load_templates(folder, root)
    assert origin == str(root / "tests.yml") and templates["int"][1] == (
        "{{snippet}}",
        "value of {{snippet}} is not correct",
    )
    (folder / "autotests.yml").write_text("python3:\n  templates:\n    int: []\n")
    with pytest.raises(CourseToolError, match="'default' list"):
        autotest.load_templates(folder, root)
