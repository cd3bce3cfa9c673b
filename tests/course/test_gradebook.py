"""`course grade --roster`: the wide gradebook (non-submitters at zero) and per-student feedback notebooks."""

import copy
import csv
import json
from pathlib import Path

import pytest
from learnflow_agents.course import CourseToolError, grade_submissions, import_assignments, release_course
from learnflow_agents.course.cli import main as course_main
from learnflow_agents.course.gradebook import read_roster
from learnflow_agents.tutors.exercise.bank import cell_role, cell_source
from learnflow_agents.tutors.exercise.notebooks import read_notebook, write_notebook

DATA = Path(__file__).parent / "data"
SQUARES = "def squares(n):\n    if n < 1:\n        raise ValueError('n')\n"
SQUARES += "    return [i * i for i in range(1, n + 1)]\n"
SUM_RIGHT = "def sum_of_squares(n):\n    return sum(squares(n))\n"
SUM_WRONG = "def sum_of_squares(n):\n    return '<b>bold</b>'\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Imported source (nbgrader ps1 problem 1 and otter's demo q1) and its released copies."""
    root = tmp_path_factory.mktemp("course")
    import_assignments("nbgrader", DATA / "nbgrader" / "ps1" / "problem1.ipynb", root / "source")
    report = import_assignments("otter", DATA / "otter" / "demo.ipynb", root / "other")
    (root / "source" / "demo").mkdir()
    demo_q1 = next(p for p in report.written if p.name == "demo-q1.ipynb")
    demo_q1.rename(root / "source" / "demo" / "demo-q1.ipynb")
    release_course(root / "source", root / "released")
    return root / "source", root / "released"


def _submit(root: Path, student: str, released: Path, relative: str, code: str) -> None:
    notebook = copy.deepcopy(read_notebook(released / relative))
    for cell in notebook["cells"]:
        if cell_role(cell) == "starter":
            cell["source"] = code
    write_notebook(notebook, root / student / Path(relative).name)


