"""The progress tutor asks the model for its narrative and recommendations, grounded in the
stored evidence (mastery, attempts, struggle alerts in the prompt's fenced data), while every
figure shown stays the offline report's. The real `anthropic` SDK against the FAKE Messages
API; the evidence is stored by the real progress agent into a real SQLite store."""

import uuid
from collections.abc import Sequence

import pytest
from learnflow_agents.contracts import (
    AgentReply,
    AgentRequest,
    CheckResult,
    Provenance,
    StudentQuery,
    TestOutcome,
    TestStatus,
)
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.runtime.registry import tutor
from learnflow_agents.store import Effects, Store
from learnflow_agents.tutors.progress import ProgressAgent, report
from learnflow_agents.tutors.progress.narrative import FIGURES_TITLE, numbers

from tests.fixtures.fake_anthropic import FakeMessagesAPI, status_reply, tool_reply
from tests.llm.support import settings_for, system_text

STUDENT = "ada"


def _check(exercise: str, topic: str, passed: bool) -> AgentReply:
    outcome = TestOutcome(
        name="ok" if passed else "multiples of 15",
        passed=passed,
        status=TestStatus.PASSED if passed else TestStatus.FAILED,
    )
    return AgentReply(
        query_id=uuid.uuid4(),
        agent="exercise",
        summary="checked",
        provenance=Provenance(agent="exercise"),
        data={"exercise_id": exercise, "topic": topic},
        check=CheckResult(
            exercise_id=exercise,
            topic=topic,
            passed=passed,
            score=1.0 if passed else 0.0,
            points=int(passed),
            max_points=1,
            summary="checked",
            tests=[outcome],
        ),
    )


def _ctx(store: Store) -> HandlerContext:
    return HandlerContext(student_id=STUDENT, trace_id="trace", message_id=str(uuid.uuid4()), store=store)


async def _store_evidence(store: Store, checks: Sequence[tuple[str, str, bool]]) -> None:
    """What the progress agent learns from exercise checks, stored as its runner stores it."""
    agent = ProgressAgent()
    for exercise, topic, passed in checks:
        outcome = await agent.handle(_check(exercise, topic, passed), _ctx(store))
        store.apply_effects(
            [
                Effects(
                    "learnflow-progress",
                    str(uuid.uuid4()),
                    STUDENT,
                    None,
                    struggle=outcome.struggle,
                    struggle_key=outcome.struggle_key,
                    mastery=outcome.mastery,
                    attempt=outcome.attempt,
                )
            ]
        )


EVIDENCE = [
    ("sum-list", "loops", True),
    ("fizzbuzz", "conditionals", False),
    ("fizzbuzz", "conditionals", False),
    ("fizzbuzz", "conditionals", False),
]


def _request() -> AgentRequest:
    return AgentRequest(query=StudentQuery(text="how am I doing?", target_agent="progress"))


def _grounded_payload(offline: AgentReply) -> dict[str, object]:
    facts = offline.progress
    assert facts is not None
    loops = f"{facts.mastery['loops']:.0%}"
    return {
        "summary": f"Loops are going well ({loops}); conditionals need another look.",
        "explanation": "### What the evidence shows\nYou passed sum-list, and fizzbuzz has not passed yet.",
        "concepts": ["conditionals"],
        "strengths": [f"loops: {loops}, from a clean pass"],
        "growth_areas": ["conditionals: the fizzbuzz check failed on multiples of 15"],
        "recommendations": ["Retry fizzbuzz: test the multiples of 15 first", "Then practise loops"],
        "encouragement": "Your first pass is in: keep that rhythm going.",
    }


