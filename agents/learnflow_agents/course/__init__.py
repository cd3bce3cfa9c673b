"""Course tooling over exercise notebooks: validate a bank, release it to students, grade submissions,
import nbgrader and otter-grader assignments.

One module per command (validate, release, grade; `cli` wires them into
`learnflow-agents course`); this package gathers their public API. The notebook format they
read is the exercise tutor's (tutors/exercise: bank, notebooks, checker). `validate` needs
the optional ``course`` extra (nbformat, nbclient, ipykernel, jsonschema); `release` and
`grade` need only the standard library and the sandbox.
"""

from learnflow_agents.course.common import CourseToolError, has_multiline_string
from learnflow_agents.course.grade import (
    CSV_FIELDS,
    GradeReport,
    GradeRow,
    grade_notebook,
    grade_submissions,
    student_code,
)
from learnflow_agents.course.importing import ImportReport, import_assignments
from learnflow_agents.course.release import (
    ReleaseLeakError,
    helper_source,
    release_course,
    released_test_source,
    secret_lines,
    student_notebook,
)
from learnflow_agents.course.validate import (
    NotebookReport,
    ValidationReport,
    execute_notebook,
    validate_course,
    validate_notebook,
)

__all__ = [
    "CSV_FIELDS",
    "CourseToolError",
    "GradeReport",
    "GradeRow",
    "ImportReport",
    "NotebookReport",
    "ReleaseLeakError",
    "ValidationReport",
    "execute_notebook",
    "grade_notebook",
    "grade_submissions",
    "has_multiline_string",
    "helper_source",
    "import_assignments",
    "release_course",
    "released_test_source",
    "secret_lines",
    "student_code",
    "student_notebook",
    "validate_course",
    "validate_notebook",
]
