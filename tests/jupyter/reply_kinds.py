"""Real replies of every kind, from the real offline tutors, and the text defects a reader notices.

The tutors' own answer functions (the ones the engine calls) produce the replies, so what is
checked here is what a student sees. `python -m tests.jupyter.reply_kinds` writes them to
`labextension/tests/fixtures/real-replies.json`, where the labextension's card test renders the
same replies in the sidebar.
"""

import json
import re
import sys
from pathlib import Path

from learnflow_agents.contracts import (
    AgentReply,
    AgentRequest,
    RoutingDecision,
    StudentContext,
    StudentQuery,
)
from learnflow_agents.runtime.handler import HandlerContext

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "labextension/tests/fixtures/real-replies.json"

SWAP_SOLUTION = 'left = "Grace"\nright = "Alan"\nleft, right = right, left\nswapped = True'
SWAP_WRONG = 'left = "Grace"\nright = "Alan"\nswapped = True'
INDEX_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "<cell>", line 2, in <module>\n'
    "    numbers[3]\n"
    "IndexError: list index out of range"
)


def _ctx() -> HandlerContext:
    return HandlerContext(student_id="student", trace_id="t", message_id="m")


def _ask(tutor: str, query: StudentQuery, routing: RoutingDecision | None = None) -> AgentReply:
    from importlib import import_module

    spec = import_module(f"learnflow_agents.tutors.{tutor.replace('-', '_')}").TUTOR
    reply = spec.answer(AgentRequest(query=query, routing=routing), _ctx())
    assert isinstance(reply, AgentReply)
    return reply


def real_replies() -> dict[str, AgentReply]:
    """One reply per kind a student meets, from the offline tutors."""
    from learnflow_agents.tutors.triage.choices import with_choices

    beginner = StudentContext(skill_level="beginner")
    replies = {
        "debug": _ask(
            "debug",
            StudentQuery(code="numbers = [1, 2, 3]\nnumbers[3]", traceback=INDEX_TRACEBACK, context=beginner),
        ),
        "concepts": _ask("concepts", StudentQuery(text="Explain list comprehensions", context=beginner)),
        "code-review": _ask(
            "code-review",
            StudentQuery(
                text="Please review my code",
                code="def add(a, b):\n    total = a + b\n\nprint(add(1, 2))\n",
                context=beginner,
            ),
        ),
        "exercise-offer": _ask(
            "exercise", StudentQuery(text="Give me an exercise on variables", context=beginner)
        ),
        "exercise-passed": _ask(
            "exercise", StudentQuery(text="check", code=SWAP_SOLUTION, exercise_id="swap-two-values")
        ),
        "exercise-failed": _ask(
            "exercise", StudentQuery(text="check", code=SWAP_WRONG, exercise_id="swap-two-values")
        ),
        "exercise-refusal": _ask(
            "exercise", StudentQuery(text="Give me an exercise on dictionaries", context=beginner)
        ),
        "exercise-no-topic": _ask("exercise", StudentQuery(text="Give me an exercise", context=beginner)),
        "progress": _ask(
            "progress",
            StudentQuery(
                text="How am I doing?",
                context=StudentContext(
                    mastery={"variables": 0.58, "indexing": 0.12},
                    topics_covered=["variables", "indexing", "syntax-basics"],
                ),
            ),
        ),
    }
    unsure = StudentQuery(text="this does not do what I want", code="def f(x):\n    x + 1\n")
    routing = RoutingDecision(
        query_id=unsure.query_id, target_agent="concepts", confidence=0.3, reasoning="unsure"
    )
    answered = _ask("concepts", unsure, routing)
    replies["triage-choice"] = with_choices(answered, AgentRequest(query=unsure, routing=routing))
    return replies


# -- the defects --------------------------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_FENCE = re.compile(r"```.*?```", re.S)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_PLURAL_AFTER_ONE = re.compile(
    r"\b1 (minutes|students|exercises|attempts|hints|topics|tests|times|items|days|points|"
    r"seconds|lines|more hints|questions|errors)\b"
)
_LIST = re.compile(r"\b([\w'’-]+(?:, [\w'’-]+)+)(?:,? (?:and|or) ([\w'’-]+))?")


def _norm(paragraph: str) -> str:
    text = re.sub(r"[*_`#>|]", " ", paragraph)
    return " ".join(text.split()).strip(" .:!-").casefold()


