"""Turn a student's free text into a canonical token string the lexicon can match.

Beginners write in lowercase run-ons, with slang, contractions, accents and typos. Instead of
multiplying every lexicon pattern by every spelling, the text is folded once into a canonical
form ("whats the diffrence" -> "what is the difference") and the patterns are written against it.
"""

import re
import unicodedata
from collections.abc import Iterable

_TOKEN = re.compile(r"[a-z0-9_]+|\?")
_APOSTROPHES = re.compile(r"['’`´]")

# Slang and contractions after apostrophes are removed ("what's" -> "whats").
# Values may be several words; they are split into tokens again.
SLANG: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plox": "please",
    "pleas": "please",
    "halp": "help",
    "hlp": "help",
    "gimme": "give me",
    "gimmie": "give me",
    "lemme": "let me",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "idk": "i do not know",
    "dunno": "do not know",
    "wtf": "what",
    "wth": "what",
    "wat": "what",
    "wut": "what",
    "wats": "what is",
    "whats": "what is",
    "whatre": "what are",
    "hw": "how",
    "hows": "how is",
    "howd": "how did",
    "doin": "doing",
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "wont": "will not",
    "cant": "can not",
    "cannot": "can not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "its": "it is",
    "thats": "that is",
    "theres": "there is",
    "heres": "here is",
    "whys": "why is",
    "wheres": "where is",
    "lets": "let us",
    "shouldnt": "should not",
    "couldnt": "could not",
    "thx": "thanks",
    "ty": "thanks",
    "prog": "program",
    "func": "function",
    "funcs": "functions",
    "fn": "function",
    "diff": "difference",
    "btw": "by the way",
    "tho": "though",
    "vs": "versus",
    "versus": "versus",
    "practise": "practice",
    "practising": "practicing",
    "execise": "exercise",
    "quizz": "quiz",
    "quizzes": "quiz",
}


def fold_accents(text: str) -> str:
    """'exercício' -> 'exercicio', 'Übung' -> 'Ubung': keywords match whatever the keyboard."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class TypoFixer:
    """Maps a misspelt token to the lexicon word one edit away (insert, delete, swap, replace).

    A symmetric-delete index (the SymSpell idea) makes a lookup a handful of dict probes,
    so correction costs microseconds instead of a difflib scan of the whole vocabulary.
    Only tokens of six letters or more are corrected, and only to a word with the same first
    letter: short words ("words" vs "works") are too easy to confuse, and people rarely
    mistype the first letter.
    """

    MIN_LEN = 6

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = frozenset(vocabulary)
        self._deletes: dict[str, set[str]] = {}
        for word in self._known:
            if len(word) < self.MIN_LEN:
                continue
            for variant in self._variants(word):
                self._deletes.setdefault(variant, set()).add(word)
        self._cache: dict[str, str] = {}

    @staticmethod
    def _variants(word: str) -> set[str]:
        return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}

    def fix(self, token: str) -> str:
        if token in self._known or len(token) < self.MIN_LEN or not token.isalpha():
            return token
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        candidates: set[str] = set()
        for variant in self._variants(token):
            candidates |= self._deletes.get(variant, set())
        best = sorted(
            (w for w in candidates if w[0] == token[0] and _within_one_edit(token, w)),
            key=lambda w: (abs(len(w) - len(token)), w),
        )
        result = best[0] if best else token
        if len(self._cache) < 50_000:  # bounded: a stream of random junk must not grow memory forever
            self._cache[token] = result
        return result


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insert, delete, replace or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def tokenize(text: str, fixer: TypoFixer) -> list[str]:
    """Lowercase, fold accents, drop apostrophes, expand slang, correct typos."""
    folded = _APOSTROPHES.sub("", fold_accents(text).lower())
    tokens: list[str] = []
    for raw in _TOKEN.findall(folded):
        expanded = SLANG.get(raw)
        if expanded is not None:
            tokens.extend(expanded.split())
        else:
            tokens.append(fixer.fix(raw))
    return tokens


def canonical(tokens: list[str]) -> str:
    """Space-padded so every pattern can anchor on whole words with plain spaces."""
    return " " + " ".join(tokens) + " "
