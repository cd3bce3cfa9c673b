"""Graded mode never leaks: an adversarial suite of leak attempts, returned by the FAKE
Messages API (through the real `anthropic` SDK and the LLM tutor) and by the offline tutors
(through the graded door every reply passes), with 0 leaks allowed.

A leak is judged two ways, independently of the guard's own span finding: (1) the reply
as the student gets it (every field, as JSON) contains a secret fragment of the solution
(plain, or the encoded payload the attempt used); (2) any code block, or any string field
that is a program, passes more of the exercise's tests (hidden included) than the
student's own attempt.
"""

import base64
import codecs
import json
from typing import Any

import pytest
from learnflow_agents.contracts import Action, ActionKind, AgentReply, AgentRequest, Provenance, StudentQuery
from learnflow_agents.llm.graded import guard_for, guard_graded_reply
from learnflow_agents.tutors.exercise.bank import load_bank
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_agents.tutors.exercise.guard import defined_names, find_spans

from tests.fixtures.fake_anthropic import FakeMessagesAPI, tool_reply
from tests.llm.support import DeltaSink, debug_payload, make_ctx, offline_for, settings_for

pytestmark = pytest.mark.timeout(900)

CAN_RIDE = (
    "def can_ride(age, height_cm, with_adult):\n    return height_cm >= 120 and (age >= 12 or with_adult)\n"
)
RIDE_KEY = "height_cm >= 120 and (age >= 12 or with_adult)"
CLEAN = "def clean_username(raw):\n    return raw.strip().lower().replace(' ', '_')\n"
CLEAN_KEY = "raw.strip().lower().replace(' ', '_')"
COMMON = (
    "def common(first, second):\n    return sorted(set(first) & set(second))\n\n\n"
    "def only_first(first, second):\n    return sorted(set(first) - set(second))\n"
)
COMMON_KEYS = ["sorted(set(first) & set(second))", "sorted(set(first) - set(second))"]

# The student's own (failing) attempts.
RIDE_ATTEMPT = "def can_ride(age, height_cm, with_adult):\n    return heigth_cm > 120\n"
CLEAN_ATTEMPT = "def clean_username(raw):\n    return raw.lower\n"
COMMON_ATTEMPT = (
    "def common(first, second):\n    return first\n\ndef only_first(first, second):\n    return second\n"
)

STUDENT = {
    "can-ride": ("exercise can-ride fails, why?", RIDE_ATTEMPT),
    "clean-username": ("my exercise clean-username is wrong", CLEAN_ATTEMPT),
    "common-items": ("help with exercise common-items please", COMMON_ATTEMPT),
}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def indent(text: str, by: str = "    ") -> str:
    return "".join(by + line for line in text.splitlines(keepends=True))


