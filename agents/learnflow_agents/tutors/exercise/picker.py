"""Choose an exercise for a topic that fits the student's level and what they already know."""

import re
from collections.abc import Iterable, Mapping
from itertools import pairwise

from learnflow_agents.contracts.query import SkillLevel
from learnflow_agents.tutors.exercise.bank import Bank, Exercise, load_bank
from learnflow_agents.tutors.exercise.format import DIFFICULTY_ORDER, Difficulty, Topic

# A prerequisite counts as met when covered, or when mastery evidence reaches this.
MASTERY_THRESHOLD = 0.6

# Words students and other agents use for a topic, mapped to the curriculum slug.
_ALIASES: dict[str, Topic] = {
    "variable": Topic.VARIABLES,
    "int": Topic.NUMBERS,
    "float": Topic.NUMBERS,
    "integers": Topic.NUMBERS,
    "arithmetic": Topic.NUMBERS,
    "casting": Topic.TYPE_CONVERSION,
    "string": Topic.STRINGS,
    "str": Topic.STRINGS,
    "fstrings": Topic.F_STRINGS,
    "f-string": Topic.F_STRINGS,
    "formatting": Topic.F_STRINGS,
    "list": Topic.LISTS,
    "tuple": Topic.TUPLES,
    "dict": Topic.DICTS,
    "dictionary": Topic.DICTS,
    "dictionaries": Topic.DICTS,
    "set": Topic.SETS,
    "if": Topic.CONDITIONALS,
    "if-statements": Topic.CONDITIONALS,
    "loops": Topic.FOR_LOOPS,
    "loop": Topic.FOR_LOOPS,
    "for-loop": Topic.FOR_LOOPS,
    "while-loop": Topic.WHILE_LOOPS,
    "list-comprehensions": Topic.COMPREHENSIONS,
    "comprehension": Topic.COMPREHENSIONS,
    "function": Topic.FUNCTIONS,
    "arguments": Topic.PARAMETERS,
    "closures": Topic.SCOPE,
    "lambdas": Topic.LAMBDA,
    "imports": Topic.MODULES_IMPORTS,
    "modules": Topic.MODULES_IMPORTS,
    "errors": Topic.EXCEPTIONS,
    "error-handling": Topic.EXCEPTIONS,
    "try-except": Topic.EXCEPTIONS,
    "files": Topic.FILE_IO,
    "oop": Topic.CLASSES,
    "class": Topic.CLASSES,
    "objects": Topic.CLASSES,
    "magic-methods": Topic.DUNDER_METHODS,
    "iterator": Topic.ITERATORS,
    "generator": Topic.GENERATORS,
    "yield": Topic.GENERATORS,
    "decorator": Topic.DECORATORS,
    "sort": Topic.SORTING,
    "complexity": Topic.BIG_O,
    "performance": Topic.BIG_O,
    "testing": Topic.TESTING_ASSERT,
    "assert": Topic.TESTING_ASSERT,
    "none-type": Topic.NONE,
}

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


def normalise_topic(name: str) -> Topic | None:
    """The curriculum slug for a topic name ("List Comprehensions" -> comprehensions), or None."""
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    try:
        return Topic(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    singular = key.removesuffix("s")
    try:
        return Topic(singular)
    except ValueError:
        return _ALIASES.get(singular)


def infer_topic(text: str) -> Topic | None:
    """The first topic named in free text ("give me a recursion exercise" -> recursion)."""
    words = re.findall(r"[a-z][a-z-]*", text.lower())
    # Two-word phrases first, so "while loops" wins over "loops".
    for first, second in pairwise(words):
        topic = normalise_topic(f"{first}-{second}")
        if topic is not None:
            return topic
    for word in words:
        topic = normalise_topic(word)
        if topic is not None:
            return topic
    return None


def unmet_prerequisites(
    exercise: Exercise, topics_covered: Iterable[str], mastery: Mapping[str, float] | None = None
) -> list[Topic]:
    covered = {normalise_topic(t) for t in topics_covered}
    known_mastery: dict[Topic, float] = {}
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
        known = ", ".join(t.value for t in Topic)
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
            f"(`%learnflow config known_topics={','.join(missing)}`) and ask again.",
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
