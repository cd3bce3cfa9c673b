"""Contract tests: models vs checked-in schemas, and what the edge accepts or rejects."""

import json
import shutil
from pathlib import Path
from uuid import uuid4

import pytest
from learnflow_agents.contracts import (
    SCHEMA_VERSION,
    TOPIC_PAYLOADS,
    AgentReply,
    CheckResult,
    ContractError,
    HelperRelation,
    Provenance,
    StudentQuery,
    Topic,
    check_query,
    decode,
    encode,
    make_envelope,
    schemas,
)


def test_checked_in_schemas_match_the_models() -> None:
    assert schemas.drift() == []


def test_drift_is_detected(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(schemas.SCHEMA_DIR, copy)
    path = copy / "student-queries.schema.json"
    doc = json.loads(path.read_text())
    doc["$defs"]["StudentQuery"]["properties"].pop("traceback")
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    (copy / "agent-logs.schema.json").unlink()
    (copy / "stale.schema.json").write_text("{}")
    problems = schemas.drift(copy)
    assert "student-queries.schema.json: differs from the models" in problems
    assert "agent-logs.schema.json: missing" in problems
    assert "stale.schema.json: no model produces it" in problems


def test_every_topic_has_a_payload_model_and_schema() -> None:
    assert set(TOPIC_PAYLOADS) == set(Topic)
    names = {p.name for p in schemas.SCHEMA_DIR.glob("*.schema.json")}
    assert names == {f"{t.value}.schema.json" for t in Topic}


def _query_message(**payload: object) -> bytes:
    return json.dumps({"student_id": "ana", "payload": payload}).encode()


def test_round_trip_keeps_every_field() -> None:
    query = StudentQuery(text="why?", code="x = 1", traceback="Traceback...", target_agent="debug")
    env = make_envelope(Topic.STUDENT_QUERIES, "ana", query, trace_id="t-1")
    back = decode(Topic.STUDENT_QUERIES, encode(env))
    assert back.payload == query
    assert back.trace_id == "t-1"
    assert back.schema_version == SCHEMA_VERSION == "1.1"


def test_wrong_type_is_rejected_naming_the_field() -> None:
    with pytest.raises(ContractError, match=r"payload\.text: Input should be a valid string"):
        decode(Topic.STUDENT_QUERIES, _query_message(text=5))


def test_missing_field_is_rejected_naming_the_field() -> None:
    with pytest.raises(ContractError, match=r"student_id: Field required"):
        decode(Topic.STUDENT_QUERIES, json.dumps({"payload": {"text": "hi"}}).encode())
    reply = {
        "student_id": "ana",
        "payload": {"agent": "debug", "summary": "s", "provenance": {"agent": "debug"}},
    }
    with pytest.raises(ContractError, match=r"payload\.query_id: Field required"):
        decode(Topic.AGENT_RESPONSES, json.dumps(reply).encode())


def test_unknown_fields_from_a_newer_minor_version_are_tolerated() -> None:
    raw = {
        "schema_version": "1.7",
        "student_id": "ana",
        "shiny_new": True,
        "payload": {"text": "hi", "mood": "curious", "context": {"skill_level": "advanced", "pronouns": "x"}},
    }
    env = decode(Topic.STUDENT_QUERIES, json.dumps(raw).encode())
    assert env.payload.text == "hi"
    assert env.payload.context.skill_level == "advanced"


def test_a_new_major_version_is_rejected() -> None:
    raw = {"schema_version": "2.0", "student_id": "ana", "payload": {"text": "hi"}}
    with pytest.raises(ContractError, match="schema_version"):
        decode(Topic.STUDENT_QUERIES, json.dumps(raw).encode())


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": "   "}, "query is empty"),
        ({"text": "a\x00b"}, "NUL bytes"),
        ({"code": "x" * 100_001}, "payload.code"),
        ({"text": "hi", "target_agent": "wizard"}, "target_agent 'wizard' is not one of"),
        ({"text": "hi", "target_agent": "triage"}, "cannot be triage"),
    ],
)
def test_bad_queries_get_clear_errors(payload: dict[str, object], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        decode(Topic.STUDENT_QUERIES, _query_message(**payload))


@pytest.mark.parametrize("junk", [b"\xff\xfe\x00garbage", b"", b"[1, 2]", b'{"student_id": "a b"}'])
def test_binary_junk_and_non_objects_are_contract_errors(junk: bytes) -> None:
    with pytest.raises(ContractError):
        decode(Topic.AGENT_RESPONSES, junk)


def test_student_id_cannot_smuggle_paths_or_spaces() -> None:
    with pytest.raises(ContractError, match="student_id"):
        make_envelope(Topic.STUDENT_QUERIES, "../other student", StudentQuery(text="hi"))


def test_reply_model_carries_the_shared_fields() -> None:
    reply = AgentReply(query_id=uuid4(), agent="debug", summary="s", provenance=Provenance(agent="debug"))
    fields = set(AgentReply.model_fields)
    assert {"summary", "explanation", "code_blocks", "hints", "actions", "provenance"} <= fields
    assert (
        decode(Topic.AGENT_RESPONSES, encode(make_envelope(Topic.AGENT_RESPONSES, "ana", reply))).payload
        == reply
    )


# Messages as a 1.0 producer wrote them: relations in `data` and grading in the query text.
QUERY_1_0 = {
    "schema_version": "1.0",
    "student_id": "ana",
    "payload": {"text": "check ex-lists-01", "code": "def f(): pass", "target_agent": "exercise"},
}


def _reply_1_0(agent: str, summary: str, data: dict[str, object]) -> bytes:
    payload = {
        "query_id": "6a0e3d4e-1d34-4f51-9d5e-0d1b0e2c6b11",
        "agent": agent,
        "summary": summary,
        "provenance": {"agent": agent},
        "data": data,
    }
    return json.dumps({"schema_version": "1.0", "student_id": "ana", "payload": payload}).encode()


def test_a_1_0_check_query_names_its_exercise() -> None:
    query = decode(Topic.STUDENT_QUERIES, json.dumps(QUERY_1_0).encode()).payload
    assert query.exercise_id == "ex-lists-01"
    assert query.text == "check ex-lists-01"  # the text is kept as written
    # The same query read from an HTTP body or the store (no envelope) is upgraded the same way.
    assert StudentQuery.model_validate(QUERY_1_0["payload"]).exercise_id == "ex-lists-01"
    # "check exercise <id>" was 1.0 grammar too.
    assert StudentQuery(text="Check exercise ex-2", code="x").exercise_id == "ex-2"


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "check ex-lists-01"},  # no code: 1.0 asked for an exercise, graded nothing
        {"text": "check", "code": "x = 1"},  # no id: 1.0 asked for an exercise
        {"text": "please check ex-lists-01", "code": "x = 1"},  # not at the start
        {"text": "why does this fail?", "code": "x = 1"},
        {"text": "check this function", "code": "x = 1", "target_agent": "code-review"},  # never graded
    ],
)
def test_only_1_0_check_grammar_names_an_exercise(payload: dict[str, object]) -> None:
    assert decode(Topic.STUDENT_QUERIES, _query_message(**payload)).payload.exercise_id is None