def defects(paragraphs: list[str], *, what: str) -> list[str]:
    """What a reader would notice in these paragraphs (plain text, code excluded)."""
    found: list[str] = []
    seen: dict[str, str] = {}
    for paragraph in paragraphs:
        key = _norm(paragraph)
        if len(key) >= 20:
            # The same words, or the same words behind a short lead ("In one sentence: ...").
            if any(
                (key.endswith(other) or other.endswith(key)) and abs(len(key) - len(other)) <= 24
                for other in seen
            ):
                found.append(f"{what}: repeated paragraph {paragraph[:80]!r}")
            seen[key] = paragraph
        found.extend(
            f"{what}: doubled mark {line[:80]!r}"
            for line in paragraph.splitlines()
            if line.count("✅") > 1 or line.count("❌") > 1
        )
        if "(s)" in paragraph:
            found.append(f"{what}: '(s)' instead of a plural {paragraph[:80]!r}")
        found.extend(f"{what}: {match.group(0)!r}" for match in _PLURAL_AFTER_ONE.finditer(paragraph))
        for match in _LIST.finditer(paragraph):
            items = [i.strip() for i in match.group(1).split(",")]
            if match.group(2):
                items.append(match.group(2))
            lowered = [i.casefold() for i in items if i]
            if len(lowered) >= 3 and len(set(lowered)) < len(lowered):
                found.append(f"{what}: duplicated list {match.group(0)!r}")
    return found


def markdown_paragraphs(markdown: str) -> tuple[list[str], list[str]]:
    """The prose paragraphs of markdown (fenced code and code spans left out), and stray tags."""
    prose = _FENCE.sub("\n\n", markdown)
    tags = [f"markdown: stray tag {m.group(0)!r}" for m in _TAG.finditer(_CODE_SPAN.sub("CODE", prose))]
    # Code spans read as their words: "`for`, `for`, `while`" is still a duplicated list.
    prose = _CODE_SPAN.sub(lambda m: m.group(0).strip("`"), prose)
    return [p.strip() for p in re.split(r"\n\s*\n", prose) if p.strip()], tags


class _Text:
    """An HTML fragment's visible text, block by block, with code kept apart."""

    BLOCKS = {"p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "ul", "ol", "table", "br", "hr"}

    def __init__(self, fragment: str) -> None:
        from html.parser import HTMLParser

        self.blocks: list[str] = []
        current: list[str] = []
        depth = {"code": 0, "pre": 0}
        outer = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list) -> None:
                if tag in depth:
                    depth[tag] += 1
                    current.append(" CODE ")
                if tag in outer.BLOCKS:
                    outer._flush(current)

            def handle_endtag(self, tag: str) -> None:
                if tag in depth:
                    depth[tag] = max(0, depth[tag] - 1)
                if tag in outer.BLOCKS:
                    outer._flush(current)

            def handle_data(self, data: str) -> None:
                if not depth["code"] and not depth["pre"]:
                    current.append(data)

        parser = Parser(convert_charrefs=True)
        parser.feed(fragment)
        parser.close()
        self._flush(current)

    def _flush(self, current: list[str]) -> None:
        text = " ".join("".join(current).split())
        if text:
            self.blocks.append(text)
        current.clear()


def html_defects(fragment: str, *, what: str) -> list[str]:
    """Defects of rendered HTML: escaped tags shown as text, raw markdown, and the text defects."""
    blocks = _Text(fragment).blocks
    found = defects(blocks, what=what)
    for block in blocks:
        if _TAG.search(block):
            found.append(f"{what}: a tag shown as text {block[:80]!r}")
        if "`" in block or "**" in block:
            found.append(f"{what}: raw markdown {block[:80]!r}")
    return found


def repeated_tests(text: str, reply: AgentReply) -> list[str]:
    """Each test is listed once: not in the explanation and again in a table."""
    if reply.check is None:
        return []
    found = []
    for outcome in reply.check.tests:
        if outcome.hidden:
            continue
        count = text.count(outcome.name)
        if count != 1:
            found.append(f"test {outcome.name!r} shown {count} times")
    return found


def write_fixture() -> None:
    replies = real_replies()
    data = {kind: json.loads(reply.model_dump_json()) for kind, reply in replies.items()}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_fixture()
    print(f"wrote {FIXTURE.relative_to(REPO)}", file=sys.stderr)
