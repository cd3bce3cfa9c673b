"""Courses are hub groups: who studies in which course, and which courses an instructor sees.

A course `<id>` is the JupyterHub group `<prefix><id>` (default `course-<id>`). Its members
are the course's students, and the instructors who teach it. An instructor is someone in
the instructors' group or holding the instructor scope; what they see:

- the unfiltered scope (`custom:learnflow:instruct`): every course (a head of department);
- the scope filtered to course groups (`custom:learnflow:instruct!group=course-a`): those;
- the instructors' group: the courses whose groups they are in.

Students enrolled in no course are seen by instructors who teach no course in particular
(a hub without course groups is one class) and by the unfiltered scope; an instructor of
named courses sees only those. The hub is asked on every instructor call, so enrolment
changes take effect at once.
"""

import logging
from collections.abc import Iterable

from learnflow_agents.api.instructor import CourseAccess
from learnflow_agents.gateway.auth import Caller
from learnflow_agents.gateway.config import GatewayConfig

log = logging.getLogger("learnflow.gateway.courses")

__all__ = ["CourseAccess", "course_for_query", "courses_of", "instructor_access"]


def courses_of(groups: Iterable[str], prefix: str | None) -> frozenset[str]:
    if not prefix:
        return frozenset()
    return frozenset(g[len(prefix) :] for g in groups if g.startswith(prefix) and len(g) > len(prefix))


def instructor_access(caller: Caller, groups: Iterable[str], config: GatewayConfig) -> CourseAccess | None:
    """What `caller` may see as an instructor; None when they are not one."""
    groups = set(groups)
    prefix = config.course_group_prefix
    every, by_scope, instructor = False, set(), False
    if scope := config.instructor_scope:
        for held in caller.scopes:
            name, _, filter_ = held.partition("!")
            if name != scope:
                continue
            instructor = True
            if not filter_:
                every = True
            elif filter_.startswith("group="):
                by_scope |= courses_of([filter_.removeprefix("group=")], prefix)
            # A scope filtered to users or to a group that is not a course grants no course.
    if config.instructor_group and config.instructor_group in groups:
        instructor = True
        by_scope |= courses_of(groups, prefix)
    if not instructor:
        return None
    # Without hub courses the class is everyone, as it was before courses existed.
    return CourseAccess(every=every or not prefix, courses=frozenset(by_scope))


def course_for_query(claimed: str | None, groups: Iterable[str], prefix: str | None, user: str) -> str | None:
    """The course a student's query is filed under: one of their course groups.

    A course the student names (a kernel may know which course notebook it runs) is kept if
    they are enrolled in it; any other claim is logged and replaced, like a claimed student id.
    """
    if not prefix:
        return None
    enrolled = courses_of(groups, prefix)
    if claimed is not None and claimed not in enrolled:
        log.warning(
            "ignored a course_id the student is not enrolled in", extra={"user": user, "claimed": claimed}
        )
        claimed = None
    if claimed is not None:
        return claimed
    # Several courses and no claim: the first by name, so the choice is stable.
    return min(enrolled) if enrolled else None
