"""Turning a student's question into comparable tokens: tokenizer, stemmer, typo distance.

Kept free of concept-base knowledge so the same normalisation is applied to the aliases
when the index is built and to the question when it is looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Dropped everywhere, including inside alias phrases: "a hash map" == "hash map".
ARTICLES = frozenset({"a", "an", "the"})

# Filler in students' questions. Never typo-corrected into a topic word, and not counted as
# the subject of a question when nothing matches. Comparison cues live here too, so that
# "diffrence" is corrected to a stop word instead of to some topic word.
_STOP_TEXT = """
    what whats how hows why when where which who whom whose does do did doing done is are was were
    be been being can could should would will shall may might must i im me my mine you your yours we
    our us it its this that thats these those there here of to in on at by for with about from into
    over under between and or not but so if then than also just please pls plz explain explanation
    explained tell show teach understand understanding learn learning mean means meaning meant work
    works working use using used python python3 py code coding program programming example examples
    difference differences differ different vs versus compare compared comparing comparison help need
    want wanna know get make thing things stuff really still confused confusing confuses dont doesnt
    cant isnt arent didnt wont lol ngl tbh wtf idk yo hey hi ok okay like deal simple simply words
    word way ways good best better bad again some any all one two each every concept concepts topic
    topics basics basic introduction intro guide tutorial question quick eli5 actually exactly right
    am as no yes let lets go going gonna got give something anything everything someone trying try
    tried new old more most much many very too same other another same own up down out off around
    them they their he she his her him sure kind guess think thought see look looks even only ever
    never
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Python keywords that are also everyday English. Alone, they only count as a topic
# signal when the question treats them as code (see lookup._weak_weight).
WEAK_WORDS = frozenset(
    {"if", "for", "while", "in", "is", "not", "and", "or", "try", "with", "as", "else", "from", "pass"}
)

# Words next to a weak keyword that show it is meant as code: "what does try do".
_CUE_TEXT = """
do does keyword keywords statement statements block blocks clause mean means work works used explain
loop loops
"""
CODE_CUES = frozenset(_CUE_TEXT.split())

_COMPARISON_TEXT = """
difference differences differ different vs versus compare compared comparing comparison between better instead
which
"""
COMPARISON_CUES = frozenset(_COMPARISON_TEXT.split())

_TOKEN_RE = re.compile(
    r"""
      (?P<slice>\[\s*-?\d*\s*:[\s\d:-]*\])          # [1:3], [::-1], [:]
    | (?P<op>==|!=|<=|>=|:=|->|&&|\|\||//|\*\*(?![A-Za-z_])|%[sdr]\b|%|@)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*|\d+)
    | (?P<tick>`)
    """,
    re.VERBOSE,
)
_APOSTROPHE_RE = re.compile(r"(?<=[A-Za-z])['’](?=[A-Za-z])")


@dataclass(frozen=True, slots=True)
class Token:
    raw: str  # lower-cased surface form
    stem: str  # what is compared against the index
    code: bool  # in backticks, after a dot or before "(": written as code


def stem(word: str) -> str:
    """A deliberately tiny plural stripper: enough to equate 'lists' with 'list'."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str, *, all_code: bool = False) -> list[Token]:
    text = _APOSTROPHE_RE.sub("", text)
    tokens: list[Token] = []
    in_backticks = False
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "tick":
            in_backticks = not in_backticks
            continue
        if kind == "slice":
            tokens.append(Token("[:]", "[:]", True))
            continue
        raw = m.group().lower()
        if kind == "op":
            tokens.append(Token(raw, raw, True))
            continue
        start, end = m.span()
        looks_like_code = (
            all_code
            or in_backticks
            or (start > 0 and text[start - 1] == ".")
            or text[end : end + 1] == "("
            or (raw.startswith("__") and raw.endswith("__") and len(raw) > 4)
        )
        if raw in ARTICLES:
            continue
        tokens.append(Token(raw, stem(raw), looks_like_code))
    return tokens


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The token sequence an alias is indexed under."""
    return tuple(t.stem for t in tokenize(phrase))


def edit_distance(a: str, b: str, substitution_cost: int = 1) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, transpositions."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else substitution_cost
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
