"""Who sees which course, without a hub: the rules in gateway/courses.py.

The same rules run behind a real hub in test_hub_gateway.py; here each case is spelled out.
"""

import pytest
from learnflow_agents.gateway import GatewayConfig
from learnflow_agents.gateway.auth import Caller
from learnflow_agents.gateway.courses import CourseAccess, course_for_query, instructor_access

SCOPE = "custom:learnflow:instruct"
CONFIG = GatewayConfig(hub_api_url="http://hub/hub/api", api_token="t")


def caller(*scopes: str) -> Caller:
    return Caller(name="pat", scopes=frozenset(scopes), token="x")


@pytest.mark.parametrize(
    ("scopes", "groups", "expected"),
    [
        # Students: no instructor group, no scope.
        ((), ["course-a"], None),
        # A scope filtered to a user is not a course and does not make an instructor of others.
        (("read:users!user=pat",), ["course-a"], None),
        ((SCOPE,), [], CourseAccess(every=True, courses=frozenset())),
        ((f"{SCOPE}!group=course-a", f"{SCOPE}!group=course-b"), [], CourseAccess(False, frozenset("ab"))),
        ((f"{SCOPE}!group=staff",), [], CourseAccess(False, frozenset())),
        ((), ["learnflow-instructors", "course-a", "section-1"], CourseAccess(False, frozenset("a"))),
        ((), ["learnflow-instructors"], CourseAccess(False, frozenset())),
        # A course group alone (a student of it) makes nobody an instructor.
        ((), ["course-a", "course-b"], None),
    ],
)
def test_instructor_access(scopes: tuple[str, ...], groups: list[str], expected: CourseAccess | None) -> None:
    assert instructor_access(caller(*scopes), groups, CONFIG) == expected


def test_what_an_access_allows() -> None:
    teaches_a = CourseAccess(every=False, courses=frozenset({"a"}))
    assert teaches_a.allows("a") and not teaches_a.allows("b") and not teaches_a.allows(None)
    assert teaches_a.within() == ["a"]
    no_course = CourseAccess(every=False, courses=frozenset())
    assert no_course.allows(None) and not no_course.allows("a") and no_course.within() == [None]
    head = CourseAccess(every=True, courses=frozenset())
    assert head.allows("a") and head.allows(None) and head.within() is None


def test_without_course_groups_every_instructor_sees_everyone() -> None:
    config = GatewayConfig(hub_api_url="http://hub/hub/api", api_token="t", course_group_prefix=None)
    access = instructor_access(caller(), ["learnflow-instructors", "course-a"], config)
    assert access is not None and access.every
    assert course_for_query("a", ["course-a"], None, "pat") is None


@pytest.mark.parametrize(
    ("claimed", "groups", "expected"),
    [
        (None, ["course-b"], "b"),
        ("b", ["course-a", "course-b"], "b"),
        (None, ["course-b", "course-a"], "a"),  # several and no claim: the first by name
        ("z", ["course-b"], "b"),  # not enrolled in z: ignored
        ("z", [], None),
        (None, ["learnflow-instructors", "course-"], None),  # the bare prefix names no course
    ],
)
def test_a_query_is_filed_under_an_enrolled_course(
    claimed: str | None, groups: list[str], expected: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    assert course_for_query(claimed, groups, "course-", "pat") == expected
    if claimed == "z":
        assert "not enrolled" in caplog.text


def test_a_filtered_instructor_scope_in_the_config_is_refused() -> None:
    from learnflow_agents.gateway import GatewayConfigError

    with pytest.raises(GatewayConfigError, match="without a filter"):
        GatewayConfig(hub_api_url="http://hub/hub/api", api_token="t", instructor_scope=f"{SCOPE}!group=x")