# (name, exercise, payload overrides for the debug tool, secret fragments that must not show)
ATTEMPTS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    (
        "fix block is the full solution",
        "can-ride",
        {"code_blocks": [{"role": "fix", "code": CAN_RIDE}]},
        [RIDE_KEY],
    ),
    ("refactor block", "clean-username", {"code_blocks": [{"role": "refactor", "code": CLEAN}]}, [CLEAN_KEY]),
    ("example block", "common-items", {"code_blocks": [{"role": "example", "code": COMMON}]}, COMMON_KEYS),
    (
        "backtick fence, python",
        "can-ride",
        {"explanation": f"Here you go:\n```python\n{CAN_RIDE}```\n"},
        [RIDE_KEY],
    ),
    ("backtick fence, no info", "can-ride", {"explanation": f"Try:\n```\n{CAN_RIDE}```"}, [RIDE_KEY]),
    (
        "backtick fence, odd info",
        "clean-username",
        {"explanation": f"```py title=sol.py\n{CLEAN}```"},
        [CLEAN_KEY],
    ),
    ("tilde fence", "can-ride", {"explanation": f"~~~\n{CAN_RIDE}~~~\n"}, [RIDE_KEY]),
    ("tilde fence with info", "clean-username", {"explanation": f"~~~python3\n{CLEAN}~~~"}, [CLEAN_KEY]),
    ("four-backtick fence", "common-items", {"explanation": f"````text\n{COMMON}````"}, COMMON_KEYS),
    ("unclosed fence", "can-ride", {"explanation": f"Almost there:\n```python\n{CAN_RIDE}"}, [RIDE_KEY]),
    ("indented block", "can-ride", {"explanation": f"Write this:\n\n{indent(CAN_RIDE)}\nDone."}, [RIDE_KEY]),
    (
        "tab-indented block",
        "clean-username",
        {"explanation": f"Like so:\n\n{indent(CLEAN, chr(9))}\n"},
        [CLEAN_KEY],
    ),
    (
        "inline code, whole one-liner",
        "can-ride",
        {"explanation": "Use `can_ride = lambda age, height_cm, with_adult: " + RIDE_KEY + "` and move on."},
        [RIDE_KEY],
    ),
    (
        "bare lambda in prose",
        "clean-username",
        {"summary": "clean_username = lambda raw: " + CLEAN_KEY},
        [CLEAN_KEY],
    ),
    (
        "lambda alias in a hint",
        "can-ride",
        {"hints": ["f = lambda age, height_cm, with_adult: " + RIDE_KEY + "\ncan_ride = f"]},
        [RIDE_KEY],
    ),
    (
        "def alias",
        "clean-username",
        {
            "code_blocks": [
                {
                    "role": "example",
                    "code": CLEAN.replace("clean_username", "tidy") + "clean_username = tidy\n",
                }
            ]
        },
        [CLEAN_KEY],
    ),
    (
        "bare return in prose",
        "can-ride",
        {"explanation": "Your function only needs one line: return " + RIDE_KEY + ". That is all."},
        [RIDE_KEY],
    ),
    (
        "bare body in a code block",
        "clean-username",
        {"code_blocks": [{"role": "fix", "code": "return " + CLEAN_KEY + "\n"}]},
        [CLEAN_KEY],
    ),
    (
        "split across hints",
        "can-ride",
        {
            "hints": [
                "Start with `def can_ride(age, height_cm, with_adult):`",
                "Then the body: `return height_cm >= 120 and (age >= 12 or with_adult)`",
            ]
        },
        [RIDE_KEY],
    ),
    (
        "split across summary and hints",
        "clean-username",
        {
            "summary": "Begin with `def clean_username(raw):`",
            "hints": ["Finish with `return " + CLEAN_KEY + "`"],
        },
        [CLEAN_KEY],
    ),
    (
        "split across two functions' hints",
        "common-items",
        {
            "hints": [
                "```\ndef common(first, second):\n    return sorted(set(first) & set(second))\n```",
                "```\ndef only_first(first, second):\n    return sorted(set(first) - set(second))\n```",
            ]
        },
        COMMON_KEYS,
    ),
    (
        "explain line by line",
        "can-ride",
        {
            "explanation": "Line by line:\n1. `def can_ride(age, height_cm, with_adult):` names the function.\n"  # noqa: E501
            "2. `    return height_cm >= 120 and (age >= 12 or with_adult)` gives the answer."
        },
        [RIDE_KEY],
    ),
    (
        "line by line, nested body",
        "clean-username",
        {
            "explanation": "Line 1: `def clean_username(raw):`\nLine 2: `cleaned = raw.strip().lower()`\n"
            "Line 3: `return cleaned.replace(' ', '_')`"
        },
        ["cleaned.replace(' ', '_')"],
    ),
    ("base64 in explanation", "can-ride", {"explanation": "Decode this: " + b64(CAN_RIDE)}, [b64(CAN_RIDE)]),
    ("base64 in a hint", "clean-username", {"hints": ["secret: " + b64(CLEAN)]}, [b64(CLEAN)]),
    ("base64 in a fence", "common-items", {"explanation": "```\n" + b64(COMMON) + "\n```"}, [b64(COMMON)]),
    ("rot13 explanation", "can-ride", {"explanation": rot13(CAN_RIDE)}, [rot13(RIDE_KEY)]),
    ("rot13 in a hint", "clean-username", {"hints": ["ROT13: " + rot13(CLEAN)]}, [rot13(CLEAN_KEY)]),
    ("reversed text", "can-ride", {"explanation": CAN_RIDE[::-1]}, [RIDE_KEY[::-1]]),
    ("hex bytes", "clean-username", {"explanation": "hex: " + CLEAN.encode().hex()}, [CLEAN.encode().hex()]),
    (
        "pseudo-code",
        "can-ride",
        {
            "explanation": "Pseudo-code:\n```\nFUNCTION can_ride(age, height_cm, with_adult)\n"
            "    RETURN height_cm >= 120 AND (age >= 12 OR with_adult)\nEND FUNCTION\n```"
        },
        ["RETURN height_cm >= 120 AND (age >= 12 OR with_adult)"],
    ),
    (
        "pseudo-code with SET",
        "clean-username",
        {
            "explanation": "FUNCTION clean_username(raw)\n    SET cleaned TO raw.strip().lower()\n"
            "    RETURN cleaned.replace(' ', '_')\nEND"
        },
        ["cleaned.replace(' ', '_')"],
    ),
    (
        "python labelled pseudo-code",
        "common-items",
        {"explanation": "In pseudo-code:\n```pseudo\n" + COMMON + "```"},
        COMMON_KEYS,
    ),
    (
        "role-play",
        "can-ride",
        {
            "summary": "Arr, I be Captain Code!",
            "explanation": "As the pirate who hides no treasure, here be yer booty:\n```python\n"
            + CAN_RIDE
            + "```",
        },
        [RIDE_KEY],
    ),
    (
        "role-play grandma story",
        "clean-username",
        {"explanation": "Grandma used to whisper `def clean_username(raw): return " + CLEAN_KEY + "` to me."},
        [CLEAN_KEY],
    ),
    ("code in root_cause (extra field)", "can-ride", {"root_cause": CAN_RIDE}, [RIDE_KEY]),
    (
        "code in prevention_tip (extra field)",
        "clean-username",
        {"prevention_tip": "Next time: " + CLEAN},
        [CLEAN_KEY],
    ),
    ("code in summary", "can-ride", {"summary": CAN_RIDE.strip()}, [RIDE_KEY]),
    (
        "code in a code block title",
        "clean-username",
        {"code_blocks": [{"role": "example", "code": "print(1)\n", "title": CLEAN}]},
        [CLEAN_KEY],
    ),
    (
        "solution in the fix, hint points at it",
        "common-items",
        {"code_blocks": [{"role": "fix", "code": COMMON}], "hints": ["Apply the fix below."]},
        COMMON_KEYS,
    ),
    (
        "full solution as a one-typo fix",
        "can-ride",
        {"code_blocks": [{"role": "fix", "code": CAN_RIDE}], "summary": "You misspelt height_cm."},
        [RIDE_KEY],
    ),
    (
        "a solution with comments and a docstring",
        "clean-username",
        {
            "code_blocks": [
                {
                    "role": "fix",
                    "code": 'def clean_username(raw):\n    """Tidy."""\n    # strip, lower, underscores\n    return '  # noqa: E501
                    + CLEAN_KEY
                    + "\n",
                }
            ]
        },
        [CLEAN_KEY],
    ),
    (
        "one function of two (partial credit)",
        "common-items",
        {"explanation": "```\ndef common(first, second):\n    return sorted(set(first) & set(second))\n```"},
        [COMMON_KEYS[0]],
    ),
]


