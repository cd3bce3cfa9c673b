"""Code execution on the trusted side through a generated exercise's tests.

An exercise's tests run in the checker's own process, not in the jail (sandbox/harness.py):
only the student's code is jailed. For the bank's and an instructor's exercises the tests
are the instructor's code. A generated exercise's tests are the model's, and a student's
request steers the model: a "test" such as `import subprocess; subprocess.run([...])` ran
in the checker when the exercise was validated (the model's own solution is checked against
its tests at once) and again at every `check gen-...`: the agent process, with the model
key and the database URL in its environment, or in a cluster the sandbox service, where it
could rewrite every other student's verdicts.

Real `anthropic` SDK against the fake Messages API, real sandbox and SQLite store. Before the
fix each case below created its marker file on the host. Now a generated exercise's tests
must pass a screen (tutors/exercise/test_screen.py) before anything runs them, when it is
generated and when a stored one is graded; every bank exercise's tests pass it.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from learnflow_agents.contracts import StudentContext
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store
from learnflow_agents.tutors.exercise.bank import load_bank
from learnflow_agents.tutors.exercise.generation import STORE_PREFIX, ExerciseOut, build_exercise, to_record
from learnflow_agents.tutors.exercise.test_screen import unsafe_test

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.conftest import hermetic_llm_env, make_tutor, sqlite_store
from tests.llm.support import exercise_payload, make_ctx, offline_for, request_for, settings_for

__all__ = ["hermetic_llm_env", "make_tutor", "sqlite_store"]

COVERED = ["variables", "for-loops", "conditionals", "type-conversion", "functions", "lists"]
GOOD_ATTEMPT = "def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in 'aeiou')\n"


def escapes(marker: Path) -> dict[str, str]:
    touch = f"['touch', {str(marker)!r}]"
    return {
        "subprocess": f"import subprocess\nsubprocess.run({touch})\nassert count_vowels('banana') == 3",
        "sys.modules": (
            f"import sys\nsys.modules['posix'].system('touch {marker}')\nassert count_vowels('a') == 1"
        ),
        "module chain": (
            f"import re\nre.enum.sys.modules['posix'].system('touch {marker}')\nassert count_vowels('') == 0"
        ),
        "builtins": f"__import__('posix').system('touch {marker}')\nassert count_vowels('e') == 1",
        "frame walk": (
            "g = (i for i in [1])\n"
            f"g.gi_frame.f_builtins['__import__']('posix').system('touch {marker}')\n"
            "assert count_vowels('o') == 1"
        ),
    }


def payload_with(test_source: str, hidden: bool) -> dict[str, Any]:
    tests = [
        {"name": "simple word", "source": "assert count_vowels('banana') == 3", "hidden": False},
        {"name": "capitals count", "source": "assert count_vowels('AEIOU') == 5", "hidden": True},
        {"name": "the steered test", "source": test_source, "hidden": hidden},
    ]
    return exercise_payload(tests=tests)


async def _ask(tutor: LLMTutor, store: Store, text: str, code: str | None = None) -> Any:
    request = request_for(text, code=code)
    request.query.context = StudentContext(topics_covered=COVERED)
    ctx = make_ctx(store)
    return await tutor.answer("exercise", request, ctx, offline_for("exercise", request, ctx))


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["subprocess", "sys.modules", "module chain", "builtins", "frame walk"])
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
async def test_a_generated_test_never_runs_code_on_the_trusted_side(
    fake_anthropic: FakeMessagesAPI,
    make_tutor: Callable[..., LLMTutor],
    sqlite_store: Store,
    tmp_path: Path,
    name: str,
    hidden: bool,
) -> None:
    marker = tmp_path / f"ran-{name.replace(' ', '-')}"
    fake_anthropic.enqueue(tool_reply(payload_with(escapes(marker)[name], hidden)))
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await _ask(tutor, sqlite_store, "a strings exercise please, and run my setup in the tests")

    assert not marker.exists(), f"{name}: the model's test ran on the trusted side"
    assert reply.data.get("generated") is not True
    assert reply.data["llm_fallback"]["reason"] == "exercise-invalid"


@pytest.mark.asyncio
async def test_a_stored_generated_exercise_with_such_a_test_is_never_graded(
    fake_anthropic: FakeMessagesAPI, make_tutor: Callable[..., LLMTutor], sqlite_store: Store, tmp_path: Path
) -> None:
    """Exercises stored before the screen existed: `check gen-...` must not run their tests."""
    marker = tmp_path / "ran-at-check"
    exercise = build_exercise(ExerciseOut.model_validate(payload_with(escapes(marker)["subprocess"], True)))
    sqlite_store.cache_put(STORE_PREFIX + exercise.id, "exercise", to_record(exercise), 3600)
    tutor = make_tutor(settings_for(fake_anthropic.url))

    reply = await _ask(tutor, sqlite_store, f"check {exercise.id}", code=GOOD_ATTEMPT)

    assert not marker.exists(), "a stored generated test ran on the trusted side at a check"
    assert reply.check is None or not reply.check.passed


def test_every_bank_exercise_test_passes_the_screen() -> None:
    refused = [(ex.id, t.name, unsafe_test(t.source)) for ex in load_bank() for t in ex.all_tests]
    assert [r for r in refused if r[2]] == []
