"""Course tooling over exercise notebooks: validate a bank, release it to students, grade submissions.

One module per command (course_validate, course_release, course_grade); this module
gathers their public API. `validate` needs the optional ``course`` extra (nbformat,
nbclient, ipykernel, jsonschema); `release` and `grade` need only the standard library
and the sandbox.
"""

from learnflow_agents.tutors.exercise.course_common import CourseToolError, has_multiline_string
from learnflow_agents.tutors.exercise.course_grade import (
    CSV_FIELDS,
    GradeReport,
    GradeRow,
    grade_notebook,
    grade_submissions,
    student_code,
)
from learnflow_agents.tutors.exercise.course_release import (
    ReleaseLeakError,
    helper_source,
    release_course,
    released_test_source,
    secret_lines,
    student_notebook,
)
from learnflow_agents.tutors.exercise.course_validate import (
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
    "NotebookReport",
    "ReleaseLeakError",
    "ValidationReport",
    "execute_notebook",
    "grade_notebook",
    "grade_submissions",
    "has_multiline_string",
    "helper_source",
    "release_course",
    "released_test_source",
    "secret_lines",
    "student_code",
    "student_notebook",
    "validate_course",
    "validate_notebook",
]
