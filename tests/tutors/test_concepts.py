"""The concepts agent's offline brain: the concept base, lookup and explain()."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from graphlib import TopologicalSorter

import pytest
from learnflow_agents.contracts.query import StudentContext, StudentQuery
from learnflow_agents.contracts.reply import ActionKind, AgentReply, CodeRole
from learnflow_agents.tutors.concepts import (
    Concept,
    all_slugs,
    explain,
    get_concept,
    lookup,
    prerequisite_graph,
    prerequisites,
)
from learnflow_agents.tutors.concepts.catalog import ConceptBaseError, _check_references
from learnflow_agents.tutors.concepts.model import LEVELS, Level, Pitfall
from pydantic import ValidationError

# Other agents link to these slugs; they must exist exactly as written.
_REQUIRED = """
variables numbers type-conversion strings f-strings string-methods indexing slicing lists tuples dicts
sets mutability none conditionals boolean-logic comparison for-loops while-loops range break-continue
comprehensions enumerate-zip unpacking functions parameters return-values scope recursion lambda
modules-imports exceptions file-io classes inheritance dunder-methods iterators generators decorators
sorting big-o testing-assert indentation syntax-basics
"""
REQUIRED_SLUGS = _REQUIRED.split()

SLUGS = all_slugs()


def ask(text: str = "", *, code: str | None = None, **context: object) -> StudentQuery:
    return StudentQuery(text=text, code=code, context=StudentContext(**context))


# --- the base ---------------------------------------------------------------------------


def test_base_has_at_least_40_topics_including_every_linked_slug() -> None:
    assert len(SLUGS) >= 40
    assert set(REQUIRED_SLUGS) <= set(SLUGS), set(REQUIRED_SLUGS) - set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_topic_is_complete(slug: str) -> None:
    concept = get_concept(slug)
    assert concept.slug == slug
    for name in LEVELS:
        level = concept.level(name)
        assert level.definition and level.example.strip() and level.output
        assert len(level.points) >= 2
    assert concept.beginner.analogy, "beginners get an analogy"
    assert 2 <= len(concept.pitfalls) <= 3
    assert concept.practice in SLUGS
    assert set(concept.prerequisites) <= set(SLUGS)
    assert set(concept.related) <= set(SLUGS)
    assert concept.aliases


def test_practice_topics_are_exercise_topics() -> None:
    # "Practise X" becomes an ask-agent action for the exercise agent, which only knows its own topics.
    from learnflow_agents.contracts.curriculum import CurriculumTopic

    exercise_topics = {t.value for t in CurriculumTopic}
    assert {get_concept(s).practice for s in SLUGS} <= exercise_topics


def test_levels_differ_materially() -> None:
    for slug in SLUGS:
        concept = get_concept(slug)
        assert concept.beginner.definition != concept.advanced.definition, slug
        assert concept.beginner.example != concept.advanced.example, slug
        assert concept.advanced.analogy is None, "advanced explanations drop the analogy"


def test_prerequisite_graph_is_acyclic_and_closed() -> None:
    graph = prerequisite_graph()
    assert set(graph) == set(SLUGS)
    order = list(TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    position = {slug: i for i, slug in enumerate(order)}
    for slug, prereqs in graph.items():
        assert prerequisites(slug) == prereqs
        assert all(position[p] < position[slug] for p in prereqs)
    # Only the very first topic has no prerequisites: everything else hangs off the graph.
    assert [s for s, p in graph.items() if not p] == ["syntax-basics"]


def test_prerequisite_graph_is_a_copy() -> None:
    graph = prerequisite_graph()
    graph["lists"].append("decorators")
    graph.pop("dicts")
    assert "decorators" not in prerequisites("lists")
    assert "dicts" in prerequisite_graph()


def test_unknown_slug_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no-such-topic"):
        get_concept("no-such-topic")


def _example_params() -> list[pytest.ParameterSet]:
    return [pytest.param(slug, level, id=f"{slug}-{level}") for slug in SLUGS for level in LEVELS]


@pytest.mark.parametrize(("slug", "level"), _example_params())
def test_example_prints_exactly_its_stated_output(slug: str, level: str, tmp_path) -> None:
    example = get_concept(slug).level(level)
    script = tmp_path / "example.py"
    script.write_text(example.example, encoding="utf-8")
    # Two hash seeds: an example whose output depends on set/dict hash order would differ.
    for seed in ("0", "1"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == example.output


# --- validation rejects broken entries ------------------------------------------------------

_LEVEL = {"definition": "A thing.", "points": ["one", "two"], "example": "print(1)\n", "output": "1\n"}


def _concept_data(**overrides: object) -> dict:
    data = {
        "slug": "demo",
        "title": "Demo",
        "aliases": ["demo"],
        "related": ["demo"],
        "practice": "demo",
        "use_when": "testing",
        "diagram": "x",
        "beginner": {**_LEVEL, "analogy": "Like a demo."},
        "intermediate": _LEVEL,
        "advanced": _LEVEL,
        "pitfalls": [{"title": "One", "why": "Because."}, {"title": "Two", "why": "Because."}],
    }
    return {**data, **overrides}


def test_model_accepts_a_minimal_valid_entry() -> None:
    assert Concept.model_validate(_concept_data()).slug == "demo"


@pytest.mark.parametrize(
    "overrides",
    [
        {"beginner": _LEVEL},  # no analogy for beginners
        {"pitfalls": [{"title": "Only", "why": "one pitfall"}]},
        {"intermediate": {**_LEVEL, "output": "1"}},  # print always ends the output with a newline
        {"advanced": {**_LEVEL, "example": "print(1"}},  # example must compile
        {"prerequisites": ["demo"]},
        {"slug": "Not A Slug"},
        {"analogie": "typo in a key"},
    ],
)
def test_model_rejects_broken_entries(overrides: dict) -> None:
    with pytest.raises(ValidationError):
        Concept.model_validate(_concept_data(**overrides))


def test_pitfall_needs_both_snippets_or_neither() -> None:
    with pytest.raises(ValidationError):
        Pitfall(title="Half", why="Only wrong given.", wrong="x = 1")
    assert Pitfall(title="Full", why="Both given.", wrong="x = 1", right="x = 2").right == "x = 2"
    assert Level.model_validate(_LEVEL).output == "1\n"


def test_catalog_rejects_cycles_and_unknown_references() -> None:
    a = Concept.model_validate(_concept_data(slug="a", related=["a"], practice="a", prerequisites=["b"]))
    b = Concept.model_validate(_concept_data(slug="b", related=["b"], practice="b", prerequisites=["a"]))
    with pytest.raises(ConceptBaseError, match="cycle"):
        _check_references({"a": a, "b": b})
    lonely = Concept.model_validate(
        _concept_data(slug="c", related=["c"], practice="c", prerequisites=["zzz"])
    )
    with pytest.raises(ConceptBaseError, match="zzz"):
        _check_references({"c": lonely})
    _check_references({"a": a.model_copy(update={"prerequisites": []})})


# --- lookup --------------------------------------------------------------------------------

# Beginners' phrasings: typos, synonyms, slang, error messages and Python identifiers.
PHRASINGS = [
    ("what's a dict", "dicts"),
    ("hash map in python", "dicts"),
    ("explain recurssion", "recursion"),
    ("list comprehesion", "comprehensions"),
    ("f string", "f-strings"),
    ("fstrings??", "f-strings"),
    ("how do i put a variable inside a string", "f-strings"),
    ("what does yield do", "generators"),
    ("lambda functions", "lambda"),
    ("what is __init__", "classes"),
    ("what does `try` do", "exceptions"),
    ("try/except in python", "exceptions"),
    ("how do I catch errors", "exceptions"),
    ("my while loop never stops", "while-loops"),
    ("what is a for loop", "for-loops"),
    ("loop through a list", "for-loops"),
    ("function that calls itself", "recursion"),
    ("global variable inside a function", "scope"),
    ("UnboundLocalError local variable referenced before assignment", "scope"),
    ("default arguments", "parameters"),
    ("*args and **kwargs", "parameters"),
    ("mutable vs immutable", "mutability"),
    ("why did my copy of a list change too", "mutability"),
    ("what is None", "none"),
    ("if elif else", "conditionals"),
    ("and or not operators", "boolean-logic"),
    ("is vs ==", "comparison"),
    ("range function", "range"),
    ("how to break out of a loop", "break-continue"),
    ("enumerate", "enumerate-zip"),
    ("zip two lists together", "enumerate-zip"),
    ("how to use enumerate in a for loop", "enumerate-zip"),
    ("unpack a tuple", "unpacking"),
    ("how do I import a module", "modules-imports"),
    ("ModuleNotFoundError no module named numpy", "modules-imports"),
    ("how to read a text file", "file-io"),
    ("write to a file", "file-io"),
    ("what is a class", "classes"),
    ("inherit from a parent class", "inheritance"),
    ("what does super() do", "inheritance"),
    ("__str__ vs __repr__", "dunder-methods"),
    ("what does __len__ do", "dunder-methods"),
    ("magic methods", "dunder-methods"),
    ("what is an iterator", "iterators"),
    ("generator expression", "generators"),
    ("what does @ do above a function", "decorators"),
    ("sort a list of tuples by the second item", "sorting"),
    ("sorted vs sort", "sorting"),
    ("sort with a lambda key", "sorting"),
    ("big o notation", "big-o"),
    ("time complexity of my code", "big-o"),
    ("how do i make my code faster", "big-o"),
    ("assert statement", "testing-assert"),
    ("how do i write unit tests", "testing-assert"),
    ("IndentationError expected an indented block", "indentation"),
    ("what is a variable", "variables"),
    ("int vs float", "numbers"),
    ("convert string to int", "type-conversion"),
    ("how do I convert a float to an int", "type-conversion"),
    ("what does [::-1] do", "slicing"),
    ("negative index", "indexing"),
    ("split and join", "string-methods"),
    ("remove duplicates from a list", "sets"),
    ("tupple", "tuples"),
    ("whats a lamda", "lambda"),
    ("dictionery", "dicts"),
    ("funtions", "functions"),
    ("excepions", "exceptions"),
    ("inheritence", "inheritance"),
    ("decorater", "decorators"),
    ("genrators", "generators"),
    ("recusive functions", "recursion"),
    ("explain the yeild keyword", "generators"),
    ("lsit methods", "lists"),
    ("yo whats the deal with dicts lol", "dicts"),
    ("ngl recursion confuses me", "recursion"),
    ("pls explain for loops", "for-loops"),
    ("wtf is a generator", "generators"),
    ("how do I get user input", "print-input"),
    ("what does the with keyword do", "context-managers"),
    ("type hints", "type-hints"),
    ("how to read a traceback", "tracebacks"),
    ("modulo operator", "numbers"),
    ("what does // mean", "numbers"),
    ("list comprehension with if", "comprehensions"),
    ("dict comprehension", "comprehensions"),
    ("what's the point of tuples", "tuples"),
    ("what is self in python", "classes"),
    ("difference between break and continue", "break-continue"),
    ("string methods like upper and lower", "string-methods"),
    ("KeyError", "dicts"),
    ("IndexError: list index out of range", "indexing"),
    ("RecursionError maximum recursion depth exceeded", "recursion"),
    ("what is the walrus operator", "variables"),
    ("return vs print", "return-values"),
    ("why does my function return None", "return-values"),
    ("infinite loop", "while-loops"),
    ("what is truthy and falsy", "boolean-logic"),
    ("nested if statements", "conditionals"),
    ("how do i open and read a csv file", "file-io"),
    ("how to check if a key exists in a dict", "dicts"),
    ("how do I count how many times a word appears", "dicts"),
    ("how to reverse a list", "slicing"),
    ("what does strip do", "string-methods"),
    ("what is a stack trace", "tracebacks"),
    ("what's the difference between append and extend", "lists"),
    ("what is a closure", "scope"),
    ("what is polymorphism", "inheritance"),
]


@pytest.mark.parametrize(("text", "slug"), PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_lookup_ranks_the_right_topic_first(text: str, slug: str) -> None:
    ranked = lookup(text)
    assert ranked, f"nothing matched {text!r}"
    assert ranked[0][0] == slug, ranked[:3]


def test_phrasing_set_is_large_and_varied() -> None:
    assert len(PHRASINGS) >= 40
    assert len({slug for _, slug in PHRASINGS}) >= 40


def test_lookup_scores_are_ranked_and_bounded() -> None:
    ranked = lookup("how to use enumerate in a for loop over a list")
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s < 1 for s in scores)
    assert [slug for slug, _ in ranked][:2] == ["enumerate-zip", "for-loops"]


def test_comparison_question_finds_both_topics() -> None:
    ranked = lookup("whats the diffrence between a tuple and a list")
    assert {slug for slug, _ in ranked[:2]} == {"tuples", "lists"}


def test_weak_keywords_count_only_as_code() -> None:
    # "try" is English here: sorting wins and exceptions is far too weak to be explained.
    ranked = dict(lookup("I try to sort a list"))
    assert max(ranked, key=ranked.get) == "sorting"
    assert ranked.get("exceptions", 0) < 0.5
    assert dict(lookup("what does try do"))["exceptions"] > 0.5


@pytest.mark.parametrize("text", ["explain quantum chromodynamics", "what is kubernetes", "", "   ", "?!"])
def test_lookup_finds_nothing_for_unknown_topics(text: str) -> None:
    assert all(score < 0.5 for _, score in lookup(text))


def test_lookup_survives_a_very_long_question() -> None:
    text = "please help me understand " + "dictionaries and " * 2000 + "zzzqqq"
    assert lookup(text)[0][0] == "dicts"


# --- explain(): the reply -----------------------------------------------------------------


def test_explain_reply_shape() -> None:
    query = ask("what's a dict", skill_level="beginner", learning_style="example-driven")
    reply = explain(query)
    assert isinstance(reply, AgentReply)
    assert reply.query_id == query.query_id
    assert reply.agent == "concepts" and reply.provenance.agent == "concepts"
    assert reply.provenance.provider == "offline"
    assert reply.concepts == ["dicts"]
    concept = get_concept("dicts")
    assert reply.summary == concept.beginner.definition
    assert reply.data["topic"] == "dicts" and reply.data["level"] == "beginner"
    assert reply.data["matches"][0] == {"slug": "dicts", "score": pytest.approx(0.667, abs=0.01)}
    assert len(reply.data["matches"]) <= 3
    [block] = reply.code_blocks
    assert block.role is CodeRole.EXAMPLE
    assert block.code.startswith(concept.beginner.example.rstrip())
    for line in concept.beginner.output.splitlines():
        assert f"# {line}".rstrip() in block.code
    assert concept.beginner.analogy in reply.explanation
    for pitfall in concept.pitfalls:
        assert pitfall.title in reply.explanation
    assert "### Next step" in reply.explanation
    assert 0 < len(reply.hints) <= 2 and all(h.endswith("?") for h in reply.hints)
    explain_actions = [a for a in reply.actions if a.kind is ActionKind.EXPLAIN_CONCEPT]
    assert 1 <= len(explain_actions) <= 2
    assert all(a.args["concept"] in SLUGS for a in explain_actions)
    exercise = [a for a in reply.actions if a.kind is ActionKind.ASK_AGENT]
    assert [a.args for a in exercise] == [{"agent": "exercise", "topic": "dicts"}]
    # The reply survives the bus: JSON round trip.
    assert AgentReply.model_validate_json(reply.model_dump_json()) == reply


def test_beginner_and_advanced_replies_differ_materially() -> None:
    beginner = explain(ask("explain recursion", skill_level="beginner"))
    advanced = explain(ask("explain recursion", skill_level="advanced"))
    concept = get_concept("recursion")
    assert beginner.summary == concept.beginner.definition
    assert advanced.summary == concept.advanced.definition
    assert concept.beginner.analogy in beginner.explanation
    assert "Think of it like this" not in advanced.explanation
    assert beginner.code_blocks[0].code != advanced.code_blocks[0].code
    assert concept.advanced.points[0] in advanced.explanation
    assert concept.advanced.points[0] not in beginner.explanation
    assert advanced.data["level"] == "advanced"


def _position(text: str, needle: str) -> int:
    index = text.find(needle)
    assert index >= 0, f"{needle!r} not in reply"
    return index


def test_learning_style_changes_the_structure() -> None:
    concept = get_concept("for-loops")
    level = concept.intermediate
    replies = {
        style: explain(ask("for loops", skill_level="intermediate", learning_style=style)).explanation
        for style in ("step-by-step", "example-driven", "visual")
    }
    steps = replies["step-by-step"]
    assert "### Step by step" in steps
    assert re.search(r"^1\. .+\n2\. .+\n3\. ", steps, re.MULTILINE)
    assert _position(steps, level.points[0]) < _position(steps, level.example.strip().splitlines()[0])

    examples = replies["example-driven"]
    assert _position(examples, level.example.strip().splitlines()[0]) < _position(examples, level.points[0])
    assert "### Step by step" not in examples

    visual = replies["visual"]
    assert concept.diagram.strip().splitlines()[0].strip() in visual
    assert "| # | Idea |\n|---|------|\n| 1 |" in visual
    assert concept.diagram.strip().splitlines()[0].strip() not in examples
    assert len(set(replies.values())) == 3


def test_uncovered_prerequisites_are_flagged() -> None:
    fresh = explain(ask("dicts", topics_covered=[]))
    assert "You may want to review first" in fresh.explanation
    assert fresh.data["review_first"] == ["lists", "strings"]
    # Covered topics may be named loosely ("Lists", "text strings"); mastery counts too.
    partly = explain(ask("dicts", topics_covered=["Lists"], mastery={}))
    assert partly.data["review_first"] == ["strings"]
    done = explain(ask("dicts", topics_covered=["lists"], mastery={"strings": 0.9}))
    assert done.data["review_first"] == []
    assert "You may want to review first" not in done.explanation
    # The first review topic is offered as an explain-concept action.
    first = fresh.actions[0]
    assert first.kind is ActionKind.EXPLAIN_CONCEPT and first.args == {"concept": "lists"}


@pytest.mark.parametrize("text", ["explain quantum chromodynamics", "what is kubernetes"])
def test_unknown_topic_gets_an_honest_not_in_notes_reply(text: str) -> None:
    reply = explain(ask(text))
    assert "not in my notes yet" in reply.summary
    assert reply.data["topic"] is None
    closest = reply.data["closest"]
    assert closest and set(closest) <= set(SLUGS)
    assert reply.concepts == [] and reply.code_blocks == []
    assert [a.args["concept"] for a in reply.actions] == closest
    assert all(a.kind is ActionKind.EXPLAIN_CONCEPT for a in reply.actions)
    subject = "kubernetes" if "kubernetes" in text else "quantum chromodynamics"
    assert subject in reply.summary
    # No invented explanation: nothing from any topic's definitions appears in the reply.
    for slug in closest:
        assert get_concept(slug).intermediate.definition not in reply.explanation


def test_near_miss_names_the_closest_topics() -> None:
    reply = explain(ask("what is a dictionarry comprehensionn of tupels in numpy"))
    assert reply.data["topic"] is not None  # typos are fine: this one is answerable
    miss = explain(ask("how does numpy broadcasting work"))
    assert miss.data["topic"] is None and miss.data["closest"]


def test_comparison_covers_both_topics() -> None:
    reply = explain(ask("whats the diffrence between a tuple and a list", learning_style="visual"))
    assert reply.concepts == ["tuples", "lists"]
    assert reply.data["topic"] == "tuples" and reply.data["compared"] == ["tuples", "lists"]
    assert "## Tuples vs Lists" in reply.explanation
    assert "| | Tuples | Lists |" in reply.explanation
    assert "| Can it change? |" in reply.explanation
    assert get_concept("lists").compare["tuples"] in reply.explanation
    assert [b.title for b in reply.code_blocks] == [get_concept("tuples").title, get_concept("lists").title]
    assert "tuples" in reply.summary.lower() and "lists" in reply.summary.lower()
    practise = {a.args["topic"] for a in reply.actions if a.kind is ActionKind.ASK_AGENT}
    assert practise == {"tuples", "lists"}


def test_comparison_keeps_the_students_order() -> None:
    assert explain(ask("list vs set")).concepts == ["lists", "sets"]
    assert explain(ask("set or list?")).concepts == ["sets", "lists"]


def test_two_topics_without_a_comparison_get_one_explanation() -> None:
    reply = explain(ask("how do I sort a list"))
    assert reply.concepts == ["sorting"]


def test_named_concept_overrides_the_text() -> None:
    # The debug agent asks for a linked explanation by slug (or by an error name).
    query = ask("IndexError: list index out of range on line 3")
    assert explain(query, concept="mutability").concepts == ["mutability"]
    assert explain(query, concept="IndexError").concepts == ["indexing"]
    assert explain(query, concept="Return Values").concepts == ["return-values"]
    missing = explain(query, concept="monads")
    assert missing.data["topic"] is None and "monads" in missing.summary


def test_code_only_query_is_explained_from_the_code() -> None:
    reply = explain(ask(code="def countdown(n):\n    yield n\n"))
    assert reply.concepts == ["generators"]
    prose = explain(ask("what is this?", code="squares = [n * n for n in range(5)]\nprint(squares)"))
    assert prose.data["topic"] is not None


def test_traceback_only_query_is_explained_from_the_error_line() -> None:
    traceback = "Traceback (most recent call last):\n  Cell In[2], line 1\nKeyError: 'kiwi'\n"
    reply = explain(StudentQuery(traceback=traceback))
    assert reply.concepts == ["dicts"]