def test_a_1_1_check_query_carries_the_exercise_id() -> None:
    query = check_query("ex-lists-01", "def f(): pass", hints_used=2)
    back = decode(Topic.STUDENT_QUERIES, encode(make_envelope(Topic.STUDENT_QUERIES, "ana", query))).payload
    assert (back.exercise_id, back.target_agent, back.hints_used) == ("ex-lists-01", "exercise", 2)
    # The typed field wins over anything the text says.
    assert StudentQuery(text="check other", code="x", exercise_id="ex-1").exercise_id == "ex-1"
    with pytest.raises(ContractError, match=r"payload\.exercise_id"):
        decode(Topic.STUDENT_QUERIES, _query_message(text="hi", exercise_id="../etc"))


def test_a_1_0_helper_reply_reads_as_a_helper() -> None:
    raw = _reply_1_0("concepts", "Indexes start at 0", {"saga_of": "debug", "topic": "indexing"})
    reply = decode(Topic.AGENT_RESPONSES, raw).payload
    assert reply.helps == HelperRelation(agent="debug")
    assert reply.is_helper
    assert reply.data == {"topic": "indexing"}  # nothing reads the old key any more
    answer = decode(
        Topic.AGENT_RESPONSES, _reply_1_0("debug", "IndexError", {"concept_requested": "indexing"})
    )
    assert not answer.payload.is_helper
    assert answer.payload.follow_up is not None
    assert (answer.payload.follow_up.agent, answer.payload.follow_up.concept) == ("concepts", "indexing")


