"""Contract tests: models vs checked-in schemas, and what the edge accepts or rejects."""

import json
import shutil
from pathlib import Path
from uuid import uuid4

import pytest
from learnflow_agents.contracts import (
    TOPIC_PAYLOADS,
    AgentReply,
    ContractError,
    Provenance,
    StudentQuery,
    Topic,
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
    assert back.schema_version == "1.0"


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
