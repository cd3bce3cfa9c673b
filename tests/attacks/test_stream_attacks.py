"""Attacks on a kernel card's streamed text (learnflow_ext/widgets/card.py, kernel side) as
the labextension appends it (`StreamedText` in labextension/src/kernelbridge.ts, run here
through node on the very messages the real card sends over `learnflow.commands`).

What streams is a model's reply, which quotes the student's code, output and question: it
must land as text (never HTML) in its own card only, and no character in it may desync the
offsets, which would freeze or garble the card for the rest of the answer. The browser is
played faithfully where it matters: the kernel's first drawing of the text is parsed as
HTML (Python's html.parser, with the HTML standard's newline normalisation) and the
frontend's lengths are JavaScript's (UTF-16 code units), because node runs the real code.
"""

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from uuid import uuid4

import pytest
from learnflow_agents.contracts import AgentLog, LogStatus

from learnflow_ext.widgets.card import FeedbackCard

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


class Recording:
    """CardActions for streaming: what the card sends over the comm (the frontend appends)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def stream_text(self, card_id: str, text: str, offset: int, *, end: bool = False) -> bool:
        self.sent.append({"command": "stream", "card": card_id, "offset": offset, "text": text, "end": end})
        return True


class Clock:
    """Each reading is a second later: every delta goes out at once, no throttle timer."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


class Card(FeedbackCard):
    def refresh(self) -> None:  # no frontend here: the display is not sent anywhere
        pass


class _Text(HTMLParser):
    """The text a browser shows for an HTML fragment, and the elements it would create."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shown_by_browser(html: str) -> tuple[str, list[str]]:
    # The HTML standard normalises CR LF and CR to LF before parsing, and drops NUL from text.
    parser = _Text()
    parser.feed(html.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    parser.close()
    return "".join(parser.text).replace("\x00", "\ufffd"), parser.tags


def stream(deltas: list[str]) -> tuple[str, list[dict[str, object]]]:
    """Stream `deltas` through a real card: (the kernel's first drawing, the comm messages)."""
    actions = Recording()
    card = Card("debug", actions)  # type: ignore[arg-type]
    card.clock = Clock()  # type: ignore[method-assign]
    first = ""
    for delta in deltas:
        log = AgentLog(agent="debug", query_id=uuid4(), status=LogStatus.STREAMING, message="", delta=delta)
        card.on_log(log)
        first = first or card._stream.value
    return first, actions.sent


_NODE = r"""
const fs = require('fs');
const ts = require(process.argv[1] + '/node_modules/typescript');
const source = fs.readFileSync(process.argv[1] + '/src/kernelbridge.ts', 'utf8');
const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 };
const js = ts.transpileModule(source, { compilerOptions: options }).outputText;
const module_ = { exports: {} };
new Function('module', 'exports', 'require', js)(module_, module_.exports, require);
const { cards, messages } = JSON.parse(fs.readFileSync(0, 'utf8'));
const elements = new Map(Object.entries(cards).map(([id, text]) => [id, [{ textContent: text }]]));
const streamed = new module_.exports.StreamedText(id => elements.get(id) ?? []);
for (const m of messages) streamed.apply(m);
const shown = [...elements].map(([id, [e]]) => [id, e.textContent]);
process.stdout.write(JSON.stringify(Object.fromEntries(shown)));
"""


def frontend(cards: dict[str, str], messages: list[dict[str, object]]) -> dict[str, str]:
    """Each card's text after the labextension's real StreamedText applied `messages`."""
    done = subprocess.run(
        ["node", "-e", _NODE, str(LABEXTENSION)],
        input=json.dumps({"cards": cards, "messages": messages}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def card_id(messages: list[dict[str, object]]) -> str:
    return str(messages[0]["card"])


STREAMS = {
    "plain": ["Index 3 ", "is past ", "the end."],
    "html": ["Your code ", "<img src=x onerror=alert(1)>", "<script>alert(1)</script> ends."],
    "emoji-first": ["🐍 Python ", "counts from 0, ", "so 😀 the last is ", "scores[2]."],
    "emoji-later": ["The list ", "holds 𝑥 = 3 items", " (0 to 2) 🎉", " and more text."],
    "combining-and-cjk": ["e\u0301 ", "索引 ", "𠀀𠀁", " done."],
    "carriage-returns": ["line one\r\n", "line two\r", "line three\r\n", "end."],
    "nul": ["a\x00b ", "c\x00", " d."],
}


@pytest.mark.parametrize("deltas", list(STREAMS.values()), ids=list(STREAMS))
def test_streamed_text_lands_whole_as_text_in_its_own_card(deltas: list[str]) -> None:
    first, messages = stream(deltas)
    shown, tags = shown_by_browser(first)
    assert tags == ["pre"], "the kernel's drawing of the text must create no element but its own"
    card = card_id(messages)
    after = frontend({card: shown, "other-card": "the other card's answer"}, messages)
    # Every character, in order (a NUL drawn by the kernel shows as U+FFFD, as browsers do).
    assert after[card].replace("\x00", "\ufffd") == "".join(deltas).replace("\x00", "\ufffd")
    assert after["other-card"] == "the other card's answer"


def test_a_message_naming_another_card_or_a_bad_offset_changes_nothing_else() -> None:
    first, messages = stream(["Index 3 ", "is past ", "the end."])
    shown, _ = shown_by_browser(first)
    card = card_id(messages)
    hostile = [
        {"command": "stream", "card": card, "offset": -1, "text": "NEG"},
        {"command": "stream", "card": card, "offset": "8; x", "text": "STR"},
        {"command": "stream", "card": card, "offset": 8.5, "text": "FRACTION"},
        {"command": "stream", "card": card, "offset": 10**30, "text": "HUGE"},
        {"command": "stream", "card": card, "offset": None, "text": "NONE"},
        {"command": "stream", "card": '"], [data-learnflow-stream', "offset": 0, "text": "SEL"},
        {"command": "stream", "card": {"toString": "x"}, "offset": 0, "text": "OBJ"},
    ]
    after = frontend({card: shown, "other-card": ""}, hostile + messages)
    assert after == {card: "Index 3 is past the end.", "other-card": ""}
