"""The tutor registry: declarations from the learnflow.tutors entry points, in every mode."""

import logging
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest
from learnflow_agents.contracts import (
    AGENT_REQUEST_TOPIC,
    AgentReply,
    AgentRequest,
    ContractError,
    Provenance,
    StudentQuery,
    Topic,
    decode,
    encode,
    make_envelope,
)
from learnflow_agents.contracts.topics import register_request_topic, topic_specs
from learnflow_agents.runtime.declaration import TutorSpec
from learnflow_agents.runtime.handler import HandlerContext
from learnflow_agents.runtime.handlers import TutorAgent
from learnflow_agents.runtime.registry import GROUP, build_agents, load_declarations, tutors

BUILTINS = ["triage", "concepts", "code-review", "debug", "exercise", "progress"]


def _echo(request: AgentRequest, ctx: HandlerContext) -> AgentReply:
    return AgentReply(
        query_id=request.query.query_id,
        agent="echo-test",
        summary=request.query.text[::-1],
        provenance=Provenance(agent="echo-test"),
    )


@pytest.fixture
def plugin() -> Iterator[str]:
    """A module holding declarations, as an installed distribution would."""
    module = types.ModuleType("learnflow_registry_plugin")
    module.TUTOR = TutorSpec(name="echo-test", answer=_echo)  # type: ignore[attr-defined]
    module.NOT_A_TUTOR = object()  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def _point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_the_six_built_ins_register_through_the_entry_point_group_in_wire_order() -> None:
    specs = tutors()
    assert list(specs)[:6] == BUILTINS
    assert [a.name for a in build_agents(["all"])][:6] == BUILTINS
    # The built-ins keep their wire topics.
    assert specs["triage"].topics == (Topic.STUDENT_QUERIES,)
    assert specs["debug"].topic == Topic.DEBUG_REQUESTS
    assert specs["progress"].topics == (Topic.PROGRESS_REQUESTS, Topic.AGENT_RESPONSES)
    with pytest.raises(ValueError, match="unknown agent 'nobody'"):
        build_agents(["nobody"])


def test_an_installed_declaration_is_loaded_and_run_by_the_generic_agent(plugin: str) -> None:
    builtin = [_point(name, f"learnflow_agents.tutors.{name.replace('-', '_')}:TUTOR") for name in BUILTINS]
    specs = load_declarations([_point("echo-test", f"{plugin}:TUTOR"), *builtin])
    assert list(specs) == [*BUILTINS, "echo-test"]
    spec = specs["echo-test"]
    assert spec.topic == "echo-test-requests" and spec.model is None
    agent = spec.build()
    assert isinstance(agent, TutorAgent) and agent.topics == ("echo-test-requests",)


def test_broken_entry_points_are_skipped_and_said(plugin: str, caplog: pytest.LogCaptureFixture) -> None:
    points = [
        _point("gone", "learnflow_no_such_module:TUTOR"),
        _point("odd", f"{plugin}:NOT_A_TUTOR"),
        _point("echo-test", f"{plugin}:TUTOR"),
    ]
    with caplog.at_level(logging.WARNING, logger="learnflow.registry"):
        specs = load_declarations(points)
    # No built-in among the entry points (a stale install): the package's own are found.
    assert list(specs) == [*BUILTINS, "echo-test"]
    said = caplog.text
    assert "cannot load tutor entry point" in said and "is not a TutorSpec" in said
    assert "reinstall learnflow-agents" in said


def test_a_declared_request_topic_is_on_the_wire_and_an_undeclared_one_is_not() -> None:
    query = StudentQuery(text="hello")
    request = AgentRequest(query=query)
    with pytest.raises(ContractError, match="unknown topic"):
        decode("registry-test-requests", b"{}")
    assert "registry-test" not in AGENT_REQUEST_TOPIC
    with pytest.raises(ValueError, match="not one of"):
        StudentQuery(text="hi", target_agent="registry-test")
    register_request_topic("registry-test", "registry-test-requests")
    try:
        raw = encode(make_envelope("registry-test-requests", "s1", request))
        assert decode("registry-test-requests", raw).payload == request
        assert StudentQuery(text="hi", target_agent="registry-test").target_agent == "registry-test"
        # `topics create` makes it on Kafka like a built-in request topic.
        specs = {t.value: spec for t, spec in topic_specs(8).items()}
        assert specs["registry-test-requests"] == specs[Topic.DEBUG_REQUESTS.value]
        assert list(specs)[: len(Topic)] == [t.value for t in Topic]
        # A built-in topic keeps its payload: it cannot become another agent's request topic.
        with pytest.raises(ValueError, match="cannot be the request topic"):
            register_request_topic("sneaky", Topic.AGENT_RESPONSES)
        with pytest.raises(ValueError, match="cannot be the request topic"):
            register_request_topic("triage", "triage-requests")
    finally:
        from learnflow_agents.contracts import topics

        del AGENT_REQUEST_TOPIC["registry-test"]
        topics._DECLARED_REQUEST_TOPICS.discard("registry-test-requests")
    with pytest.raises(ContractError):
        decode("registry-test-requests", raw)
    assert "registry-test-requests" not in {t.value for t in topic_specs()}


@pytest.mark.asyncio
async def test_the_generic_agent_asks_a_declared_helper_once_and_links_the_replies() -> None:
    from learnflow_agents.contracts import FollowUp

    def ask(request: AgentRequest, reply: AgentReply) -> FollowUp | None:
        return FollowUp(agent="concepts", concept="for-loops") if "loop" in request.query.text else None

    agent = TutorSpec(name="echo-test", answer=_echo, ask_helper=ask).build()
    ctx = HandlerContext(student_id="s", trace_id="t", message_id="m")
    outcome = await agent.handle(AgentRequest(query=StudentQuery(text="my loop")), ctx)
    reply = outcome.reply
    assert reply is not None and reply.follow_up == FollowUp(agent="concepts", concept="for-loops")
    [(topic, sent)] = outcome.forward
    assert topic == Topic.CONCEPTS_REQUESTS and isinstance(sent, AgentRequest)
    assert (sent.requested_by, sent.for_reply, sent.concept) == ("echo-test", reply.reply_id, "for-loops")
    # No helper for another question, and a helper's own answer asks none (one step deep).
    assert (await agent.handle(AgentRequest(query=StudentQuery(text="hi")), ctx)).forward == []
    helping = await agent.handle(sent.model_copy(update={"requested_by": "debug"}), ctx)
    assert helping.forward == [] and helping.reply is not None and helping.reply.helps is not None
