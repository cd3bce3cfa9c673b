"""Loads the concept base (one TOML file per topic under base/) and checks it as a whole."""

from __future__ import annotations

import tomllib
from functools import cache
from graphlib import CycleError, TopologicalSorter
from importlib import resources

from learnflow_agents.tutors.concepts.model import Concept


class ConceptBaseError(ValueError):
    """The shipped concept base is inconsistent (a packaging or authoring bug)."""


@cache
def _base() -> dict[str, Concept]:
    concepts: dict[str, Concept] = {}
    folder = resources.files("learnflow_agents.tutors.concepts").joinpath("base")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            concept = Concept.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            raise ConceptBaseError(f"{entry.name}: {exc}") from exc
        if entry.name != f"{concept.slug}.toml":
            raise ConceptBaseError(f"{entry.name}: file name must be the slug ({concept.slug}.toml)")
        concepts[concept.slug] = concept
    _check_references(concepts)
    return concepts


def _check_references(concepts: dict[str, Concept]) -> None:
    for concept in concepts.values():
        referenced = {
            "prerequisites": concept.prerequisites,
            "related": concept.related,
            "practice": [concept.practice],
            "compare": list(concept.compare),
        }
        for field, slugs in referenced.items():
            missing = [s for s in slugs if s not in concepts]
            if missing:
                raise ConceptBaseError(f"{concept.slug}: unknown {field} {missing}")
    try:
        # The progress agent walks this graph; a cycle would make "what to learn first" undefined.
        tuple(TopologicalSorter(prerequisite_graph_of(concepts)).static_order())
    except CycleError as exc:
        raise ConceptBaseError(f"prerequisite cycle: {exc.args[1]}") from exc


def prerequisite_graph_of(concepts: dict[str, Concept]) -> dict[str, list[str]]:
    return {slug: list(c.prerequisites) for slug, c in concepts.items()}


def concepts() -> dict[str, Concept]:
    return dict(_base())


def get_concept(slug: str) -> Concept:
    """The topic with this slug; KeyError (naming the valid slugs' count) when absent."""
    try:
        return _base()[slug]
    except KeyError:
        raise KeyError(f"no concept {slug!r} in the base ({len(_base())} topics)") from None


def all_slugs() -> list[str]:
    return sorted(_base())


def prerequisites(slug: str) -> list[str]:
    """Direct prerequisites of a topic, in the order the base lists them."""
    return list(get_concept(slug).prerequisites)


def prerequisite_graph() -> dict[str, list[str]]:
    """slug -> direct prerequisites, for every topic; a copy the caller may change."""
    return prerequisite_graph_of(_base())


@cache
def learning_order() -> tuple[str, ...]:
    """Every slug, prerequisites first; ties broken alphabetically so the order is stable."""
    sorter = TopologicalSorter(prerequisite_graph())
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return tuple(order)


@cache
def depth(slug: str) -> int:
    """Length of the longest prerequisite chain below a topic: a rough 'how specific is it'."""
    prereqs = get_concept(slug).prerequisites
    return 1 + max((depth(p) for p in prereqs), default=-1)


@cache
def ancestors(slug: str) -> frozenset[str]:
    """Every topic that must come before this one, directly or transitively."""
    direct = get_concept(slug).prerequisites
    return frozenset(direct).union(*(ancestors(p) for p in direct))