def test_a_1_0_check_reply_carries_its_result() -> None:
    data = {
        "exercise_id": "ex-lists-01",
        "topic": "lists",
        "difficulty": "beginner",
        "passed": False,
        "score": 0.5,
        "hints_used": 1,
        "points": 1,
        "max_points": 2,
        "tests": [
            {"name": "test_empty", "status": "passed", "passed": True},
            {"name": "hidden test", "hidden": True, "status": "failed", "passed": False, "message": "no"},
        ],
    }
    reply = decode(
        Topic.AGENT_RESPONSES, _reply_1_0("exercise", "1 of 2 tests did not pass yet.", data)
    ).payload
    assert isinstance(reply.check, CheckResult)
    check = reply.check
    assert (check.exercise_id, check.topic, check.passed, check.score, check.hints_used) == (
        "ex-lists-01",
        "lists",
        False,
        0.5,
        1,
    )
    assert (check.points, check.max_points, check.summary) == (1, 2, "1 of 2 tests did not pass yet.")
    assert [t.name for t in check.failures] == ["hidden test"]
    # An unknown exercise graded nothing: no result, as 1.0's progress agent saw it.
    unknown = _reply_1_0(
        "exercise", "Unknown exercise", {"exercise_id": None, "topic": None, "passed": False}
    )
    assert decode(Topic.AGENT_RESPONSES, unknown).payload.check is None


def test_a_1_0_progress_report_carries_its_facts() -> None:
    data = {
        "mastery": {"lists": 0.4},
        "achievements": [{"id": "first-pass", "title": "First pass", "detail": "d", "earned_at": None}],
        "recommendations": [
            {"topic": "loops", "readiness": 0.9, "current": None, "prerequisites": [], "reason": "next"}
        ],
        "skill_level": "beginner",
        "streak_days": 2,
    }
    reply = decode(Topic.AGENT_RESPONSES, _reply_1_0("progress", "Your progress", data)).payload
    assert reply.progress is not None
    assert reply.progress.mastery == {"lists": 0.4}
    assert [a.title for a in reply.progress.achievements] == ["First pass"]
    assert [(r.topic, r.reason) for r in reply.progress.recommendations] == [("loops", "next")]
    assert (reply.progress.skill_level, reply.progress.streak_days) == ("beginner", 2)


def test_a_1_1_reply_round_trips_its_typed_fields() -> None:
    helper = AgentReply(
        query_id=uuid4(),
        agent="concepts",
        summary="s",
        provenance=Provenance(agent="concepts"),
        helps=HelperRelation(agent="debug", reply_id=uuid4()),
    )
    back = decode(Topic.AGENT_RESPONSES, encode(make_envelope(Topic.AGENT_RESPONSES, "ana", helper))).payload
    assert back == helper
    assert "saga_of" not in json.dumps(helper.model_dump(mode="json"))
