"""The student's preferences behind learnflow_agents.api: one record per student in the
store, read and changed by the lab settings and `%learnflow config` alike; another
student's are out of reach, a bad value is a 400 naming its field."""

from pathlib import Path

import pytest
from learnflow_agents.api import ApiError, Caller
from learnflow_agents.api import student as api
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings


@pytest.mark.asyncio
async def test_preferences_are_one_record_per_student(tmp_path: Path) -> None:
    engine = Engine(Settings(bus_url="memory://", db_url=f"sqlite:///{tmp_path / 'prefs.sqlite3'}"))
    await engine.start()
    try:
        ana, ben = Caller("ana"), Caller("ben")
        fresh = await api.get_preferences(engine, ana)
        assert fresh.model_dump(mode="json") == {
            "skill_level": "beginner",
            "learning_style": "example-driven",
            "auto_capture": True,
            "known_topics": [],
            "saved": False,
        }
        # A change names only what changes; a claimed student_id is dropped.
        saved = await api.put_preferences(
            engine,
            ana,
            {"skill_level": "advanced", "known_topics": ["lists", "functions"], "student_id": "ben"},
        )
        assert saved.model_dump(mode="json") == {
            "skill_level": "advanced",
            "learning_style": "example-driven",
            "auto_capture": True,
            "known_topics": ["lists", "functions"],
            "saved": True,
        }
        await api.put_preferences(engine, ana, {"auto_capture": False, "learning_style": "visual"})
        again = await api.get_preferences(engine, ana)
        assert (again.skill_level.value, again.learning_style.value, again.auto_capture) == (
            "advanced",
            "visual",
            False,
        )
        assert again.known_topics == ["lists", "functions"]
        # Ben's are his own: untouched by Ana's changes (even the one that claimed his id).
        assert (await api.get_preferences(engine, ben)).saved is False

        # A query does not overwrite them (the students row's context is another column).
        accepted = await api.submit_query(
            engine, ana, {"text": "what is a list?", "target_agent": "concepts"}
        )
        view = await api.view_query(engine, ana, str(accepted.query_id), wait=api.MAX_WAIT)
        assert view.status == "answered"  # else the check below would pass without a query stored
        assert (await api.get_preferences(engine, ana)).model_dump() == again.model_dump()

        for body, field in (
            ({"skill_level": "wizard"}, "skill_level"),
            ({"learning_style": 3}, "learning_style"),
            ({"auto_capture": "yes"}, "auto_capture"),
            ({"auto_capture": 1}, "auto_capture"),
            ({"known_topics": ["lists", "quantum"]}, "known_topics"),
            ({"known_topics": "lists"}, "known_topics"),
            ({"known_topics": ["List"]}, "known_topics.0"),  # the curriculum's own names only
            ({"colour": "blue"}, "colour"),
        ):
            with pytest.raises(ApiError) as bad:
                await api.put_preferences(engine, ben, dict(body))
            assert (bad.value.status, bad.value.field) == (400, field), (body, bad.value.body())
        with pytest.raises(ApiError) as unknown:
            await api.put_preferences(engine, ben, {"known_topics": ["quantum"]})
        assert "not curriculum topics: quantum" in unknown.value.message
        assert (await api.get_preferences(engine, ben)).saved is False  # nothing was written
    finally:
        await engine.stop()
