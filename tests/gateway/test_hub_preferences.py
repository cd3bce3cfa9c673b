"""The preferences API through the gateway behind a real JupyterHub: each student reads and
changes only their own record, whatever a request claims; bad values are a clear 400."""

import pytest

from tests.gateway.hub import Hub
from tests.gateway.test_hub_gateway import call

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

FORGED = {"X-Forwarded-User": "alice", "X-JupyterHub-User": "alice", "X-LearnFlow-Student": "alice"}


def test_a_student_reads_and_writes_only_their_own_preferences(hub: Hub) -> None:
    mine = call(
        hub, "alice", "PUT", "api/preferences", {"skill_level": "advanced", "known_topics": ["lists"]}
    )
    assert mine.status_code == 200, mine.text
    assert (mine.json()["skill_level"], mine.json()["saved"]) == ("advanced", True)

    # Bob sees his own (the defaults), however he claims to be Alice.
    for kw in ({}, {"params": {"student_id": "alice"}}, {"headers": dict(FORGED)}):
        seen = call(hub, "bob", "GET", "api/preferences", **kw)
        assert seen.status_code == 200 and seen.json()["saved"] is False, (kw, seen.text)
    # His writes land on his record, never on Alice's.
    forged = call(
        hub,
        "bob",
        "PUT",
        "api/preferences",
        {"skill_level": "beginner", "student_id": "alice"},
        params={"student_id": "alice"},
        headers=dict(FORGED),
    )
    assert forged.status_code == 200, forged.text
    assert call(hub, "bob", "GET", "api/preferences").json()["saved"] is True
    alices = call(hub, "alice", "GET", "api/preferences").json()
    assert (alices["skill_level"], alices["known_topics"]) == ("advanced", ["lists"])

    # No token, or one the hub does not know: 401, nothing read.
    assert call(hub, None, "GET", "api/preferences").status_code == 401
    assert (
        call(hub, "not-a-real-token", "PUT", "api/preferences", {"skill_level": "advanced"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skill_level": "wizard"}, "skill_level"),
        ({"auto_capture": "yes"}, "auto_capture"),
        ({"known_topics": ["quantum"]}, "known_topics"),
        ({"colour": "blue"}, "colour"),
        ("[1, 2]", None),
    ],
)
def test_bad_preferences_are_400_naming_the_field(hub: Hub, body: object, field: str | None) -> None:
    before = call(hub, "carol", "GET", "api/preferences").json()
    r = call(hub, "carol", "PUT", "api/preferences", body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and r.json()["message"]
    assert call(hub, "carol", "GET", "api/preferences").json() == before
