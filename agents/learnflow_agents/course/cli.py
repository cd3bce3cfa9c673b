"""`learnflow-agents course validate|release|grade|import`: argparse glue over the course package.

The main CLI calls `add_course_commands(subparsers)` and dispatches to `main_course(args)`;
``python -m learnflow_agents.course.cli ...`` runs the same commands alone.
"""

import argparse
import sys
from pathlib import Path

from learnflow_agents.contracts.curriculum import Difficulty, normalise_topic
from learnflow_agents.course import (
    CourseToolError,
    grade_submissions,
    import_assignments,
    release_course,
    validate_course,
)
from learnflow_agents.tutors.exercise.bank import ExerciseFormatError


def add_course_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    course = subparsers.add_parser("course", help="validate, release and grade exercise notebooks")
    commands = course.add_subparsers(dest="course_command", required=True)

    validate = commands.add_parser("validate", help="check a directory of exercise notebooks")
    validate.add_argument("directory", type=Path)
    validate.add_argument(
        "--no-execute", action="store_true", help="skip running each notebook in a kernel (nbclient)"
    )

    release = commands.add_parser("release", help="write student notebooks without solutions or hidden tests")
    release.add_argument("source", type=Path)
    release.add_argument("destination", type=Path)

    grade = commands.add_parser("grade", help="grade SUBMISSIONS/<student>/<exercise>.ipynb")
    grade.add_argument("submissions", type=Path)
    grade.add_argument("--source", type=Path, required=True, help="the course source notebooks")
    grade.add_argument(
        "--out", type=Path, required=True, help="directory for the reports, gradebook and feedback/"
    )
    grade.add_argument(
        "--roster",
        type=Path,
        help="student ids, one a line or a CSV with an id column (non-submitters get 0)",
    )
    grade.add_argument("--no-feedback", action="store_true", help="skip the per-student feedback notebooks")

    importer = commands.add_parser(
        "import", help="convert nbgrader or otter-grader assignments into exercise notebooks"
    )
    importer.add_argument("format", choices=("nbgrader", "otter"))
    importer.add_argument("source", type=Path, help="a source notebook or a directory of them")
    importer.add_argument("destination", type=Path)
    importer.add_argument(
        "--difficulty", choices=[str(d) for d in Difficulty], default="beginner", help="for every exercise"
    )
    importer.add_argument(
        "--topic", help="curriculum topic for every exercise (default: guessed per question)"
    )

    course.set_defaults(func=main_course)


def main_course(args: argparse.Namespace) -> int:
    try:
        if args.course_command == "validate":
            report = validate_course(args.directory, execute=not args.no_execute)
            print(report.render())
            return 0 if report.ok else 1
        if args.course_command == "import":
            topic = None
            if args.topic:
                topic = normalise_topic(args.topic)
                if topic is None:
                    raise CourseToolError(f"unknown topic {args.topic!r}")
            imported = import_assignments(
                args.format,
                args.source,
                args.destination,
                difficulty=Difficulty(args.difficulty),
                topic=topic,
            )
            print(imported.render())
            print(f"next: learnflow-agents course validate {args.destination}")
            return 0 if imported.written else 1
        if args.course_command == "release":
            written = release_course(args.source, args.destination)
            print(f"released {len(written)} notebooks into {args.destination}")
            return 0
        if args.course_command == "grade":
            report = grade_submissions(
                args.submissions, args.source, args.out, roster=args.roster, feedback=not args.no_feedback
            )
            passed = sum(1 for row in report.rows if row.passed)
            students = len(report.students)
            print(f"graded {len(report.rows)} notebooks ({passed} fully passed) of {students} students")
            print(f"reports: {report.csv_path} {report.json_path}")
            print(f"gradebook: {report.gradebook_path} {report.gradebook_json_path}")
            if report.feedback:
                print(f"feedback: {len(report.feedback)} notebooks under {args.out / 'feedback'}")
            return 0
    except (CourseToolError, ExerciseFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    raise AssertionError(f"unknown course command {args.course_command!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="learnflow-agents")
    add_course_commands(parser.add_subparsers(dest="command", required=True))
    return main_course(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
