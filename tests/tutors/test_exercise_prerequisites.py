"""The exercise bank's prerequisite graph: no cycle, and every exercise reachable from nothing.

A student starts with an empty record. Passing an exercise makes its topic known; a topic
the bank has no exercise for is learnt from the concepts agent (and declared with
`%learnflow config known_topics+=...`). Every exercise must become available that way, and
no two topics may each require the other first (the lists / for-loops cycle did).
"""

from pathlib import Path

import pytest
from learnflow_agents.contracts.curriculum import DIFFICULTY_ORDER
from learnflow_agents.tutors.concepts.catalog import all_slugs
from learnflow_agents.tutors.exercise.bank import RELEASED_DIR, Bank, load_directory
from learnflow_agents.tutors.exercise.picker import pick, unmet_prerequisites

REPO = Path(__file__).resolve().parents[2]
BANKS = {
    "bank": REPO / "agents/bank/learnflow_exercise_bank/notebooks",
    "released": RELEASED_DIR,
}


@pytest.fixture(params=sorted(BANKS), scope="module")
def bank(request: pytest.FixtureRequest) -> Bank:
    return load_directory(BANKS[request.param])


def topic_graph(bank: Bank) -> dict[str, set[str]]:
    """Topic -> the topics its first exercises (the easiest ones on it) build on.

    Harder exercises may build on more (advanced exceptions on classes, while classes build
    on exceptions): the way into a topic is its easiest exercise, so that is what must not
    go round in a circle.
    """
    graph: dict[str, set[str]] = {}
    for topic in bank.topics:
        exercises = bank.for_topic(topic)
        easiest = min(DIFFICULTY_ORDER.index(e.difficulty) for e in exercises)
        graph[topic.value] = {
            p.value
            for e in exercises
            if DIFFICULTY_ORDER.index(e.difficulty) == easiest
            for p in e.prerequisites
            if p is not e.topic
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def reachable(bank: Bank) -> tuple[set[str], list[str]]:
    """Exercises a student can get to from an empty record, in the order they open up."""
    with_exercises = {e.topic.value for e in bank}
    known = {slug for slug in all_slugs() if slug not in with_exercises}
    order: list[str] = []
    changed = True
    while changed:
        changed = False
        for exercise in bank:
            if exercise.id not in order and not unmet_prerequisites(exercise, known):
                order.append(exercise.id)
                known.add(exercise.topic.value)
                changed = True
    return known, order


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"lists": {"for-loops"}, "for-loops": {"lists"}}) == ["for-loops", "lists", "for-loops"]
    assert find_cycle({"lists": {"for-loops"}, "for-loops": {"functions"}}) is None


def test_no_topic_requires_itself_through_others(bank: Bank) -> None:
    assert find_cycle(topic_graph(bank)) is None


def test_lists_and_for_loops_do_not_require_each_other(bank: Bank) -> None:
    graph = topic_graph(bank)
    assert not ("for-loops" in graph["lists"] and "lists" in graph["for-loops"])


def test_every_prerequisite_is_a_topic_the_concepts_agent_teaches(bank: Bank) -> None:
    slugs = set(all_slugs())
    for exercise in bank:
        assert {p.value for p in exercise.prerequisites} <= slugs, exercise.id


def test_every_exercise_is_reachable_from_an_empty_record(bank: Bank) -> None:
    _known, order = reachable(bank)
    assert sorted(order) == sorted(e.id for e in bank)
    # The very first exercise needs nothing at all.
    assert any(not e.prerequisites for e in bank)


def test_the_first_loop_and_list_exercises_are_offered_in_order(bank: Bank) -> None:
    # A beginner who knows functions and conditionals gets the for-loop exercise, then the list one.
    covered = ["variables", "numbers", "functions", "comparison", "conditionals"]
    first = pick("for-loops", "beginner", covered, bank=bank)
    assert first.id == "sum-of-evens"
    assert pick("lists", "beginner", [*covered, "for-loops"], bank=bank).id == "remove-all"