@pytest.mark.asyncio
async def test_the_model_tells_the_report_over_the_offline_figures(
    fake_anthropic: FakeMessagesAPI, make_tutor, sqlite_store: Store
) -> None:
    await _store_evidence(sqlite_store, EVIDENCE)
    request = _request()
    offline = report(request, _ctx(sqlite_store))
    payload = _grounded_payload(offline)
    fake_anthropic.enqueue(tool_reply(payload))
    llm = make_tutor(settings_for(fake_anthropic.url))
    agent = tutor("progress").build(llm)  # the declaration's agent gets the model

    outcome = await agent.handle(request, _ctx(sqlite_store))

    reply = outcome.reply
    assert reply is not None and reply.provenance.provider == "anthropic", reply and reply.data
    assert reply.summary == payload["summary"]
    assert reply.explanation.startswith(str(payload["explanation"]))
    assert "Retry fizzbuzz" in reply.explanation and str(payload["encouragement"]) in reply.explanation
    # Every figure is the offline computation's; the buttons are the offline report's too.
    assert reply.progress == offline.progress
    assert [a.label for a in reply.actions] == [a.label for a in offline.actions]
    assert reply.data["narrative"]["figures"] == "offline"
    assert reply.data["llm"]["prompt"] == "progress.v2"

    sent = fake_anthropic.bodies()
    assert len(sent) == 1 and sent[0].get("stream") in (None, False)
    user = sent[0]["messages"][0]["content"]
    # The stored evidence is in the fenced student data: mastery, attempts, the struggle alert.
    assert FIGURES_TITLE in user and "student-data" in user
    assert f"- loops: {offline.progress.mastery['loops']:.0%}" in user
    assert f"graded attempts: {offline.progress.attempts}" in user
    assert "Struggle alerts" in user and "conditionals" in user.split("Struggle alerts", 1)[1]
    assert "- fizzbuzz (conditionals): failed (multiples of 15)" in user
    # The system prompt holds no student data (it stays the cacheable prefix).
    assert "fizzbuzz" not in system_text(sent[0]) and "Progress figures" in system_text(sent[0])


@pytest.mark.asyncio
async def test_a_narrative_quoting_a_figure_it_was_not_given_is_not_shown(
    fake_anthropic: FakeMessagesAPI, make_tutor, sqlite_store: Store
) -> None:
    await _store_evidence(sqlite_store, EVIDENCE)
    request = _request()
    offline = report(request, _ctx(sqlite_store))
    invented = {**_grounded_payload(offline), "summary": "You have passed 41 exercises: 93% of the course!"}
    fake_anthropic.enqueue(tool_reply(invented))
    agent = ProgressAgent(llm=make_tutor(settings_for(fake_anthropic.url)))

    reply = (await agent.handle(request, _ctx(sqlite_store))).reply

    assert reply is not None and reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == "ungrounded"
    assert reply.data["llm_fallback"]["detail"].endswith("41, 93")
    assert not {41.0, 93.0} & numbers(fake_anthropic.bodies()[0]["messages"][0]["content"])
    assert reply.summary == offline.summary and reply.progress == offline.progress


@pytest.mark.asyncio
async def test_the_offline_report_answers_when_the_model_cannot(
    fake_anthropic: FakeMessagesAPI, make_tutor, sqlite_store: Store
) -> None:
    await _store_evidence(sqlite_store, EVIDENCE)
    request = _request()
    offline = report(request, _ctx(sqlite_store))
    fake_anthropic.default = status_reply(500, headers={"x-should-retry": "false"})
    agent = ProgressAgent(llm=make_tutor(settings_for(fake_anthropic.url)))

    reply = (await agent.handle(request, _ctx(sqlite_store))).reply

    assert reply is not None and reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == "provider-error"
    assert (reply.summary, reply.explanation, reply.progress) == (
        offline.summary,
        offline.explanation,
        offline.progress,
    )


def test_numbers_in_prose_are_read_as_a_reader_would() -> None:
    assert numbers("loops 38% (0.38), 3 attempts") == {38.0, 0.38, 3.0}
    # List markers, names with digits and exercise ids are not figures.
    assert numbers("1. Retry lists-03\n2) then python3") == set()