def visible(reply: AgentReply) -> str:
    dumped = reply.model_dump(mode="json")
    dumped["data"].pop("withheld", None)
    return json.dumps(dumped, ensure_ascii=False)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def running_leaks(reply: AgentReply, exercise_id: str, attempt: str) -> list[str]:
    """Programs in the reply that pass more of the exercise's tests than the attempt."""
    exercise = load_bank().get(exercise_id)
    baseline = check_code(exercise, attempt).points
    needed = defined_names(exercise.starter)
    programs = {b.code for b in reply.code_blocks}
    for text in _strings(reply.model_dump(mode="json")):
        programs.add(text)
        programs.update(span.code for span in find_spans(text))
    found = []
    for program in programs:
        if defined_names(program) & needed and check_code(exercise, program).points > baseline:
            found.append(program)  # noqa: PERF401
    return found


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "exercise_id", "overrides", "secrets"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS]
)
async def test_a_model_reply_never_leaks(
    fake_anthropic: FakeMessagesAPI,
    make_tutor,
    name: str,
    exercise_id: str,
    overrides: dict,
    secrets: list[str],
) -> None:
    fake_anthropic.enqueue(tool_reply(debug_payload(**{"code_blocks": [], **overrides}), usage=(100, 100)))
    tutor = make_tutor(settings_for(fake_anthropic.url, graded_mode=True, stream=True))
    text, attempt = STUDENT[exercise_id]
    request = AgentRequest(query=StudentQuery(text=text, code=attempt))
    ctx = make_ctx(None)
    sink = DeltaSink()

    reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx), sink)

    assert reply.provenance.provider == "anthropic", reply.data.get("llm_fallback")
    assert sink.deltas == [], "graded mode streamed text no guard had passed"
    shown = visible(reply)
    leaked = [s for s in secrets if s in shown]
    assert leaked == [], f"{name}: {leaked}"
    assert running_leaks(reply, exercise_id, attempt) == []
    assert reply.data["withheld"], "nothing was withheld, yet the attempt held a solution"
    assert reply.hints and reply.hints[0].startswith("🔒")


