"""A class that really happened: the embedded engine (memory bus, SQLite, the six real
agents) answering a few students, one of whom keeps failing an exercise."""

import asyncio
from uuid import UUID

import sqlalchemy as sa
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.settings import Settings
from learnflow_agents.store import Store
from learnflow_agents.store.schema import exercise_attempts, mastery, replies, struggle_alerts

WRONG_RIDE = "def can_ride(age, height_cm, with_adult):\n    return False\n"
RIGHT_RIDE = (
    "def can_ride(age, height_cm, with_adult):\n    return height_cm >= 120 and (age >= 12 or with_adult)\n"
)
INDEX_CODE = "nums = [1, 2, 3]\nprint(nums[3])\n"
INDEX_TB = (
    "Traceback (most recent call last):\n"
    '  File "<cell>", line 2, in <module>\n'
    "    print(nums[3])\n"
    "IndexError: list index out of range\n"
)
KEY_CODE = "ages = {'ann': 3}\nprint(ages['bob'])\n"
KEY_TB = (
    "Traceback (most recent call last):\n"
    '  File "<cell>", line 2, in <module>\n'
    "    print(ages['bob'])\n"
    "KeyError: 'bob'\n"
)
STRUGGLER = "carol"
COURSE = "py101"


def _count(store: Store, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with store._engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


async def _until(predicate, what: str, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(predicate):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


async def run_class(db_url: str) -> None:
    """Queries and checks through the real agents; returns once their effects are stored."""
    engine = Engine(Settings(bus_url="memory://", db_url=db_url))
    await engine.start()
    try:
        asks: list[tuple[str, StudentQuery]] = [
            ("alice", StudentQuery(text="why?", code=INDEX_CODE, traceback=INDEX_TB, course_id=COURSE)),
            ("bob", StudentQuery(text="why?", code=INDEX_CODE, traceback=INDEX_TB, course_id=COURSE)),
            ("bob", StudentQuery(text="what?", code=KEY_CODE, traceback=KEY_TB, course_id=COURSE)),
            ("alice", StudentQuery(text="check can-ride", code=RIGHT_RIDE, target_agent="exercise",
                                   course_id=COURSE)),
            ("dave", StudentQuery(text="what is a list comprehension?", course_id="py202")),
        ]  # fmt: skip
        asks += [
            (STRUGGLER, StudentQuery(text="check can-ride", code=WRONG_RIDE, target_agent="exercise",
                                     course_id=COURSE))
            for _ in range(4)
        ]  # fmt: skip
        ids: list[UUID] = [await engine.submit(student, query) for student, query in asks]
        for qid in ids:
            await engine.wait(qid, timeout=90)
        store = engine.store
        assert store is not None
        # The progress agent records attempts and raises the alert after the replies.
        await _until(lambda: _count(store, exercise_attempts) == 5, "five recorded attempts")
        await _until(lambda: _count(store, struggle_alerts) >= 1, "the struggle alert")
        # The debug agent's follow-up explanations (a saga) and the mastery they move land
        # after the replies engine.wait returned: the tests read all of them.
        await _until(lambda: _count(store, replies, replies.c.agent == "concepts") == 3, "three explanations")
        await _until(lambda: _count(store, mastery) == 5, "mastery on five (student, topic) pairs")
    finally:
        await engine.stop()
