"""The scrubber's pre-check (`may_hold_secret`) skips the full pass only where it finds nothing.

A text the pre-check lets through unscanned must be one in which no pattern matches. Checked
three ways: every corpus snippet (each must reach the full pass), every corpus snippet with
the pre-check's trigger characters blanked out (whatever the full pass still finds there,
the pre-check must see), and random texts built from secret-announcing words, provider
prefixes, long runs and every character the pre-check does not look for.
"""

import random
import string

import pytest
from learnflow_agents.privacy.scrubber import _all_spans, _spans, may_hold_secret, scrub

from tests.privacy.corpus import LOOKALIKES, SECRET_VARIABLES, SECRETS

# The characters the pre-check looks for; everything else is "quiet".
_TRIGGERS = set("=:-_.'\"/+~")
_QUIET_PUNCTUATION = "()[]{}<>,;!?#@$%&*|^`\\ \t\n"
_WORDS = [
    "password",
    "passwd",
    "pwd",
    "token",
    "secret",
    "api",
    "key",
    "apikey",
    "Bearer",
    "Basic",
    "Token",
    "Authorization",
    "login(",
    "HTTPBasicAuth(",
    "auth",
    "AKIA",
    "ASIA",
    "AC",
    "SK",
    "sk",
    "ghp",
    "xoxb",
    "AIza",
    "ya29",
    "hf",
    "npm",
    "eyJ",
    "BEGIN",
    "PRIVATE KEY",
    "Private",
    "Lines",
    "sig",
    "AccountKey",
    "export",
    "https",
    "aws",
    "T3BlbkFJ",
    "١٢٣٤٥٦٧٨٩",  # non-ASCII digits: `\d` matches them
]


def _snippets() -> list[str]:
    texts = [snippet for snippet, _ in SECRETS] + list(LOOKALIKES)
    for name, _type, rep, _value in SECRET_VARIABLES:
        texts.extend([name, rep, f"{name} = {rep}"])
    return texts


def _quiet(text: str, fill: str) -> str:
    return "".join(fill if c in _TRIGGERS else c for c in text)


@pytest.mark.parametrize("snippet", _snippets())
def test_every_corpus_snippet_reaches_the_full_pass(snippet: str) -> None:
    if _all_spans(snippet):
        assert may_hold_secret(snippet)
    assert _spans(snippet) == _all_spans(snippet)


@pytest.mark.parametrize("fill", [" ", "", "(", ","])
def test_a_snippet_without_trigger_characters_holds_nothing_the_full_pass_finds(fill: str) -> None:
    for snippet in _snippets():
        quiet = _quiet(snippet, fill)
        if not may_hold_secret(quiet):
            assert _all_spans(quiet) == [], quiet


def test_random_quiet_texts_hold_nothing_the_full_pass_finds() -> None:
    rng = random.Random(19)
    letters = string.ascii_letters + string.digits
    skipped = 0
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 12)):
            kind = rng.random()
            if kind < 0.45:
                parts.append(rng.choice(_WORDS))
            elif kind < 0.7:
                # runs up to 15 long (the pre-check's own limit is 16)
                parts.append("".join(rng.choice(letters) for _ in range(rng.randint(1, 15))))
            else:
                parts.append("".join(rng.choice(_QUIET_PUNCTUATION) for _ in range(rng.randint(1, 3))))
        text = "".join(parts)
        if may_hold_secret(text):
            continue
        skipped += 1
        assert _all_spans(text) == [], text
        assert scrub(text) == text
    assert skipped > 1000  # the generator does make texts the pre-check lets through


def test_the_fast_path_is_taken_for_a_one_line_question() -> None:
    assert not may_hold_secret("why does my loop never stop")
    assert not may_hold_secret("query 1234")
    assert may_hold_secret("my password is hunter2.")
