"""Graded mode holds without a model: the offline tutors' replies pass the same guard.

With no API key the agents answer through `TutorAgent.handle` without the LLM tutor, so
the runtime wrapper itself must call the graded guard. This drives the real debug agent
(the one that, offline, used to hand back a one-typo attempt's full solution as its fix).
"""

import pytest
from learnflow_agents.contracts import AgentRequest, StudentQuery
from learnflow_agents.llm import graded
from learnflow_agents.tutors.debug import TUTOR
from learnflow_agents.tutors.exercise.bank import load_bank

from tests.llm.support import make_ctx
from tests.llm.test_graded_leaks import running_leaks


@pytest.fixture
def graded_mode(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEARNFLOW_LLM_GRADED_MODE", "1")
    graded._settings.cache_clear()
    yield
    graded._settings.cache_clear()


@pytest.mark.asyncio
@pytest.mark.parametrize("exercise_id", ["can-ride", "clean-username", "common-items"])
async def test_the_offline_debug_agent_hands_out_no_solution(graded_mode: None, exercise_id: str) -> None:
    exercise = load_bank().get(exercise_id)
    attempt = exercise.solution.replace("return", "retrun", 1)
    query = StudentQuery(text=f"why does exercise {exercise_id} fail?", code=attempt)
    outcome = await TUTOR.build().handle(AgentRequest(query=query), make_ctx(None))
    assert outcome.reply is not None
    assert outcome.reply.data.get("graded_guard"), "the offline reply did not pass the graded guard"
    assert running_leaks(outcome.reply, exercise_id, attempt) == []
