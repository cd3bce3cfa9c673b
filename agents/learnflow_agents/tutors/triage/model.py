"""The statistical half of triage: a linear model over word and character n-grams.

Trained at build time with scikit-learn (scripts/build_triage_model.py: TF-IDF over the
features below, then a multinomial logistic regression) and shipped as `model.json`, a table of
n-gram → idf and n-gram → one weight per intent. Inference here is plain Python: the same features, the
same sublinear TF-IDF with an l2 norm per block, a dot product and a softmax. No numpy, no
scikit-learn at run time.

The build passes `word_features` and `char_features` to scikit-learn as its analyzers, so the
features it trained on are, by construction, the ones computed here.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from operator import mul
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("model.json")
# Longer texts add nothing a router needs; capping keeps the worst case fast.
MAX_CHARS = 2_000
# 4- and 5-grams: 3-grams added nothing in cross-validation (0.753 with, 0.755 without) and cost
# a third of the routing time of a long question.
CHAR_NGRAMS = (4, 5)
_WORD = re.compile(r"\w+|\?")
_SPACES = re.compile(r"\s+")


def word_features(text: str) -> list[str]:
    """Words and word pairs of the (already canonical, lowercased) text."""
    tokens = _WORD.findall(text[:MAX_CHARS].lower())
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def char_features(text: str) -> list[str]:
    """Character 4- and 5-grams of the whole text, spaces squeezed and a space at each end.

    They run across word boundaries ("s not ", "y code", " i do"), so they read short phrases
    the way word pairs do but survive the misspellings and odd translations of real questions:
    on the outside sets' dev splits (benchmarks/triage_outside_cv.py) they beat 2-5-grams kept
    inside words by about 1.5 points, on both sets.
    """
    padded = f" {_SPACES.sub(' ', text[:MAX_CHARS].lower()).strip()} "
    length = len(padded)
    low, high = CHAR_NGRAMS
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(length - n + 1)]


ANALYZERS: dict[str, Callable[[str], list[str]]] = {"word": word_features, "chars": char_features}


# Sublinear term frequency, 1 + log(count), for every count a capped text can produce.
_TF = [0.0] + [1.0 + math.log(count) for count in range(1, 5 * MAX_CHARS + 1)]


@dataclass(frozen=True)
class Block:
    """One vectorizer's features: n-gram → idf, and n-gram → weight per intent."""

    analyzer: Callable[[str], list[str]]
    idf: dict[str, float]
    weights: dict[str, tuple[float, ...]]

    def add_scores(self, text: str, scores: list[float]) -> None:
        counts = Counter(self.analyzer(text))
        # Every step below is a C loop (set intersection, map, sum): a long question has thousands
        # of n-grams, and a Python loop over n-grams x intents was most of its routing time.
        known = list(counts.keys() & self.idf.keys())
        if not known:
            return
        tf = map(_TF.__getitem__, map(counts.__getitem__, known))
        values = list(map(mul, tf, map(self.idf.__getitem__, known)))
        norm = math.sqrt(sum(map(mul, values, values)))
        rows = map(self.weights.__getitem__, known)
        for i, column in enumerate(zip(*rows, strict=True)):
            scores[i] += sum(map(mul, values, column)) / norm


@dataclass(frozen=True)
class TextModel:
    intents: tuple[str, ...]
    intercepts: tuple[float, ...]
    blocks: tuple[Block, ...]

    def probabilities(self, text: str) -> dict[str, float]:
        scores = list(self.intercepts)
        for block in self.blocks:
            block.add_scores(text, scores)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {intent: e / total for intent, e in zip(self.intents, exps, strict=True)}


def from_dict(data: dict) -> TextModel:
    intents = tuple(data["intents"])
    blocks = []
    for block in data["blocks"]:
        features = block["features"]
        idf = {gram: row[0] for gram, row in features.items()}
        weights = {gram: tuple(row[1:]) for gram, row in features.items()}
        blocks.append(Block(ANALYZERS[block["analyzer"]], idf, weights))
    return TextModel(intents, tuple(data["intercepts"]), tuple(blocks))


@cache
def load(path: Path = MODEL_FILE) -> TextModel:
    with path.open(encoding="utf-8") as fh:
        return from_dict(json.load(fh))
