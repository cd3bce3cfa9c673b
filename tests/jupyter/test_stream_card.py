"""A card's streamed text: at most 10 updates a second, to a widget of its own, and only the
new text when the labextension appends it; the card's display is not resent per delta.
Real ipywidgets; the session's actions are a recording double (no frontend here), and the
card's clock is a manual one so the throttle is judged without timing anything."""

import time
from collections.abc import Callable
from uuid import uuid4

from learnflow_agents.contracts import AgentLog, AgentReply, LogStatus, Provenance

from learnflow_ext.widgets.card import FeedbackCard


class Recording:
    """CardActions for streaming: records what would go to the frontend over the comm."""

    def __init__(self, streams: bool) -> None:
        self.streams = streams
        self.sent: list[tuple[str, str, int, bool]] = []

    def stream_text(self, card_id: str, text: str, offset: int, *, end: bool = False) -> bool:
        if not self.streams:
            return False
        self.sent.append((card_id, text, offset, end))
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingCard(FeedbackCard):
    displays = 0

    def refresh(self) -> None:
        self.displays += 1


def _card(actions: Recording, clock: Clock) -> CountingCard:
    card = CountingCard("debug", actions)  # type: ignore[arg-type]
    card.clock = clock  # type: ignore[method-assign]
    return card


def _delta(card: FeedbackCard, text: str) -> None:
    card.on_log(AgentLog(agent="debug", query_id=uuid4(), status=LogStatus.STREAMING, message="", delta=text))


def eventually(condition: Callable[[], bool], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


PIECES = [f"word{n} " for n in range(50)]


def test_deltas_within_a_tenth_of_a_second_make_two_updates_with_only_new_text() -> None:
    actions, clock = Recording(streams=True), Clock()
    card = _card(actions, clock)
    for piece in PIECES:
        _delta(card, piece)  # all at one instant of the card's clock

    # The first piece is drawn at once (with the header turning to "streaming"); the rest
    # wait for the one held-back update, which sends only what is new.
    assert eventually(lambda: card.stream_updates == 2)
    assert (
        f'data-learnflow-stream="{card.display_id}"' in card._stream.value and "word0" in card._stream.value
    )
    assert "word1 " not in card._stream.value  # the widget is not redrawn: the frontend appends
    [(card_id, text, offset, end)] = actions.sent
    assert (card_id, offset, end) == (card.display_id, len(PIECES[0]), False)
    assert text == "".join(PIECES[1:])
    # One display refresh, when streaming began; none per delta.
    assert card.displays == 1
    assert "word" not in card._status.value


def test_updates_more_than_a_tenth_of_a_second_apart_go_one_by_one() -> None:
    actions, clock = Recording(streams=True), Clock()
    card = _card(actions, clock)
    for piece in PIECES[:5]:
        _delta(card, piece)
        clock.now += 0.25

    assert card.stream_updates == 5
    assert [offset for _, _, offset, _ in actions.sent] == [
        sum(len(p) for p in PIECES[:n]) for n in range(1, 5)
    ]
    assert "".join(text for _, text, _, _ in actions.sent) == "".join(PIECES[1:5])


def test_without_the_labextension_the_text_widget_is_redrawn_throttled() -> None:
    actions, clock = Recording(streams=False), Clock()
    card = _card(actions, clock)
    for piece in PIECES:
        _delta(card, piece)

    assert eventually(lambda: card.stream_updates == 2)
    assert "".join(PIECES).strip() in card._stream.value
    assert actions.sent == [] and card.displays == 1


def test_the_reply_ends_the_stream_and_replaces_it() -> None:
    actions, clock = Recording(streams=True), Clock()
    card = _card(actions, clock)
    _delta(card, "Index 3 ")
    clock.now += 0.25
    _delta(card, "is past")
    card.on_reply(
        AgentReply(
            query_id=uuid4(),
            agent="debug",
            summary="Index 3 is past the end",
            provenance=Provenance(agent="debug"),
        )
    )

    assert actions.sent[-1] == (card.display_id, "", len("Index 3 is past"), True)
    assert card._stream.value == ""
    _delta(card, "late")  # a delta after the reply changes nothing
    assert card._stream.value == "" and len(actions.sent) == 2


def test_whole_card_mode_redraws_everything_per_delta() -> None:
    # The old behaviour, kept for benchmarks/llm_chain.py's "before" figures.
    actions, clock = Recording(streams=True), Clock()
    card = _card(actions, clock)
    card.stream_mode = "whole-card"
    for piece in PIECES[:10]:
        _delta(card, piece)

    assert card.displays == 10 and actions.sent == []
    assert "".join(PIECES[:10]).strip() in card._status.value


class FakeComm:
    """The comm's surface the bridge uses (no frontend in this test)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def send(self, data: dict[str, object]) -> None:
        self.sent.append(data)

    def on_msg(self, callback: object) -> None: ...

    def on_close(self, callback: object) -> None: ...


def test_the_bridge_streams_only_to_a_frontend_that_appends() -> None:
    from learnflow_ext.kernel.frontend import INSERT, REPLACE, FrontendBridge

    for says, streams in (({"streams": True}, True), ({}, False)):
        bridge, comm = FrontendBridge(), FakeComm()
        bridge._on_frontend_open(comm, {"content": {"data": {"commands": [INSERT, REPLACE], **says}}})
        assert bridge.stream("card-1", "more text", 12) is streams
        expected = [{"command": "stream", "card": "card-1", "offset": 12, "text": "more text"}]
        assert comm.sent == (expected if streams else [])
