"""One deadline budget for the chain (llm/deadlines.py): the model's deadlines are shares of
what the kernel waits, a model that has said nothing by the soft deadline is given up on
and the offline tutor answers at once, a model already streaming may go on to the hard
deadline. The real `anthropic` SDK against the FAKE Messages API, made to hang or stall."""

import threading

import pytest
from learnflow_agents.llm.config import LLMSettings
from learnflow_agents.llm.deadlines import HARD_SHARE, ROUTE_SHARE, deadlines_for

from tests.fixtures.fake_anthropic import FakeMessagesAPI, hang, slow_tool_reply, tool_reply
from tests.llm.support import DeltaSink, debug_payload, debug_request, make_ctx, offline_for, settings_for


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"answer_seconds": 8},
        {"answer_seconds": 600, "deadline_seconds": 1_000},
        {"answer_seconds": 60, "deadline_seconds": 5, "soft_deadline_seconds": 9},
        {"answer_seconds": 30, "soft_deadline_seconds": 2},
    ],
)
def test_every_model_deadline_leaves_the_offline_answer_time(values: dict[str, float]) -> None:
    limits = deadlines_for(LLMSettings(**values))
    assert limits.answer == values.get("answer_seconds", 120)
    # The longest model path (routing, then the whole answer) ends before the kernel stops waiting.
    assert limits.route + limits.hard < limits.answer
    assert limits.offline_reserve >= limits.answer * (1 - ROUTE_SHARE - HARD_SHARE) - 1e-9
    assert limits.soft <= limits.hard
    # Explicit caps only shorten.
    if "deadline_seconds" in values:
        assert limits.hard <= values["deadline_seconds"]
    if "soft_deadline_seconds" in values:
        assert limits.soft <= values["soft_deadline_seconds"]


def test_the_default_chain() -> None:
    limits = deadlines_for(LLMSettings())
    assert (limits.answer, limits.route, limits.soft, limits.hard) == (120, 12, 30, 72)


async def _ask(tutor, sink: DeltaSink | None = None):
    request = debug_request()
    ctx = make_ctx(None)
    return await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx), on_delta=sink)


@pytest.mark.asyncio
async def test_a_silent_model_is_given_up_at_the_soft_deadline(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    # It would hang far past the hard deadline; the offline answer comes at the soft one.
    fake_anthropic.default = hang(60)
    tutor = make_tutor(settings_for(fake_anthropic.url, answer_seconds=60, soft_deadline_seconds=0.5))

    reply = await _ask(tutor, DeltaSink())

    assert fake_anthropic.hits == 1
    assert reply.provenance.provider == "offline" and reply.data["error_type"] == "IndexError"
    assert reply.data["llm_fallback"]["reason"] == "soft-deadline"
    assert tutor.stats.fallbacks["soft-deadline"] == 1
    assert tutor.breaker.snapshot()["failures"] == 1


@pytest.mark.asyncio
async def test_graded_mode_is_given_up_at_the_soft_deadline_too(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    # Graded mode streams nothing to the student, but the model's first words still count.
    fake_anthropic.default = hang(60)
    tutor = make_tutor(
        settings_for(fake_anthropic.url, answer_seconds=60, soft_deadline_seconds=0.5, graded_mode=True)
    )

    reply = await _ask(tutor)

    assert reply.data["llm_fallback"]["reason"] == "soft-deadline"


@pytest.mark.asyncio
async def test_a_model_that_began_streaming_may_finish_after_the_soft_deadline(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    gate = threading.Event()
    fake_anthropic.enqueue(slow_tool_reply(debug_payload(), gate))
    tutor = make_tutor(settings_for(fake_anthropic.url, answer_seconds=60, soft_deadline_seconds=1))

    class OpenAfterFirstWords(DeltaSink):
        async def __call__(self, delta: str) -> None:
            if not self.deltas:
                # The rest comes well after the soft deadline: the model is slow but has
                # begun, so its answer is kept.
                threading.Timer(2.0, gate.set).start()
            await super().__call__(delta)

    sink = OpenAfterFirstWords()
    reply = await _ask(tutor, sink)

    assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
    assert reply.summary == debug_payload()["summary"]
    assert sink.text.startswith(debug_payload()["summary"][:5])


@pytest.mark.asyncio
async def test_a_model_still_streaming_at_the_hard_deadline_is_given_up(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    gate = threading.Event()  # never set: the model stalls after its first words
    fake_anthropic.enqueue(slow_tool_reply(debug_payload(), gate))
    tutor = make_tutor(
        settings_for(fake_anthropic.url, answer_seconds=60, soft_deadline_seconds=1, deadline_seconds=2)
    )
    sink = DeltaSink()

    reply = await _ask(tutor, sink)

    assert sink.text  # it had begun before the soft deadline (else nothing would have streamed)
    assert reply.provenance.provider == "offline"
    assert reply.data["llm_fallback"]["reason"] == "deadline"


@pytest.mark.asyncio
async def test_routing_gets_its_own_share(fake_anthropic: FakeMessagesAPI, make_tutor) -> None:
    fake_anthropic.default = hang(60)
    # answer_seconds=5: routing may take 0.5 s of it, then triage's offline classifier routes.
    tutor = make_tutor(settings_for(fake_anthropic.url, answer_seconds=5))
    query = debug_request().query

    async def offline():
        from learnflow_agents.tutors.triage import classify

        return classify(query)

    decision = await tutor.route(query, make_ctx(None), offline)

    assert not decision.router.startswith("llm:")
    assert tutor.stats.fallbacks["deadline"] == 1


@pytest.mark.asyncio
async def test_a_prompt_model_is_untouched_by_the_deadlines(
    fake_anthropic: FakeMessagesAPI, make_tutor
) -> None:
    fake_anthropic.default = tool_reply(debug_payload())
    tutor = make_tutor(settings_for(fake_anthropic.url, answer_seconds=60))

    reply = await _ask(tutor, DeltaSink())

    assert reply.provenance.provider == "anthropic" and "llm_fallback" not in reply.data


def test_the_kernel_waits_the_chain_budget_and_its_engine_shares_it(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnflow_ext.client.factory import embedded_client
    from learnflow_ext.config import LearnFlow

    monkeypatch.setenv("LEARNFLOW_LLM_ANSWER_SECONDS", "45")
    assert LearnFlow().reply_timeout == 45
    # A kernel told to wait less: its embedded engine's model deadlines are cut from that.
    config = LearnFlow(reply_timeout=9, db_url=f"sqlite:///{tmp_path / 'k.sqlite3'}")
    client = embedded_client(config)
    assert client.reply_timeout == 9
    assert deadlines_for(client.settings.llm).hard == 9 * HARD_SHARE
