"""The offline triage router: routing per intent, robustness, contract, and its accuracy floor."""

import json
from pathlib import Path
from uuid import uuid4

import pytest
from learnflow_agents.contracts import AgentName, RoutingDecision, StudentQuery
from learnflow_agents.tutors.triage import classify, classify_text, score
from learnflow_agents.tutors.triage.normalize import TypoFixer

EVAL_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "triage_eval.jsonl"
ROUTABLE = {a.value for a in AgentName if a is not AgentName.TRIAGE}

RECURSION_TB = """Traceback (most recent call last):
  File "<stdin>", line 4, in <module>
    countdown(3)
  File "<stdin>", line 2, in countdown
    return countdown(n - 1)
RecursionError: maximum recursion depth exceeded"""

IPYTHON_TB = """---------------------------------------------------------------------------
NameError                                 Traceback (most recent call last)
Cell In[3], line 2
      1 total = 0
----> 2 print(totl)

NameError: name 'totl' is not defined"""


def route(text: str = "", code: str | None = None, traceback: str | None = None) -> RoutingDecision:
    return classify_text(text, code=code, traceback=traceback)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i get TypeError: 'int' object is not callable when i run my cell", "debug"),
        ("my script crashes as soon as it starts", "debug"),
        ("ugh it says syntax error again", "debug"),
        ("what is a generator", "concepts"),
        ("explain how while loops work", "concepts"),
        ("difference between a set and a list?", "concepts"),
        ("give me a practice problem about strings", "exercise"),
        ("quiz me on loops", "exercise"),
        ("how am i doing with functions", "progress"),
        ("what should i learn next", "progress"),
    ],
)
def test_routes_each_intent(text: str, expected: str) -> None:
    assert route(text).target_agent == expected


def test_review_requests_with_code() -> None:
    code = "total = 0\nfor i in range(len(xs)):\n    total = total + xs[i]"
    for text in ("how can i improve this", "is this good?", "review pls"):
        assert route(text, code=code).target_agent == "code-review", text


def test_traceback_wins_even_when_text_says_explain() -> None:
    decision = route(
        "explain what recursion is",
        code="def countdown(n):\n    return countdown(n - 1)",
        traceback=RECURSION_TB,
    )
    assert decision.target_agent == "debug"
    assert "RecursionError" in decision.reasoning


def test_ipython_traceback_without_text_is_debug() -> None:
    decision = route("", traceback=IPYTHON_TB)
    assert decision.target_agent == "debug"
    assert "NameError" in decision.reasoning


def test_traceback_pasted_into_the_text_box_is_debug() -> None:
    assert route("pls look\n" + RECURSION_TB).target_agent == "debug"


def test_code_only_is_code_review() -> None:
    decision = classify(StudentQuery(code="def double(x):\n    result = x * 2\n    return result"))
    assert decision.target_agent == "code-review"
    assert "no question" in decision.reasoning


def test_code_pasted_into_the_text_box_counts_as_code() -> None:
    decision = route("def area(w, h):\n    a = w * h\n    return a")
    assert decision.target_agent == "code-review"
    assert score("def area(w, h):\n    return w * h").signals.code_only


@pytest.mark.parametrize(
    ("text", "primary", "secondary"),
    [
        ("explain dictionaries and then give me an exercise", "concepts", "exercise"),
        ("give me a quiz on sets and explain sets too", "exercise", "concepts"),
        ("how am i doing? and give me a challenge on my weakest topic", "progress", "exercise"),
    ],
)
def test_mixed_intent_names_both(text: str, primary: str, secondary: str) -> None:
    decision = route(text)
    assert (decision.target_agent, decision.secondary_agent) == (primary, secondary)
    assert primary in decision.reasoning and secondary in decision.reasoning


def test_single_intent_has_no_secondary() -> None:
    assert route("quiz me on tuples").secondary_agent is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("explian list comprehensions", "concepts"),
        ("wtf is a decorator", "concepts"),
        ("excercise on dictionaries pls", "exercise"),
        ("gimme a chalenge", "exercise"),
        ("plz halp my code crashd", "debug"),
        ("hw am i doin", "progress"),
        ("reveiw my code", "code-review"),
        ("tuples?", "concepts"),
    ],
)
def test_typos_slang_and_very_short(text: str, expected: str) -> None:
    assert route(text).target_agent == expected


