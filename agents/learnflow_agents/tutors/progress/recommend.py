"""Skill level and next-topic recommendations over the concepts agent's prerequisite graph."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from learnflow_agents.contracts import SkillLevel
from learnflow_agents.tutors.progress.config import ProgressConfig

Graph = Mapping[str, list[str]]


@cache
def _curriculum() -> tuple[dict[str, list[str]], tuple[str, ...]]:
    from learnflow_agents.tutors.concepts import learning_order, prerequisite_graph

    return prerequisite_graph(), learning_order()


def curriculum_graph() -> dict[str, list[str]]:
    return dict(_curriculum()[0])


def _ancestors(graph: Graph, topic: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.get(topic, []))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, []))
    return seen


def known_topics(mastery: Mapping[str, float], threshold: float, graph: Graph | None = None) -> set[str]:
    """Mastered topics plus everything they build on.

    Mastering comprehensions shows for-loops and conditionals are known, even with no
    direct evidence on them; without this a student would be sent back to basics they
    have plainly used.
    """
    graph = graph if graph is not None else curriculum_graph()
    mastered = {t for t, p in mastery.items() if p >= threshold}
    return mastered.union(*(_ancestors(graph, t) for t in mastered))


def skill_level(mastery: Mapping[str, float], cfg: ProgressConfig, graph: Graph | None = None) -> SkillLevel:
    """From how many topics are known (see `known_topics`): below `intermediate_from`
    beginner, below `advanced_from` intermediate, else advanced."""
    known = len(known_topics(mastery, cfg.mastered, graph))
    if known >= cfg.advanced_from:
        return SkillLevel.ADVANCED
    if known >= cfg.intermediate_from:
        return SkillLevel.INTERMEDIATE
    return SkillLevel.BEGINNER


@dataclass(frozen=True)
class Recommendation:
    topic: str
    readiness: float
    current: float | None
    prerequisites: list[str]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "readiness": self.readiness,
            "current": self.current,
            "prerequisites": self.prerequisites,
            "reason": self.reason,
        }


def recommendations(
    mastery: Mapping[str, float],
    cfg: ProgressConfig,
    graph: Graph | None = None,
    limit: int = 5,
) -> list[Recommendation]:
    """Topics not yet known whose prerequisites all are, most ready first.

    Readiness weighs how firmly the prerequisites are held (their weakest estimate; an
    implied one counts as held) and how far the student already is on the topic itself,
    so topics under way come before fresh ones; ties follow the curriculum's order.
    """
    if graph is None:
        graph, order = _curriculum()
    else:
        order = tuple(graph)
    known = known_topics(mastery, cfg.mastered, graph)
    rank = {topic: i for i, topic in enumerate(order)}
    found = []
    for topic, prereqs in graph.items():
        if topic in known or not set(prereqs) <= known:
            continue
        held = min((max(mastery.get(p, 0.0), cfg.mastered) for p in prereqs), default=1.0)
        current = mastery.get(topic)
        readiness = round(0.7 * held + 0.3 * (current or 0.0), 3)
        if prereqs:
            reason = f"builds on {', '.join(prereqs)}, which you know"
        else:
            reason = "a starting point: it needs nothing else first"
        if current is not None:
            reason += f"; you are already at {current:.0%} on it"
        found.append(Recommendation(topic, readiness, current, list(prereqs), reason))
    found.sort(key=lambda r: (-r.readiness, rank.get(r.topic, len(rank)), r.topic))
    return found[:limit]
