"""Find the concept a question is about, tolerant to phrasing, synonyms, typos and code.

Scoring, in short: the question is tokenized and stemmed; unknown words are typo-corrected
to the nearest known word; alias phrases are then matched longest-first without overlap
(so "list comprehension" claims both words and 'lists' gets nothing); each topic's raw
score is the sum of its matched phrases' weights, squashed into [0, 1).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

from learnflow_agents.tutors.concepts.catalog import ancestors, concepts, depth
from learnflow_agents.tutors.concepts.text import (
    CODE_CUES,
    COMPARISON_CUES,
    STOP_WORDS,
    WEAK_WORDS,
    Token,
    edit_distance,
    phrase_key,
    tokenize,
)

# A topic needs at least this raw score (one exact alias, or a weak keyword used as code)
# before the agent will explain it; below it the agent says the topic is not in its notes.
ACCEPT_RAW = 0.5
_MAX_TOKENS = 300  # a pasted essay should not cost seconds of fuzzy matching
_DUNDER_RE = re.compile(r"^__\w+__$")
_CONJUNCTIONS = frozenset({"or", "and", "vs", "versus"})


@dataclass(frozen=True, slots=True)
class _Entry:
    slug: str
    code_only: bool


@dataclass(slots=True)
class Match:
    slug: str
    raw: float
    first: int  # token position of the first phrase that matched
    last: int  # token position just after the first phrase

    @property
    def score(self) -> float:
        return round(self.raw / (self.raw + 0.5), 3)


@dataclass(slots=True)
class Analysis:
    matches: list[Match]  # best first
    comparison: bool  # the question contrasts two topics ("tuple vs list")
    unknown: list[str] = field(default_factory=list)  # content words nothing explained

    def accepted(self) -> list[Match]:
        return [m for m in self.matches if m.raw >= ACCEPT_RAW]


@cache
def _index() -> tuple[dict[tuple[str, ...], tuple[_Entry, ...]], int, frozenset[str]]:
    """alias phrase -> topics, the longest phrase length, and the typo-correction vocabulary."""
    phrases: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
    for concept in concepts().values():
        names = [(concept.slug.replace("-", " "), False)]
        names += [(alias, False) for alias in concept.aliases]
        names += [(term, True) for term in concept.code_terms]
        for name, code_only in names:
            key = phrase_key(name)
            entry = _Entry(concept.slug, code_only)
            if key and entry not in phrases[key]:
                phrases[key].append(entry)
    vocab = frozenset(
        tok for key in phrases for tok in key if len(tok) >= 4 and tok.isalpha() and tok not in WEAK_WORDS
    )
    frozen = {key: tuple(entries) for key, entries in phrases.items()}
    return frozen, max(len(k) for k in frozen), vocab


@lru_cache(maxsize=8192)
def _correction(word: str) -> str | None:
    """The known word a typo most likely meant, or None when nothing is close enough."""
    if len(word) < 4 or not word.isalpha():
        return None
    # Short words get no substitutions ("lost" must not become "list") but keep
    # transpositions and missing letters ("lsit", "lamda"); long words allow two edits.
    short = len(word) <= 5
    limit = 1 if len(word) <= 7 else 2
    best: tuple[int, int, str] | None = None
    for candidate in _correction_targets():
        if abs(len(candidate) - len(word)) > limit:
            continue
        dist = edit_distance(word, candidate, 2 if short else 1)
        if dist > limit:
            continue
        prefix = len(_common_prefix(word, candidate))
        rank = (dist, -prefix, candidate)
        if best is None or rank < best:
            best = rank
    return best[2] if best else None


@cache
def _correction_targets() -> tuple[str, ...]:
    # Stop words are targets too, so "diffrence" becomes harmless "difference", not a topic word.
    return tuple(sorted(_index()[2] | {w for w in STOP_WORDS if len(w) >= 4}))


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


def _weak_weight(tokens: list[Token], i: int) -> float:
    """'try' in 'what does try do' is the keyword; in 'I try to sort' it is English."""
    if tokens[i].code or len(tokens) <= 2:
        return 0.9
    neighbours = {t.raw for t in tokens[max(0, i - 1) : i + 3] if t is not tokens[i]}
    return 0.9 if neighbours & CODE_CUES else 0.3


def analyse(text: str, *, code: bool = False) -> Analysis:
    """Everything explain() needs to know about a question; lookup() is the ranked view."""
    phrases, max_len, vocab = _index()
    tokens = tokenize(text, all_code=code)[:_MAX_TOKENS]
    stems: list[str] = []
    fuzzy: list[bool] = []
    for tok in tokens:
        known = tok.stem in vocab or tok.raw in STOP_WORDS or (tok.stem,) in phrases
        fixed = None if known or tok.code else _correction(tok.stem)
        stems.append(fixed or tok.stem)
        fuzzy.append(fixed is not None and fixed not in STOP_WORDS)

    consumed = [False] * len(tokens)
    found: dict[str, Match] = {}
    for length in range(min(max_len, len(tokens)), 0, -1):
        for start in range(len(tokens) - length + 1):
            stop = start + length
            if any(consumed[start:stop]):
                continue
            entries = phrases.get(tuple(stems[start:stop]))
            if not entries:
                continue
            # Longer phrases are more specific; each corrected typo costs some confidence.
            weight = (1.0 + 0.25 * (length - 1)) * 0.85 ** sum(fuzzy[start:stop])
            if length == 1 and stems[start] in WEAK_WORDS:
                weight = _weak_weight(tokens, start)
            hits = [e.slug for e in entries if not e.code_only or (length == 1 and tokens[start].code)]
            if not hits:
                continue
            consumed[start:stop] = [True] * length
            for slug in dict.fromkeys(hits):
                _add(found, slug, weight, start, stop)
    for i, tok in enumerate(tokens):
        # Any dunder we have no alias for still tells us the topic.
        if not consumed[i] and _DUNDER_RE.match(tok.raw):
            consumed[i] = True
            _add(found, "dunder-methods", 0.9, i, i + 1)

    _favour_specific(found)
    ranked = sorted(found.values(), key=lambda m: (-m.raw, m.first, -depth(m.slug)))
    unknown = [
        t.raw
        for t, used, s in zip(tokens, consumed, stems, strict=True)
        if not used
        and s not in STOP_WORDS
        and t.raw not in STOP_WORDS
        and t.raw not in WEAK_WORDS
        and len(t.raw) >= 3
        and t.raw.isalpha()
    ]
    return Analysis(ranked, _is_comparison(ranked, tokens, stems), unknown)


def _favour_specific(found: dict[str, Match]) -> None:
    """'enumerate in a for loop': the context (for loops) is evidence for the specific topic.

    A topic gets a bonus for each of its prerequisites that was also mentioned, so it
    outranks those more general topics unless they were matched clearly more strongly.
    """
    bonus = {
        slug: 0.3 * sum(min(1.0, found[a].raw) for a in ancestors(slug) & found.keys())
        for slug in found
        if ancestors(slug) & found.keys()
    }
    for slug, extra in bonus.items():
        found[slug].raw += extra


def _add(found: dict[str, Match], slug: str, weight: float, start: int, stop: int) -> None:
    if slug in found:
        found[slug].raw += weight
    else:
        found[slug] = Match(slug, weight, start, stop)


def _is_comparison(ranked: list[Match], tokens: list[Token], stems: list[str]) -> bool:
    strong = [m for m in ranked if m.raw >= ACCEPT_RAW]
    if len(strong) < 2:
        return False
    if COMPARISON_CUES & set(stems):
        return True
    # "list or tuple", "lists and tuples": only a conjunction between the two topics.
    a, b = sorted(strong[:2], key=lambda m: m.first)
    between = {t.raw for t in tokens[a.last : b.first]}
    return bool(between) and between <= _CONJUNCTIONS


def lookup(text: str) -> list[tuple[str, float]]:
    """Ranked (slug, score) for every topic the question touches; scores in [0, 1)."""
    return [(m.slug, m.score) for m in analyse(text).matches]


def closest(text: str, limit: int = 3) -> list[tuple[str, float]]:
    """Topics that look like the question even though none matched well enough to explain."""
    analysis = analyse(text)
    scores: dict[str, float] = {m.slug: m.score for m in analysis.matches}
    phrases, _, vocab = _index()
    for word in analysis.unknown:
        for near in difflib.get_close_matches(word, vocab, n=3, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, word, near).ratio()
            for entry in phrases.get((near,), ()):
                scores[entry.slug] = max(scores.get(entry.slug, 0.0), round(ratio * 0.5, 3))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:limit]