def test_very_long_rambling_question() -> None:
    text = (
        "so basically i have been staring at this for ages and my friend said it looks fine but "
        "whenever i run the notebook it throws an error about an index and i tried changing the "
        "range and adding minus one and printing everything, " * 8
    )
    assert route(text).target_agent == "debug"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿qué es un diccionario?", "concepts"),
        ("dame un ejercicio sobre bucles", "exercise"),
        ("Wie ist mein Fortschritt?", "progress"),
        ("comment améliorer mon code ?", "code-review"),
        ("meu programa dá erro", "debug"),
    ],
)
def test_non_english_keywords(text: str, expected: str) -> None:
    assert route(text).target_agent == expected


@pytest.mark.parametrize("text", ["ループとは何ですか", "Что такое список?", "🙂🙂", "¿¿??", "ok"])
def test_unknown_language_gives_a_valid_decision(text: str) -> None:
    decision = route(text)
    assert decision.target_agent in ROUTABLE
    assert 0.0 <= decision.confidence <= 1.0


def test_traceback_routes_whatever_the_language() -> None:
    assert route("ループが動かない", traceback=IPYTHON_TB).target_agent == "debug"


@pytest.mark.parametrize(("text", "code", "tb"), [("   ", None, None), ("", " \n", "\t"), ("\n\n", "", None)])
def test_empty_query_is_rejected(text: str, code: str | None, tb: str | None) -> None:
    with pytest.raises(ValueError, match="query is empty"):
        classify_text(text, code=code, traceback=tb)


def test_target_agent_is_honoured() -> None:
    query = StudentQuery(text="my code crashes with KeyError", target_agent="exercise")
    decision = classify(query)
    assert decision.target_agent == "exercise"
    assert decision.confidence == 1.0
    assert decision.query_id == query.query_id


def test_decision_contract() -> None:
    query = StudentQuery(query_id=uuid4(), text="what is scope and give me practice", code=None)
    decision = classify(query)
    assert decision.query_id == query.query_id
    assert decision.router == "offline"
    assert decision.target_agent in ROUTABLE
    assert decision.secondary_agent in ROUTABLE | {None}
    assert decision.secondary_agent != decision.target_agent
    assert "\n" not in decision.reasoning and "→" in decision.reasoning


@pytest.mark.parametrize(
    "text", ["hi", "loops?", "review", "quiz", "my progress", "KeyError", "a" * 8000, "explain " * 900]
)
def test_confidence_in_bounds(text: str) -> None:
    assert 0.0 <= route(text).confidence <= 1.0


def test_confidence_follows_the_evidence() -> None:
    clear = route("why does this crash", traceback=IPYTHON_TB).confidence
    vague = route("hmm").confidence
    assert clear > 0.9
    assert vague < 0.5


def test_typo_fixer_is_conservative() -> None:
    fixer = TypoFixer({"recursion", "exercise", "where"})
    assert fixer.fix("recurssion") == "recursion"
    assert fixer.fix("excercise") == "exercise"
    assert fixer.fix("there") == "there"  # short, and a different first letter
    assert fixer.fix("rexursiom") == "rexursiom"  # two edits away is left alone


def _eval_rows() -> list[dict]:
    with EVAL_SET.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_eval_set_shape() -> None:
    rows = _eval_rows()
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    for label in ROUTABLE:
        assert sum(r["label"] == label for r in rows) >= 50, label
    holdout = sum(r["split"] == "holdout" for r in rows)
    assert 0.25 * len(rows) <= holdout <= 0.4 * len(rows)


def test_holdout_accuracy_floor() -> None:
    rows = [r for r in _eval_rows() if r["split"] == "holdout"]
    correct = sum(
        classify_text(r["text"], code=r.get("code"), traceback=r.get("traceback")).target_agent == r["label"]
        for r in rows
    )
    assert correct / len(rows) >= 0.90