def test_gradebook_has_every_roster_student_and_every_test(course, tmp_path: Path) -> None:
    source, released = course
    subs = tmp_path / "submissions"
    _submit(subs, "alice", released, "problem1/problem1-squares.ipynb", SQUARES + SUM_RIGHT)
    _submit(subs, "alice", released, "demo/demo-q1.ipynb", "def square(x):\n    return x ** 2\n")
    _submit(subs, "bob", released, "problem1/problem1-squares.ipynb", SQUARES + SUM_WRONG)
    _submit(subs, "dave", released, "demo/demo-q1.ipynb", "def square(x):\n    return x\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nalice,Alice A\nbob,Bob B\ncarol,Carol C\n", encoding="utf-8")

    report = grade_submissions(subs, source, tmp_path / "out", roster=roster)

    assert report.students == ["alice", "bob", "carol", "dave"]  # roster order, then who else handed in
    with report.gradebook_path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = {r["student"]: r for r in reader}
    assert header == [
        "student",
        "submitted",
        "total",
        "max_points",
        "percent",
        "demo-q1",
        "demo-q1: q1-1",
        "demo-q1: q1-2",
        "demo-q1: q1-3",
        "problem1-squares",
        "problem1-squares: correct_squares",
        "problem1-squares: squares_invalid_input",
        "problem1-squares: correct_sum_of_squares",
        "problem1-squares: sum_of_squares_uses_squares",
    ]
    # nbgrader's points as the source gave them (0.5), not the checker's scaled integers;
    # `del squares` cannot work on the trusted side, so that 0.5 is never earned.
    assert rows["alice"]["problem1-squares"] == "2.5"
    assert rows["alice"]["problem1-squares: correct_sum_of_squares"] == "0.5"
    assert (rows["alice"]["demo-q1"], rows["alice"]["total"], rows["alice"]["max_points"]) == (
        "1",
        "3.5",
        "4",
    )
    assert (rows["bob"]["problem1-squares"], rows["bob"]["demo-q1"], rows["bob"]["submitted"]) == (
        "2",
        "0",
        "1",
    )
    assert rows["carol"] == {
        **dict.fromkeys(header, "0"),
        "student": "carol",
        "max_points": "4",
    }
    # dave's square(x) returns x: square(1) == 1 and square(0) == 0 hold, the hidden 2.5 does not.
    assert rows["dave"]["demo-q1: q1-3"] == "0" and rows["dave"]["demo-q1"] == "0.6667"

    book = json.loads(report.gradebook_json_path.read_text(encoding="utf-8"))
    assert {c["name"]: c["max_points"] for c in book["columns"]}["problem1-squares"] == 3.0
    assert [s["student"] for s in book["students"]] == report.students

    # The long format is still there, one row per handed-in notebook.
    with report.csv_path.open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 4

    assert sorted(p.relative_to(tmp_path / "out" / "feedback").as_posix() for p in report.feedback) == [
        "alice/demo-q1.ipynb",
        "alice/problem1-squares.ipynb",
        "bob/problem1-squares.ipynb",
        "dave/demo-q1.ipynb",
    ]
    bob = read_notebook(tmp_path / "out" / "feedback" / "bob" / "problem1-squares.ipynb")
    summary = cell_source(bob["cells"][0])
    assert "**2 / 3 points**" in summary
    assert "✅ **correct_squares** · 1/1 points" in summary
    assert "❌ **correct_sum_of_squares** · 0/0.5 points" in summary
    # What the student's code returned is shown as inert text, never as markup.
    assert "&lt;b&gt;bold&lt;/b&gt;" in summary and "<b>" not in summary
    assert SUM_WRONG.strip() in "\n".join(cell_source(c) for c in bob["cells"])
    assert all(c.get("outputs", []) == [] for c in bob["cells"])
    dave = cell_source(read_notebook(tmp_path / "out" / "feedback" / "dave" / "demo-q1.ipynb")["cells"][0])
    assert "❌ **q1-3** · 0/0.3333 points · hidden test" in dave
    assert "6.25" not in dave and "2.5" not in dave  # a hidden test's inputs and expectations stay hidden


def test_roster_formats(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("# section A\nalice\n\nbob\nalice\n", encoding="utf-8")
    assert read_roster(plain) == ["alice", "bob"]
    exported = tmp_path / "lms.csv"
    exported.write_text("Name,Username,Email\nAlice,alice01,a@x\nBob,bob02,b@x\n", encoding="utf-8")
    assert read_roster(exported) == ["alice01", "bob02"]
    no_id = tmp_path / "no-id.csv"
    no_id.write_text("name,section\nAlice,1\n", encoding="utf-8")
    with pytest.raises(CourseToolError, match="needs one of the columns"):
        read_roster(no_id)
    sneaky = tmp_path / "sneaky.txt"
    sneaky.write_text("alice\n../../etc\n", encoding="utf-8")
    with pytest.raises(CourseToolError, match="not a usable student id"):
        read_roster(sneaky)


def test_grade_cli_with_roster(course, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, released = course
    _submit(tmp_path / "subs", "alice", released, "demo/demo-q1.ipynb", "def square(x):\n    return x * x\n")
    roster = tmp_path / "roster.txt"
    roster.write_text("alice\nzoe\n", encoding="utf-8")
    code = course_main(
        [
            *("course", "grade", str(tmp_path / "subs"), "--source", str(source)),
            *("--out", str(tmp_path / "out"), "--roster", str(roster), "--no-feedback"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "graded 1 notebooks (1 fully passed) of 2 students" in out
    assert not (tmp_path / "out" / "feedback").exists()
    with (tmp_path / "out" / "gradebook.csv").open(encoding="utf-8") as handle:
        assert [(r["student"], r["total"]) for r in csv.DictReader(handle)] == [("alice", "1"), ("zoe", "0")]