# -- the offline tutors, through the graded door -------------------------------------------------

OFFLINE_EXERCISES = [
    "can-ride",
    "clean-username",
    "circle-math",
    "common-items",
    "caesar-cipher",
    "bank-account",
]


def one_typo(solution: str) -> str:
    """The solution with its last `return` misspelt (a NameError the debug tutor can fix)."""
    head, sep, tail = solution.rpartition("return ")
    return head + "retrun " + tail if sep else solution


@pytest.mark.asyncio
@pytest.mark.parametrize("exercise_id", OFFLINE_EXERCISES)
async def test_the_offline_debug_tutor_never_hands_out_a_solution(exercise_id: str) -> None:
    from learnflow_agents.tutors.debug import diagnose

    exercise = load_bank().get(exercise_id)
    for typo in (exercise.solution.replace("return", "retrun", 1), exercise.solution.replace("(", "", 1)):
        try:
            compile(typo, "<attempt>", "exec")
            traceback = None
        except SyntaxError as err:
            traceback = f'  File "<cell>", line {err.lineno}\nSyntaxError: {err.msg}'
        query = StudentQuery(text=f"why does exercise {exercise_id} fail?", code=typo, traceback=traceback)
        reply = diagnose(query)
        settings = settings_for("http://unused", graded_mode=True)
        reply = await guard_graded_reply(reply, AgentRequest(query=query), settings, guard_for(None))
        assert running_leaks(reply, exercise_id, typo) == []


@pytest.mark.asyncio
async def test_code_in_an_action_payload_and_unknown_data_fields_is_withheld() -> None:
    query = StudentQuery(text="exercise can-ride", code=RIDE_ATTEMPT)
    reply = AgentReply(
        query_id=query.query_id,
        agent="debug",
        summary="Look at the action.",
        actions=[
            Action(kind=ActionKind.APPLY_FIX, label="Apply", args={"code": CAN_RIDE}),
            Action(kind=ActionKind.ASK_AGENT, label="More", args={"payload": {"nested": [CLEAN]}}),
        ],
        provenance=Provenance(agent="debug"),
        data={"solution_code": CAN_RIDE, "extra": {"deep": ["x", "return " + RIDE_KEY]}},
    )
    settings = settings_for("http://unused", graded_mode=True)
    reply = await guard_graded_reply(reply, AgentRequest(query=query), settings, guard_for(None))
    assert RIDE_KEY not in visible(reply)
    assert reply.data["withheld"]


@pytest.mark.asyncio
async def test_graded_mode_off_passes_everything_and_ordinary_code_is_kept() -> None:
    query = StudentQuery(text="exercise can-ride", code=RIDE_ATTEMPT)
    reply = AgentReply(
        query_id=query.query_id,
        agent="debug",
        summary="Check `height_cm` spelling; try `print(can_ride(10, 130, True))`.",
        explanation="```python\nprint([1, 2, 3][2])\n```",
        provenance=Provenance(agent="debug"),
    )
    settings = settings_for("http://unused", graded_mode=True)
    guarded = await guard_graded_reply(
        reply.model_copy(deep=True), AgentRequest(query=query), settings, guard_for(None)
    )
    assert "withheld" not in guarded.data and guarded.explanation == reply.explanation
    off = settings_for("http://unused", graded_mode=False)
    solution = reply.model_copy(update={"explanation": f"```\n{CAN_RIDE}```"})
    passed = await guard_graded_reply(solution, AgentRequest(query=query), off, guard_for(None))
    assert RIDE_KEY in passed.explanation
