"""Choose an exercise for a topic that fits the student's level and what they already know."""

from collections.abc import Iterable, Mapping

from learnflow_agents.contracts.curriculum import (
    DIFFICULTY_ORDER,
    CurriculumTopic,
    Difficulty,
    normalise_topic,
)
from learnflow_agents.contracts.query import SkillLevel
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, load_bank

# A prerequisite counts as met when covered, or when mastery evidence reaches this.
MASTERY_THRESHOLD = 0.6

_LEVEL_TO_DIFFICULTY = {
    SkillLevel.BEGINNER: Difficulty.BEGINNER,
    SkillLevel.INTERMEDIATE: Difficulty.INTERMEDIATE,
    SkillLevel.ADVANCED: Difficulty.ADVANCED,
}


class NoExerciseFitsError(LookupError):
    """Nothing in the bank fits; `learn_first` names the prerequisites to study first."""

    def __init__(self, message: str, topic: str, learn_first: list[str] | None = None) -> None:
        super().__init__(message)
        self.topic = topic
        self.learn_first = learn_first or []


def unmet_prerequisites(
    exercise: Exercise, topics_covered: Iterable[str], mastery: Mapping[str, float] | None = None
) -> list[CurriculumTopic]:
    covered = {normalise_topic(t) for t in topics_covered}
    known_mastery: dict[CurriculumTopic, float] = {}
    for name, value in (mastery or {}).items():
        topic = normalise_topic(name)
        if topic is not None:
            known_mastery[topic] = max(value, known_mastery.get(topic, 0.0))
    # An advanced exercise may list its own topic: "do the easier ones on this first".
    return [
        p
        for p in exercise.prerequisites
        if p not in covered and known_mastery.get(p, 0.0) < MASTERY_THRESHOLD
    ]


def _difficulty_for(skill_level: SkillLevel | str) -> Difficulty:
    return _LEVEL_TO_DIFFICULTY[SkillLevel(skill_level)]


def _distance(a: Difficulty, b: Difficulty) -> int:
    return abs(DIFFICULTY_ORDER.index(a) - DIFFICULTY_ORDER.index(b))


def pick(
    topic: str,
    skill_level: SkillLevel | str,
    topics_covered: Iterable[str],
    mastery: Mapping[str, float] | None = None,
    exclude: Iterable[str] = (),
    *,
    bank: Bank | None = None,
) -> Exercise:
    """The best exercise on `topic` for this student.

    Never one with unmet prerequisites. Prefers the difficulty matching the skill
    level, then the nearest one (easier before harder); within a difficulty, the
    first by id that is not excluded, so the choice is reproducible.
    """
    bank = bank or load_bank()
    slug = normalise_topic(topic)
    if slug is None:
        known = ", ".join(t.value for t in CurriculumTopic)
        raise NoExerciseFitsError(f"{topic!r} is not a topic I know. Try one of: {known}.", topic)
    candidates = [e for e in bank.for_topic(slug) if e.id not in set(exclude)]
    if not candidates:
        have = sorted(t.value for t in bank.topics)
        reason = (
            "you have done every exercise on" if bank.for_topic(slug) else "there are no exercises yet for"
        )
        raise NoExerciseFitsError(
            f"Sorry, {reason} {slug.value!r}. Topics with exercises: {', '.join(have)}.", slug.value
        )
    covered = list(topics_covered)
    ready = [e for e in candidates if not unmet_prerequisites(e, covered, mastery)]
    if not ready:
        # Suggest the prerequisites of the most approachable exercise: fewest to learn, then easiest.
        easiest = min(
            candidates,
            key=lambda e: (
                len(unmet_prerequisites(e, covered, mastery)),
                DIFFICULTY_ORDER.index(e.difficulty),
                e.id,
            ),
        )
        missing = [p.value for p in unmet_prerequisites(easiest, covered, mastery)]
        raise NoExerciseFitsError(
            f"Every {slug.value!r} exercise builds on topics you haven't covered yet. "
            f"Learn {_join(missing)} first, then come back to {slug.value}. Already know "
            f"{'it' if len(missing) == 1 else 'them'}? Say so in your preferences "
            f"(`%learnflow config known_topics+={','.join(missing)}`, which adds to what you "
            "declared before) and ask again.",
            slug.value,
            learn_first=missing,
        )
    target = _difficulty_for(skill_level)
    return min(
        ready, key=lambda e: (_distance(e.difficulty, target), DIFFICULTY_ORDER.index(e.difficulty), e.id)
    )


def _join(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
