"""The curriculum's vocabulary: topic slugs, difficulties, and how students name topics.

Every part of LearnFlow speaks these (exercise metadata and the picker, the concept base's
links, progress's mastery keys, the kernel's `known_topics`). The enum is
`CurriculumTopic`, not `Topic`: `contracts.Topic` is the bus's topic names.
"""

import re
from enum import StrEnum
from itertools import pairwise


class CurriculumTopic(StrEnum):
    """The curriculum's topic slugs; prerequisites and the picker speak these."""

    VARIABLES = "variables"
    NUMBERS = "numbers"
    TYPE_CONVERSION = "type-conversion"
    STRINGS = "strings"
    F_STRINGS = "f-strings"
    STRING_METHODS = "string-methods"
    INDEXING = "indexing"
    SLICING = "slicing"
    LISTS = "lists"
    TUPLES = "tuples"
    DICTS = "dicts"
    SETS = "sets"
    MUTABILITY = "mutability"
    NONE = "none"
    CONDITIONALS = "conditionals"
    BOOLEAN_LOGIC = "boolean-logic"
    COMPARISON = "comparison"
    FOR_LOOPS = "for-loops"
    WHILE_LOOPS = "while-loops"
    RANGE = "range"
    BREAK_CONTINUE = "break-continue"
    COMPREHENSIONS = "comprehensions"
    ENUMERATE_ZIP = "enumerate-zip"
    UNPACKING = "unpacking"
    FUNCTIONS = "functions"
    PARAMETERS = "parameters"
    RETURN_VALUES = "return-values"
    SCOPE = "scope"
    RECURSION = "recursion"
    LAMBDA = "lambda"
    MODULES_IMPORTS = "modules-imports"
    EXCEPTIONS = "exceptions"
    FILE_IO = "file-io"
    CLASSES = "classes"
    INHERITANCE = "inheritance"
    DUNDER_METHODS = "dunder-methods"
    ITERATORS = "iterators"
    GENERATORS = "generators"
    DECORATORS = "decorators"
    SORTING = "sorting"
    BIG_O = "big-o"
    TESTING_ASSERT = "testing-assert"


class Difficulty(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


DIFFICULTY_ORDER = (Difficulty.BEGINNER, Difficulty.INTERMEDIATE, Difficulty.ADVANCED)


# Words students and other agents use for a topic, mapped to the curriculum slug.
_ALIASES: dict[str, CurriculumTopic] = {
    "variable": CurriculumTopic.VARIABLES,
    "int": CurriculumTopic.NUMBERS,
    "float": CurriculumTopic.NUMBERS,
    "integers": CurriculumTopic.NUMBERS,
    "arithmetic": CurriculumTopic.NUMBERS,
    "casting": CurriculumTopic.TYPE_CONVERSION,
    "string": CurriculumTopic.STRINGS,
    "str": CurriculumTopic.STRINGS,
    "fstrings": CurriculumTopic.F_STRINGS,
    "f-string": CurriculumTopic.F_STRINGS,
    "formatting": CurriculumTopic.F_STRINGS,
    "list": CurriculumTopic.LISTS,
    "tuple": CurriculumTopic.TUPLES,
    "dict": CurriculumTopic.DICTS,
    "dictionary": CurriculumTopic.DICTS,
    "dictionaries": CurriculumTopic.DICTS,
    "set": CurriculumTopic.SETS,
    "if": CurriculumTopic.CONDITIONALS,
    "if-statements": CurriculumTopic.CONDITIONALS,
    "loops": CurriculumTopic.FOR_LOOPS,
    "loop": CurriculumTopic.FOR_LOOPS,
    "for-loop": CurriculumTopic.FOR_LOOPS,
    "while-loop": CurriculumTopic.WHILE_LOOPS,
    "list-comprehensions": CurriculumTopic.COMPREHENSIONS,
    "comprehension": CurriculumTopic.COMPREHENSIONS,
    "function": CurriculumTopic.FUNCTIONS,
    "arguments": CurriculumTopic.PARAMETERS,
    "closures": CurriculumTopic.SCOPE,
    "lambdas": CurriculumTopic.LAMBDA,
    "imports": CurriculumTopic.MODULES_IMPORTS,
    "modules": CurriculumTopic.MODULES_IMPORTS,
    "errors": CurriculumTopic.EXCEPTIONS,
    "error-handling": CurriculumTopic.EXCEPTIONS,
    "try-except": CurriculumTopic.EXCEPTIONS,
    "files": CurriculumTopic.FILE_IO,
    "oop": CurriculumTopic.CLASSES,
    "class": CurriculumTopic.CLASSES,
    "objects": CurriculumTopic.CLASSES,
    "magic-methods": CurriculumTopic.DUNDER_METHODS,
    "iterator": CurriculumTopic.ITERATORS,
    "generator": CurriculumTopic.GENERATORS,
    "yield": CurriculumTopic.GENERATORS,
    "decorator": CurriculumTopic.DECORATORS,
    "sort": CurriculumTopic.SORTING,
    "complexity": CurriculumTopic.BIG_O,
    "performance": CurriculumTopic.BIG_O,
    "testing": CurriculumTopic.TESTING_ASSERT,
    "assert": CurriculumTopic.TESTING_ASSERT,
    "none-type": CurriculumTopic.NONE,
}


def normalise_topic(name: str) -> CurriculumTopic | None:
    """The curriculum slug for a topic name ("List Comprehensions" -> comprehensions), or None."""
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    try:
        return CurriculumTopic(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    singular = key.removesuffix("s")
    try:
        return CurriculumTopic(singular)
    except ValueError:
        return _ALIASES.get(singular)


def infer_topic(text: str) -> CurriculumTopic | None:
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
