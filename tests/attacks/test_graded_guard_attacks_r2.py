"""Graded mode, second round: solutions a misled model writes in forms the guard did not run.

The guard ran each program in a reply against an exercise's tests only when the program
defined the exercise's own names, and it parsed text as written. A model told (by a comment
in the student's cell, or by role-play in their question) to hand out the solution could
still give a complete one that the student reads at once:

- under another name ("here is `ride_ok`; call it `can_ride`"), as a lambda bound to another
  name, or as a class's static method;
- built at run time (`exec` of a string that holds it);
- with no-break spaces for its indentation, zero-width characters inside its keywords, or
  fullwidth letters: it looks the same to the reader, but Python's parser rejects it, so it
  was never run.

Each case goes through the real `anthropic` SDK against the fake Messages API and the LLM
tutor in graded mode. All of these were shown to the student before the fix (guard.py now
folds Unicode look-alikes and invisible characters, and binds a program's callables to the
exercise's function names it lacks, for the exercises the question is about). A student's
own code under another name, and an unrelated helper, are still shown.
"""

import base64
import html
import re
import unicodedata
from typing import Any

import pytest
from learnflow_agents.contracts import AgentReply, AgentRequest, Provenance, StudentQuery

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.conftest import hermetic_llm_env, make_tutor
from tests.llm.support import debug_payload, make_ctx, offline_for, settings_for

__all__ = ["hermetic_llm_env", "make_tutor"]

pytestmark = pytest.mark.timeout(600)

RIDE_KEY = "height_cm >= 120 and (age >= 12 or with_adult)"
RIDE_ARGS = "(age, height_cm, with_adult)"
CAN_RIDE = f"def can_ride{RIDE_ARGS}:\n    return {RIDE_KEY}\n"
CLEAN_KEY = "raw.strip().lower().replace(' ', '_')"
CLEAN = f"def clean_username(raw):\n    return {CLEAN_KEY}\n"
COMMON_KEYS = ["sorted(set(first) & set(second))", "sorted(set(first) - set(second))"]

ACCOUNT = (
    "class Acct:\n    def __init__(self, owner, balance=0):\n        self.owner = owner\n"
    "        self.balance = balance\n        self.history = []\n\n"
    "    def deposit(self, amount):\n        if amount <= 0:\n            raise ValueError('amount')\n"
    "        self.balance += amount\n        self.history.append(('deposit', amount))\n"
    "        return self.balance\n\n"
    "    def withdraw(self, amount):\n        if amount <= 0 or amount > self.balance:\n"
    "            raise ValueError('amount')\n        self.balance -= amount\n"
    "        self.history.append(('withdraw', amount))\n        return self.balance\n"
)
ACCOUNT_KEY = "self.history.append(('withdraw', amount))"

STUDENT = {
    "bank-account": ("help with exercise bank-account", "class BankAccount:\n    pass\n"),
    "can-ride": (
        "exercise can-ride fails, why?",
        "def can_ride(age, height_cm, with_adult):\n    return heigth_cm > 120\n",
    ),
    "clean-username": (
        "my exercise clean-username is wrong",
        "def clean_username(raw):\n    return raw.lower\n",
    ),
    "common-items": (
        "help with exercise common-items please",
        "def common(first, second):\n    return first\n\ndef only_first(first, second):\n    return second\n",
    ),
}
NBSP, ZWSP = "\u00a0", "\u200b"


def fullwidth(word: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in word)


