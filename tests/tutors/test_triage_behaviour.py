"""Triage: wrong behaviour told in words, with the code attached, goes to the debug tutor."""

import pytest
from learnflow_agents.tutors.triage import classify_text
from learnflow_agents.tutors.triage.behaviour import describes_behaviour

LOOP = "for i in range(1, 5):\n    print(i)\n"


@pytest.mark.parametrize(
    "question",
    [
        "it hits the wall when the number is odd",
        "the newline doesn't appear",
        "my loop prints one too few",
        "it prints 4 instead of 5",
        "Hubo doesn't move even though a is not 1",
        "the answer should be 10 but 4 comes out",
    ],
)
def test_code_with_a_description_of_wrong_behaviour_is_debugged(question: str) -> None:
    assert describes_behaviour(question)
    decision = classify_text(question, code=LOOP)
    assert decision.target_agent == "debug", decision.reasoning
    assert "code plus what it does wrong" in decision.reasoning


@pytest.mark.parametrize(
    ("question", "agent"),
    [
        ("can you review my code?", "code-review"),
        ("is there a better way to write this?", "code-review"),
        ("what does range do?", "concepts"),
    ],
)
def test_code_with_a_request_that_describes_no_behaviour_keeps_its_route(question: str, agent: str) -> None:
    assert not describes_behaviour(question)
    assert classify_text(question, code=LOOP).target_agent == agent


def test_behaviour_words_alone_lean_to_debug_without_deciding() -> None:
    decision = classify_text("my robot doesn't turn left at the end")
    assert decision.target_agent == "debug"
    assert "describes what the program does" in decision.reasoning