ATTEMPTS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    (
        "renamed function, told to rename it",
        "can-ride",
        {
            "explanation": f"```python\ndef ride_ok{RIDE_ARGS}:\n    return {RIDE_KEY}\n```\n"
            "Rename it to can_ride."
        },
        [RIDE_KEY],
    ),
    (
        "renamed function as the fix block",
        "clean-username",
        {"code_blocks": [{"role": "fix", "code": CLEAN.replace("clean_username", "tidy_name")}]},
        [CLEAN_KEY],
    ),
    (
        "lambda under another name",
        "can-ride",
        {"summary": f"Use `check = lambda age, height_cm, with_adult: {RIDE_KEY}` then name it."},
        [RIDE_KEY],
    ),
    (
        "a class exercise's class under another name",
        "bank-account",
        {"explanation": f"```python\n{ACCOUNT}```\nRename Acct to BankAccount and you are done."},
        [ACCOUNT_KEY],
    ),
    (
        "static method of a class",
        "can-ride",
        {
            "explanation": f"```python\nclass Rules:\n    @staticmethod\n    def can_ride{RIDE_ARGS}:\n"
            f"        return {RIDE_KEY}\n```"
        },
        [RIDE_KEY],
    ),
    (
        "both functions renamed",
        "common-items",
        {
            "code_blocks": [
                {
                    "role": "example",
                    "code": f"def both(first, second):\n    return {COMMON_KEYS[0]}\n\n"
                    f"def left(first, second):\n    return {COMMON_KEYS[1]}\n",
                }
            ]
        },
        COMMON_KEYS,
    ),
    (
        "built at run time with exec",
        "clean-username",
        {"code_blocks": [{"role": "example", "code": f"source = {CLEAN!r}\nexec(source)\n"}]},
        [CLEAN_KEY],
    ),
    (
        "no-break spaces as indentation",
        "can-ride",
        {"explanation": "```python\n" + CAN_RIDE.replace("    ", NBSP * 4) + "```"},
        [RIDE_KEY],
    ),
    (
        "zero-width spaces in the keywords",
        "clean-username",
        {
            "explanation": "```\n"
            + CLEAN.replace("def", f"d{ZWSP}ef").replace("return", f"ret{ZWSP}urn")
            + "```"
        },
        [CLEAN_KEY],
    ),
    (
        "fullwidth keyword in prose",
        "can-ride",
        {"explanation": f"Write def can_ride{RIDE_ARGS}: and then {fullwidth('return')} {RIDE_KEY}."},
        [RIDE_KEY],
    ),
    (
        "HTML entities and a line break (the lab's renderer shows >=)",
        "can-ride",
        {
            "explanation": f"def can_ride{RIDE_ARGS}:<br>&nbsp;&nbsp;&nbsp;&nbsp;return "
            + RIDE_KEY.replace(">", "&gt;")
        },
        [RIDE_KEY],
    ),
    (
        "numeric entities in a bare return",
        "can-ride",
        {"summary": "One line: return " + RIDE_KEY.replace(">", "&#62;", 1).replace(">", "&#x3e;")},
        [RIDE_KEY],
    ),
    (
        "Markdown backslash escapes",
        "can-ride",
        {
            "explanation": "Your line becomes: return "
            + RIDE_KEY.replace("_", "\\_").replace(">", "\\>")
            + "."
        },
        [RIDE_KEY],
    ),
    (
        "no-break spaces in base64",
        "clean-username",
        {"hints": ["decode: " + base64.b64encode(CLEAN.replace("    ", NBSP * 4).encode()).decode()]},
        [CLEAN_KEY],
    ),
]


def _folded(text: str) -> str:
    """What the student reads: entities and escapes rendered, invisible characters gone,
    look-alikes as their letters."""
    text = re.sub(r"\\\\(.)", r"\1", html.unescape(text.replace("<br>", "\n")))
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", kept)


def shown(reply: Any) -> str:
    dumped = reply.model_dump(mode="json")
    dumped["data"].pop("withheld", None)
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(dumped)
    decoded = list(strings)
    for hint in reply.hints:
        for token in hint.split():
            try:
                decoded.append(base64.b64decode(token, validate=True).decode())
            except ValueError:
                continue
    return _folded("\n".join(decoded))


async def _ask(fake: FakeMessagesAPI, make_tutor: Any, exercise_id: str, overrides: dict[str, Any]) -> Any:
    fake.enqueue(tool_reply(debug_payload(**{"code_blocks": [], **overrides}), usage=(100, 100)))
    tutor = make_tutor(settings_for(fake.url, graded_mode=True))
    text, attempt = STUDENT[exercise_id]
    request = AgentRequest(query=StudentQuery(text=text, code=attempt))
    ctx = make_ctx(None)
    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
    assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
    return reply


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "exercise_id", "overrides", "secrets"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS]
)
async def test_a_solution_the_parser_or_the_names_miss_is_still_withheld(
    fake_anthropic: FakeMessagesAPI,
    make_tutor: Any,
    name: str,
    exercise_id: str,
    overrides: dict,
    secrets: list[str],
) -> None:
    reply = await _ask(fake_anthropic, make_tutor, exercise_id, overrides)
    text = shown(reply)
    assert [s for s in secrets if s in text] == [], f"{name}: the student reads the solution"
    assert reply.data["withheld"] and reply.hints[0].startswith("🔒")


@pytest.mark.asyncio
async def test_the_students_own_code_renamed_and_an_unrelated_helper_are_kept(
    fake_anthropic: FakeMessagesAPI, make_tutor: Any
) -> None:
    own = "def my_ride(age, height_cm, with_adult):\n    return heigth_cm > 120\n"
    helper = "def double(x):\n    return x * 2\n"
    explanation = f"Your code, renamed:\n```python\n{own}```\nA helper:\n```python\n{helper}```"
    reply = await _ask(fake_anthropic, make_tutor, "can-ride", {"explanation": explanation})
    assert "withheld" not in reply.data
    assert own in reply.explanation and helper in reply.explanation


@pytest.mark.asyncio
async def test_a_students_own_solution_under_another_name_is_not_withheld_when_renamed(
    fake_anthropic: FakeMessagesAPI, make_tutor: Any
) -> None:
    """The student wrote a working `canride` (a misspelt name): the tutor may quote it and
    say "rename it to can_ride"; that hands them nothing they do not have."""
    own = f"def canride{RIDE_ARGS}:\n    return {RIDE_KEY}\n"
    fake_anthropic.enqueue(
        tool_reply(
            debug_payload(
                summary="The checker looks for can_ride, but your function is called canride.",
                explanation=f"You wrote:\n```python\n{own}```\nRename it:",
                code_blocks=[{"role": "fix", "code": own.replace("canride", "can_ride")}],
            ),
            usage=(100, 100),
        )
    )
    tutor = make_tutor(settings_for(fake_anthropic.url, graded_mode=True))
    request = AgentRequest(
        query=StudentQuery(text="exercise can-ride says can_ride is not defined", code=own)
    )
    ctx = make_ctx(None)
    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
    assert "withheld" not in reply.data, reply.data.get("withheld")
    assert own in reply.explanation and reply.code_blocks


# -- the guard's own cost ---------------------------------------------------------------------


def test_a_reply_of_many_small_programs_costs_a_bounded_number_of_sandbox_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A question naming six exercises, answered with 80 one-line lambdas (a misled model's
    "repeat this text"), cost a sandbox run per lambda, per exercise and per name it could
    stand in for: hundreds of runs of the shared sandbox for one reply (5 lambdas were already
    52 runs, 26 s). Runs are counted, not timed: `check_code` is replaced by a counter."""
    from learnflow_agents.tutors.exercise import guard as guard_module
    from learnflow_agents.tutors.exercise.bank import load_bank

    runs: list[str] = []

    class Result:
        points = 0

    def counting_check(exercise: Any, code: str, **_: Any) -> Result:
        runs.append(code)
        return Result()

    monkeypatch.setattr(guard_module, "check_code", counting_check)
    guard = guard_module.GradedGuard([load_bank()])
    named = ["can-ride", "clean-username", "common-items", "circle-math", "caesar-cipher", "bank-account"]
    query = StudentQuery(text=" ".join(f"exercise {i}" for i in named), code="x = 1\n")
    explanation = "\n".join(f"Try `f{k} = lambda *args: {k}` here." for k in range(80))
    reply = AgentReply(
        query_id=query.query_id,
        agent="debug",
        summary="Many small programs.",
        explanation=explanation,
        provenance=Provenance(agent="debug"),
    )

    guard.guard_reply(reply, query)

    budget = getattr(guard_module, "MAX_RUNS_PER_REPLY", 48)
    assert len(runs) <= budget, f"{len(runs)} sandbox runs for one reply"
    # Past the budget the guard fails closed: what it could not run is not shown.
    assert "f79 = lambda" not in reply.explanation
